// Command plaudit-load measures Plaudit's webhook paths on real Redis and a
// real store, each against a baseline measured in the same run, on the
// same machine, with the same clients: figures from a shared or busy
// machine only mean something as ratios.
//
// Mode ingest drives POST /hooks/{connector} (verify, parse, dedup in the
// store, enqueue, answer) and, in alternation, a bare Fiber handler that
// does nothing but the same asynq enqueue. Mode e2e drives webhooks
// through the rules to an email accepted by a fake SendGrid, and compares
// with asynq processing two no-op tasks per interaction.
//
// Everything runs in this process on loopback ports; Redis and the
// database must be on this machine too. See -h for the flags and
// docs/benchmarks.md for the method and the figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/plaudit/plaudit"
)

// Bounds on what one run may do, so that a typo cannot turn the tool into
// a long-running load on a shared machine.
const (
	maxClients      = 1024
	maxPhase        = 60 * time.Second
	maxWarmup       = 10 * time.Second
	maxRequests     = 1_000_000
	maxRounds       = 5
	maxInteractions = 100_000
	maxE2ETimeout   = 5 * time.Minute
	maxConcurrency  = 500
)

type options struct {
	mode          string
	redisURL      string
	databaseURL   string
	tempSchema    bool
	flush         bool
	clients       int
	duration      time.Duration
	warmup        time.Duration
	requests      int
	rounds        int
	interactions  int
	timeout       time.Duration
	concurrency   int
	cpuprofile    string
	verbose       bool
	limiter       bool
	burst         int
	connectorRate int
	rate          float64
	goroutines    string
	responses     int
	agents        int
	teams         int
	days          int
	runs          int
	bin           string
	claimTimeout  time.Duration
}

const usageText = `plaudit-load measures Plaudit's webhook paths against a baseline measured in
the same run (same process, same clients, same Redis), and reports ratios.

Usage:
  plaudit-load -redis-url redis://127.0.0.1:6379/9 -flush [flags]

Modes (-mode):
  ingest  Two Fiber servers on loopback ports: the real gateway (server.New
          with a Zendesk connector and an agent created through the store)
          and a bare handler that only enqueues the same asynq task the
          gateway enqueues. -clients goroutines on keep-alive connections
          post freshly signed Zendesk trigger bodies, each with a unique
          ticket id (so dedup never short-circuits), to each server in turn
          for -duration (or -requests). Reports req/s, p50/p95/p99 latency,
          errors, CPU per request (getrusage), peak RSS, and
          gateway/baseline ratios. No worker runs: the tasks stay queued
          until the Redis database is flushed.
  burst   -burst signed deliveries at once (a macro that solves many
          tickets), from -clients clients that wait Retry-After on a 429
          and send again, as helpdesks do; the connector keeps its default
          rate_limit_per_second unless -connector-rate sets it. The same
          burst goes to the bare handler first (never refused). Reports the
          share refused on the first try, the longest Retry-After, and the
          time until every delivery was taken, for both.
  reports -responses answers (1,000,000) over -days days (730) for -agents
          agents (500) in -teams teams, generated into the aggregates and
          request facts of one tenant in PostgreSQL (-database-url; no
          Redis), then -runs rounds of the report queries through the
          reports package (monthly CSAT by agent with the month before,
          the leaderboard of a month and of a team's quarter, the
          response rate, a 12-month trend), each round in random order
          with a baseline: a bare count of the month's rows. Reports
          p50/p95/p99 per query and p95 ÷ the baseline's.
  console -responses responses (1,000,000) with their interactions and
          requests, over -days days for -agents agents in -teams teams,
          and a tenth as many audit events, generated into one tenant in
          PostgreSQL (-database-url; no Redis); the real server on a
          loopback port; then -runs rounds of the console's pages fetched
          with an admin's or a lead's session (overview, the responses
          list newest and at an older page anywhere, by agent, by ticket,
          a lead's, one response, the audit log newest and older), each
          round in random order with a baseline: the responses page of a
          tenant with no responses. Reports p50/p95/p99 per page, p95 ÷
          the baseline's, and the slowest page against the 200 ms budget.
  e2e     -interactions webhooks through the whole path: gateway → queue →
          rules → feedback:send → email accepted by a fake SendGrid
          (httptest), tenant delay 0, workers in the same process (as
          "plaudit serve"). The ceiling, in the same run: the same clients
          post to the bare handler, and asynq workers with the same options
          process two no-op tasks per interaction (the interaction task
          enqueues a send task, as the real one does). Reports
          interactions/s for both and their ratio, due→sent latency
          (p50/p95/p99, from the store), and RSS (VmRSS) under load.
  chaos   The production shape as processes of the plaudit binary (-bin,
          or built from this module): 2 api and 2 worker on PostgreSQL
          (-database-url, required) and Redis, SendGrid faked in this
          process (it posts its signed "processed" events back, as the
          Event Webhook does). -interactions signed webhooks from -clients
          clients that retry on the other api until accepted; a random
          process is SIGKILLed every 5–10 s and started again a second
          later (-claim-timeout, 5s, is PLAUDIT_CLAIM_TIMEOUT). Then waits
          (at most -timeout, and at least the 2 minutes a retake waits for
          SendGrid's events, plus 30 s) until every accepted webhook was emailed and
          nothing is in progress, and reports lost (accepted, never
          emailed) and doubled (emailed more than once). Exit status 1
          when either is not 0.

Redis: the database in -redis-url must be empty, or give -flush to empty it
before and after the run (it holds only this run's tasks). Use a database
number of its own (…/9).

Store: SQLite in a temporary directory unless -database-url names
PostgreSQL; then a schema of its own is created for the run and dropped
after (-pg-temp-schema=false uses the URL's search_path as it is).

Everything listens on 127.0.0.1 only; Redis and PostgreSQL must be on
loopback too. Phases are bounded (-duration ≤ 60s, -timeout ≤ 5m).

Flags:
`

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("plaudit-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.mode, "mode", "ingest", "ingest, burst, e2e, reports, console or chaos")
	fs.StringVar(&o.bin, "bin", "", "chaos: the plaudit binary to run (empty: go build it from this module)")
	fs.DurationVar(&o.claimTimeout, "claim-timeout", 5*time.Second, "chaos: PLAUDIT_CLAIM_TIMEOUT of the processes")
	fs.IntVar(&o.responses, "responses", 1_000_000, "reports, console: responses to generate")
	fs.IntVar(&o.agents, "agents", 500, "reports, console: agents")
	fs.IntVar(&o.teams, "teams", 25, "reports, console: teams")
	fs.IntVar(&o.days, "days", 730, "reports, console: days of history")
	fs.IntVar(&o.runs, "runs", 40, "reports, console: timed runs of each query")
	fs.StringVar(&o.redisURL, "redis-url", "", "Redis to enqueue on, with a database of its own (required), e.g. redis://127.0.0.1:6379/9")
	fs.StringVar(&o.databaseURL, "database-url", "", "postgres://… for PostgreSQL; empty: SQLite in a temporary directory")
	fs.BoolVar(&o.tempSchema, "pg-temp-schema", true, "on PostgreSQL, create a schema for the run (search_path) and drop it after")
	fs.BoolVar(&o.flush, "flush", false, "empty the Redis database before and after the run")
	fs.IntVar(&o.clients, "clients", 64, "concurrent keep-alive HTTP clients")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "ingest: length of each measured phase (at most 60s)")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "ingest: unmeasured load on each server before the first phase")
	fs.IntVar(&o.requests, "requests", 0, "ingest: stop a phase after this many requests (0: by -duration only)")
	fs.IntVar(&o.rounds, "rounds", 1, "measured rounds; each round runs the baseline and the gateway, alternating which goes first")
	fs.Float64Var(&o.rate, "rate", 0, "post at most this many webhooks per second in each phase, paced (0: as fast as the clients go); e2e uses it to measure due→sent at a load the path sustains")
	fs.IntVar(&o.interactions, "interactions", 5000, "e2e: interactions per phase")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "e2e: give up a phase after this long (at most 5m)")
	fs.IntVar(&o.concurrency, "concurrency", 20, "e2e: worker concurrency (PLAUDIT_WORKER_CONCURRENCY), for the gateway and the ceiling")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the first measured gateway phase to this file (the load clients carry the label side=load-client: go tool pprof -tagignore side=load-client)")
	fs.StringVar(&o.goroutines, "goroutines", "", "write the goroutine stacks (grouped) to this file during the first gateway phase (ingest: halfway; e2e: 3 s in): where requests and workers wait")
	fs.BoolVar(&o.limiter, "limiter", true, "wire the per-connector rate limiter as plaudit api does (its Redis count is part of the ingest cost; the limit is raised out of reach)")
	fs.IntVar(&o.burst, "burst", 20000, "burst: deliveries sent at once")
	fs.IntVar(&o.connectorRate, "connector-rate", 0, "the connector's rate_limit_per_second (0: burst mode keeps the default, the other modes put it out of reach)")
	fs.BoolVar(&o.verbose, "v", false, "log the gateway's info messages to stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, o.check()
}

func (o options) check() error {
	switch {
	case o.mode != "ingest" && o.mode != "e2e" && o.mode != "burst" && o.mode != "reports" && o.mode != "console" && o.mode != "chaos":
		return fmt.Errorf("-mode must be ingest, burst, e2e, reports, console or chaos")
	case o.claimTimeout < time.Second || o.claimTimeout > time.Hour:
		return fmt.Errorf("-claim-timeout must be between 1s and 1h")
	case o.responses < 1 || o.responses > 10*maxRequests || o.agents < 1 || o.agents > 10_000 || o.teams < 1 || o.teams > o.agents ||
		o.days < 62 || o.days > 3650 || o.runs < 1 || o.runs > 1000:
		return fmt.Errorf("-responses (≤ %d), -agents (≤ 10000), -teams (≤ agents), -days (62–3650) or -runs (≤ 1000) out of range", 10*maxRequests)
	case o.mode == "reports" || o.mode == "console":
		return loopbackDatabase(o.databaseURL)
	case o.burst < 1 || o.burst > maxInteractions:
		return fmt.Errorf("-burst must be between 1 and %d", maxInteractions)
	case o.connectorRate < 0 || o.connectorRate > plaudit.MaxRateLimitPerSecond:
		return fmt.Errorf("-connector-rate must be between 0 and %d", plaudit.MaxRateLimitPerSecond)
	case o.redisURL == "":
		return errors.New("-redis-url is required (a Redis database of its own, e.g. redis://127.0.0.1:6379/9)")
	case o.clients < 1 || o.clients > maxClients:
		return fmt.Errorf("-clients must be between 1 and %d", maxClients)
	case o.duration < time.Second || o.duration > maxPhase:
		return fmt.Errorf("-duration must be between 1s and %s", maxPhase)
	case o.warmup < 0 || o.warmup > maxWarmup:
		return fmt.Errorf("-warmup must be between 0 and %s", maxWarmup)
	case o.requests < 0 || o.requests > maxRequests:
		return fmt.Errorf("-requests must be between 0 and %d", maxRequests)
	case o.rounds < 1 || o.rounds > maxRounds:
		return fmt.Errorf("-rounds must be between 1 and %d", maxRounds)
	case o.interactions < 1 || o.interactions > maxInteractions:
		return fmt.Errorf("-interactions must be between 1 and %d", maxInteractions)
	case o.timeout < time.Second || o.timeout > maxE2ETimeout:
		return fmt.Errorf("-timeout must be between 1s and %s", maxE2ETimeout)
	case o.rate < 0 || o.rate > 100_000:
		return fmt.Errorf("-rate must be between 0 and 100000")
	case o.concurrency < 1 || o.concurrency > maxConcurrency:
		return fmt.Errorf("-concurrency must be between 1 and %d", maxConcurrency)
	}
	if err := loopbackRedis(o.redisURL); err != nil {
		return err
	}
	return loopbackDatabase(o.databaseURL)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "plaudit-load:", err)
		return 2
	}
	if o.mode == "reports" || o.mode == "console" { // no Redis: the store (and the server, for console)
		run := runReports
		if o.mode == "console" {
			run = runConsole
		}
		if err := run(ctx, o, stdout); err != nil {
			fmt.Fprintln(stderr, "plaudit-load:", err)
			return 1
		}
		return 0
	}
	e, err := openEnv(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "plaudit-load:", err)
		return 1
	}
	defer e.Close()
	fmt.Fprint(stdout, machine(o, e))
	switch o.mode {
	case "ingest":
		err = runIngest(ctx, e, stdout)
	case "burst":
		err = runBurst(ctx, e, stdout)
	case "e2e":
		err = runE2E(ctx, e, stdout)
	case "chaos":
		err = runChaos(ctx, e, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "plaudit-load:", err)
		return 1
	}
	return 0
}
