package hubspot

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// FuzzReceive feeds arbitrary bodies, signed or not, through Receive: it
// must never panic, must refuse every body not signed with the app
// secret, and must either return an EInvalid error naming a field or
// events that hold together. Seeds: testdata/fuzz/FuzzReceive.
func FuzzReceive(f *testing.F) {
	f.Add(fixture(f, "hubspot-ticket-stage-changed.json"), true)
	f.Add([]byte(`[{"eventId":1,"subscriptionType":"ticket.propertyChange","objectId":2,"propertyName":"hs_pipeline_stage","propertyValue":"4"}]`), false)
	c := newClient(f, "", nil)
	stamp := strconv.FormatInt(testNow.UnixMilli(), 10)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		secret := testSecret
		if !sign {
			secret = "not the secret"
		}
		d := plaudit.Delivery{Header: http.Header{}, Body: body, URL: testURL, Now: testNow}
		d.Header.Set(HeaderSignature, Sign([]byte(secret), http.MethodPost, testURL, body, stamp))
		d.Header.Set(HeaderTimestamp, stamp)
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
		if len(events) > maxEvents {
			t.Fatalf("%d events", len(events))
		}
		for _, ev := range events {
			in := ev.Interaction
			switch {
			case ev.DedupKey == "" || len(ev.DedupKey) > 100 || ev.DedupKey != in.DedupKey:
				t.Fatalf("dedup key %q", ev.DedupKey)
			case in.Source != Name:
				t.Fatalf("source %q", in.Source)
			case !inbound.Digits(in.ExternalID):
				t.Fatalf("ticket id %q", in.ExternalID)
			case in.Event != plaudit.EventSolved && in.Event != plaudit.EventReopened:
				t.Fatalf("event %q", in.Event)
			case in.NeedsEnrich != (in.Event == plaudit.EventSolved):
				t.Fatalf("needs enrich %v for %s", in.NeedsEnrich, in.Event)
			}
		}
	})
}

// FuzzVerify feeds arbitrary signature and timestamp headers and URLs to
// Verify: it must never panic and must accept only the one signature that
// HMAC gives for them, within the time window.
func FuzzVerify(f *testing.F) {
	body := []byte(`[{"eventId":1}]`)
	stamp := strconv.FormatInt(testNow.UnixMilli(), 10)
	f.Add(Sign([]byte(testSecret), http.MethodPost, testURL, body, stamp), stamp, testURL)
	f.Add("", stamp, testURL)
	f.Add("AAAA", "-1", "https://plaudit.example/hooks/con_1?a=%3A")
	f.Add("=====", "99999999999999999999", "")
	f.Fuzz(func(t *testing.T, signature, timestamp, uri string) {
		err := Verify([]byte(testSecret), http.MethodPost, uri, body, signature, timestamp, testNow)
		if err == nil {
			ms, perr := strconv.ParseInt(timestamp, 10, 64)
			if perr != nil || signature != Sign([]byte(testSecret), http.MethodPost, uri, body, timestamp) {
				t.Fatalf("accepted signature %q timestamp %q", signature, timestamp)
			}
			if d := testNow.UnixMilli() - ms; d > Tolerance.Milliseconds() || d < -Tolerance.Milliseconds() {
				t.Fatalf("accepted stale timestamp %q", timestamp)
			}
			return
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized {
			t.Fatalf("err = %v", err)
		}
	})
}
