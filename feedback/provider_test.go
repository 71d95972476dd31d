package feedback

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/teststore"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/store"
)

// sentEmails records what an email provider took.
type sentEmails struct {
	mu   sync.Mutex
	sent []notify.Email
}

func (p *sentEmails) SendEmail(_ context.Context, m notify.Email) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, m)
	return "prov-1", nil
}

type sentSMS struct{ n int }

func (p *sentSMS) SendSMS(context.Context, notify.SMS) (string, error) { p.n++; return "SM1", nil }

// noTasks takes tasks and does nothing: the test runs the use cases itself.
type noTasks struct{}

func (noTasks) Interaction(context.Context, string, string) error        { return nil }
func (noTasks) Send(context.Context, string, string, time.Time) error    { return nil }
func (noTasks) Remind(context.Context, string, string) error             { return nil }
func (noTasks) Writeback(context.Context, string, string, int) error     { return nil }
func (noTasks) TeamNotice(context.Context, string, string, string) error { return nil }

type providerFixture struct {
	st     *store.Store
	tenant plaudit.Tenant
}

func newProviderFixture(t *testing.T) providerFixture {
	t.Helper()
	st := teststore.SQLite(t)
	set := plaudit.DefaultSettings()
	set.DelaySeconds = 0
	set.QuietHours = plaudit.QuietHours{Start: "00:00", End: "00:00"}
	ten := plaudit.Tenant{Name: "Acme", Settings: set}
	if err := st.CreateTenant(t.Context(), &ten); err != nil {
		t.Fatal(err)
	}
	agent := plaudit.Agent{TenantID: ten.ID, Email: "max@support.example", Name: "Max", Approved: true}
	if err := st.CreateAgent(t.Context(), &agent); err != nil {
		t.Fatal(err)
	}
	return providerFixture{st: st, tenant: ten}
}

// decide ingests a solved ticket of a customer with these addresses,
// reached by channel, and returns the request Decide made of it.
func (f providerFixture) decide(t *testing.T, s *Service, ticket, channel, email, phone string) plaudit.FeedbackRequest {
	t.Helper()
	in := plaudit.Interaction{
		TenantID: f.tenant.ID, Source: "api", DedupKey: ticket, ExternalID: ticket, Event: plaudit.EventSolved,
		Channel: channel, Customer: plaudit.Customer{Email: email, Phone: phone, Country: "DE"},
		Agent: plaudit.AgentRef{Email: "max@support.example"},
	}
	if _, err := f.st.InsertInteraction(t.Context(), &in); err != nil {
		t.Fatal(err)
	}
	if err := s.Decide(t.Context(), f.tenant.ID, in.ID); err != nil {
		t.Fatal(err)
	}
	return f.request(t, ticket)
}

func (f providerFixture) request(t *testing.T, ticket string) plaudit.FeedbackRequest {
	t.Helper()
	reqs, err := f.st.ListRequests(t.Context(), f.tenant.ID, store.RequestFilter{TicketID: ticket})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests of ticket %s: %v, %v", ticket, reqs, err)
	}
	return reqs[0]
}

func (f providerFixture) service(email notify.EmailSender, sms notify.SMSSender) *Service {
	s := &Service{Store: f.st, Tasks: noTasks{}, PublicURL: "https://plaudit.example"}
	if email != nil {
		s.Email = email
	}
	if sms != nil {
		s.SMS = sms
	}
	return s
}

// TestNoProviderSkips: a channel that no provider takes leaves its
// requests skipped with reason no_provider, and nothing is marked sent;
// a customer also reachable on a channel that has one is asked there.
func TestNoProviderSkips(t *testing.T) {
	f := newProviderFixture(t)
	mail := &sentEmails{}
	s := f.service(mail, nil) // email only: no SMS provider, the outbox off

	r := f.decide(t, s, "T-1", "phone", "", "+49 151 12345678")
	if r.Status != plaudit.RequestSkipped || r.Reason != plaudit.ReasonNoProvider {
		t.Errorf("SMS-only customer without an SMS provider: %s (%s), want skipped (no_provider)", r.Status, r.Reason)
	}
	r = f.decide(t, s, "T-2", "phone", "erika@example.org", "+49 151 12345678")
	if r.Status != plaudit.RequestScheduled || r.Channel != plaudit.ChannelEmail {
		t.Errorf("customer with email and phone: %s on %q, want scheduled by email", r.Status, r.Channel)
	}
	if err := s.Send(t.Context(), f.tenant.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.request(t, "T-2"); r.Status != plaudit.RequestSent || len(mail.sent) != 1 {
		t.Errorf("the email request: %s after %d emails, want sent after 1", r.Status, len(mail.sent))
	}

	none := f.service(nil, nil)
	r = f.decide(t, none, "T-3", "email", "erika@example.org", "")
	if r.Status != plaudit.RequestSkipped || r.Reason != plaudit.ReasonNoProvider {
		t.Errorf("no provider at all: %s (%s), want skipped (no_provider)", r.Status, r.Reason)
	}
}

// TestProviderGoneBeforeSend: a request scheduled while its channel had a
// provider, sent by a process that has none (restarted without it), is
// skipped with reason no_provider, not marked sent.
func TestProviderGoneBeforeSend(t *testing.T) {
	f := newProviderFixture(t)
	sms := &sentSMS{}
	r := f.decide(t, f.service(nil, sms), "T-1", "phone", "", "+49 151 12345678")
	if r.Status != plaudit.RequestScheduled || r.Channel != plaudit.ChannelSMS {
		t.Fatalf("with an SMS provider: %s on %q, want scheduled by SMS", r.Status, r.Channel)
	}
	if err := f.service(&sentEmails{}, nil).Send(t.Context(), f.tenant.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	r = f.request(t, "T-1")
	if r.Status != plaudit.RequestSkipped || r.Reason != plaudit.ReasonNoProvider || r.SentAt != nil || sms.n != 0 {
		t.Errorf("sent without an SMS provider: %s (%s), sent_at %v; want skipped (no_provider), never sent", r.Status, r.Reason, r.SentAt)
	}
}

// TestProviderGoneBeforeReminder: a reminder due on a channel that no
// longer has a provider is skipped, never marked sent.
func TestProviderGoneBeforeReminder(t *testing.T) {
	f := newProviderFixture(t)
	f.tenant.Settings.ReminderAfterHours = 1
	if err := f.st.UpdateTenant(t.Context(), f.tenant); err != nil {
		t.Fatal(err)
	}
	sms := &sentSMS{}
	withSMS := f.service(nil, sms)
	r := f.decide(t, withSMS, "T-1", "phone", "", "+49 151 12345678")
	if err := withSMS.Send(t.Context(), f.tenant.ID, r.ID); err != nil || sms.n != 1 {
		t.Fatalf("send: %v, %d SMS", err, sms.n)
	}
	later := f.service(&sentEmails{}, nil)
	later.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if err := later.Remind(t.Context(), f.tenant.ID, r.ID, Try{Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	r = f.request(t, "T-1")
	if r.ReminderStatus != plaudit.ReminderSkipped || sms.n != 1 {
		t.Errorf("reminder without an SMS provider: %q after %d SMS, want skipped after the first only", r.ReminderStatus, sms.n)
	}
}
