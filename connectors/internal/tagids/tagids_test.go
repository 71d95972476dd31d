package tagids

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
)

func TestID(t *testing.T) {
	valid := regexp.MustCompile(`^tag_[0-9]+$`).MatchString
	var sent []string
	answer := `{"id":"tag_7"}`
	create := func(_ context.Context, payload, out any) error {
		b, _ := json.Marshal(payload)
		sent = append(sent, string(b))
		return json.Unmarshal([]byte(answer), out)
	}
	var c Cache
	ctx := context.Background()
	for range 2 {
		if id, err := c.ID(ctx, "desk", "csat", valid, create); err != nil || id != "tag_7" {
			t.Fatalf("ID = %q, %v", id, err)
		}
	}
	if len(sent) != 1 || sent[0] != `{"name":"csat"}` {
		t.Errorf("created %v, want one tag named csat", sent)
	}
	c.Put("found", "tag_9")
	if id, _ := c.ID(ctx, "desk", "found", valid, create); id != "tag_9" || len(sent) != 1 {
		t.Errorf("a remembered tag: %q, %d calls", id, len(sent))
	}
	// An id that cannot go into a path is not remembered.
	answer = `{"id":"../admins"}`
	if _, err := c.ID(ctx, "desk", "other", valid, create); err == nil || err.Error() != "desk: create tag: answer has no tag id" {
		t.Errorf("bad id: %v", err)
	}
	if c.Get("other") != "" {
		t.Error("a bad id was remembered")
	}
}
