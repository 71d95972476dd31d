package queue

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/keyring"
)

// topologies runs f on Redis Sentinel and on Redis Cluster, each reached
// the way plaudit reaches it: REDIS_URL through ParseRedisURL into asynq's
// options. q is a queue of the test's own, in place of QueueCritical: a
// cluster is shared and has database 0 only, so the test's tasks go there
// (the real constructors, routed with asynq.Queue) and the queue is
// deleted at the end. On Sentinel the test also has a database of its own.
func topologies(t *testing.T, f func(t *testing.T, opt asynq.RedisConnOpt, q string)) {
	run := func(t *testing.T, raw, q string) {
		opt, err := ParseRedisURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			insp := asynq.NewInspector(opt)
			defer insp.Close()
			if err := insp.DeleteQueue(q, true); err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
				t.Errorf("delete queue %s: %v", q, err)
			}
		})
		if err := Ping(context.Background(), opt); err != nil {
			t.Fatalf("ping %s: %v", raw, err)
		}
		f(t, opt, q)
	}
	t.Run("sentinel", func(t *testing.T) {
		raw := testenv.SentinelURL(t)
		opt, err := ParseRedisURL(raw)
		if fo, ok := opt.(asynq.RedisFailoverClientOpt); err != nil || !ok || fo.DB == 0 {
			t.Fatalf("ParseRedisURL(%q) = %#v, %v: want Sentinel options with the test's database", raw, opt, err)
		}
		run(t, raw, keyring.ID("pt"))
	})
	t.Run("cluster", func(t *testing.T) {
		raw, name := testenv.ClusterURL(t)
		if opt, err := ParseRedisURL(raw); err != nil {
			t.Fatal(err)
		} else if _, ok := opt.(asynq.RedisClusterClientOpt); !ok {
			t.Fatalf("ParseRedisURL(%q) = %#v: want cluster options", raw, opt)
		}
		run(t, raw, name)
	})
}

// warnings keeps what asynq logs at warning level and above: the server's
// heartbeat, the scheduler's and the recoverer's failures are logged, not
// returned, and a test on a topology must see them.
type warnings struct {
	mu   sync.Mutex
	msgs []string
	slog.Handler
}

func newWarnings() *warnings {
	return &warnings{Handler: slog.NewTextHandler(io.Discard, nil)}
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, r.Message)
	return nil
}

func (w *warnings) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.msgs {
		t.Errorf("asynq logged: %s", m)
	}
}

// TestTopologyTaskIDDedupAndProcessing: a task id enqueues once, and a
// worker server built by NewServer takes the task, a delayed one when it
// is due, and a retry after a provider's Retry-After.
func TestTopologyTaskIDDedupAndProcessing(t *testing.T) {
	topologies(t, func(t *testing.T, opt asynq.RedisConnOpt, q string) {
		ctx := context.Background()
		c := NewClient(opt)
		defer c.Close()
		enqueue := func(task *asynq.Task, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.c.EnqueueContext(ctx, task, asynq.Queue(q))
			return err
		}
		later := time.Now().Add(time.Hour)
		for i := 0; i < 2; i++ {
			// Client.enqueue counts a task id conflict as success; asynq
			// must report it as one on this topology too.
			var want error
			if i > 0 {
				want = asynq.ErrTaskIDConflict
			}
			if err := enqueue(NewInteractionTask("ten_a", "int_1")); !errors.Is(err, want) {
				t.Fatalf("interaction enqueue %d: %v, want %v", i+1, err, want)
			}
			if err := enqueue(NewSendTask("ten_a", "req_later", later)); !errors.Is(err, want) {
				t.Fatalf("send enqueue %d: %v, want %v", i+1, err, want)
			}
		}
		insp := asynq.NewInspector(opt)
		defer insp.Close()
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			t.Fatal(err)
		}
		if info.Pending != 1 || info.Scheduled != 1 {
			t.Fatalf("queue holds %d pending and %d scheduled, want 1 and 1", info.Pending, info.Scheduled)
		}
		if err := enqueue(NewSendTask("ten_a", "req_soon", time.Now().Add(300*time.Millisecond))); err != nil {
			t.Fatal(err)
		}
		if err := enqueue(NewWritebackTask("ten_a", "res_1", 1)); err != nil {
			t.Fatal(err)
		}

		var mu sync.Mutex
		runs := map[string]int{}
		done := make(chan string, 8)
		record := func(_ context.Context, task *asynq.Task) error {
			r, err := parseRef(task)
			if err != nil {
				return err
			}
			mu.Lock()
			runs[r.ID]++
			n := runs[r.ID]
			mu.Unlock()
			if r.ID == "res_1" && n == 1 {
				return &plaudit.RetryAfterError{After: 100 * time.Millisecond, Err: errors.New("429")}
			}
			done <- r.ID
			return nil
		}
		mux := asynq.NewServeMux()
		for _, typ := range []string{TypeInteraction, TypeSend, TypeWriteback} {
			mux.HandleFunc(typ, record)
		}
		logged := newWarnings()
		srv := NewServer(opt, ServerOptions{Concurrency: 4, ShutdownTimeout: time.Second, Log: slog.New(logged), Queues: map[string]int{q: 1}})
		if err := srv.Start(mux); err != nil {
			t.Fatal(err)
		}
		stopped := false
		defer func() {
			if !stopped {
				srv.Shutdown()
			}
		}()
		want := map[string]bool{"int_1": true, "req_soon": true, "res_1": true}
		timeout := time.After(15 * time.Second)
		for len(want) > 0 {
			select {
			case id := <-done:
				delete(want, id)
			case <-timeout:
				t.Fatalf("not processed within 15 s: %v", want)
			}
		}
		// Nothing runs twice; the task due in an hour waits.
		time.Sleep(700 * time.Millisecond)
		mu.Lock()
		if runs["int_1"] != 1 || runs["req_soon"] != 1 || runs["res_1"] != 2 || runs["req_later"] != 0 {
			t.Errorf("runs = %v, want int_1 and req_soon once, res_1 twice (one retry), req_later never", runs)
		}
		mu.Unlock()
		info, err = insp.GetQueueInfo(q)
		if err != nil {
			t.Fatal(err)
		}
		if info.Pending != 0 || info.Active != 0 || info.Retry != 0 || info.Scheduled != 1 || info.Processed != 4 {
			t.Errorf("queue after the run: %d pending, %d active, %d retry, %d scheduled, %d processed; want 0, 0, 0, 1, 4",
				info.Pending, info.Active, info.Retry, info.Scheduled, info.Processed)
		}
		// The server's heartbeat registered it (a script on two keys of
		// one hash slot), and shutting down clears that without an error.
		servers, err := insp.Servers()
		if err != nil || len(servers) == 0 {
			t.Errorf("no server registered by the heartbeat (%v)", err)
		}
		srv.Shutdown()
		stopped = true
		logged.check(t)
	})
}

// TestTopologyScheduler: the periodic scheduler starts and stops, and
// two schedulers (two worker replicas) with the Unique option that
// NewScheduler uses put one task on the queue, not one each.
func TestTopologyScheduler(t *testing.T) {
	topologies(t, func(t *testing.T, opt asynq.RedisConnOpt, q string) {
		logged := newWarnings()
		s, err := NewScheduler(opt, slog.New(logged))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		s.Shutdown()

		// NewScheduler's entries tick every minute and beat every 10 s:
		// these two tick and beat every second (asynq's heartbeat TTL is
		// twice the interval in whole seconds, so no less), with the same
		// options on this test's queue.
		var scheds []*asynq.Scheduler
		for i := 0; i < 2; i++ {
			s := asynq.NewScheduler(opt, &asynq.SchedulerOpts{Logger: slogAdapter{slog.New(logged)}, LogLevel: asynq.WarnLevel,
				HeartbeatInterval: time.Second})
			if _, err := s.Register("@every 1s", asynq.NewTask(TypeReconcile, nil),
				asynq.Queue(q), asynq.Unique(time.Minute), asynq.MaxRetry(3)); err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			scheds = append(scheds, s)
		}
		stop := func() {
			for _, s := range scheds {
				s.Shutdown()
			}
			scheds = nil
		}
		defer stop()
		insp := asynq.NewInspector(opt)
		defer insp.Close()
		deadline := time.Now().Add(10 * time.Second)
		for {
			info, err := insp.GetQueueInfo(q)
			if err == nil && info.Pending > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no scheduled task within 10 s (%v)", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(2500 * time.Millisecond) // two more ticks of each scheduler
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			t.Fatal(err)
		}
		if info.Pending != 1 {
			t.Errorf("%d tasks pending after several ticks of two schedulers, want 1 (Unique)", info.Pending)
		}
		if entries, err := insp.SchedulerEntries(); err != nil || len(entries) < 2 {
			t.Errorf("scheduler entries written by the heartbeats: %d (%v), want at least 2", len(entries), err)
		}
		stop()
		logged.check(t)
	})
}
