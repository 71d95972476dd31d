package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/ratelimit"
	"github.com/plaudit/plaudit/server"
)

// listening is an HTTP server on a loopback port.
type listening struct {
	URL      string // base, http://127.0.0.1:port
	shutdown func()
}

func (l listening) hookURL(connectorID string) string { return l.URL + "/hooks/" + connectorID }

// listen serves app on a new loopback port, the way both servers are set
// up: Fiber's own listener loop on a net.Listener.
func listen(app *fiber.App, shutdown func(context.Context) error) (listening, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return listening{}, err
	}
	go app.Listener(ln) //nolint:errcheck // ends with shutdown
	return listening{
		URL: "http://" + ln.Addr().String(),
		shutdown: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shutdown(ctx)
		},
	}, nil
}

// startGateway runs the real HTTP side, as `plaudit api` wires it.
func (e *env) startGateway() (listening, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return listening{}, err
	}
	base := "http://" + ln.Addr().String()
	cfg := server.Config{
		Store: e.store, Queue: e.queue, Kinds: e.kinds,
		DriverDeps: plaudit.DriverDeps{HTTP: e.http}, Keyring: e.kr,
		Metrics: e.metrics, Gatherer: e.reg, Log: e.log,
		PublicURL: base, AdminTokenHash: keyring.SecretHash(keyring.Token(24)),
		Ready: func(ctx context.Context) error { return e.store.Ping(ctx) },
	}
	closeLimiter := func() {}
	if e.o.limiter {
		// As `plaudit api` wires it: the per-client limits count in
		// Redis (failures only, on the hook path), the connector's own
		// bucket in the process.
		rdb, ok := e.redis.MakeRedisClient().(redis.UniversalClient)
		if !ok {
			ln.Close()
			return listening{}, errors.New("redis: unexpected client type")
		}
		closeLimiter = func() { rdb.Close() }
		cfg.RateLimiter = ratelimit.New(rdb, "plaudit:ratelimit:", e.kr.Derive("ratelimit"))
		cfg.Limits = server.DefaultLimits
	}
	srv := server.New(cfg)
	go srv.App().Listener(ln) //nolint:errcheck // ends with Shutdown
	return listening{URL: base, shutdown: func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		closeLimiter()
	}}, nil
}

// startBaseline runs the bare handler: the same Fiber configuration as
// server.New, one route, and nothing but one asynq enqueue per delivery
// (the interaction task's type, options and payload shape: ids only, as
// every Plaudit task), answered the way the gateway answers.
func (e *env) startBaseline() (listening, error) {
	app := fiber.New(fiber.Config{
		BodyLimit:                    server.MaxBody,
		DisableStartupMessage:        true,
		ReadTimeout:                  15 * time.Second,
		WriteTimeout:                 15 * time.Second,
		IdleTimeout:                  120 * time.Second,
		DisablePreParseMultipartForm: true,
	})
	tenantID := e.tenant.ID
	app.Post("/hooks/:connector", func(c *fiber.Ctx) error {
		if err := e.enqueueOne(c.UserContext(), tenantID, keyring.ID("int")); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString(fmt.Sprintf("queue unavailable: %v", err))
		}
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"accepted": 1, "duplicates": 0})
	})
	return listen(app, app.ShutdownWithContext)
}

// enqueueOne enqueues one interaction task, on its own: what the gateway
// did per delivery before deliveries shared tasks.
func (e *env) enqueueOne(ctx context.Context, tenantID, id string) error {
	t, err := queue.NewInteractionTask(tenantID, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, queue.EnqueueTimeout)
	defer cancel()
	_, err = e.bare.EnqueueContext(ctx, t)
	return err
}
