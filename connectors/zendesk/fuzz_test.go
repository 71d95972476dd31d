package zendesk

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// FuzzReceive feeds arbitrary bodies, signed or not, through Receive: it
// must never panic, must refuse every unsigned body, and must either
// return an EInvalid error naming a field or events that hold together.
// Seeds: testdata/fuzz/FuzzReceive (the fixtures and edge cases).
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"ticket":{"id":"1","status":"Solved"}}`), true)
	f.Add([]byte(`{"type":"zen:event-type:ticket.status_changed","id":"e","detail":{"id":"2"},"event":{"current":"SOLVED"}}`), true)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		stamp := testNow.Format(time.RFC3339)
		d := plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
		if sign {
			d.Header.Set(HeaderSignature, Sign([]byte(testSecret), stamp, body))
		} else {
			d.Header.Set(HeaderSignature, Sign([]byte("not the secret"), stamp, body))
		}
		d.Header.Set(HeaderSignatureTimestamp, stamp)
		events, err := c.Receive(context.Background(), d)
		var e *plaudit.Error
		if !sign {
			if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized {
				t.Fatalf("unsigned body: err = %v", err)
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
			case in.Source != Name:
				t.Fatalf("source %q", in.Source)
			case !inbound.Digits(in.ExternalID):
				t.Fatalf("ticket id %q", in.ExternalID)
			case in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened && in.Event != plaudit.EventOther:
				t.Fatalf("event %q", in.Event)
			case in.Agent.ExternalID != "" && !inbound.Digits(in.Agent.ExternalID):
				t.Fatalf("agent id %q", in.Agent.ExternalID)
			case len(in.Tags) > inbound.MaxTags:
				t.Fatalf("%d tags", len(in.Tags))
			}
		}
	})
}
