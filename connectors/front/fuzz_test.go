package front

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
// return an EInvalid error naming a field or events that hold together.
// Seeds: testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"type":"archive","payload":{"id":"evt_1","conversation":{"id":"cnv_1"}}}`), true)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		secret := testSecret
		if !sign {
			secret = "not the secret"
		}
		events, err := c.Receive(context.Background(), signed(body, testNow, secret))
		if !conntest.FuzzOutcome(t, sign, err) {
			return
		}
		for _, ev := range events {
			in := ev.Interaction
			switch {
			case ev.DedupKey == "" || len([]rune(ev.DedupKey)) > maxText:
				t.Fatalf("dedup key %q", ev.DedupKey)
			case in.Source != Name || !idRE.MatchString(in.ExternalID):
				t.Fatalf("source %q, conversation %q", in.Source, in.ExternalID)
			case in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened:
				t.Fatalf("event %q", in.Event)
			case in.Agent.ExternalID != "" && !idRE.MatchString(in.Agent.ExternalID):
				t.Fatalf("agent id %q", in.Agent.ExternalID)
			case len(in.Tags) > inbound.MaxTags:
				t.Fatalf("%d tags", len(in.Tags))
			}
		}
	})
}

// FuzzHandshake: a sync request is echoed only when it is signed, and
// the echo is always JSON that holds the challenge as it came.
func FuzzHandshake(f *testing.F) {
	f.Add([]byte(`{"type":"sync","authorization":{"id":"cmp_1"}}`), "abc", true)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, challenge string, sign bool) {
		secret := testSecret
		if !sign {
			secret = "not the secret"
		}
		d := signed(body, testNow, secret)
		d.Header.Set(HeaderChallenge, challenge)
		challenge = d.Header.Get(HeaderChallenge) // as a header carries it
		a, handled, err := c.Handshake(context.Background(), http.MethodPost, d)
		if challenge == "" {
			if handled {
				t.Fatal("no challenge, handled")
			}
			return
		}
		if !sign {
			if plaudit.ErrorCode(err) != plaudit.EUnauthorized {
				t.Fatalf("unsigned sync: %v", err)
			}
			return
		}
		if err != nil {
			if plaudit.ErrorCode(err) != plaudit.EInvalid || len(challenge) <= maxChallenge {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if a.Status != http.StatusOK || a.ContentType != "application/json" {
			t.Fatalf("answer %+v", a)
		}
	})
}
