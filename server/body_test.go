package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/server"
)

// TestOversizedBodyGetsA413TheSenderReads: a helpdesk (or any HTTP client
// that writes the whole body before it reads the answer, as Go's net/http
// does) that posts 2 MiB gets a 413 with the error, not a reset
// connection; with a Content-Length or chunked, to a webhook or the API.
// A body just under the limit is still read whole.
func TestOversizedBodyGetsA413TheSenderReads(t *testing.T) {
	h := newAPIHarness(t)
	base := "http://" + h.listen()
	big := bytes.Repeat([]byte("x"), 2<<20)
	cases := []struct {
		name, path string
		body       func() io.Reader
	}{
		{"webhook", "/hooks/con_unknown", func() io.Reader { return bytes.NewReader(big) }},
		{"API", "/api/v1/tenants", func() io.Reader { return bytes.NewReader(big) }},
		// Without a length the client sends it chunked.
		{"chunked webhook", "/hooks/con_unknown", func() io.Reader { return io.MultiReader(bytes.NewReader(big)) }},
	}
	// A reset depends on timing: each case is tried a few times.
	for i := range 20 * len(cases) {
		c := cases[i%len(cases)]
		resp, err := http.Post(base+c.path, "application/json", c.body())
		if err != nil {
			t.Errorf("%s, 2 MiB: %v; want a 413 to read", c.name, err)
			continue
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 413 || e.Error.Code != "too_large" || !strings.Contains(e.Error.Message, "1 MiB") {
			t.Errorf("%s, 2 MiB: %d %+v; want 413 too_large saying the limit", c.name, resp.StatusCode, e.Error)
		}
	}
	// Under the limit (and over the 8 KiB read before the handler) the
	// body reaches the handler whole: here the operator check, then JSON.
	under := append([]byte(`{"name":"`+strings.Repeat("n", server.MaxBody-100)), `"}`...)
	req, _ := http.NewRequest("POST", base+"/api/v1/tenants", bytes.NewReader(under))
	req.Header.Set("Authorization", "Bearer "+operatorToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "name") {
		t.Errorf("a body just under 1 MiB: %d %s; want 400 naming the name (it was read whole)", resp.StatusCode, b)
	}
}
