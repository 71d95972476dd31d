package kustomer

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// FuzzReceive feeds arbitrary bodies, signed or not, through Receive: it
// must never panic, must refuse every body not signed with the webhook
// token, and must either return an *plaudit.Error (EInvalid naming a
// field, or a stale delivery) or events that hold together. Seeds:
// testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add(fixture(f, "kustomer-conversation-done.json"), true)
	f.Add([]byte(update("done", "open")), false)
	c := newClient(f, "", nil)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		secret := testSecret
		if !sign {
			secret = "not the token"
		}
		d := plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
		d.Header.Set(HeaderSignature, Sign([]byte(secret), body))
		events, err := c.Receive(context.Background(), d)
		var e *plaudit.Error
		if !sign {
			if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized {
				t.Fatalf("unsigned body: err = %v", err)
			}
			return
		}
		if err != nil {
			if !errors.As(err, &e) || (e.Code != plaudit.EInvalid && e.Message != "delivery is stale") || e.Message == "" {
				t.Fatalf("err = %v, want an EInvalid *plaudit.Error", err)
			}
			return
		}
		if len(events) > 1 {
			t.Fatalf("%d events", len(events))
		}
		for _, ev := range events {
			in := ev.Interaction
			switch {
			case ev.DedupKey == "" || len(ev.DedupKey) > maxText || ev.DedupKey != in.DedupKey:
				t.Fatalf("dedup key %q", ev.DedupKey)
			case in.Source != Name:
				t.Fatalf("source %q", in.Source)
			case !idRE.MatchString(in.ExternalID):
				t.Fatalf("conversation id %q", in.ExternalID)
			case in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened:
				t.Fatalf("event %q", in.Event)
			case in.Agent.ExternalID != "" && !idRE.MatchString(in.Agent.ExternalID):
				t.Fatalf("agent id %q", in.Agent.ExternalID)
			case len(in.Tags) > maxTags:
				t.Fatalf("%d tags", len(in.Tags))
			}
		}
	})
}

// FuzzVerify feeds arbitrary signature headers to Verify: it must never
// panic and must accept only the HMAC of the body.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"id":"e1"}`)
	f.Add(Sign([]byte(testSecret), body))
	f.Add("")
	f.Add("zz")
	f.Add("sha256=00")
	f.Fuzz(func(t *testing.T, signature string) {
		err := Verify([]byte(testSecret), signature, body)
		if err == nil {
			if got := Sign([]byte(testSecret), body); !equalFoldTrim(signature, got) {
				t.Fatalf("accepted %q", signature)
			}
			return
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized {
			t.Fatalf("err = %v", err)
		}
	})
}

// equalFoldTrim compares hex signatures as Verify reads them: case and
// surrounding white space do not matter.
func equalFoldTrim(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), b)
}
