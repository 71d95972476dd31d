package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/notify/sendgrid"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/store"
)

// e2ePhase is one end-to-end phase: webhooks in, work done.
type e2ePhase struct {
	name     string
	posts    phase         // the webhooks, as the clients saw them
	done     int           // interactions finished (email accepted, or second no-op task run)
	elapsed  time.Duration // first webhook to last finished interaction
	dueSent  []time.Duration
	peakRSS  int64
	meanRSS  int64
	timedOut bool
	notes    string
	// sql is what the gateway phase sent to the database, from the first
	// webhook to the last email.
	sql store.SQLCounts
}

// perInteraction is n divided by the interactions done.
func (p e2ePhase) perInteraction(n int64) float64 {
	if p.done == 0 {
		return 0
	}
	return float64(n) / float64(p.done)
}

func (p e2ePhase) rate() float64 {
	if p.elapsed <= 0 {
		return 0
	}
	return float64(p.done) / p.elapsed.Seconds()
}

// finish tracks finished interactions and the time of the last one.
type finish struct {
	n    atomic.Int64
	last atomic.Int64 // UnixNano
}

func (f *finish) add() {
	f.n.Add(1)
	f.last.Store(time.Now().UnixNano())
}

// wait returns once want interactions finished or the deadline passed.
func (f *finish) wait(ctx context.Context, want int, deadline time.Time) bool {
	for f.n.Load() < int64(want) {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func runE2E(ctx context.Context, e *env, out io.Writer) error {
	o := e.o
	sg := newFakeSendGrid()
	defer sg.Close()
	l := newLoader(o.clients, e.secret, o.rate)
	fmt.Fprintf(out, "e2e: %d interactions per phase, %d clients, worker concurrency %d, %d round(s), rate %s\n", o.interactions, o.clients, o.concurrency, o.rounds, rateText(o.rate))

	var phases []e2ePhase
	for r := 0; r < o.rounds; r++ {
		order := []string{"ceiling", "gateway"}
		if r%2 == 1 {
			order = []string{"gateway", "ceiling"}
		}
		for _, name := range order {
			var (
				p   e2ePhase
				err error
			)
			if name == "ceiling" {
				p, err = e.ceilingPhase(ctx, l)
			} else {
				p, err = e.gatewayPhase(ctx, l, sg.URL)
			}
			if err != nil {
				return err
			}
			phases = append(phases, p)
			fmt.Fprintf(out, "  round %d %-8s %6d done in %-8s %8.0f interactions/s%s\n", r+1, name, p.done, p.elapsed.Round(time.Millisecond), p.rate(), p.notes)
		}
	}
	ceil, gate := mergeE2E("ceiling", phases), mergeE2E("gateway", phases)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tinteractions\ttime\tinteractions/s\twebhook p99\tdue→sent p50\tp95\tp99\tpeak RSS\tmean RSS\t")
	for _, p := range []e2ePhase{ceil, gate} {
		p50, p95, p99 := "-", "-", "-"
		if len(p.dueSent) > 0 {
			p50, p95, p99 = ms(percentile(p.dueSent, .50)), ms(percentile(p.dueSent, .95)), ms(percentile(p.dueSent, .99))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.name, p.done, p.elapsed.Round(time.Millisecond), p.rate(),
			ms(p.posts.pct(.99)), p50, p95, p99, mib(p.peakRSS), mib(p.meanRSS))
	}
	tw.Flush()
	ratio := 0.0
	if ceil.rate() > 0 {
		ratio = gate.rate() / ceil.rate()
	}
	fmt.Fprintf(out, "ratio gateway/ceiling: %.2f\n", ratio)
	fmt.Fprintf(out, "SQL per interaction (gateway): %.2f statements, %.2f transactions, %.2f commits\n",
		gate.perInteraction(gate.sql.Statements), gate.perInteraction(gate.sql.Transactions), gate.perInteraction(gate.sql.Commits))
	fmt.Fprintf(out, "RESULT mode=e2e store=%s clients=%d concurrency=%d interactions=%d rate=%g ceiling_done=%d gateway_done=%d ceiling_ips=%.0f gateway_ips=%.0f ratio=%.3f due_sent_p50_ms=%.1f due_sent_p95_ms=%.1f due_sent_p99_ms=%.1f webhook_p99_ms=%.2f peak_rss_mib=%.0f mean_rss_mib=%.0f sql_statements_per_interaction=%.2f sql_commits_per_interaction=%.2f timed_out=%t\n",
		e.engine, o.clients, o.concurrency, o.interactions, o.rate, ceil.done, gate.done, ceil.rate(), gate.rate(), ratio,
		msf(percentile(gate.dueSent, .50)), msf(percentile(gate.dueSent, .95)), msf(percentile(gate.dueSent, .99)),
		msf(gate.posts.pct(.99)), float64(gate.peakRSS)/1024, float64(gate.meanRSS)/1024,
		gate.perInteraction(gate.sql.Statements), gate.perInteraction(gate.sql.Commits), gate.timedOut || ceil.timedOut)
	if gate.timedOut || ceil.timedOut {
		return fmt.Errorf("a phase did not finish within -timeout %s", o.timeout)
	}
	return nil
}

func mergeE2E(name string, phases []e2ePhase) e2ePhase {
	m := e2ePhase{name: name, posts: phase{name: name, errs: map[string]int{}}}
	for _, p := range phases {
		if p.name != name {
			continue
		}
		m.done += p.done
		m.elapsed += p.elapsed
		m.dueSent = append(m.dueSent, p.dueSent...)
		m.posts.lat = append(m.posts.lat, p.posts.lat...)
		m.peakRSS = max(m.peakRSS, p.peakRSS)
		m.meanRSS = max(m.meanRSS, p.meanRSS)
		m.timedOut = m.timedOut || p.timedOut
		m.sql.Statements += p.sql.Statements
		m.sql.Transactions += p.sql.Transactions
		m.sql.Commits += p.sql.Commits
	}
	slices.Sort(m.dueSent)
	slices.Sort(m.posts.lat)
	return m
}

// ceilingPhase is the skeleton of the pipeline with no work in it: the
// clients post to the bare handler, which enqueues the interaction task;
// asynq workers with the gateway's options run it as a no-op that
// enqueues a send task (as the real handler does), and run that as a
// no-op. The rate is what asynq on this Redis can do per interaction.
func (e *env) ceilingPhase(ctx context.Context, l *loader) (e2ePhase, error) {
	o := e.o
	bl, err := e.startBaseline()
	if err != nil {
		return e2ePhase{}, err
	}
	defer bl.shutdown()
	var fin finish
	mux := asynq.NewServeMux()
	mux.HandleFunc(queue.TypeInteraction, func(ctx context.Context, t *asynq.Task) error {
		var ref queue.Ref
		if err := json.Unmarshal(t.Payload(), &ref); err != nil {
			return err
		}
		return e.queue.Send(ctx, ref.TenantID, "req_"+ref.ID, time.Now())
	})
	mux.HandleFunc(queue.TypeSend, func(context.Context, *asynq.Task) error {
		fin.add()
		return nil
	})
	srv := queue.NewServer(e.redis, queue.ServerOptions{Concurrency: o.concurrency, Log: e.log, ShutdownTimeout: 5 * time.Second})
	if err := srv.Start(mux); err != nil {
		return e2ePhase{}, fmt.Errorf("ceiling workers: %w", err)
	}
	defer srv.Shutdown()
	return e.drivePhase(ctx, l, "ceiling", bl.hookURL(e.connector.ID), &fin, nil)
}

// gatewayPhase runs the real thing, as `plaudit serve` does in one
// process: the HTTP side and the workers, email through SendGrid's client
// to a fake SendGrid on loopback.
func (e *env) gatewayPhase(ctx context.Context, l *loader, sendgridURL string) (e2ePhase, error) {
	o := e.o
	gw, err := e.startGateway()
	if err != nil {
		return e2ePhase{}, err
	}
	defer gw.shutdown()
	sg, err := sendgrid.NewClient("SG.load-key", sendgridURL, e.http)
	if err != nil {
		return e2ePhase{}, err
	}
	var fin finish
	rec := &recorder{next: sg, fin: &fin}
	// Tenants and agents through the cache, as cmd/plaudit wires it.
	cached := store.Cached{Store: e.store}
	w := &queue.Worker{
		Store: cached, Queue: e.queue, Metrics: e.metrics, Log: e.log, Now: time.Now,
		Feedback: &feedback.Service{
			Store: cached, Tasks: e.queue,
			Connectors: connectors.NewCache(e.kinds, e.store, plaudit.DriverDeps{HTTP: e.http}, 0),
			Email:      rec, SMS: outbox.New(e.store, 10, e.log, gw.URL+"/dev/outbox"),
			Metrics: e.metrics, Log: e.log,
			PublicURL: gw.URL, FromEmail: "feedback@nordlicht.example",
		},
	}
	srv := queue.NewServer(e.redis, queue.ServerOptions{Concurrency: o.concurrency, Log: e.log, ShutdownTimeout: 5 * time.Second})
	if err := srv.Start(w.Mux()); err != nil {
		return e2ePhase{}, fmt.Errorf("workers: %w", err)
	}
	defer srv.Shutdown()
	stopProfile := func() {}
	if e.o.cpuprofile != "" && !e.profiled {
		if stopProfile, err = startCPUProfile(e.o.cpuprofile); err != nil {
			return e2ePhase{}, err
		}
		e.profiled = true
	}
	if e.o.goroutines != "" && !e.snapped {
		// A few seconds in, the workers are busy with the backlog.
		e.snapped = true
		snap := time.AfterFunc(3*time.Second, func() { writeGoroutines(e.o.goroutines) })
		defer snap.Stop()
	}
	before := e.store.SQLCounts()
	p, err := e.drivePhase(ctx, l, "gateway", gw.hookURL(e.connector.ID), &fin, rec)
	p.sql = e.store.SQLCounts().Sub(before)
	stopProfile()
	if err != nil {
		return p, err
	}
	// Due → sent, as the store recorded them.
	for _, id := range rec.ids() {
		r, err := e.store.GetRequest(ctx, e.tenant.ID, id)
		if err != nil {
			return p, fmt.Errorf("read request: %w", err)
		}
		if r.SentAt != nil {
			p.dueSent = append(p.dueSent, r.SentAt.Sub(r.DueAt))
		}
	}
	slices.Sort(p.dueSent)
	if p.timedOut {
		p.notes += " decisions: " + e.counters("plaudit_decisions_total")
	}
	return p, nil
}

// drivePhase posts -interactions webhooks and waits until as many
// interactions as were accepted have finished.
func (e *env) drivePhase(ctx context.Context, l *loader, name, url string, fin *finish, rec *recorder) (e2ePhase, error) {
	o := e.o
	rss := sampleRSS()
	start := time.Now()
	deadline := start.Add(o.timeout)
	posts := l.run(ctx, name, url, o.timeout, o.interactions)
	ok := fin.wait(ctx, posts.ok, deadline)
	p := e2ePhase{name: name, posts: posts, done: int(fin.n.Load()), timedOut: !ok}
	p.elapsed = time.Unix(0, fin.last.Load()).Sub(start)
	if p.done == 0 {
		p.elapsed = time.Since(start)
	}
	p.peakRSS, p.meanRSS = rss()
	if n := posts.errors(); n > 0 {
		p.notes += fmt.Sprintf(" (webhook errors: %s)", errText(posts.errs))
	}
	if !ok {
		p.notes += fmt.Sprintf(" TIMED OUT: %d of %d accepted", p.done, posts.ok)
	}
	return p, ctx.Err()
}

// counters renders a counter vector from the gateway's registry.
func (e *env) counters(name string) string {
	mfs, err := e.reg.Gather()
	if err != nil {
		return err.Error()
	}
	var parts []string
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetValue())
			}
			parts = append(parts, fmt.Sprintf("%s=%.0f", strings.Join(labels, "/"), m.GetCounter().GetValue()))
		}
	}
	return strings.Join(parts, " ")
}

// recorder passes emails to SendGrid's client and notes which requests
// went out.
type recorder struct {
	next notify.EmailSender
	fin  *finish
	mu   sync.Mutex
	sent []string
}

func (r *recorder) SendEmail(ctx context.Context, m notify.Email) (string, error) {
	id, err := r.next.SendEmail(ctx, m)
	if err == nil {
		r.mu.Lock()
		r.sent = append(r.sent, m.RequestID)
		r.mu.Unlock()
		r.fin.add()
	}
	return id, err
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

// fakeSendGrid accepts every well-formed mail send, as SendGrid does.
type fakeSendGrid struct {
	*httptest.Server
	n atomic.Int64
}

func newFakeSendGrid() *fakeSendGrid {
	f := &fakeSendGrid{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v3/mail/send" || r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer SG.load-key" {
			http.Error(w, `{"errors":[{"message":"not found"}]}`, http.StatusNotFound)
			return
		}
		var m struct {
			Personalizations []json.RawMessage `json:"personalizations"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || len(m.Personalizations) == 0 {
			http.Error(w, `{"errors":[{"message":"bad request"}]}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Message-Id", "sgload-"+strconv.FormatInt(f.n.Add(1), 10))
		w.WriteHeader(http.StatusAccepted)
	}))
	return f
}

func rateText(r float64) string {
	if r <= 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%g/s", r)
}
