package feedback

import (
	"context"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/store"
)

// Store is what the use cases need of the store (store.Store), in small
// parts named for what they keep.
type Store interface {
	Directory
	Interactions
	Batches
	Requests
	Reminders
	ProviderMessages
	Responses
	Suppressions
	DeliveryLog
	Seen
	Audit
	Teams
	reports.Store
}

var _ Store = (*store.Store)(nil)

// Directory reads tenants and agents.
type Directory interface {
	GetTenant(ctx context.Context, id string) (plaudit.Tenant, error)
	GetAgent(ctx context.Context, tenantID, id string) (plaudit.Agent, error)
	FindAgent(ctx context.Context, tenantID, kind, externalID, email string) (plaudit.Agent, error)
}

// Interactions keeps the helpdesks' events.
type Interactions interface {
	InsertInteraction(ctx context.Context, in *plaudit.Interaction) (bool, error)
	GetInteraction(ctx context.Context, tenantID, id string) (plaudit.Interaction, error)
	UpdateInteraction(ctx context.Context, in plaudit.Interaction) error
	DeleteInteraction(ctx context.Context, tenantID, id string) error
}

// Requests keeps feedback requests. Their status changes only through
// TransitionRequest (from → to checked in SQL) and the send claim.
type Requests interface {
	CreateRequest(ctx context.Context, r *plaudit.FeedbackRequest) (bool, error)
	GetRequest(ctx context.Context, tenantID, id string) (plaudit.FeedbackRequest, error)
	RequestByToken(ctx context.Context, token string) (plaudit.FeedbackRequest, error)
	SMSRequestsTo(ctx context.Context, recipient string, senders []string, limit int) ([]plaudit.FeedbackRequest, error)
	ClaimRequest(ctx context.Context, tenantID, id string, now time.Time) (plaudit.FeedbackRequest, bool, error)
	MarkRequestSent(ctx context.Context, tenantID, id, providerID string, at time.Time) error
	TransitionRequest(ctx context.Context, tenantID, id string, t plaudit.Transition) (plaudit.FeedbackRequest, error)
	CancelScheduledForTicket(ctx context.Context, tenantID, connectorID, ticketID string) (int, error)
	RecentlyAsked(ctx context.Context, tenantID, recipientHash string, since time.Time) (bool, error)
}

// Reminders keeps the one reminder of each request, claimed like a send.
type Reminders interface {
	ListTenants(ctx context.Context) ([]plaudit.Tenant, error)
	DueReminders(ctx context.Context, tenantID string, sentBy, sentAfter time.Time, limit int) ([]plaudit.FeedbackRequest, error)
	AbandonedReminders(ctx context.Context, now time.Time, limit int) ([]plaudit.FeedbackRequest, error)
	ClaimReminder(ctx context.Context, tenantID, id string, now, sentBy, sentAfter time.Time) (plaudit.FeedbackRequest, bool, error)
	MarkReminderSent(ctx context.Context, tenantID, id, providerID string, at time.Time) error
	ReleaseReminder(ctx context.Context, tenantID, id string) error
	SkipReminder(ctx context.Context, tenantID, id, status string, at time.Time) error
}

// ProviderMessages keeps the providers' word that they took a message
// (their answer to the send, their events), the evidence a retake looks
// for, and hands a retake's claim back while it waits for that word.
type ProviderMessages interface {
	RecordProviderMessage(ctx context.Context, m plaudit.ProviderMessage) error
	ProviderMessages(ctx context.Context, tenantID, requestID string, reminder bool) ([]plaudit.ProviderMessage, error)
	MessageByProviderID(ctx context.Context, providerID string) (plaudit.ProviderMessage, error)
	ReturnSendClaim(ctx context.Context, claim plaudit.FeedbackRequest) error
	ReturnReminderClaim(ctx context.Context, claim plaudit.FeedbackRequest) error
}

// Responses keeps answers, their versions and their writebacks. Versions
// are assigned in the store, and a writeback is claimed there.
type Responses interface {
	CreateResponse(ctx context.Context, r *plaudit.Response) (bool, error)
	ResponseByRequest(ctx context.Context, tenantID, requestID string) (plaudit.Response, error)
	UpdateResponse(ctx context.Context, r *plaudit.Response) error
	RecordAggregate(ctx context.Context, r plaudit.Response, channel string, day time.Time) error
	ClaimWriteback(ctx context.Context, tenantID, id string, now time.Time, takeOver bool) (plaudit.Response, bool, error)
	MarkWriteback(ctx context.Context, tenantID, id string, version int, status, errText string) error
}

// Suppressions keeps the addresses that get no more requests.
type Suppressions interface {
	IsSuppressed(ctx context.Context, tenantID, addressHash string, now time.Time) (bool, error)
	GetSuppression(ctx context.Context, tenantID, addressHash string) (plaudit.Suppression, error)
	Suppress(ctx context.Context, s plaudit.Suppression) error
	Unsuppress(ctx context.Context, tenantID, addressHash string) error
}

// DeliveryLog keeps each connector's log of writeback attempts.
type DeliveryLog interface {
	RecordDelivery(ctx context.Context, d *store.DeliveryAttempt) error
}

// Seen remembers which provider events were handled, so that a
// redelivered one has no second effect.
type Seen interface {
	FirstSeen(ctx context.Context, key string, now time.Time) (bool, error)
	ForgetSeen(ctx context.Context, key string) error
}

// Audit keeps the tenant's audit log.
type Audit interface {
	AddAudit(ctx context.Context, e *plaudit.AuditEvent) error
}
