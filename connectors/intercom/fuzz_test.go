package intercom

import (
	"context"
	"net/http"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// FuzzReceive feeds arbitrary bodies, signed or not, through Receive: it
// must never panic, must refuse every unsigned body, and must either
// return an EInvalid error naming a field (or a stale refusal) or events
// that hold together. Seeds: testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"id":"n","topic":"conversation.admin.closed","data":{"item":{"id":"1"}}}`), true)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		secret := testSecret
		if !sign {
			secret = "not the secret"
		}
		d := plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
		d.Header.Set(HeaderSignature, Sign([]byte(secret), body))
		events, err := c.Receive(context.Background(), d)
		if !conntest.FuzzOutcome(t, sign, err, "notification is stale") {
			return
		}
		for _, ev := range events {
			in := ev.Interaction
			switch {
			case ev.DedupKey == "" || len([]rune(ev.DedupKey)) > maxText:
				t.Fatalf("dedup key %q", ev.DedupKey)
			case in.Source != Name || !inbound.Digits(in.ExternalID):
				t.Fatalf("source %q, conversation %q", in.Source, in.ExternalID)
			case in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened:
				t.Fatalf("event %q", in.Event)
			case in.Agent.ExternalID != "" && !inbound.Digits(in.Agent.ExternalID):
				t.Fatalf("agent id %q", in.Agent.ExternalID)
			case len(in.Tags) > inbound.MaxTags:
				t.Fatalf("%d tags", len(in.Tags))
			}
		}
	})
}
