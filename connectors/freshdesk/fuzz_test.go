package freshdesk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// FuzzReceive feeds arbitrary bodies, with the webhook secret or without,
// through Receive: it must never panic, must refuse every delivery without
// the secret, and must either return an EInvalid error naming a field or
// events that hold together. Seeds: testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"ticket":{"id":"1","status":"Resolved"}}`), true)
	f.Add([]byte(`{"ticket":{"id":2,"status":"Open","tags":"a, b"}}`), false)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, authentic bool) {
		secret := testSecret
		if !authentic {
			secret = "whk-forged-secret-value"
		}
		events, err := c.Receive(context.Background(), delivery(body, secret))
		var e *plaudit.Error
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
			case !strings.HasPrefix(ev.DedupKey, in.ExternalID+":"+in.Event+":"):
				t.Fatalf("dedup key %q", ev.DedupKey)
			case in.Source != Name || !inbound.Digits(in.ExternalID):
				t.Fatalf("source %q, ticket %q", in.Source, in.ExternalID)
			case in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened:
				t.Fatalf("event %q", in.Event)
			case in.Agent.ExternalID != "" && !inbound.Digits(in.Agent.ExternalID):
				t.Fatalf("agent id %q", in.Agent.ExternalID)
			case len(in.Tags) > maxBodyTags, len(in.Customer.Name) > maxText, len(in.Customer.Email) > maxEmail:
				t.Fatalf("unbounded fields: %+v", in)
			}
		}
	})
}
