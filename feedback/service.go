// Package feedback holds Plaudit's use cases: what happens to a helpdesk's
// event, a feedback request, a customer's answer and a provider's report,
// whichever door they came in by. The HTTP server and the task queue only
// translate requests and tasks into calls of a Service.
//
// The use cases, one file each:
//
//	Ingest         ingest.go    store a helpdesk's event once and queue it
//	Decide         decide.go    whether, when and how to ask for feedback
//	Send           send.go      send a request, once, through its provider
//	Remind         remind.go    the one reminder of an unanswered request
//	Record         answer.go    an answer from the page, an SMS or an email
//	ApplyDelivery  delivery.go  a provider's word on a message it carried
//	Writeback      writeback.go the answer back to the helpdesk, once a version
//
// The invariants they keep: the store is the truth (tasks carry ids and
// read everything else); a request's status changes only through a
// guarded transition (plaudit.Transition, checked in SQL); a send, a
// reminder and a writeback are claimed in the store before the provider is
// called, so two workers never both call it.
package feedback

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/notify"
)

// Service runs the use cases. Its fields are its dependencies; the zero
// values of Metrics (no metrics) and Now (time.Now) are usable. A Service
// is safe for concurrent use once built.
type Service struct {
	Store      Store
	Tasks      Tasks
	Connectors Connectors
	// Email and SMS send the messages of their channel: a provider, or
	// the outbox while PLAUDIT_OUTBOX is on. nil means nothing takes that
	// channel: its requests are skipped (no_provider), never marked sent.
	Email notify.EmailSender
	SMS   notify.SMSSender
	// EmailEvents says that the email provider posts its events to
	// Plaudit (SendGrid's Event Webhook is configured): a send whose
	// worker died then waits for them (EventWait) before it goes again.
	EmailEvents bool
	// SMSLookup asks the SMS provider whether it took a message whose
	// sender died before recording it; nil when it cannot be asked.
	SMSLookup notify.SMSFinder
	Metrics   *metrics.Metrics
	Log       *slog.Logger
	// HTTP is the egress client, for the teams' Slack and Teams webhooks.
	HTTP *http.Client

	PublicURL   string // base of page links and callback URLs
	ReplyDomain string // PLAUDIT_INBOUND_EMAIL_DOMAIN; "" means no reply routing
	FromEmail   string // default sender when a tenant sets none
	// SMSFrom is the shared SMS sender (TWILIO_MESSAGING_SERVICE_SID or
	// TWILIO_FROM), recorded on requests of tenants without sms_from.
	SMSFrom string
	Now     func() time.Time

	circuits breakers
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// provides reports whether something takes the messages of channel.
func (s *Service) provides(channel string) bool {
	switch channel {
	case plaudit.ChannelEmail:
		return s.Email != nil
	case plaudit.ChannelSMS:
		return s.SMS != nil
	}
	return false
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Tasks queues work for later, by id. Each call is idempotent while the
// task it names is queued (queue.Client).
type Tasks interface {
	Interaction(ctx context.Context, tenantID, id string) error
	Send(ctx context.Context, tenantID, id string, due time.Time) error
	Remind(ctx context.Context, tenantID, id string) error
	Writeback(ctx context.Context, tenantID, id string, version int) error
	// TeamNotice queues a team notification (Notice* kinds) about a
	// response, or for a digest a team.
	TeamNotice(ctx context.Context, tenantID, id, kind string) error
}

// Connectors gives a connector and its driver by id (connectors.Cache,
// whose entries leave memory within seconds of a change). A connector
// whose config its kind refuses comes with the kind's error.
type Connectors interface {
	Get(ctx context.Context, id string) (plaudit.Connector, plaudit.Driver, error)
}

// connector returns one of a tenant's connectors and its driver; another
// tenant's is not found.
func (s *Service) connector(ctx context.Context, tenantID, id string) (plaudit.Connector, plaudit.Driver, error) {
	con, d, err := s.Connectors.Get(ctx, id)
	if con.ID != "" && con.TenantID != tenantID {
		return plaudit.Connector{}, nil, plaudit.Errorf(plaudit.ENotFound, "connector not found")
	}
	return con, d, err
}

// NotDueError says that work was asked for before its time: a request
// rescheduled since its task was queued, a reminder in quiet hours, a
// writeback waiting for an older version's. It is to be done again at
// Until; it is no failure.
type NotDueError struct {
	Until  time.Time
	Reason string
}

func (e *NotDueError) Error() string { return "not due yet: " + e.Reason }

// ErrCircuitOpen marks a call not made because its provider's circuit is
// open (it is wrapped in a plaudit.RetryAfterError for the rest of the
// cooldown). Like a NotDueError, it is no failed attempt.
var ErrCircuitOpen = errors.New("circuit open: provider failing, call paused")

// Try describes the attempt of a piece of work that is retried: which
// one it is, whether it is the last, and whether it takes over from a
// worker that died holding it.
type Try struct {
	Attempt  int // from 1
	Last     bool
	TakeOver bool
}

// permanentIfNotFound makes a missing row a reason to give up.
func permanentIfNotFound(err error, reason string) error {
	if plaudit.IsNotFound(err) {
		return plaudit.Permanent(reason, err)
	}
	return err
}

// transition moves a request. A request no longer in a state the
// transition starts from was moved by someone else (answered before the
// delivery report came, a report repeated, a claim taken over after its
// timeout): that is the guard doing its work, not an error.
func (s *Service) transition(ctx context.Context, req plaudit.FeedbackRequest, t plaudit.Transition) error {
	_, err := s.Store.TransitionRequest(ctx, req.TenantID, req.ID, t)
	if plaudit.ErrorCode(err) == plaudit.EConflict {
		s.log().Info("request moved already", "request", req.ID, "to", t.To)
		return nil
	}
	return err
}
