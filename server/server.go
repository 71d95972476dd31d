// Package server is Plaudit's HTTP side (Fiber): the JSON API under
// /api/v1, the inbound webhooks under /hooks, the customer's feedback page
// under /f, and the operator endpoints.
package server

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/realclientip/realclientip-go"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/reports"
)

// MaxBody caps every request body: webhooks, API calls and forms.
const MaxBody = 1 << 20

// Config holds what the server needs; cmd/plaudit fills it.
type Config struct {
	Store Store
	Queue *queue.Client
	// Feedback runs the use cases the hooks and the page call; nil builds
	// one over Store, Queue and Connectors.
	Feedback *feedback.Service
	Kinds    *connectors.Registry
	// Connectors keeps connectors and their drivers for a few seconds
	// (the owner runs its sweep); nil builds one over Store, unswept.
	Connectors *connectors.Cache
	DriverDeps plaudit.DriverDeps
	Keyring    *keyring.Keyring
	Metrics    *metrics.Metrics
	Gatherer   prometheus.Gatherer
	Log        *slog.Logger

	PublicURL string
	// AdminTokenHash is keyring.SecretHash of the operator token.
	AdminTokenHash []byte
	// MetricsTokenHash is keyring.SecretHash of PLAUDIT_METRICS_TOKEN;
	// without it /metrics answers loopback only.
	MetricsTokenHash []byte
	// Outbox holds the messages kept instead of sent (PLAUDIT_OUTBOX), in
	// the store; erasure purges a person's. OutboxPage serves it at
	// /dev/outbox while the outbox is on, to loopback and the operator
	// token.
	Outbox     *outbox.Outbox
	OutboxPage bool
	// Ready reports whether the store and Redis answer (/readyz).
	Ready func(ctx context.Context) error

	TwilioAuthToken      string // verifies /hooks/twilio/*
	SendGridEventKey     string // base64 DER public key for /hooks/sendgrid/events
	SendGridInboundToken string // basic-auth password for /hooks/sendgrid/inbound
	InboundEmailDomain   string

	// RateLimiter counts requests to the public endpoints and failed
	// authentications per client (in Redis, so that limits hold across
	// replicas); nil disables those limits.
	RateLimiter RateLimiter
	Limits      Limits
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// (PLAUDIT_TRUSTED_PROXIES), for per-client limits.
	TrustedProxies []net.IPNet
	// ConnectorTestTimeout bounds POST /api/v1/connectors/{id}/test (0:
	// DefaultConnectorTestTimeout).
	ConnectorTestTimeout time.Duration

	// StreamPoll and StreamMax tune GET /api/v1/stream (DefaultStreamPoll,
	// DefaultStreamMax when zero).
	StreamPoll, StreamMax time.Duration

	Now func() time.Time
}

// Server is the HTTP server.
type Server struct {
	cfg Config
	app *fiber.App
	log *slog.Logger

	conns   *connectors.Cache
	fb      *feedback.Service
	reports *reports.Service
	// closing is closed at Shutdown, to end the open streams.
	closing   chan struct{}
	closeOnce sync.Once
	images    imageCache
	opens     linkOpens

	buckets buckets  // verified deliveries, per connector and provider hook
	refused refusals // clients over a failure budget
	xff     *realclientip.RightmostTrustedRangeStrategy

	consolePages  consolePages
	tmplOnce      sync.Once
	tmpl          *template.Template
	staticOnce    sync.Once
	staticHandler fiber.Handler
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Server{cfg: cfg, log: cfg.Log, conns: cfg.Connectors, closing: make(chan struct{})}
	if len(cfg.TrustedProxies) > 0 {
		xff, err := realclientip.NewRightmostTrustedRangeStrategy(fiber.HeaderXForwardedFor, cfg.TrustedProxies)
		if err == nil { // it fails only for another header name
			s.xff = &xff
		}
	}
	if s.conns == nil {
		s.conns = connectors.NewCache(cfg.Kinds, cfg.Store, cfg.DriverDeps, 0)
	}
	s.fb = cfg.Feedback
	if s.fb == nil {
		s.fb = &feedback.Service{Store: cfg.Store, Connectors: s.conns, Metrics: cfg.Metrics,
			Log: cfg.Log, PublicURL: cfg.PublicURL, ReplyDomain: cfg.InboundEmailDomain, Now: cfg.Now}
		if cfg.Queue != nil {
			s.fb.Tasks = cfg.Queue
		}
	}
	s.reports = &reports.Service{Store: cfg.Store, Now: cfg.Now}
	s.app = fiber.New(fiber.Config{
		// Bodies over 8 KiB are streamed to boundBody, which keeps them
		// to MaxBody and drains a larger one before its 413.
		BodyLimit:             MaxBody,
		StreamRequestBody:     true,
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		JSONEncoder:           marshalJSON,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          15 * time.Second,
		IdleTimeout:           120 * time.Second,
		// The raw body must stay as it came for signature checks.
		DisablePreParseMultipartForm: true,
	})
	s.routes()
	return s
}

// App exposes the Fiber app, for tests (app.Test) and Listen.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Serve serves on ln, bound by the caller, until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for in-flight requests.
// Open streams end first: they would hold the shutdown until they did.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	return s.app.ShutdownWithContext(ctx)
}

func (s *Server) routes() {
	app := s.app
	app.Use(s.boundBody, s.accessLog)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.localOr(s.metricsTokenOnly, s.metricsHandler())...)
	app.Get("/api/openapi.json", s.openapi)

	s.apiRoutes(app.Group("/api/v1", s.authFailures(), checkQuery))
	s.hookRoutes()
	s.customerRoutes()
	s.consoleRoutes()
	s.reportPageRoutes()

	if s.cfg.Outbox != nil && s.cfg.OutboxPage {
		app.Get("/dev/outbox", s.localOr(s.operatorOnly, s.outboxList)...)
		app.Get("/dev/outbox/:id", s.localOr(s.operatorOnly, s.outboxShow)...)
	}
}

// apiRoutes are the JSON API's, each behind the role it needs.
func (s *Server) apiRoutes(api fiber.Router) {
	api.Post("/tenants", s.operatorOnly, s.createTenant)
	api.Get("/tenants", s.operatorOnly, s.listTenants)
	api.Delete("/tenants/:id", s.operatorOnly, s.deleteTenant)
	api.Get("/tenant", s.requireKeyOrTest(plaudit.RoleAdmin), s.getTenant)
	api.Patch("/tenant", s.requireKey(plaudit.RoleAdmin), s.patchTenant)

	api.Post("/api-keys", s.requireKeyOrTest(plaudit.RoleAdmin), s.createAPIKey)
	api.Get("/api-keys", s.requireKeyOrTest(plaudit.RoleAdmin), s.listAPIKeys)
	api.Delete("/api-keys/:id", s.requireKeyOrTest(plaudit.RoleAdmin), s.deleteAPIKey)

	api.Post("/connectors", s.requireKey(plaudit.RoleAdmin), s.createConnector)
	api.Get("/connectors", s.requireKey(plaudit.RoleAdmin), s.listConnectors)
	api.Get("/connectors/:id", s.requireKey(plaudit.RoleAdmin), s.getConnector)
	api.Patch("/connectors/:id", s.requireKey(plaudit.RoleAdmin), s.patchConnector)
	api.Delete("/connectors/:id", s.requireKey(plaudit.RoleAdmin), s.deleteConnector)
	api.Get("/connectors/:id/deliveries", s.requireKey(plaudit.RoleAdmin), s.listDeliveries)
	api.Post("/connectors/:id/webhook-secret", s.requireKey(plaudit.RoleAdmin), s.rotateWebhookSecret)
	api.Post("/connectors/:id/test", s.requireKey(plaudit.RoleAdmin), s.testConnector)

	api.Post("/agents", s.requireKey(plaudit.RoleAdmin), s.createAgent)
	api.Get("/agents", s.authorize(needAgents, false), s.listAgents)
	api.Get("/agents/:id", s.authorize(needAgents, false), s.getAgent)
	api.Patch("/agents/:id", s.authorize(needAgents, false), s.patchAgent)
	api.Put("/agents/:id/photo", s.authorize(needAgents, false), s.putAgentPhoto)
	api.Get("/agent-changes", s.authorize(needAgents, false), s.listAgentChanges)
	api.Post("/agent-changes/:id/approve", s.authorize(needApprove, false), s.decideAgentChange(true))
	api.Post("/agent-changes/:id/reject", s.authorize(needApprove, false), s.decideAgentChange(false))
	api.Delete("/agents/:id", s.requireKey(plaudit.RoleAdmin), s.deleteAgent)

	api.Post("/users", s.requireKey(plaudit.RoleAdmin), s.createUser)
	api.Get("/users", s.requireKey(plaudit.RoleAdmin), s.listUsers)
	api.Get("/users/:id", s.requireKey(plaudit.RoleAdmin), s.getUser)
	api.Patch("/users/:id", s.requireKey(plaudit.RoleAdmin), s.patchUser)
	api.Delete("/users/:id", s.requireKey(plaudit.RoleAdmin), s.deleteUser)

	api.Post("/interactions", s.requireKeyOrTest(plaudit.RoleTrigger), s.createInteraction)
	api.Get("/feedback-requests", s.requireKeyOrTest(plaudit.RoleRead), s.listRequests)
	api.Get("/responses", s.requireKeyOrTest(plaudit.RoleRead), s.listResponses)

	api.Get("/data-subjects", s.requireKey(plaudit.RoleAdmin), s.exportSubject)
	api.Delete("/data-subjects", s.requireKey(plaudit.RoleAdmin), s.eraseSubject)
	api.Get("/audit-events", s.requireKey(plaudit.RoleAdmin), s.listAudit)
	api.Get("/suppressions", s.requireKey(plaudit.RoleAdmin), s.listSuppressions)
	api.Post("/suppressions", s.requireKey(plaudit.RoleAdmin), s.createSuppression)
	api.Delete("/suppressions", s.requireKey(plaudit.RoleAdmin), s.deleteSuppression)
	api.Get("/reports/scores", s.requireKeyOrTest(plaudit.RoleRead), s.reportScores)
	s.reportRoutes(api)
}

// hookRoutes are the webhooks of the helpdesks and of the providers.
func (s *Server) hookRoutes() {
	app := s.app
	app.Post("/hooks/twilio/sms", s.providerHook("twilio-sms", s.twilioSMS)...)
	app.Post("/hooks/twilio/status", s.providerHook("twilio-status", s.twilioStatus)...)
	app.Post("/hooks/sendgrid/inbound", s.providerHook("sendgrid-inbound", s.sendgridInbound)...)
	app.Post("/hooks/sendgrid/events", s.providerHook("sendgrid-events", s.sendgridEvents)...)
	// HEAD too: some helpdesks check the URL with it (Intercom).
	for _, m := range []string{fiber.MethodPost, fiber.MethodHead} {
		app.Add(m, "/hooks/:connector", s.hookFailures("hook"), s.hook)
		app.Add(m, "/hooks/:connector/:secret", s.hookFailures("hook"), s.hook) // kinds without a signature of their own
	}
}

// customerRoutes are the pages a customer opens from a message.
func (s *Server) customerRoutes() {
	app := s.app
	page := s.limit("page", s.cfg.Limits.PagePerClient, s.clientIP)
	app.Get("/f/:token", page, s.pageShow)
	app.Post("/f/:token", page, s.pageSubmit)
	app.Get("/f/:token/photo", page, s.pageImage("photo"))
	app.Get("/f/:token/logo", page, s.pageImage("logo"))
	app.Get("/u/:token", page, s.unsubShow)
	app.Post("/u/:token", page, s.unsubSubmit)
	app.Get("/static/*", s.static)
	app.Get("/agent-photos/:key", page, s.agentPhoto)
}

// accessLog logs method, route pattern, status and duration. It leaves out
// query strings and path parameters (tokens, and data-subject look-ups
// carry an address there).
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := statusOf(c, err)
	route := c.Route().Path
	s.log.Debug("http", "method", c.Method(), "route", route, "status", status, "ms", time.Since(start).Milliseconds())
	return err
}

// statusOf is the status of the answer to c: the one written, or the one
// the error handler will write for err.
func statusOf(c *fiber.Ctx, err error) int {
	var fe *fiber.Error
	switch {
	case err == nil:
		return c.Response().StatusCode()
	case errors.As(err, &fe):
		return fe.Code
	}
	return statusFor(plaudit.ErrorCode(err))
}

// apiError is the JSON error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func statusFor(code string) int {
	switch code {
	case plaudit.ENotFound:
		return http.StatusNotFound
	case plaudit.EInvalid:
		return http.StatusBadRequest
	case plaudit.EConflict:
		return http.StatusConflict
	case plaudit.EUnauthorized:
		return http.StatusUnauthorized
	case plaudit.EForbidden:
		return http.StatusForbidden
	case plaudit.EGone:
		return http.StatusGone
	case plaudit.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case plaudit.EUnavailable:
		return http.StatusServiceUnavailable
	case plaudit.ERateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	code, msg, status := plaudit.ErrorCode(err), plaudit.ErrorMessage(err), 0
	if errors.As(err, &fe) {
		status = fe.Code
		switch fe.Code {
		case http.StatusRequestEntityTooLarge:
			code, msg = plaudit.ETooLarge, "request body is larger than 1 MiB"
		case http.StatusNotFound:
			code, msg = plaudit.ENotFound, "no such endpoint"
		case http.StatusMethodNotAllowed:
			code, msg = plaudit.EInvalid, "method not allowed"
		default:
			code, msg = plaudit.EInvalid, fe.Message
		}
	} else {
		status = statusFor(code)
	}
	if status >= 500 && code == plaudit.EInternal {
		s.log.Error("request failed", "route", c.Route().Path, "err", err)
	}
	if code == plaudit.EUnavailable {
		c.Set("Retry-After", "5")
	}
	if strings.HasPrefix(c.Path(), "/console") {
		return s.consoleFailure(c, status, msg)
	}
	return writeError(c, status, code, msg)
}

func writeError(c *fiber.Ctx, status int, code, msg string) error {
	var body apiError
	body.Error.Code, body.Error.Message = code, msg
	return c.Status(status).JSON(body)
}
