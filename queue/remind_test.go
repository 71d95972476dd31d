package queue

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// sent makes a request to cust and sends it now; the tenant reminds after
// hours.
func (f *fixture) sent(t *testing.T, hours int, in plaudit.Interaction) plaudit.FeedbackRequest {
	t.Helper()
	ctx := context.Background()
	tn, err := f.st.GetTenant(ctx, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	tn.Settings.ReminderAfterHours = hours
	if err := f.st.UpdateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	f.tenant = tn
	r := f.decide(t, in)
	task, _ := NewSendTask(f.tenant.ID, r.ID, f.now)
	if err := f.w.HandleSend(ctx, task); err != nil {
		t.Fatalf("HandleSend: %v", err)
	}
	got, err := f.st.GetRequest(ctx, f.tenant.ID, r.ID)
	if err != nil || got.Status != plaudit.RequestSent {
		t.Fatalf("request not sent: %+v %v", got, err)
	}
	return got
}

func (f *fixture) remind(t *testing.T, r plaudit.FeedbackRequest) error {
	t.Helper()
	task, _ := NewRemindTask(r.TenantID, r.ID)
	return f.w.HandleRemind(context.Background(), task)
}

func (f *fixture) request(t *testing.T, id string) plaudit.FeedbackRequest {
	t.Helper()
	r, err := f.st.GetRequest(context.Background(), f.tenant.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var kim = plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org", Name: "Kim Lee", Language: "de"}}

func TestReminderSentOnceWithTheSameLink(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.sent(t, 48, kim)
	first := f.rec.email[0]

	// Not due before the hours have passed: neither found nor claimed.
	f.now = f.now.Add(47 * time.Hour)
	if err := f.w.HandleReminders(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.w.Queue.insp.GetTaskInfo(QueueDefault, remindTaskID(r.ID)); !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
		t.Fatalf("reminder enqueued early: %v", err)
	}
	if err := f.remind(t, r); err != nil || len(f.rec.email) != 1 {
		t.Fatalf("reminded early: %v, %d emails", err, len(f.rec.email))
	}

	f.now = f.now.Add(time.Hour)
	if err := f.w.HandleReminders(ctx, nil); err != nil {
		t.Fatal(err)
	}
	info, err := f.w.Queue.insp.GetTaskInfo(QueueDefault, remindTaskID(r.ID))
	if err != nil {
		t.Fatalf("reminder not enqueued: %v", err)
	}
	if want := `{"t":"` + f.tenant.ID + `","id":"` + r.ID + `"}`; info.Type != TypeRemind || string(info.Payload) != want {
		t.Errorf("task %s %s, want %s with ids only", info.Type, info.Payload, want)
	}
	// The next run finds it queued already: one task.
	if err := f.w.HandleReminders(ctx, nil); err != nil {
		t.Fatal(err)
	}

	// Redelivered tasks and workers racing: one reminder.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = f.remind(t, r) }()
	}
	wg.Wait()
	if len(f.rec.email) != 2 {
		t.Fatalf("%d emails, want the request and one reminder", len(f.rec.email))
	}
	m := f.rec.email[1]
	if m.To != first.To || m.RequestID != r.ID || !strings.HasPrefix(m.Subject, "Erinnerung: ") ||
		!strings.HasSuffix(m.Subject, first.Subject) {
		t.Errorf("reminder to %q, subject %q (first: %q)", m.To, m.Subject, first.Subject)
	}
	link := "https://fb.example/f/" + r.Token
	if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) || !strings.Contains(first.Text, link) {
		t.Errorf("reminder does not carry the first link %s", link)
	}
	if !strings.Contains(m.Text, "Max M.") {
		t.Errorf("reminder lacks the agent card:\n%s", m.Text)
	}
	got := f.request(t, r.ID)
	if got.ReminderStatus != plaudit.ReminderSent || got.RemindedAt == nil || !got.RemindedAt.Equal(f.now) ||
		got.Status != plaudit.RequestSent || !got.SentAt.Equal(*r.SentAt) {
		t.Errorf("after the reminder: %+v", got)
	}

	// Never twice: not found again, and a task that still comes does nothing.
	f.now = f.now.Add(72 * time.Hour)
	due, err := f.st.DueReminders(ctx, f.tenant.ID, f.now, f.now.Add(-plaudit.AnswerWindow), 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("due after the reminder: %v %v", due, err)
	}
	if err := f.remind(t, r); err != nil || len(f.rec.email) != 2 {
		t.Fatalf("reminded twice: %v, %d emails", err, len(f.rec.email))
	}
}

func TestReminderNotSent(t *testing.T) {
	cases := []struct {
		name  string
		hours int
		in    plaudit.Interaction
		// before runs between the send and the reminder.
		before func(t *testing.T, f *fixture, r plaudit.FeedbackRequest)
		later  time.Duration
		status string // the reminder status afterwards
		// enqueued: the look-up finds it (it cannot see suppressions).
		enqueued bool
	}{
		{name: "setting 0", hours: 0, later: 24 * time.Hour},
		{name: "setting turned off since", hours: 24, later: 25 * time.Hour,
			before: func(t *testing.T, f *fixture, _ plaudit.FeedbackRequest) {
				tn := f.tenant
				tn.Settings.ReminderAfterHours = 0
				if err := f.st.UpdateTenant(context.Background(), tn); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "answered", hours: 24, later: 25 * time.Hour,
			before: func(t *testing.T, f *fixture, r plaudit.FeedbackRequest) {
				ctx := context.Background()
				resp := plaudit.Response{TenantID: r.TenantID, RequestID: r.ID, TicketID: r.TicketID, Score: 4, Source: plaudit.SourcePage}
				if _, err := f.st.CreateResponse(ctx, &resp); err != nil {
					t.Fatal(err)
				}
				if err := setStatus(ctx, f.st, r, plaudit.RequestResponded, ""); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "answer stored, status not yet", hours: 24, later: 25 * time.Hour,
			before: func(t *testing.T, f *fixture, r plaudit.FeedbackRequest) {
				resp := plaudit.Response{TenantID: r.TenantID, RequestID: r.ID, TicketID: r.TicketID, Score: 4, Source: plaudit.SourcePage}
				if _, err := f.st.CreateResponse(context.Background(), &resp); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "suppressed since", hours: 24, later: 25 * time.Hour, status: plaudit.ReminderSkipped, enqueued: true,
			before: func(t *testing.T, f *fixture, r plaudit.FeedbackRequest) {
				hash := keyring.AddressHash(f.tenant.HashKey, "kim@example.org")
				if err := f.st.Suppress(context.Background(), plaudit.Suppression{TenantID: f.tenant.ID, AddressHash: hash, Reason: "email_bounced"}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "bounced", hours: 24, later: 25 * time.Hour,
			before: func(t *testing.T, f *fixture, r plaudit.FeedbackRequest) {
				if err := setStatus(context.Background(), f.st, r, plaudit.RequestBounced, "sendgrid: bounce"); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "answer window closed", hours: 24, later: plaudit.AnswerWindow + time.Hour},
		{name: "test key", hours: 24, later: 25 * time.Hour,
			in: plaudit.Interaction{Test: true, Customer: plaudit.Customer{Email: "kim@example.org"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			in := c.in
			if in.Customer.Email == "" {
				in = kim
			}
			if in.Test {
				tn := f.tenant
				tn.Settings.TestRecipient = "qa@acme.example"
				if err := f.st.UpdateTenant(ctx, tn); err != nil {
					t.Fatal(err)
				}
				f.tenant = tn
			}
			r := f.sent(t, c.hours, in)
			if c.before != nil {
				c.before(t, f, r)
			}
			f.now = f.now.Add(c.later)
			if err := f.w.HandleReminders(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := f.w.Queue.insp.GetTaskInfo(QueueDefault, remindTaskID(r.ID)); (err == nil) != c.enqueued {
				t.Errorf("reminder task enqueued: %v, want %v", err == nil, c.enqueued)
			}
			if err := f.remind(t, r); err != nil {
				t.Fatal(err)
			}
			if len(f.rec.email) != 1 {
				t.Errorf("%d emails, want the request only", len(f.rec.email))
			}
			if got := f.request(t, r.ID); got.ReminderStatus != c.status {
				t.Errorf("reminder status %q, want %q", got.ReminderStatus, c.status)
			}
		})
	}
}

// A provider failure releases the claim for the retry; a permanent one
// ends the reminder, and the request stays answerable.
func TestReminderProviderFailures(t *testing.T) {
	f := newFixture(t)
	r := f.sent(t, 24, kim)
	f.now = f.now.Add(25 * time.Hour)
	f.rec.fail = errors.New("sendgrid: 503")
	if err := f.remind(t, r); err == nil {
		t.Fatal("a provider failure was not returned for a retry")
	}
	if got := f.request(t, r.ID); got.ReminderStatus != "" {
		t.Fatalf("after a retryable failure: reminder %q, want released", got.ReminderStatus)
	}
	f.rec.fail = nil
	if err := f.remind(t, r); err != nil || len(f.rec.email) != 2 {
		t.Fatalf("retry: %v, %d emails", err, len(f.rec.email))
	}

	g := newFixture(t)
	r = g.sent(t, 24, kim)
	g.now = g.now.Add(25 * time.Hour)
	g.rec.fail = plaudit.Permanent("sendgrid: 400", nil)
	if err := g.remind(t, r); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("err = %v, want SkipRetry", err)
	}
	got := g.request(t, r.ID)
	if got.ReminderStatus != plaudit.ReminderFailed || !got.Answerable(g.now) {
		t.Fatalf("after a permanent failure: %+v", got)
	}
	g.rec.fail = nil
	if err := g.remind(t, r); err != nil || len(g.rec.email) != 1 {
		t.Fatalf("a failed reminder was tried again: %v, %d emails", err, len(g.rec.email))
	}
}

// An SMS reminder due at night waits for the end of quiet hours in the
// customer's zone, holding no claim meanwhile.
func TestSMSReminderWaitsForQuietHours(t *testing.T) {
	f := newFixture(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	f.now = time.Date(2026, 11, 28, 12, 0, 0, 0, berlin)
	r := f.sent(t, 10, plaudit.Interaction{Channel: "sms", Customer: plaudit.Customer{Phone: "+49 151 23456789"}})
	f.now = time.Date(2026, 11, 28, 22, 0, 0, 0, berlin)
	err := f.remind(t, r)
	var ra *plaudit.RetryAfterError
	if !errors.As(err, &ra) || !errors.Is(err, errNotDue) || ra.After != 10*time.Hour {
		t.Fatalf("in quiet hours: %v, want a deferral to 08:00", err)
	}
	if len(f.rec.sms) != 1 || f.request(t, r.ID).ReminderStatus != "" {
		t.Fatalf("an SMS reminder went out (or was claimed) at 22:00")
	}
	f.now = time.Date(2026, 11, 29, 8, 0, 0, 0, berlin)
	if err := f.remind(t, r); err != nil || len(f.rec.sms) != 2 {
		t.Fatalf("at 08:00: %v, %d SMS", err, len(f.rec.sms))
	}
	m := f.rec.sms[1]
	if m.To != f.rec.sms[0].To || !strings.Contains(m.Body, "https://fb.example/f/"+r.Token) || !strings.Contains(m.Body, "Reminder:") {
		t.Errorf("SMS reminder %q", m.Body)
	}
	// Its status reports are marked, so that they leave the request open;
	// the first message's are not.
	if !strings.HasSuffix(m.StatusCallback, "&message=reminder") || strings.Contains(f.rec.sms[0].StatusCallback, "reminder") {
		t.Errorf("status callbacks %q (first) and %q (reminder)", f.rec.sms[0].StatusCallback, m.StatusCallback)
	}
}

// setStatus moves a request to status from wherever it is, as a test's
// set-up.
func setStatus(ctx context.Context, st *store.Store, r plaudit.FeedbackRequest, status, reason string) error {
	_, err := st.TransitionRequest(ctx, r.TenantID, r.ID, plaudit.Transition{From: plaudit.RequestStatuses, To: status, Reason: reason})
	return err
}
