package server

import (
	"context"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/store"
)

// Store is what the HTTP side needs of the store: the use cases'
// feedback.Store, and what the API reads and administers.
type Store interface {
	feedback.Store
	Ping(ctx context.Context) error
	Tenants
	Connectors
	Agents
	Reads
	Privacy
	Console
	Reports
}

var _ Store = (*store.Store)(nil)

// Tenants keeps tenants and their API keys.
type Tenants interface {
	CreateTenant(ctx context.Context, t *plaudit.Tenant) error
	UpdateTenant(ctx context.Context, t plaudit.Tenant) error
	DeleteTenant(ctx context.Context, id string, keepAggregates bool) error

	CreateAPIKey(ctx context.Context, k *plaudit.APIKey) error
	ListAPIKeys(ctx context.Context, tenantID string) ([]plaudit.APIKey, error)
	DeleteAPIKey(ctx context.Context, tenantID, id string) error
	APIKeyByHash(ctx context.Context, hash []byte) (plaudit.APIKey, error)
}

// Connectors keeps helpdesk connectors and reads their delivery logs.
type Connectors interface {
	CreateConnector(ctx context.Context, c *plaudit.Connector) error
	GetConnector(ctx context.Context, tenantID, id string) (plaudit.Connector, error)
	ConnectorByID(ctx context.Context, id string) (plaudit.Connector, error)
	ListConnectors(ctx context.Context, tenantID string) ([]plaudit.Connector, error)
	UpdateConnector(ctx context.Context, c plaudit.Connector) error
	DeleteConnector(ctx context.Context, tenantID, id string) error
	ListDeliveries(ctx context.Context, tenantID, connectorID string, limit int) ([]store.DeliveryAttempt, error)
}

// Agents keeps the agents customers rate.
type Agents interface {
	CreateAgent(ctx context.Context, a *plaudit.Agent) error
	ListAgents(ctx context.Context, tenantID string) ([]plaudit.Agent, error)
	UpdateAgent(ctx context.Context, a plaudit.Agent) error
	DeleteAgent(ctx context.Context, tenantID, id string) error
}

// Reads are the API's and the page's look-ups and reports.
type Reads interface {
	ListRequests(ctx context.Context, tenantID string, f store.RequestFilter) ([]plaudit.FeedbackRequest, error)
	ListResponses(ctx context.Context, tenantID string, f store.ResponseFilter) ([]plaudit.Response, error)
	DayScoresSince(ctx context.Context, f store.DayScoresFilter) ([]store.DayScores, error)
	ListAudit(ctx context.Context, tenantID string, limit int) ([]plaudit.AuditEvent, error)
	ListAuditPage(ctx context.Context, tenantID string, before *store.Cursor, limit int) ([]plaudit.AuditEvent, error)
}

// Reports keeps teams, exclusions and rewards, and reads the figures
// (reports.Store) and the stream.
type Reports interface {
	reports.Store
	CreateTeam(ctx context.Context, t *plaudit.Team) error
	GetTeam(ctx context.Context, tenantID, id string) (plaudit.Team, error)
	TeamByName(ctx context.Context, tenantID, name string) (plaudit.Team, error)
	ListTeams(ctx context.Context, tenantID string) ([]plaudit.Team, error)
	UpdateTeam(ctx context.Context, t plaudit.Team) error
	DeleteTeam(ctx context.Context, tenantID, id string) error
	ListTeamDeliveries(ctx context.Context, tenantID, teamID string, limit int) ([]store.DeliveryAttempt, error)
	GetResponse(ctx context.Context, tenantID, id string) (plaudit.Response, error)
	SetExclusion(ctx context.Context, tenantID, id string, ex *plaudit.Exclusion) (plaudit.Response, error)
	GetReward(ctx context.Context, tenantID, id string) (plaudit.Reward, error)
	FulfilReward(ctx context.Context, tenantID, id, by string, at time.Time) (plaudit.Reward, error)
	ChangedResponses(ctx context.Context, f store.StreamFilter) ([]plaudit.Response, error)
}

// Privacy serves the data subject's rights: a copy of their data, its
// erasure, and objection (suppressions).
type Privacy interface {
	ExportSubject(ctx context.Context, tenantID, email, phone string) (store.SubjectData, error)
	EraseSubject(ctx context.Context, tenantID, email, phone string) (int, error)
	ListSuppressions(ctx context.Context, tenantID string, f store.SuppressionFilter) ([]plaudit.Suppression, error)
	DeleteSuppression(ctx context.Context, tenantID, addressHash string) (bool, error)
}

// Console keeps the console's users, their sessions and sign-in links.
type Console interface {
	CreateUser(ctx context.Context, u *plaudit.User) error
	GetUser(ctx context.Context, tenantID, id string) (plaudit.User, error)
	UserByEmail(ctx context.Context, tenantID, email string) (plaudit.User, error)
	UsersByEmail(ctx context.Context, email string) ([]plaudit.User, error)
	ListUsers(ctx context.Context, tenantID string) ([]plaudit.User, error)
	UpdateUser(ctx context.Context, u plaudit.User) error
	DeleteUser(ctx context.Context, tenantID, id string) error

	CreateSession(ctx context.Context, hash []byte, sess *store.Session, staleBefore time.Time) error
	SessionByHash(ctx context.Context, hash []byte) (store.Session, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	DeleteSessionsOf(ctx context.Context, tenantID, userID string) (int, error)
	CreateLoginToken(ctx context.Context, hash []byte, tenantID, userID string, expires time.Time) error
	UseLoginToken(ctx context.Context, hash []byte, now time.Time) (tenantID, userID string, err error)

	SetAgentPhoto(ctx context.Context, p *store.AgentPhoto) error
	AgentPhotoByKey(ctx context.Context, key string) (store.AgentPhoto, error)
	CreateAgentChange(ctx context.Context, ch *store.AgentChange) error
	ListAgentChanges(ctx context.Context, tenantID string, agentIDs []string) ([]store.AgentChange, error)
	GetAgentChange(ctx context.Context, tenantID, id string) (store.AgentChange, error)
	DeleteAgentChange(ctx context.Context, tenantID, id string) error

	SetOIDC(ctx context.Context, tenantID string, o plaudit.OIDCConfig) error
	GetOIDC(ctx context.Context, tenantID string) (plaudit.OIDCConfig, error)
	DeleteOIDC(ctx context.Context, tenantID string) error
}
