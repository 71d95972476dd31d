package main

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/notify/sendgrid"
	"github.com/plaudit/plaudit/notify/smtp"
	"github.com/plaudit/plaudit/notify/twilio"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/ratelimit"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// app is everything a running process shares.
type app struct {
	cfg      Config
	log      *slog.Logger
	kr       *keyring.Keyring
	store    *store.Store
	redis    asynq.RedisConnOpt
	embedded *queue.Embedded
	queue    *queue.Client
	reg      *prometheus.Registry
	metrics  *metrics.Metrics
	http     *http.Client
	outbox   *outbox.Outbox
	kinds    *connectors.Registry
	// conns is the one connector cache of the process (api and worker):
	// its entries, credentials included, leave memory within seconds of
	// a connector's change or deletion on any replica.
	conns   *connectors.Cache
	closers []func() error
	email   notify.EmailSender
	sms     notify.SMSSender
	// smsLookup asks Twilio whether it took a text whose sender died
	// before recording it (window.go); nil without Twilio.
	smsLookup notify.SMSFinder
	adminTok  []byte
	fb        *feedback.Service
}

// embeddedRedisPassword is the in-process Redis's password, derived from
// the secret key: whoever can read PLAUDIT_SECRET_KEY (the operator, a
// test) can look inside, no other local user can.
func embeddedRedisPassword(kr *keyring.Keyring) string {
	return base64.RawURLEncoding.EncodeToString(kr.Derive("embedded redis"))
}

// redisLog is go-redis's logger on slog. Its messages name servers and
// connections, never keys or values.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

func newLogger(format string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// production reports whether the process runs on shared services, where
// secrets generated into one replica's data folder would be wrong.
func (c Config) production() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres")
}

func newApp(cfg Config, stderr io.Writer) *app {
	return &app{cfg: cfg, log: newLogger(cfg.LogFormat, stderr)}
}

// openStoreOnly reads the secret key and opens and migrates the store:
// what migrate and rotate-key need.
func openStoreOnly(ctx context.Context, cfg Config, stderr io.Writer) (*app, error) {
	a := newApp(cfg, stderr)
	if err := a.openStore(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *app) openStore(ctx context.Context) error {
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := a.openKeyring(); err != nil {
		return err
	}
	st, err := store.Open(ctx, a.cfg.DatabaseURL, a.cfg.DataDir, a.kr)
	if err != nil {
		return err
	}
	st.SetClaimTimeout(a.cfg.ClaimTimeout)
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return err
	}
	a.store = st
	return nil
}

// openApp picks the providers, opens the store, connects the queue (or
// starts the embedded Redis). The caller closes it.
func openApp(ctx context.Context, cfg Config, stdout, stderr io.Writer) (*app, error) {
	a := newApp(cfg, stderr)
	a.http = egress.NewClient(egress.Options{AllowPrivate: cfg.AllowPrivateEgress})
	// The providers first: a value they cannot work with stops the start
	// before anything is opened or migrated.
	if err := a.providers(); err != nil {
		return nil, err
	}
	if err := a.openStore(ctx); err != nil {
		return nil, err
	}
	a.useOutbox()
	if err := a.adminToken(stdout); err != nil {
		a.Close()
		return nil, err
	}
	if cfg.Embedded() {
		e, err := queue.StartEmbedded(embeddedRedisPassword(a.kr))
		if err != nil {
			a.Close()
			return nil, err
		}
		a.embedded, a.redis = e, e.ConnOpt()
		a.log.Warn("REDIS_URL is not set: using an in-process Redis. Queued work does not survive a restart "+
			"(the reconciler re-enqueues it from the store at the next start); production sets REDIS_URL.", "addr", e.Addr())
	} else {
		var err error
		a.redis, err = queue.ParseRedisURL(cfg.RedisURL)
		if err != nil {
			a.Close()
			return nil, err
		}
		// go-redis reports connection trouble and Sentinel's choice of
		// master on its own logger (stderr); send it through ours so that
		// the format and the destination are the operator's.
		redis.SetLogger(redisLog{a.log})
	}
	a.queue = queue.NewClient(a.redis)
	a.reg = prometheus.NewRegistry()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics = metrics.New(a.reg)
	a.kinds = connectors.Default()
	a.conns = connectors.NewCache(a.kinds, a.store, plaudit.DriverDeps{HTTP: a.http}, 0)
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	go a.conns.Run(sweepCtx)
	a.closers = append(a.closers, func() error { stopSweep(); return nil })
	return a, nil
}

func (a *app) openKeyring() error {
	cur := a.cfg.SecretKey
	if cur == "" {
		if a.cfg.production() {
			return errors.New("PLAUDIT_SECRET_KEY must be set when DATABASE_URL is PostgreSQL (every replica needs the same key)")
		}
		path := filepath.Join(a.cfg.DataDir, "secret.key")
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			cur = strings.TrimSpace(string(b))
		case errors.Is(err, os.ErrNotExist):
			cur = keyring.GenerateKey()
			if err := os.WriteFile(path, []byte(cur+"\n"), 0o600); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			a.log.Info("generated a secret key for secrets at rest", "file", path)
		default:
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
	key, err := keyring.ParseKey(cur)
	if err != nil {
		return fmt.Errorf("PLAUDIT_SECRET_KEY: %w", err)
	}
	var prev []byte
	if a.cfg.SecretKeyPrevious != "" {
		if prev, err = keyring.ParseKey(a.cfg.SecretKeyPrevious); err != nil {
			return fmt.Errorf("PLAUDIT_SECRET_KEY_PREVIOUS: %w", err)
		}
	}
	a.kr, err = keyring.New(key, prev)
	return err
}

// adminToken sets the operator token's hash. When PLAUDIT_ADMIN_TOKEN is
// unset a token is generated, printed once, and only its hash is kept in
// the data folder (delete the file to get a new one).
func (a *app) adminToken(stdout io.Writer) error {
	if a.cfg.AdminToken != "" {
		a.adminTok = keyring.SecretHash(a.cfg.AdminToken)
		return nil
	}
	if a.cfg.production() {
		return errors.New("PLAUDIT_ADMIN_TOKEN must be set when DATABASE_URL is PostgreSQL")
	}
	path := filepath.Join(a.cfg.DataDir, "admin-token.sha256")
	if b, err := os.ReadFile(path); err == nil {
		a.adminTok = decodeHex(strings.TrimSpace(string(b)))
		if len(a.adminTok) == 32 {
			fmt.Fprintf(stdout, "\n  Operator token: the one printed when %s was first used (only its hash is kept, in %s).\n"+
				"  Lost it? Stop plaudit, delete that file and start again to get a new one; or set PLAUDIT_ADMIN_TOKEN.\n\n",
				a.cfg.DataDir, path)
			return nil
		}
	}
	tok := "pat_" + keyring.Token(24)
	a.adminTok = keyring.SecretHash(tok)
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%x\n", a.adminTok)), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "\n  Operator token (shown once; set PLAUDIT_ADMIN_TOKEN to choose your own):\n\n    %s\n\n", tok)
	return nil
}

func decodeHex(s string) []byte {
	var b []byte
	if _, err := fmt.Sscanf(s, "%x", &b); err != nil {
		return nil
	}
	return b
}

// providers picks the email and SMS providers: SendGrid, else SMTP;
// Twilio. A provider's value that cannot work is an error naming its
// variable. A channel left without one is nil here (useOutbox decides
// what takes it).
func (a *app) providers() error {
	c := a.cfg
	var err error
	switch {
	case c.SendGridAPIKey != "":
		a.email, err = sendgrid.NewClient(c.SendGridAPIKey, c.SendGridAPIURL, a.http)
	case c.SMTPURL != "":
		a.email, err = smtp.NewClient(c.SMTPURL, egress.DialContext(c.AllowPrivateEgress))
	}
	if err != nil {
		return configError(err)
	}
	// Read at every event post: a key that cannot be read would refuse
	// every one of them.
	if c.SendGridEventKey != "" {
		if _, err := sendgrid.ParsePublicKey(c.SendGridEventKey); err != nil {
			return errors.New("SENDGRID_EVENT_PUBLIC_KEY must be the Event Webhook's verification key as SendGrid shows it (base64 of an ECDSA public key)")
		}
	}
	if c.TwilioAccountSID != "" {
		tw, err := twilio.NewClient(twilio.Config{
			AccountSID: c.TwilioAccountSID, AuthToken: c.TwilioAuthToken, From: c.TwilioFrom,
			MessagingServiceSID: c.TwilioMessagingServiceSID, BaseURL: c.TwilioAPIURL,
		}, a.http)
		if err != nil {
			return configError(err)
		}
		a.sms, a.smsLookup = tw, tw
	}
	return nil
}

// configError is a provider's refusal of its configuration as the
// operator reads it at start: the message, which names the variable,
// without the error code.
func configError(err error) error {
	var e *plaudit.Error
	if errors.As(err, &e) {
		return errors.New(e.Message)
	}
	return err
}

func (a *app) Close() {
	for _, c := range a.closers {
		c()
	}
	if a.queue != nil {
		a.queue.Close()
	}
	if a.embedded != nil {
		a.embedded.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
}

func (a *app) ready(ctx context.Context) error {
	if err := a.store.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := queue.Ping(ctx, a.redis); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

func (a *app) server() *server.Server {
	return server.New(server.Config{
		Feedback: a.feedback(),
		Store:    a.store, Queue: a.queue, Kinds: a.kinds, Connectors: a.conns,
		DriverDeps: plaudit.DriverDeps{HTTP: a.http}, Keyring: a.kr,
		Metrics: a.metrics, Gatherer: a.reg, Log: a.log,
		PublicURL: a.cfg.PublicURL, AdminTokenHash: a.adminTok, Ready: a.ready,
		// Erasure purges the outbox also while it is off: it may hold
		// messages from a run with PLAUDIT_OUTBOX=true.
		Outbox: a.outbox, OutboxPage: a.cfg.Outbox, MetricsTokenHash: a.metricsToken(),
		TwilioAuthToken: a.cfg.TwilioAuthToken, SendGridEventKey: a.cfg.SendGridEventKey,
		SendGridInboundToken: a.cfg.SendGridInboundToken, InboundEmailDomain: a.cfg.InboundEmailDomain,
		RateLimiter: a.limiter(), TrustedProxies: a.cfg.TrustedProxies,
	})
}

// metricsToken is the hash of PLAUDIT_METRICS_TOKEN, or nil: /metrics
// then answers loopback only.
func (a *app) metricsToken() []byte {
	if a.cfg.MetricsToken == "" {
		return nil
	}
	return keyring.SecretHash(a.cfg.MetricsToken)
}

// limiter keeps the public endpoints' counters in the queue's Redis, so
// limits hold across api replicas.
func (a *app) limiter() server.RateLimiter {
	rdb, ok := a.redis.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil
	}
	a.closers = append(a.closers, rdb.Close)
	return ratelimit.New(rdb, "plaudit:ratelimit:", a.kr.Derive("ratelimit"))
}

// feedback is the process's one feedback service, which the HTTP server
// and the workers both call: one set of provider circuits per process.
func (a *app) feedback() *feedback.Service {
	if a.fb == nil {
		a.fb = &feedback.Service{
			Store: store.Cached{Store: a.store}, Tasks: a.queue, Connectors: a.conns,
			Email: a.email, SMS: a.sms, Metrics: a.metrics, Log: a.log, HTTP: a.http,
			EmailEvents: a.emailEvents(), SMSLookup: a.smsLookup,
			PublicURL: a.cfg.PublicURL, ReplyDomain: a.cfg.InboundEmailDomain, FromEmail: a.cfg.FromEmail,
			SMSFrom: cmp.Or(a.cfg.TwilioMessagingServiceSID, a.cfg.TwilioFrom),
			Now:     time.Now,
		}
	}
	return a.fb
}

func (a *app) worker() *queue.Worker {
	return &queue.Worker{
		Feedback: a.feedback(), Store: store.Cached{Store: a.store}, Queue: a.queue,
		Metrics: a.metrics, Log: a.log, Now: time.Now,
	}
}
