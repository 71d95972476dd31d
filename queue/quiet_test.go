package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// A retry after a provider failure that comes due at night does not text
// the customer then: the request waits for the end of quiet hours.
func TestSMSRetryDuringQuietHoursWaits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	f.now = time.Date(2026, 11, 28, 20, 50, 0, 0, berlin)
	r := f.decide(t, plaudit.Interaction{Channel: "sms", Customer: plaudit.Customer{Phone: "+49 151 23456789"}})
	if r.Channel != plaudit.ChannelSMS || !r.DueAt.Equal(f.now) {
		t.Fatalf("request = %s via %s due %s, want an SMS due now", r.Status, r.Channel, r.DueAt)
	}
	task, _ := NewSendTask(f.tenant.ID, r.ID, f.now)
	f.rec.fail = errors.New("twilio: 503")
	if err := f.w.HandleSend(ctx, task); err == nil {
		t.Fatal("a provider failure was not returned for a retry")
	}

	f.rec.fail = nil
	f.now = time.Date(2026, 11, 28, 21, 20, 0, 0, berlin) // the retry, in quiet hours
	if err := f.w.HandleSend(ctx, task); err != nil {
		t.Fatalf("retry in quiet hours: %v", err)
	}
	if len(f.rec.sms) != 0 {
		t.Fatalf("an SMS went out at 21:20 in the customer's zone")
	}
	got, _ := f.st.GetRequest(ctx, f.tenant.ID, r.ID)
	if want := time.Date(2026, 11, 29, 8, 0, 0, 0, berlin); got.Status != plaudit.RequestScheduled || !got.DueAt.Equal(want) {
		t.Fatalf("request = %s due %s, want scheduled for %s", got.Status, got.DueAt, want)
	}
	// What the store says is due then (the reconciler's view) is sent then.
	f.now = time.Date(2026, 11, 29, 8, 0, 0, 0, berlin)
	if err := f.w.HandleSend(ctx, task); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.sms) != 1 {
		t.Fatalf("sent %d SMS at the end of quiet hours, want 1", len(f.rec.sms))
	}
}

// The zone the helpdesk gives beats the one the phone number suggests.
func TestSMSQuietHoursInTheHelpdeskZone(t *testing.T) {
	f := newFixture(t)
	ny, _ := time.LoadLocation("America/New_York")
	f.now = time.Date(2026, 11, 28, 22, 30, 0, 0, ny) // 04:30 in Berlin, where the number is from
	r := f.decide(t, plaudit.Interaction{Channel: "phone",
		Customer: plaudit.Customer{Phone: "+49 151 23456789", TimeZone: "America/New_York"}})
	if want := time.Date(2026, 11, 29, 8, 0, 0, 0, ny); r.Channel != plaudit.ChannelSMS || !r.DueAt.Equal(want) {
		t.Errorf("request via %s due %s, want SMS due %s (end of quiet hours in New York)", r.Channel, r.DueAt, want)
	}
}
