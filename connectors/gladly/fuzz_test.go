package gladly

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/plaudit/plaudit"
)

// FuzzReceive feeds arbitrary bodies, with the webhook's credentials or
// forged ones, through Handshake and Receive: they must never panic, must
// refuse every forged delivery (a forged PING too), and must either
// return an EInvalid error naming a field or events that hold together.
// Seeds: testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"id":"e1","type":"CONVERSATION/CLOSED","content":{"conversationId":"c1"}}`), true)
	f.Add([]byte(`{"id":"p","type":"PING"}`), false)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, authentic bool) {
		password := hookPassword
		if !authentic {
			password = "forged-password-0000"
		}
		d := delivery(body, hookUser, password)
		var e *plaudit.Error
		a, handled, err := c.Handshake(context.Background(), http.MethodPost, d)
		if handled {
			if authentic && (err != nil || a.Status != http.StatusOK) {
				t.Fatalf("PING: %+v %v", a, err)
			}
			if !authentic && (!errors.As(err, &e) || e.Code != plaudit.EUnauthorized) {
				t.Fatalf("forged PING: %v", err)
			}
		}
		events, err := c.Receive(context.Background(), d)
		if !authentic {
			if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized {
				t.Fatalf("forged delivery: err = %v", err)
			}
			return
		}
		if err != nil {
			if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message == "" {
				t.Fatalf("err = %v, want an EInvalid *plaudit.Error", err)
			}
			return
		}
		for _, ev := range events {
			in := ev.Interaction
			switch {
			case ev.DedupKey == "" || len(ev.DedupKey) > 200:
				t.Fatalf("dedup key %q", ev.DedupKey)
			case in.Source != Name || !idRE.MatchString(in.ExternalID):
				t.Fatalf("source %q, conversation %q", in.Source, in.ExternalID)
			case in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened:
				t.Fatalf("event %q", in.Event)
			case in.Agent.ExternalID != "" && !idRE.MatchString(in.Agent.ExternalID):
				t.Fatalf("agent id %q", in.Agent.ExternalID)
			}
		}
	})
}
