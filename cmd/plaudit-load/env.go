package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver, for the run's schema
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
	"github.com/plaudit/plaudit/connectors/zendesk"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/store"
)

// agentExternalID is the Zendesk user id of the agent the bodies name.
const agentExternalID = "38417722455"

// env is what every phase shares: the store with one tenant, one Zendesk
// connector and one approved agent, the queue client, and what Close
// must undo.
type env struct {
	o   options
	log *slog.Logger
	kr  *keyring.Keyring
	// secretKey is kr's key (base64), dbURL the store's URL with the run's
	// schema: what the plaudit processes of mode chaos are given.
	secretKey string
	dbURL     string
	store     *store.Store
	engine    string
	redis     asynq.RedisConnOpt
	redisDB   int
	queue     *queue.Client
	// bare enqueues one task per call, as the baseline handler does.
	bare    *asynq.Client
	reg     *prometheus.Registry
	metrics *metrics.Metrics
	http    *http.Client
	kinds   *connectors.Registry

	tenant    plaudit.Tenant
	connector plaudit.Connector
	secret    []byte // the connector's signing secret

	// profiled is set once the CPU profile (-cpuprofile) was taken.
	profiled bool
	// snapped is set once the goroutine snapshot (-goroutines) was taken.
	snapped bool

	undo []func()
}

func openEnv(ctx context.Context, o options, stderr io.Writer) (*env, error) {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	e := &env{o: o, log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	if err := e.open(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *env) open(ctx context.Context) error {
	var err error
	// Kept as PLAUDIT_SECRET_KEY for the processes of mode chaos.
	e.secretKey = keyring.GenerateKey()
	key, err := keyring.ParseKey(e.secretKey)
	if err != nil {
		return err
	}
	if e.kr, err = keyring.New(key, nil); err != nil {
		return err
	}
	if err := e.openStore(ctx); err != nil {
		return err
	}
	if err := e.openRedis(ctx); err != nil {
		return err
	}
	e.queue = queue.NewClient(e.redis)
	e.undo = append(e.undo, func() { e.queue.Close() })
	e.bare = asynq.NewClient(e.redis)
	e.undo = append(e.undo, func() { e.bare.Close() })
	e.reg = prometheus.NewRegistry()
	e.metrics = metrics.New(e.reg)
	// The fake SendGrid listens on loopback.
	e.http = egress.NewClient(egress.Options{AllowPrivate: true})
	e.kinds = connectors.Default()
	return e.seed(ctx)
}

// Close undoes the set-up in reverse: the queue client, the Redis flush,
// the store, the PostgreSQL schema or the SQLite directory.
func (e *env) Close() {
	for i := len(e.undo) - 1; i >= 0; i-- {
		e.undo[i]()
	}
	e.undo = nil
}

func (e *env) openStore(ctx context.Context) error {
	dbURL := e.o.databaseURL
	dataDir := ""
	switch {
	case dbURL == "":
		dir, err := os.MkdirTemp("", "plaudit-load-")
		if err != nil {
			return err
		}
		e.undo = append(e.undo, func() { os.RemoveAll(dir) })
		dataDir = dir
	case e.o.tempSchema:
		u, err := tempSchema(ctx, dbURL, &e.undo)
		if err != nil {
			return err
		}
		dbURL = u
	}
	st, err := store.Open(ctx, dbURL, dataDir, e.kr)
	if err != nil {
		return err
	}
	e.undo = append(e.undo, func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	e.store, e.engine, e.dbURL = st, st.Engine(), dbURL
	return nil
}

// tempSchema creates a schema for this run and returns the URL with its
// search_path; the schema is dropped by the undo it appends.
func tempSchema(ctx context.Context, raw string, undo *[]func()) (string, error) {
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	schema := "plaudit_load_" + hex.EncodeToString(keyring.RandomBytes(6))
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", fmt.Errorf("postgres: create schema: %w", err)
	}
	*undo = append(*undo, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			fmt.Fprintf(os.Stderr, "plaudit-load: drop schema %s: %v\n", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// openRedis connects and makes sure the database is this run's alone:
// empty at the start (or flushed with -flush), flushed at the end with
// -flush.
func (e *env) openRedis(ctx context.Context) error {
	opt, err := queue.ParseRedisURL(e.o.redisURL)
	if err != nil {
		return err
	}
	e.redis = opt
	c, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return errors.New("redis: unexpected client type")
	}
	if co, ok := opt.(asynq.RedisClientOpt); ok {
		e.redisDB = co.DB
	}
	flush := func(ctx context.Context) error {
		if cc, ok := c.(*redis.ClusterClient); ok {
			return cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return m.FlushDB(ctx).Err() })
		}
		return c.FlushDB(ctx).Err()
	}
	if e.o.flush {
		if err := flush(ctx); err != nil {
			c.Close()
			return fmt.Errorf("redis: flush: %w", err)
		}
		e.undo = append(e.undo, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := flush(ctx); err != nil {
				fmt.Fprintf(os.Stderr, "plaudit-load: redis flush: %v\n", err)
			}
			c.Close()
		})
		return nil
	}
	defer c.Close()
	n, err := c.DBSize(ctx).Result()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("redis database %d holds %d keys: give an empty database, or -flush to empty it before and after", e.redisDB, n)
	}
	return nil
}

// seed creates the tenant (delay 0, email only), the Zendesk connector and
// the approved agent through the store, as the API would.
func (e *env) seed(ctx context.Context) error {
	s := plaudit.DefaultSettings()
	s.DelaySeconds = 0
	s.BrandName = "Nordlicht Reisen"
	s.FromEmail = "feedback@nordlicht.example"
	s.PrivacyURL = "https://nordlicht.example/privacy"
	s.Channels = []string{plaudit.ChannelEmail}
	if err := s.Validate(); err != nil {
		return err
	}
	e.tenant = plaudit.Tenant{Name: "Nordlicht Reisen", Settings: s}
	if err := e.store.CreateTenant(ctx, &e.tenant); err != nil {
		return fmt.Errorf("create tenant: %w", err)
	}

	secret := keyring.Token(24)
	cfg := map[string]any{
		"subdomain": "nordlicht", "email": "admin@nordlicht.example",
		zendesk.SecretAPIToken: "zd-load-token", zendesk.SecretSigningSecret: secret,
	}
	switch {
	case e.o.connectorRate > 0:
		cfg["rate_limit_per_second"] = e.o.connectorRate
	case e.o.mode != "burst":
		// Throughput is measured, not the connector's limit: out of reach.
		cfg["rate_limit_per_second"] = plaudit.MaxRateLimitPerSecond
	}
	raw, _ := json.Marshal(cfg)
	kind, _ := e.kinds.Kind(zendesk.Name)
	public, secrets, err := connectors.SplitConfig(kind, raw)
	if err != nil {
		return err
	}
	if err := kind.Validate(public, secrets); err != nil {
		return err
	}
	e.connector = plaudit.Connector{TenantID: e.tenant.ID, Kind: zendesk.Name, Name: "Nordlicht Zendesk", Config: public, Secrets: secrets}
	if err := e.store.CreateConnector(ctx, &e.connector); err != nil {
		return fmt.Errorf("create connector: %w", err)
	}
	e.secret = []byte(secret)

	agent := plaudit.Agent{
		TenantID: e.tenant.ID, Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber",
		Bio: "Loves trains and tricky refunds.", PhotoURL: "https://cdn.nordlicht.example/jonas.jpg",
		Hometown: "Hamburg", Approved: true, ExternalIDs: map[string]string{zendesk.Name: agentExternalID},
	}
	if err := e.store.CreateAgent(ctx, &agent); err != nil {
		return fmt.Errorf("create agent: %w", err)
	}
	return nil
}

// loopbackRedis refuses a Redis that is not on this machine: the tool
// flushes databases and fills queues.
func loopbackRedis(raw string) error {
	if strings.HasPrefix(raw, "redis-socket://") {
		return nil
	}
	rest, ok := strings.CutPrefix(raw, "redis-cluster://")
	if !ok {
		rest, ok = strings.CutPrefix(raw, "redis-sentinel://")
	}
	if ok {
		u, err := url.Parse("redis://" + rest)
		if err != nil {
			return fmt.Errorf("-redis-url: %w", err)
		}
		for _, h := range strings.Split(u.Host, ",") {
			if !loopbackHost(h) {
				return fmt.Errorf("-redis-url: %s is not a loopback address: plaudit-load runs against this machine only", h)
			}
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return fmt.Errorf("-redis-url must be redis://host:port/db")
	}
	if !loopbackHost(u.Host) {
		return fmt.Errorf("-redis-url: %s is not a loopback address: plaudit-load runs against this machine only", u.Host)
	}
	return nil
}

// loopbackDatabase refuses a PostgreSQL server elsewhere; a Unix socket
// directory (host=/path) is local.
func loopbackDatabase(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("-database-url must be postgres://… (or empty for SQLite)")
	}
	if h := u.Query().Get("host"); strings.HasPrefix(h, "/") {
		return nil
	}
	if !loopbackHost(u.Host) {
		return fmt.Errorf("-database-url: %s is not a loopback address: plaudit-load runs against this machine only", u.Host)
	}
	return nil
}

func loopbackHost(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// machine describes where the figures come from.
func machine(o options, e *env) string {
	var b strings.Builder
	fmt.Fprintf(&b, "plaudit-load mode=%s store=%s redis-db=%d clients=%d\n", o.mode, e.engine, e.redisDB, o.clients)
	fmt.Fprintf(&b, "machine: %d CPUs (GOMAXPROCS %d), %s, %s, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), memTotal(), runtime.Version())
	return b.String()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	if kb := procStatusKB("/proc/meminfo", "MemTotal"); kb > 0 {
		return fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
	}
	return "unknown RAM"
}
