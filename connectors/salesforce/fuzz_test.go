package salesforce

import (
	"context"
	"errors"
	"testing"

	"github.com/plaudit/plaudit"
)

// FuzzParseOutbound feeds arbitrary bytes to the Outbound Message parser
// and to Receive: no panics, only EInvalid (or, for another organization,
// EUnauthorized) errors, and events that hold together. Seeds:
// testdata/fuzz/FuzzParseOutbound.
func FuzzParseOutbound(f *testing.F) {
	f.Add(fixture(f))
	f.Add(message(testOrg18, 3, `<sf:IsClosed>true</sf:IsClosed><sf:SuppliedEmail>a@b.example</sf:SuppliedEmail>`))
	c := newClient(f, nil, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, err := ParseOutbound(body)
		var e *plaudit.Error
		if err != nil {
			if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message == "" {
				t.Fatalf("ParseOutbound: err = %v, want EInvalid", err)
			}
			return
		}
		if msg.OrganizationID == "" || len(msg.Notifications) == 0 || len(msg.Notifications) > MaxNotifications {
			t.Fatalf("message %+v", msg)
		}
		for _, n := range msg.Notifications {
			if n.ID == "" || n.Fields == nil {
				t.Fatalf("notification %+v", n)
			}
		}
		events, err := c.Receive(context.Background(), plaudit.Delivery{Body: body})
		if err != nil {
			if !errors.As(err, &e) || (e.Code != plaudit.EInvalid && e.Code != plaudit.EUnauthorized) {
				t.Fatalf("Receive: err = %v", err)
			}
			return
		}
		if len(events) != len(msg.Notifications) {
			t.Fatalf("%d events for %d notifications", len(events), len(msg.Notifications))
		}
		for i, ev := range events {
			in := ev.Interaction
			if ev.DedupKey != msg.Notifications[i].ID || !idRE.MatchString(in.ExternalID) || in.Source != Name {
				t.Fatalf("event %+v", ev)
			}
			if in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened && in.Event != plaudit.EventOther {
				t.Fatalf("event %q", in.Event)
			}
		}
	})
}
