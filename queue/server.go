package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit/feedback"
)

// ServerOptions tune the worker server.
type ServerOptions struct {
	Concurrency int
	// ShutdownTimeout is how long in-flight tasks may run after SIGTERM.
	ShutdownTimeout time.Duration
	Log             *slog.Logger
	// Queues are the queues served and their weights; nil means Queues.
	// Tests on a shared Redis Cluster serve queues named for the test.
	Queues map[string]int
}

// NewServer returns the asynq server for w. The polling interval is short
// so that a request due now goes out within a second.
func NewServer(opt asynq.RedisConnOpt, o ServerOptions) *asynq.Server {
	if o.Concurrency == 0 {
		o.Concurrency = 20
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = 25 * time.Second
	}
	if o.Queues == nil {
		o.Queues = Queues
	}
	return asynq.NewServer(opt, asynq.Config{
		Concurrency:              o.Concurrency,
		Queues:                   o.Queues,
		RetryDelayFunc:           RetryDelay,
		ShutdownTimeout:          o.ShutdownTimeout,
		TaskCheckInterval:        200 * time.Millisecond,
		DelayedTaskCheckInterval: 500 * time.Millisecond,
		Logger:                   slogAdapter{o.Log},
		LogLevel:                 asynq.WarnLevel,
		IsFailure: func(err error) bool {
			// A canceled context at shutdown is not the task's fault, and a
			// call held back by an open circuit or not yet due was never tried: none
			// uses up a retry.
			return !errors.Is(err, context.Canceled) && !errors.Is(err, feedback.ErrCircuitOpen) && !errors.Is(err, errNotDue)
		},
	})
}

// NewScheduler returns the periodic scheduler: the reconciler every
// minute, the look-up of due reminders every five minutes, the retention
// sweep every hour, a look for the teams' weekly digests (Monday 07:00 in each tenant's time zone) every 15 minutes. Several worker replicas may each
// run one; the Unique option keeps each tick to one task.
func NewScheduler(opt asynq.RedisConnOpt, log *slog.Logger) (*asynq.Scheduler, error) {
	s := asynq.NewScheduler(opt, &asynq.SchedulerOpts{Logger: slogAdapter{log}, LogLevel: asynq.WarnLevel})
	for _, p := range []struct {
		spec, typ string
		unique    time.Duration
	}{
		{"@every 1m", TypeReconcile, 50 * time.Second},
		{"@every 5m", TypeReminders, 4 * time.Minute},
		{"@every 1h", TypeRetention, 50 * time.Minute},
		{DigestSpec, TypeDigests, 10 * time.Minute},
	} {
		if _, err := s.Register(p.spec, asynq.NewTask(p.typ, nil),
			asynq.Queue(QueueMaintenance), asynq.Unique(p.unique), asynq.MaxRetry(3)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// slogAdapter lets asynq log through slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) logger() *slog.Logger {
	if a.l == nil {
		return slog.Default()
	}
	return a.l
}
func (a slogAdapter) Debug(args ...any) { a.logger().Debug(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Info(args ...any)  { a.logger().Info(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Warn(args ...any)  { a.logger().Warn(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Error(args ...any) { a.logger().Error(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Fatal(args ...any) { a.logger().Error(fmt.Sprint(args...), "component", "asynq") }
