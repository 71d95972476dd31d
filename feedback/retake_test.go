package feedback

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// retakeFixture is a request whose send a worker claimed at t0 and then
// died holding: the provider may or may not have taken the message.
type retakeFixture struct {
	providerFixture
	s   *Service
	now time.Time
	req plaudit.FeedbackRequest
	t0  time.Time
}

func newRetake(t *testing.T, email notify.EmailSender, sms notify.SMSSender, channel string) *retakeFixture {
	t.Helper()
	f := &retakeFixture{providerFixture: newProviderFixture(t), now: time.Now().UTC().Truncate(time.Microsecond)}
	f.st.SetClaimTimeout(5 * time.Second)
	f.s = f.service(email, sms)
	f.s.Now = func() time.Time { return f.now }
	if channel == plaudit.ChannelSMS {
		f.req = f.decide(t, f.s, "T-1", "phone", "", "+49 151 12345678")
	} else {
		f.req = f.decide(t, f.s, "T-1", "email", "erika@example.org", "")
	}
	// The dead worker's claim.
	f.t0 = f.now
	claimed, ok, err := f.st.ClaimRequest(t.Context(), f.tenant.ID, f.req.ID, f.t0)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	f.req = claimed
	return f
}

// after moves the clock to d after the dead worker's claim.
func (f *retakeFixture) after(d time.Duration) { f.now = f.t0.Add(d) }

// event is the provider's event about the first message, as the event
// webhook or the status callback delivers it while the request is still
// "sending".
func (f *retakeFixture) event(t *testing.T, provider, providerID, event, outcome string) {
	t.Helper()
	err := f.s.ApplyDelivery(t.Context(), plaudit.DeliveryEvent{Provider: provider, EventID: providerID + event,
		TenantID: f.tenant.ID, RequestID: f.req.ID, ProviderID: providerID, Event: event, Outcome: outcome})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRetakeFindsTheEmailEvent: SendGrid's events for the email came in
// while the request was "sending"; the retake marks it sent with
// SendGrid's id, and the customer is not asked again. The delivery that
// came then is applied too.
func TestRetakeFindsTheEmailEvent(t *testing.T) {
	mail := &sentEmails{}
	f := newRetake(t, mail, nil, plaudit.ChannelEmail)
	f.s.EmailEvents = true
	f.after(time.Second)
	f.event(t, "sendgrid", "sg-taken", "processed", "")
	f.event(t, "sendgrid", "sg-taken", "delivered", plaudit.OutcomeDelivered)
	if got := f.request(t, "T-1"); got.Status != plaudit.RequestSending {
		t.Fatalf("an event moved a request that is being sent: %s", got.Status)
	}

	f.after(6 * time.Second) // the claim has timed out
	if err := f.s.Send(t.Context(), f.tenant.ID, f.req.ID); err != nil {
		t.Fatal(err)
	}
	got := f.request(t, "T-1")
	if len(mail.sent) != 0 {
		t.Errorf("%d emails sent again, want none: SendGrid had taken it", len(mail.sent))
	}
	if got.Status != plaudit.RequestDelivered || got.ProviderID != "sg-taken" || got.SentAt == nil || !got.SentAt.Equal(f.t0.Truncate(time.Microsecond)) {
		t.Errorf("request after the retake: %s, provider id %q, sent at %v; want delivered, sg-taken, at the claim %v",
			got.Status, got.ProviderID, got.SentAt, f.t0)
	}
}

// TestRetakeWaitsForEmailEvents: no event yet, events configured: the
// retake hands the claim back and waits until EventWait after the
// abandoned claim, without using a retry; an event that comes meanwhile
// settles it, and without one the email goes out again then, once.
func TestRetakeWaitsForEmailEvents(t *testing.T) {
	for _, eventComes := range []bool{true, false} {
		mail := &sentEmails{}
		f := newRetake(t, mail, nil, plaudit.ChannelEmail)
		f.s.EmailEvents = true
		f.after(6 * time.Second)
		err := f.s.Send(t.Context(), f.tenant.ID, f.req.ID)
		var nd *NotDueError
		if !errors.As(err, &nd) || !nd.Until.Equal(f.t0.Add(EventWait)) {
			t.Fatalf("retake without evidence, events configured: %v, want not due until %v", err, f.t0.Add(EventWait))
		}
		got := f.request(t, "T-1")
		if got.Status != plaudit.RequestSending || got.Attempts != 1 || !got.UpdatedAt.Equal(f.t0.Truncate(time.Microsecond)) || len(mail.sent) != 0 {
			t.Fatalf("while waiting: %s after %d attempts, claimed %v, %d emails; want the abandoned claim as it was",
				got.Status, got.Attempts, got.UpdatedAt, len(mail.sent))
		}
		if eventComes {
			f.after(70 * time.Second)
			f.event(t, "sendgrid", "sg-late", "processed", "")
		}
		f.after(EventWait + time.Second)
		if err := f.s.Send(t.Context(), f.tenant.ID, f.req.ID); err != nil {
			t.Fatal(err)
		}
		got = f.request(t, "T-1")
		want := 1
		if eventComes {
			want = 0
		}
		if len(mail.sent) != want || got.Status != plaudit.RequestSent {
			t.Errorf("event came %v: %d emails, request %s; want %d, sent", eventComes, len(mail.sent), got.Status, want)
		}
	}
}

// TestRetakeWithoutEventsSendsAgain: without the Event Webhook nothing can
// tell, and the abandoned email goes out again once the claim has timed
// out, as it always did (the window docs/reliability.md describes).
func TestRetakeWithoutEventsSendsAgain(t *testing.T) {
	mail := &sentEmails{}
	f := newRetake(t, mail, nil, plaudit.ChannelEmail)
	f.after(6 * time.Second)
	if err := f.s.Send(t.Context(), f.tenant.ID, f.req.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, "T-1"); len(mail.sent) != 1 || got.Status != plaudit.RequestSent || got.Attempts != 2 {
		t.Errorf("%d emails, request %s after %d attempts; want 1, sent after 2", len(mail.sent), got.Status, got.Attempts)
	}
}

// smsFinder answers Twilio's message list from a script.
type smsFinder struct {
	found string
	err   error
	asked []notify.SMSQuery
}

func (f *smsFinder) FindSMS(_ context.Context, q notify.SMSQuery) (string, error) {
	f.asked = append(f.asked, q)
	return f.found, f.err
}

// TestRetakeAsksTwilio: no status callback came (the gateway was down),
// but Twilio's message list has the text: the retake marks it sent with
// Twilio's Sid and sends nothing. When Twilio cannot be asked, nothing is
// sent and the claim goes back for a later try; when Twilio has no such
// message, the SMS is sent again.
func TestRetakeAsksTwilio(t *testing.T) {
	sms := &sentSMS{}
	f := newRetake(t, nil, sms, plaudit.ChannelSMS)
	finder := &smsFinder{err: errors.New("twilio: 503")}
	f.s.SMSLookup = finder
	f.after(6 * time.Second)
	if err := f.s.Send(t.Context(), f.tenant.ID, f.req.ID); err == nil || plaudit.IsPermanent(err) {
		t.Fatalf("Twilio unreachable: %v, want an error to retry", err)
	}
	if got := f.request(t, "T-1"); sms.n != 0 || got.Status != plaudit.RequestSending || got.Attempts != 1 {
		t.Fatalf("Twilio unreachable: %d SMS, request %s after %d attempts; want none, the abandoned claim", sms.n, got.Status, got.Attempts)
	}
	q := finder.asked[0]
	if q.To != "+4915112345678" || !strings.HasPrefix(q.Contains, "/f/") || len(q.Contains) < 20 || q.Since.After(f.t0) {
		t.Errorf("look-up %+v, want the recipient, the page link and a time before the claim", q)
	}

	finder.err, finder.found = nil, "SMtaken"
	f.after(7 * time.Second)
	if err := f.s.Send(t.Context(), f.tenant.ID, f.req.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, "T-1"); sms.n != 0 || got.Status != plaudit.RequestSent || got.ProviderID != "SMtaken" {
		t.Errorf("Twilio had it: %d SMS, request %s (%q); want none sent, sent as SMtaken", sms.n, got.Status, got.ProviderID)
	}

	g := newRetake(t, nil, sms, plaudit.ChannelSMS)
	g.s.SMSLookup = &smsFinder{}
	g.after(6 * time.Second)
	if err := g.s.Send(t.Context(), g.tenant.ID, g.req.ID); err != nil {
		t.Fatal(err)
	}
	if got := g.request(t, "T-1"); sms.n != 1 || got.Status != plaudit.RequestSent {
		t.Errorf("Twilio had none: %d SMS, request %s; want 1, sent", sms.n, got.Status)
	}
}

// TestRetakeFindsTheSMSStatusCallback: a status callback that came while
// the request was "sending" is evidence enough: Twilio is not asked.
func TestRetakeFindsTheSMSStatusCallback(t *testing.T) {
	sms := &sentSMS{}
	f := newRetake(t, nil, sms, plaudit.ChannelSMS)
	finder := &smsFinder{}
	f.s.SMSLookup = finder
	f.event(t, "twilio", "SMcb", "sent", "")
	f.after(6 * time.Second)
	if err := f.s.Send(t.Context(), f.tenant.ID, f.req.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, "T-1"); sms.n != 0 || got.ProviderID != "SMcb" || len(finder.asked) != 0 {
		t.Errorf("%d SMS, provider id %q, %d look-ups; want none, SMcb, none", sms.n, got.ProviderID, len(finder.asked))
	}
}

// TestReminderRetakeFindsItsEvent: a reminder whose worker died after
// SendGrid took it is marked sent, not sent again; its events are told
// from the first message's, also when they name only SendGrid's id.
func TestReminderRetakeFindsItsEvent(t *testing.T) {
	mail := &sentEmails{}
	f := newRetake(t, mail, nil, plaudit.ChannelEmail)
	f.s.EmailEvents = true
	ctx := t.Context()
	f.tenant.Settings.ReminderAfterHours = 1
	if err := f.st.UpdateTenant(ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	if err := f.st.MarkRequestSent(ctx, f.tenant.ID, f.req.ID, "sg-first", f.t0); err != nil {
		t.Fatal(err)
	}
	// The dead worker's reminder claim, two hours later, and the
	// reminder's event, which came meanwhile.
	f.after(2 * time.Hour)
	claimAt := f.now
	if _, ok, err := f.st.ClaimReminder(ctx, f.tenant.ID, f.req.ID, claimAt, claimAt.Add(-time.Hour), f.t0.Add(-time.Hour)); err != nil || !ok {
		t.Fatalf("reminder claim: %v %v", ok, err)
	}
	err := f.s.ApplyDelivery(ctx, plaudit.DeliveryEvent{Provider: "sendgrid", EventID: "e1", TenantID: f.tenant.ID, RequestID: f.req.ID,
		ProviderID: "sg-reminder", Event: "processed", Reminder: true})
	if err != nil {
		t.Fatal(err)
	}
	f.now = claimAt.Add(6 * time.Second)
	if err := f.s.Remind(ctx, f.tenant.ID, f.req.ID, Try{Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	got := f.request(t, "T-1")
	if len(mail.sent) != 0 || got.ReminderStatus != plaudit.ReminderSent || got.ProviderID != "sg-first" {
		t.Errorf("%d emails, reminder %q, provider id %q; want none sent again, sent, the first message's id kept",
			len(mail.sent), got.ReminderStatus, got.ProviderID)
	}
	// A bounce of the reminder named by SendGrid's id alone leaves the
	// request as its first message left it.
	err = f.s.ApplyDelivery(ctx, plaudit.DeliveryEvent{Provider: "sendgrid", EventID: "e2", ProviderID: "sg-reminder",
		Event: "bounce", Outcome: plaudit.OutcomeBounced, Reason: "sendgrid: bounce"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, "T-1"); got.Status != plaudit.RequestSent {
		t.Errorf("a reminder's bounce by provider id moved the request to %s", got.Status)
	}
}
