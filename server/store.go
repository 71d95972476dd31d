package server

import (
	"context"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// Store is what the HTTP side needs of the store.
type Store interface {
	Ping(ctx context.Context) error

	CreateTenant(ctx context.Context, t *plaudit.Tenant) error
	GetTenant(ctx context.Context, id string) (plaudit.Tenant, error)
	UpdateTenant(ctx context.Context, t plaudit.Tenant) error
	DeleteTenant(ctx context.Context, id string, keepAggregates bool) error

	CreateAPIKey(ctx context.Context, k *plaudit.APIKey) error
	ListAPIKeys(ctx context.Context, tenantID string) ([]plaudit.APIKey, error)
	DeleteAPIKey(ctx context.Context, tenantID, id string) error
	APIKeyByHash(ctx context.Context, hash []byte) (plaudit.APIKey, error)

	CreateConnector(ctx context.Context, c *plaudit.Connector) error
	GetConnector(ctx context.Context, tenantID, id string) (plaudit.Connector, error)
	ConnectorByID(ctx context.Context, id string) (plaudit.Connector, error)
	ListConnectors(ctx context.Context, tenantID string) ([]plaudit.Connector, error)
	UpdateConnector(ctx context.Context, c plaudit.Connector) error
	DeleteConnector(ctx context.Context, tenantID, id string) error

	CreateAgent(ctx context.Context, a *plaudit.Agent) error
	GetAgent(ctx context.Context, tenantID, id string) (plaudit.Agent, error)
	ListAgents(ctx context.Context, tenantID string) ([]plaudit.Agent, error)
	UpdateAgent(ctx context.Context, a plaudit.Agent) error
	DeleteAgent(ctx context.Context, tenantID, id string) error

	InsertInteraction(ctx context.Context, in *plaudit.Interaction) (bool, error)
	GetInteraction(ctx context.Context, tenantID, id string) (plaudit.Interaction, error)
	DeleteInteraction(ctx context.Context, tenantID, id string) error

	GetRequest(ctx context.Context, tenantID, id string) (plaudit.FeedbackRequest, error)
	RequestByToken(ctx context.Context, token string) (plaudit.FeedbackRequest, error)
	SMSRequestsTo(ctx context.Context, recipient string, senders []string, limit int) ([]plaudit.FeedbackRequest, error)
	RequestByProviderID(ctx context.Context, providerID string) (plaudit.FeedbackRequest, error)
	ListRequests(ctx context.Context, tenantID string, f store.RequestFilter) ([]plaudit.FeedbackRequest, error)
	TransitionRequest(ctx context.Context, tenantID, id string, t plaudit.Transition) (plaudit.FeedbackRequest, error)

	CreateResponse(ctx context.Context, r *plaudit.Response) (bool, error)
	ResponseByRequest(ctx context.Context, tenantID, requestID string) (plaudit.Response, error)
	UpdateResponse(ctx context.Context, r *plaudit.Response) error
	ListResponses(ctx context.Context, tenantID string, f store.ResponseFilter) ([]plaudit.Response, error)
	RecordAggregate(ctx context.Context, r plaudit.Response, channel string, day time.Time) error
	AggregateScores(ctx context.Context, tenantID string, since time.Time) ([]store.AggregateRow, error)

	Suppress(ctx context.Context, s plaudit.Suppression) error
	Unsuppress(ctx context.Context, tenantID, addressHash string) error

	AddAudit(ctx context.Context, e *plaudit.AuditEvent) error
	ListAudit(ctx context.Context, tenantID string, limit int) ([]plaudit.AuditEvent, error)

	FirstSeen(ctx context.Context, key string, now time.Time) (bool, error)
	ForgetSeen(ctx context.Context, key string) error

	ExportSubject(ctx context.Context, tenantID, email, phone string) (store.SubjectData, error)
	EraseSubject(ctx context.Context, tenantID, email, phone string) (int, error)
}

var _ Store = (*store.Store)(nil)
