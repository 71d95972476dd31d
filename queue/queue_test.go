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
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/store"
)

func TestRetryDelayHonoursRetryAfter(t *testing.T) {
	err := &plaudit.RetryAfterError{After: 30 * time.Second, Err: errors.New("429")}
	for i := 0; i < 50; i++ {
		d := RetryDelay(1, err, nil)
		if d < 30*time.Second || d > 33*time.Second {
			t.Fatalf("RetryDelay with Retry-After 30s = %s, want 30s..33s", d)
		}
	}
}

func TestRetryDelayBacksOffWithJitterAndACap(t *testing.T) {
	plain := errors.New("503")
	seen := map[time.Duration]bool{}
	for n := 0; n < 30; n++ {
		d := RetryDelay(n, plain, nil)
		if d <= 0 || d > 30*time.Minute {
			t.Fatalf("RetryDelay(%d) = %s, want in (0, 30m]", n, d)
		}
		seen[d] = true
	}
	if first, late := RetryDelay(0, plain, nil), RetryDelay(8, plain, nil); late <= first {
		t.Errorf("no backoff: attempt 0 waits %s, attempt 8 waits %s", first, late)
	}
	if len(seen) < 20 {
		t.Errorf("delays look deterministic (%d distinct of 30): jitter missing", len(seen))
	}
}

func TestParseRedisURL(t *testing.T) {
	for _, raw := range []string{"redis://127.0.0.1:6379/2", "rediss://user:pw@redis.example:6380/0",
		"redis-sentinel://:pw@s1:26379,s2:26379?master=mymaster", "redis-cluster://n1:7000,n2:7000"} {
		if _, err := ParseRedisURL(raw); err != nil {
			t.Errorf("ParseRedisURL(%q): %v", raw, err)
		}
	}
	opt, _ := ParseRedisURL("redis-cluster://n1:7000,n2:7001")
	if c, ok := opt.(asynq.RedisClusterClientOpt); !ok || len(c.Addrs) != 2 {
		t.Errorf("cluster URL parsed as %#v", opt)
	}
	if _, err := ParseRedisURL("http://nope"); err == nil {
		t.Error("an http URL was accepted as REDIS_URL")
	}
	opt, _ = ParseRedisURL("redis-sentinel://:pw@s1:26379,s2:26379/3?master=mymaster")
	if f, ok := opt.(asynq.RedisFailoverClientOpt); !ok || f.DB != 3 || f.MasterName != "mymaster" ||
		len(f.SentinelAddrs) != 2 || f.SentinelPassword != "pw" {
		t.Errorf("sentinel URL with a database parsed as %#v", opt)
	}
	for _, raw := range []string{"redis-sentinel://s1:26379/x?master=m", "redis-sentinel://s1:26379/0"} {
		if _, err := ParseRedisURL(raw); err == nil {
			t.Errorf("ParseRedisURL(%q) accepted a bad database or no master name", raw)
		}
	}
}

// redisBackends runs f on the embedded Redis and, when configured, on a
// real one.
func redisBackends(t *testing.T, f func(t *testing.T, opt asynq.RedisConnOpt)) {
	t.Run("miniredis", func(t *testing.T) {
		e, err := StartEmbedded("")
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		f(t, e.ConnOpt())
	})
	t.Run("redis", func(t *testing.T) {
		opt, err := ParseRedisURL(testenv.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		f(t, opt)
	})
}

// A send due in the future is never handed to a worker before its time:
// asynq keeps whole seconds, so the fraction is rounded up, not cut off.
func TestSendIsNotScheduledBeforeItsDueTime(t *testing.T) {
	redisBackends(t, func(t *testing.T, opt asynq.RedisConnOpt) {
		c := NewClient(opt)
		defer c.Close()
		due := time.Now().Add(time.Hour).Truncate(time.Second).Add(700 * time.Millisecond)
		if err := c.Send(context.Background(), "ten_a", "req_due", due); err != nil {
			t.Fatal(err)
		}
		insp := asynq.NewInspector(opt)
		defer insp.Close()
		info, err := insp.GetTaskInfo(QueueCritical, sendTaskID("req_due"))
		if err != nil {
			t.Fatal(err)
		}
		if info.NextProcessAt.Before(due) {
			t.Errorf("scheduled for %s, before the request is due (%s)", info.NextProcessAt.Format(time.StampMilli), due.Format(time.StampMilli))
		}
		if info.NextProcessAt.After(due.Add(time.Second)) {
			t.Errorf("scheduled for %s, more than a second after it is due (%s)", info.NextProcessAt, due)
		}
	})
	// Due now or earlier: as it is, so that it runs at once.
	now := time.Now()
	if past := now.Add(-1500 * time.Millisecond); !notBefore(past, now).Equal(past) {
		t.Error("a past due time was moved")
	}
}

func TestEnqueueTwiceQueuesOnce(t *testing.T) {
	redisBackends(t, func(t *testing.T, opt asynq.RedisConnOpt) {
		c := NewClient(opt)
		defer c.Close()
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			if err := c.Interaction(ctx, "ten_a", "int_1"); err != nil {
				t.Fatalf("enqueue %d: %v", i, err)
			}
		}
		if err := c.Send(ctx, "ten_a", "req_1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := c.Send(ctx, "ten_a", "req_1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		insp := asynq.NewInspector(opt)
		defer insp.Close()
		info, err := insp.GetQueueInfo(QueueCritical)
		if err != nil {
			t.Fatal(err)
		}
		if info.Pending != 1 || info.Scheduled != 1 {
			t.Errorf("queue holds %d pending and %d scheduled, want 1 and 1", info.Pending, info.Scheduled)
		}
		// Ids only: the payload names rows, nothing else.
		tasks, _ := insp.ListPendingTasks(QueueCritical)
		if len(tasks) == 1 && string(tasks[0].Payload) != `{"t":"ten_a","id":"int_1"}` {
			t.Errorf("payload = %s, want ids only", tasks[0].Payload)
		}
	})
}

func TestEnqueueFailsFastWhenRedisIsDown(t *testing.T) {
	c := NewClient(asynq.RedisClientOpt{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	start := time.Now()
	err := c.Interaction(context.Background(), "ten_a", "int_1")
	if err == nil {
		t.Fatal("enqueue to a closed port succeeded")
	}
	if d := time.Since(start); d > 2*EnqueueTimeout {
		t.Errorf("enqueue took %s to fail, want under %s", d, 2*EnqueueTimeout)
	}
}

// recorder is an email and SMS sender that keeps what it was given.
type recorder struct {
	mu    sync.Mutex
	email []notify.Email
	sms   []notify.SMS
	fail  error
}

func (r *recorder) SendEmail(_ context.Context, m notify.Email) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return "", r.fail
	}
	r.email = append(r.email, m)
	return "msg-" + m.RequestID, nil
}

func (r *recorder) SendSMS(_ context.Context, m notify.SMS) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return "", r.fail
	}
	r.sms = append(r.sms, m)
	return "SM" + m.RequestID, nil
}

type fixture struct {
	st     *store.Store
	w      *Worker
	rec    *recorder
	tenant plaudit.Tenant
	agent  plaudit.Agent
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	kr, err := keyring.New(keyring.RandomBytes(32), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "", t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := StartEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	q := NewClient(e.ConnOpt())
	t.Cleanup(func() { q.Close() })
	f := &fixture{st: st, rec: &recorder{}, now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	f.tenant = plaudit.Tenant{Name: "Acme", Settings: plaudit.DefaultSettings()}
	f.tenant.Settings.DelaySeconds = 0
	if err := st.CreateTenant(ctx, &f.tenant); err != nil {
		t.Fatal(err)
	}
	f.agent = plaudit.Agent{TenantID: f.tenant.ID, Email: "max@acme.example", Name: "Max Muster", Approved: true,
		ExternalIDs: map[string]string{"zendesk": "42"}}
	if err := st.CreateAgent(ctx, &f.agent); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := func() time.Time { return f.now }
	f.w = &Worker{Store: st, Queue: q, Log: log, Now: now, Feedback: &feedback.Service{
		Store: st, Tasks: q, Email: f.rec, SMS: f.rec, PublicURL: "https://fb.example", Log: log, Now: now}}
	return f
}

// interaction stores a solved interaction and runs the decision on it.
func (f *fixture) decide(t *testing.T, in plaudit.Interaction) plaudit.FeedbackRequest {
	t.Helper()
	ctx := context.Background()
	in.TenantID, in.Source = f.tenant.ID, "zendesk"
	if in.Event == "" {
		in.Event = plaudit.EventSolved
	}
	if in.DedupKey == "" {
		in.DedupKey = keyring.Token(8)
	}
	if in.Agent.ExternalID == "" && in.Agent.Email == "" {
		in.Agent.ExternalID = "42"
	}
	if _, err := f.st.InsertInteraction(ctx, &in); err != nil {
		t.Fatal(err)
	}
	task, _ := NewInteractionTask(in.TenantID, in.ID)
	if err := f.w.HandleInteraction(ctx, task); err != nil {
		t.Fatalf("HandleInteraction: %v", err)
	}
	reqs, err := f.st.ListRequests(ctx, f.tenant.ID, store.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if r.InteractionID == in.ID {
			return r
		}
	}
	if in.Event == plaudit.EventSolved {
		t.Fatalf("no request or skip record for interaction %s", in.ID)
	}
	return plaudit.FeedbackRequest{}
}

func TestDecisionsRecordEveryReasonNotToSend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	unapproved := plaudit.Agent{TenantID: f.tenant.ID, Email: "new@acme.example", Name: "New Hire"}
	if err := f.st.CreateAgent(ctx, &unapproved); err != nil {
		t.Fatal(err)
	}
	if err := f.st.UpdateAgent(ctx, func() plaudit.Agent { a := unapproved; a.Approved = false; return a }()); err != nil {
		t.Fatal(err)
	}
	cust := plaudit.Customer{Email: "kim@example.org"}
	cases := []struct {
		name string
		in   plaudit.Interaction
		want string
	}{
		{"do_not_send", plaudit.Interaction{Customer: cust, DoNotSend: true}, plaudit.ReasonDoNotSend},
		{"suppression tag", plaudit.Interaction{Customer: cust, Tags: []string{"vip", "no_survey"}}, plaudit.ReasonSuppressionTag},
		{"unknown agent", plaudit.Interaction{Customer: cust, Agent: plaudit.AgentRef{ExternalID: "999"}}, plaudit.ReasonNoAgent},
		{"unapproved agent", plaudit.Interaction{Customer: cust, Agent: plaudit.AgentRef{Email: "new@acme.example"}}, plaudit.ReasonAgentNotApprove},
		{"no address", plaudit.Interaction{}, plaudit.ReasonNoAddress},
		{"invalid phone only", plaudit.Interaction{Customer: plaudit.Customer{Phone: "12"}}, plaudit.ReasonInvalidPhone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.decide(t, c.in)
			if r.Status != plaudit.RequestSkipped || r.Reason != c.want {
				t.Errorf("request = %s/%s, want skipped/%s", r.Status, r.Reason, c.want)
			}
		})
	}
}

func TestSuppressionWindowAndOptOut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "Kim@Example.org"}})
	if first.Status != plaudit.RequestScheduled || first.Channel != plaudit.ChannelEmail {
		t.Fatalf("first request = %s/%s, want scheduled email", first.Status, first.Reason)
	}
	second := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org"}})
	if second.Reason != plaudit.ReasonRecentlyAsked {
		t.Errorf("second request within suppression_days: %s/%s, want recently_asked", second.Status, second.Reason)
	}
	hash := keyring.AddressHash(f.tenant.HashKey, "ola@example.org")
	if err := f.st.Suppress(ctx, plaudit.Suppression{TenantID: f.tenant.ID, AddressHash: hash, Reason: "email_bounced"}); err != nil {
		t.Fatal(err)
	}
	third := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "ola@example.org"}})
	if third.Reason != plaudit.ReasonSuppressed {
		t.Errorf("suppressed address: %s/%s, want address_suppressed", third.Status, third.Reason)
	}
}

func TestSamplingZeroSendsNothing(t *testing.T) {
	f := newFixture(t)
	t0 := f.tenant
	t0.Settings.SamplingPercent = 0
	if err := f.st.UpdateTenant(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	r := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org"}})
	if r.Reason != plaudit.ReasonNotSampled {
		t.Errorf("sampling 0%%: %s/%s, want not_sampled", r.Status, r.Reason)
	}
}

func TestReopenCancelsAScheduledRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t0 := f.tenant
	t0.Settings.DelaySeconds = 3600
	if err := f.st.UpdateTenant(ctx, t0); err != nil {
		t.Fatal(err)
	}
	r := f.decide(t, plaudit.Interaction{ExternalID: "T-1", Customer: plaudit.Customer{Email: "kim@example.org"}})
	if r.Status != plaudit.RequestScheduled {
		t.Fatalf("request = %s, want scheduled", r.Status)
	}
	f.decide(t, plaudit.Interaction{ExternalID: "T-1", Event: plaudit.EventReopened})
	got, err := f.st.GetRequest(ctx, f.tenant.ID, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != plaudit.RequestCanceled {
		t.Errorf("after reopen: %s, want canceled", got.Status)
	}
	// The send task that was queued finds nothing to do.
	task, _ := NewSendTask(f.tenant.ID, r.ID, f.now)
	f.now = f.now.Add(2 * time.Hour)
	if err := f.w.HandleSend(ctx, task); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.email) != 0 {
		t.Errorf("a canceled request was sent")
	}
}

func TestSMSQuietHoursMoveTheSendTime(t *testing.T) {
	f := newFixture(t)
	f.now = time.Date(2026, 11, 28, 22, 30, 0, 0, time.UTC) // 23:30 in Berlin
	r := f.decide(t, plaudit.Interaction{Channel: "phone", Customer: plaudit.Customer{Phone: "+49 151 23456789"}})
	if r.Channel != plaudit.ChannelSMS || r.Status != plaudit.RequestScheduled {
		t.Fatalf("request = %s/%s via %s, want scheduled sms", r.Status, r.Reason, r.Channel)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want := time.Date(2026, 11, 29, 8, 0, 0, 0, berlin)
	if !r.DueAt.Equal(want) {
		t.Errorf("due %s, want %s (end of quiet hours in the customer's zone)", r.DueAt, want)
	}
}

// cancelDuringSend is a provider that takes the message while the task's
// time runs out: the context is done by the time the call returns.
type cancelDuringSend struct {
	*recorder
	cancel context.CancelFunc
}

func (c cancelDuringSend) SendEmail(ctx context.Context, m notify.Email) (string, error) {
	c.cancel()
	return c.recorder.SendEmail(ctx, m)
}

// A message the provider took is recorded as sent even when the task's
// time ran out during the call; else the request would stay "sending"
// and go out a second time after the claim timeout.
func TestSentIsRecordedWhenTheTaskRanOutDuringTheCall(t *testing.T) {
	f := newFixture(t)
	r := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org", Name: "Kim Lee"}})
	task, _ := NewSendTask(f.tenant.ID, r.ID, f.now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.w.Feedback.Email = cancelDuringSend{recorder: f.rec, cancel: cancel}
	if err := f.w.HandleSend(ctx, task); err != nil {
		t.Fatal(err)
	}
	got, err := f.st.GetRequest(context.Background(), f.tenant.ID, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != plaudit.RequestSent || len(f.rec.email) != 1 {
		t.Fatalf("request %s after %d emails, want sent after 1", got.Status, len(f.rec.email))
	}
}

func TestSendClaimsOnceAndRetriesProviderFailures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org", Name: "Kim Lee"}})
	task, _ := NewSendTask(f.tenant.ID, r.ID, f.now)

	f.rec.fail = errors.New("sendgrid: 503")
	if err := f.w.HandleSend(ctx, task); err == nil {
		t.Fatal("a provider failure was not returned for a retry")
	}
	got, _ := f.st.GetRequest(ctx, f.tenant.ID, r.ID)
	if got.Status != plaudit.RequestScheduled {
		t.Fatalf("after a retryable failure: %s, want scheduled again", got.Status)
	}

	f.rec.fail = nil
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ { // a redelivered task and workers racing
		wg.Add(1)
		go func() { defer wg.Done(); _ = f.w.HandleSend(ctx, task) }()
	}
	wg.Wait()
	if len(f.rec.email) != 1 {
		t.Fatalf("sent %d emails, want 1", len(f.rec.email))
	}
	m := f.rec.email[0]
	if m.To != "kim@example.org" || m.RequestID != r.ID || m.TenantID != f.tenant.ID {
		t.Errorf("email to %q for %s/%s", m.To, m.TenantID, m.RequestID)
	}
	got, _ = f.st.GetRequest(ctx, f.tenant.ID, r.ID)
	if got.Status != plaudit.RequestSent || got.ProviderID != "msg-"+r.ID {
		t.Errorf("after send: %s (%s), want sent with the provider id", got.Status, got.ProviderID)
	}
}

func TestSendPermanentFailureEndsTheRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org"}})
	f.rec.fail = plaudit.Permanent("sendgrid: 400 invalid recipient", nil)
	task, _ := NewSendTask(f.tenant.ID, r.ID, f.now)
	err := f.w.HandleSend(ctx, task)
	if !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("err = %v, want SkipRetry", err)
	}
	got, _ := f.st.GetRequest(ctx, f.tenant.ID, r.ID)
	if got.Status != plaudit.RequestFailed || got.Reason != "sendgrid: 400 invalid recipient" {
		t.Errorf("request = %s/%s, want failed with the provider's reason", got.Status, got.Reason)
	}
}

// The embedded Redis listens on loopback, where any local user can
// connect: without the password that only this process knows, it answers
// nothing (no queuing of tasks, no clearing of counters).
func TestEmbeddedRedisWantsItsPassword(t *testing.T) {
	e, err := StartEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	for _, pw := range []string{"", "guess"} {
		c := redis.NewClient(&redis.Options{Addr: e.Addr(), Password: pw})
		err := c.Set(ctx, "asynq:queues", "x", 0).Err()
		c.Close()
		if err == nil {
			t.Errorf("password %q: a write was accepted", pw)
		}
	}
	if err := Ping(ctx, e.ConnOpt()); err != nil {
		t.Errorf("with its own options: %v", err)
	}
	other, err := StartEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.password == e.password || len(e.password) < 20 {
		t.Errorf("passwords are not random: %q, %q", e.password, other.password)
	}
	given, err := StartEmbedded("derived-from-the-secret-key")
	if err != nil {
		t.Fatal(err)
	}
	defer given.Close()
	c := redis.NewClient(&redis.Options{Addr: given.Addr(), Password: "derived-from-the-secret-key"})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Errorf("with the given password: %v", err)
	}
}
