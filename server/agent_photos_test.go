package server_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// photoWithMetadata is a 1200×800 JPEG whose EXIF segment holds a GPS
// position and a camera name, as a phone's photo does.
func photoWithMetadata(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1200, 800))
	for y := 0; y < 800; y++ {
		for x := 0; x < 1200; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 5), uint8(y / 4), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	exif := []byte("Exif\x00\x00GPS 52.5200N 13.4050E CameraModel PixelPhone")
	seg := append([]byte{0xFF, 0xE1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}, exif...)
	raw := buf.Bytes()
	return append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
}

func (s *consoleSite) rawGet(path string) (int, []byte) {
	req := httptest.NewRequest("GET", publicURL+path, nil)
	req.RequestURI = ""
	resp, err := s.app.Test(req, -1)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// An admin uploads an agent's photo: Plaudit keeps the centre square at
// 512 pixels, without the metadata, in its store; an agent's own changes
// wait for their lead; deleting the agent deletes the photo.
func TestAgentPhotoAndApproval(t *testing.T) {
	site := newConsoleSite(t)
	key, _ := site.tenant("Nordlicht Reisen", map[string]string{"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	var max struct {
		ID, Bio  string
		PhotoURL string `json:"photo_url"`
	}
	site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{
		"email": "max@nordlicht.example", "name": "Max Muster", "team": "Berlin", "bio": "Here to help."}}, 201).decode(t, &max)

	photo := photoWithMetadata(t)
	r := site.do(call{method: "PUT", path: "/api/v1/agents/" + max.ID + "/photo", key: key, json: photo,
		header: map[string]string{"Content-Type": "image/jpeg"}}, 200)
	r.decode(t, &max)
	prefix := publicURL + "/agent-photos/"
	if !strings.HasPrefix(max.PhotoURL, prefix) {
		t.Fatalf("photo_url %q", max.PhotoURL)
	}
	status, stored := site.rawGet(strings.TrimPrefix(max.PhotoURL, publicURL))
	if status != 200 {
		t.Fatalf("the photo: %d", status)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(stored))
	if err != nil || format != "jpeg" || cfg.Width != 512 || cfg.Height != 512 {
		t.Fatalf("stored photo: %s %dx%d (%v)", format, cfg.Width, cfg.Height, err)
	}
	for _, meta := range []string{"Exif", "GPS", "PixelPhone"} {
		if bytes.Contains(stored, []byte(meta)) {
			t.Errorf("the stored photo still carries %q", meta)
		}
	}
	wantMessage(t, site.do(call{method: "PUT", path: "/api/v1/agents/" + max.ID + "/photo", key: key, json: []byte("<svg/>"),
		header: map[string]string{"Content-Type": "image/jpeg"}}, 400), "photo must be a JPEG, PNG or WebP")

	agent, lead := site.browser(), site.browser()
	agent.signIn("max@nordlicht.example")
	lead.signIn("lea@nordlicht.example")
	if p := agent.api("PATCH", "/api/v1/agents/"+max.ID, `{"bio":"Ask me about fjords."}`); p.status != 202 {
		t.Fatalf("the agent's own change: %d %s", p.status, p.body)
	}
	if p := agent.api("PATCH", "/api/v1/agents/"+max.ID, `{"approved":false}`); p.status != 403 {
		t.Fatalf("the agent approving themselves: %d", p.status)
	}
	site.do(call{method: "GET", path: "/api/v1/agents/" + max.ID, key: key}, 200).decode(t, &max)
	if max.Bio != "Here to help." {
		t.Fatalf("the change applied before approval: %q", max.Bio)
	}
	var changes struct{ Data []struct{ ID string } }
	if p := lead.api("GET", "/api/v1/agent-changes", ""); p.status != 200 || decodeInto(t, p.body, &changes) != 1 {
		t.Fatalf("the lead's queue: %d %s", p.status, p.body)
	}
	if p := agent.api("POST", "/api/v1/agent-changes/"+changes.Data[0].ID+"/approve", ""); p.status != 403 {
		t.Fatalf("the agent approving their change: %d", p.status)
	}
	if p := lead.api("POST", "/api/v1/agent-changes/"+changes.Data[0].ID+"/approve", ""); p.status != 200 || !strings.Contains(p.body, "Ask me about fjords.") {
		t.Fatalf("the lead approving: %d %s", p.status, p.body)
	}

	site.do(call{method: "DELETE", path: "/api/v1/agents/" + max.ID, key: key}, 204)
	if status, _ := site.rawGet(strings.TrimPrefix(max.PhotoURL, publicURL)); status != 404 {
		t.Fatalf("a deleted agent's photo: %d", status)
	}
}

func decodeInto(t *testing.T, body string, v *struct{ Data []struct{ ID string } }) int {
	t.Helper()
	r := reply{body: []byte(body)}
	r.decode(t, v)
	return len(v.Data)
}
