package helpscout

import (
	"context"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// FuzzReceive feeds arbitrary bodies and event names, signed or not,
// through Receive: it must never panic, must refuse every unsigned body,
// and must either return an EInvalid error naming a field (or a stale
// refusal) or events that hold together. Seeds: testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"id":1,"status":"closed"}`), "convo.status", true)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, event string, sign bool) {
		secret := testSecret
		if !sign {
			secret = "not the secret"
		}
		events, err := c.Receive(context.Background(), signed(event, body, secret))
		if !conntest.FuzzOutcome(t, sign, err, "delivery is stale") {
			return
		}
		for _, ev := range events {
			in := ev.Interaction
			switch {
			case ev.DedupKey == "" || len(ev.DedupKey) > 200:
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
