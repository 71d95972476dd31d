package standard

import (
	"context"
	"errors"
	"testing"

	"github.com/plaudit/plaudit"
)

// FuzzReceive feeds arbitrary bodies and webhook ids, signed or not,
// through Receive: no panics, every unsigned delivery refused, signed
// ones either parsed into a consistent event or refused with EInvalid.
// Seeds: testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(triggerBody), "msg_1", true)
	f.Add([]byte(`{"ext_interaction_id":1,"customer":{"phone":4915112345678},"employee":{"custom_id":2},"event":"reopened"}`), "msg_2", true)
	c := newClient(f, nil, map[string]string{SecretSigningSecret: secretCurrent, SecretSigningSecretPrevious: secretPrevious})
	f.Fuzz(func(t *testing.T, body []byte, id string, sign bool) {
		secret := secretOther
		if sign {
			secret = secretCurrent
		}
		d := signed(t, secret, id, testNow, body)
		events, err := c.Receive(context.Background(), d)
		var e *plaudit.Error
		if !sign || id == "" {
			if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized {
				t.Fatalf("unsigned delivery: err = %v", err)
			}
			return
		}
		if err != nil {
			if !errors.As(err, &e) || (e.Code != plaudit.EInvalid && e.Code != plaudit.ETooLarge && e.Code != plaudit.EUnauthorized) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if len(events) != 1 {
			t.Fatalf("%d events", len(events))
		}
		in := events[0].Interaction
		if events[0].DedupKey == "" || events[0].DedupKey != in.DedupKey || in.Source != Name || in.ExternalID == "" {
			t.Fatalf("event %+v", events[0])
		}
	})
}
