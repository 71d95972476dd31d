package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/plaudit/plaudit/feedback"
)

// Mode chaos: the production shape as separate plaudit processes (two
// api, two worker) on PostgreSQL and Redis, webhooks from many clients
// that retry as helpdesks do, a fake SendGrid that posts its signed
// events back, and a random process SIGKILLed every 5–10 s and started
// again a second later. At the end every accepted webhook must have asked
// its customer exactly once: lost and doubled are counted from what the
// fake SendGrid received.

// chaosProc is one plaudit process of the run, started again after each
// kill with the same environment and port.
type chaosProc struct {
	name string
	mode string
	env  []string
	addr string // api only
	logs *os.File

	mu    sync.Mutex
	cmd   *exec.Cmd
	kills int
}

func (p *chaosProc) start(bin string) error {
	cmd := exec.Command(bin, p.mode)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, p.logs, p.logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	go cmd.Wait() //nolint:errcheck // reaped; kill waits for the exit itself
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
	return nil
}

// kill ends the process with SIGKILL: no shutdown code runs.
func (p *chaosProc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		p.kills++
	}
}

// chaosRun is one run's processes and its fake SendGrid.
type chaosRun struct {
	e     *env
	bin   string
	dir   string
	procs []*chaosProc
	sg    *eventingSendGrid
}

func runChaos(ctx context.Context, e *env, out io.Writer) error {
	if e.engine != "postgres" {
		return errors.New("-mode chaos runs separate processes on one store: give -database-url (PostgreSQL)")
	}
	dir, err := os.MkdirTemp("", "plaudit-chaos-")
	if err != nil {
		return err
	}
	kept := false // a failed run keeps its processes' logs
	defer func() {
		if !kept {
			os.RemoveAll(dir)
		}
	}()
	r := &chaosRun{e: e, dir: dir, bin: e.o.bin}
	if r.bin == "" {
		if r.bin, err = buildPlaudit(ctx, dir); err != nil {
			return err
		}
	}
	if err := r.startAll(ctx); err != nil {
		return err
	}
	defer r.stopAll()
	fmt.Fprintf(out, "chaos: %d webhooks from %d clients to 2 api processes, 2 worker processes, claim timeout %s, a random process SIGKILLed every 5–10 s\n",
		e.o.interactions, e.o.clients, e.o.claimTimeout)
	start := time.Now()
	killCtx, stopKills := context.WithCancel(ctx)
	kills := make(chan int, 1)
	go func() { kills <- r.killLoop(killCtx) }()
	acked, posts := r.post(ctx)
	fmt.Fprintf(out, "  accepted %d of %d webhooks in %s (%d posts with retries)\n", len(acked), e.o.interactions,
		time.Since(start).Round(time.Second), posts)
	// The kills go on while the workers drain (20 s), then everything
	// runs undisturbed until each customer is asked.
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Second):
	}
	stopKills()
	n := <-kills
	// A retake that finds no evidence waits feedback.EventWait for
	// SendGrid's events before it sends: a shorter wait would count its
	// one email as lost.
	done := r.waitSettled(ctx, acked, time.Now().Add(max(e.o.timeout, feedback.EventWait+30*time.Second)))
	lost, doubled := r.sg.tally(acked)
	fmt.Fprintf(out, "  kills: %d (%s)\n", n, r.killsByProc())
	fmt.Fprintf(out, "  settled: %v after %s; emails: %d\n", done, time.Since(start).Round(time.Second), r.sg.total())
	fmt.Fprintf(out, "  retakes: %s\n", r.logCounts())
	fmt.Fprintf(out, "  lost: %d  doubled: %d\n", lost, doubled)
	if lost+doubled > 0 {
		kept = true
		return fmt.Errorf("%d lost, %d doubled (process logs: %s)", lost, doubled, dir)
	}
	return nil
}

// buildPlaudit builds the plaudit binary of this module into dir.
func buildPlaudit(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "plaudit")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/plaudit/plaudit/cmd/plaudit").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build plaudit (or give -bin): %v: %s", err, out)
	}
	return bin, nil
}

// startAll starts the fake SendGrid and the four processes, and waits
// until both api processes answer /readyz.
func (r *chaosRun) startAll(ctx context.Context) error {
	apis := []string{freePort(), freePort()}
	r.sg = newEventingSendGrid(apis)
	base := []string{
		"DATABASE_URL=" + r.e.dbURL, "REDIS_URL=" + r.e.o.redisURL, "PLAUDIT_SECRET_KEY=" + r.e.secretKey,
		"PLAUDIT_ADMIN_TOKEN=chaos-operator-token-0123456789", "PLAUDIT_ALLOW_PRIVATE_EGRESS=true",
		"SENDGRID_API_KEY=SG.chaos-key", "SENDGRID_API_URL=" + r.sg.URL, "SENDGRID_EVENT_PUBLIC_KEY=" + r.sg.publicKey(),
		"PLAUDIT_CLAIM_TIMEOUT=" + r.e.o.claimTimeout.String(), "PLAUDIT_LOG_FORMAT=json",
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
	}
	for i, mode := range []string{"api", "api", "worker", "worker"} {
		p := &chaosProc{name: fmt.Sprintf("%s%d", mode, i%2+1), mode: mode, env: append([]string(nil), base...)}
		if mode == "api" {
			p.addr = apis[i]
			p.env = append(p.env, "PLAUDIT_ADDR="+p.addr, "PLAUDIT_PUBLIC_URL=http://"+p.addr)
		}
		f, err := os.Create(filepath.Join(r.dir, p.name+".log"))
		if err != nil {
			return err
		}
		p.logs = f
		if err := p.start(r.bin); err != nil {
			return err
		}
		r.procs = append(r.procs, p)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range apis {
		for !ready(a) {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("api %s not ready (logs in %s)", a, r.dir)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

func ready(addr string) bool {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (r *chaosRun) stopAll() {
	for _, p := range r.procs {
		p.kill()
		p.logs.Close()
	}
	r.sg.Close()
}

// killLoop SIGKILLs a random process every 5–10 s and starts it again a
// second later, until ctx ends; it returns the number of kills.
func (r *chaosRun) killLoop(ctx context.Context) int {
	n := 0
	for {
		select {
		case <-ctx.Done():
			return n
		case <-time.After(5*time.Second + rand.N(5*time.Second)):
		}
		p := r.procs[rand.N(len(r.procs))]
		p.kill()
		n++
		time.Sleep(time.Second)
		if err := p.start(r.bin); err != nil {
			fmt.Fprintln(os.Stderr, "plaudit-load:", err)
		}
	}
}

func (r *chaosRun) killsByProc() string {
	var parts []string
	for _, p := range r.procs {
		p.mu.Lock()
		parts = append(parts, fmt.Sprintf("%s %d", p.name, p.kills))
		p.mu.Unlock()
	}
	return strings.Join(parts, ", ")
}

// logCounts counts, over every process's log, the retakes that found the
// provider's evidence, those that sent again, and the tasks taken over.
func (r *chaosRun) logCounts() string {
	phrases := []struct{ name, text string }{
		{"found evidence", "the provider had taken the message"},
		{"sent again without evidence", "no evidence that the provider took the message"},
		{"waited for events", "waiting for the provider's events"},
		{"tasks taken over", "took over a task left by a dead worker"},
	}
	counts := make([]int, len(phrases))
	for _, p := range r.procs {
		b, _ := os.ReadFile(p.logs.Name())
		for i, ph := range phrases {
			counts[i] += strings.Count(string(b), ph.text)
		}
	}
	var parts []string
	for i, ph := range phrases {
		parts = append(parts, fmt.Sprintf("%s %d", ph.name, counts[i]))
	}
	return strings.Join(parts, ", ")
}
