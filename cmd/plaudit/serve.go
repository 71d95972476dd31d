package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/server"
)

// serve runs the HTTP server, the workers and the scheduler, or one side
// of them (api, worker), until ctx is canceled (SIGTERM). In-flight
// requests and tasks are finished before it returns.
func serve(ctx context.Context, mode string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.Embedded() && mode != "serve" {
		return fmt.Errorf("plaudit %s needs REDIS_URL: an in-process Redis is only shared within one process (use plaudit serve)", mode)
	}
	if err := checkProviders(cfg, mode); err != nil {
		return err
	}
	var ln net.Listener
	if mode != "worker" {
		// Bound first, so that a port in use stops the start before
		// anything is opened or says it listens.
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("cannot listen on %s (PLAUDIT_ADDR): %w. Is another plaudit running? Stop it, or set PLAUDIT_ADDR to a free port", cfg.Addr, err)
		}
		defer ln.Close() // closed by Shutdown too, once served
	}
	a, err := openApp(ctx, cfg, stdout, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	warnExposure(cfg, a.log)

	var ws *workerSide
	if mode != "api" {
		if ws, err = startWorkers(ctx, a); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	var srv *server.Server
	if ln != nil {
		srv = a.server()
		// Last, and before serving: the port is bound, so from here the
		// API answers, and no answer can come before this line.
		a.log.Info("listening", "addr", cfg.Addr, "public_url", cfg.PublicURL, "mode", mode)
		go func() { errc <- srv.Serve(ln) }()
	}

	var errs []error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down: finishing in-flight work")
	case err := <-errc:
		if err != nil {
			errs = append(errs, fmt.Errorf("http: %w", err))
		}
	}
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		errs = append(errs, srv.Shutdown(sctx))
		cancel()
	}
	if ws != nil {
		ws.stop()
	}
	a.log.Info("stopped")
	return errors.Join(errs...)
}

// workerSide is the worker half of a process: the task server, the
// scheduler and the reconciles that follow the start.
type workerSide struct {
	workers       *asynq.Server
	sched         *asynq.Scheduler
	stopFollowUps func()
}

func startWorkers(ctx context.Context, a *app) (*workerSide, error) {
	cfg := a.cfg
	w := a.worker()
	ws := &workerSide{workers: queue.NewServer(a.redis, queue.ServerOptions{Concurrency: cfg.Concurrency, Log: a.log})}
	if err := ws.workers.Start(w.Mux()); err != nil {
		return nil, fmt.Errorf("workers: %w", err)
	}
	var err error
	if ws.sched, err = queue.NewScheduler(a.redis, a.log); err == nil {
		err = ws.sched.Start()
	}
	if err != nil {
		ws.workers.Shutdown()
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	// Whatever the store says is due but no queue holds (an embedded
	// Redis starts empty) is enqueued now rather than in a minute.
	if err := w.Reconcile(ctx); err != nil {
		a.log.Warn("start-up reconcile incomplete", "err", err)
	}
	// A process often starts because its predecessor was killed. What
	// that one held can be taken over only later: its claims on sends
	// after the claim timeout, its tasks in asynq once their lease has
	// run out (OrphanedAfter). Reconciling again at those moments takes
	// the work over then, not at the scheduler's next run.
	rctx, cancel := context.WithCancel(ctx)
	followUps := reconcileAfter(rctx, w, a.log, cfg.ClaimTimeout, queue.OrphanedAfter)
	// What any worker that dies from now on held is taken over within
	// seconds of its heartbeat stopping, by whichever worker looks first.
	followUps.Add(1)
	go func() { defer followUps.Done(); w.WatchOrphans(rctx, queue.WatchInterval) }()
	ws.stopFollowUps = func() { cancel(); followUps.Wait() }
	if cfg.ClaimTimeout < queue.SendTimeout {
		a.log.Warn("PLAUDIT_CLAIM_TIMEOUT is shorter than a send may take: a slow but live send can be taken for a dead one and sent twice",
			"claim_timeout", cfg.ClaimTimeout, "send_timeout", queue.SendTimeout)
	}
	a.warnDuplicateWindow(a.log)
	a.log.Info("workers started", "concurrency", cfg.Concurrency)
	return ws, nil
}

// stop lets running tasks finish (up to the shutdown timeout) and ends the
// follow-up reconciles, before the store is closed.
func (ws *workerSide) stop() {
	ws.sched.Shutdown()
	ws.workers.Shutdown()
	ws.stopFollowUps()
}

// reconcileAfter runs w.Reconcile once after each of delays that comes
// before the scheduler's first run (a minute), until ctx ends. Wait on the
// result before the store is closed.
func reconcileAfter(ctx context.Context, w *queue.Worker, log *slog.Logger, delays ...time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, d := range delays {
		if d >= time.Minute {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := w.Reconcile(ctx); err != nil && ctx.Err() == nil {
				log.Warn("reconcile after start incomplete", "err", err)
			}
		}()
	}
	return &wg
}

func migrate(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	a, err := openStoreOnly(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	a.log.Info("migrations applied", "engine", a.store.Engine())
	return nil
}

func rotateKey(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.SecretKeyPrevious == "" {
		return errors.New("rotate-key: set PLAUDIT_SECRET_KEY to the new key and PLAUDIT_SECRET_KEY_PREVIOUS to the old one")
	}
	if cfg.SecretKey == "" {
		return errors.New("rotate-key: PLAUDIT_SECRET_KEY (the new key) must be set")
	}
	a, err := openStoreOnly(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.store.ResealSecrets(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-encrypted %d secrets under key %s; PLAUDIT_SECRET_KEY_PREVIOUS can now be removed\n", n, a.kr.KeyID())
	return nil
}
