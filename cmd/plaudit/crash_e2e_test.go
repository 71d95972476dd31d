package main

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/testenv"
)

// buildBinary builds plaudit once per test run, for tests that must kill
// a real process.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "plaudit-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "plaudit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// process is a plaudit binary run as a child process.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
}

func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	p := &process{cmd: exec.Command(bin, "serve"), logs: &syncBuffer{}}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + env["PLAUDIT_ADDR"] + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("process not ready:\n%s", p.logs.String())
	return nil
}

// kill ends the process with SIGKILL: no shutdown code runs.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// TestKilledAfterTheAckLosesNothing kills the all-in-one process with
// SIGKILL right after it acknowledged a webhook, restarts it, and expects
// the customer to be asked exactly once.
func TestKilledAfterTheAckLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real process")
	}
	_, redisURL, _ := redisBehindProxy(t)
	sg, zd := newFakeSendGrid(t), newFakeZendesk(t)
	addr := freeAddr(t)
	env := map[string]string{
		"PLAUDIT_ADDR": addr, "PLAUDIT_PUBLIC_URL": "http://" + addr, "PLAUDIT_DATA_DIR": t.TempDir(),
		"PLAUDIT_ADMIN_TOKEN": operatorToken, "PLAUDIT_ALLOW_PRIVATE_EGRESS": "true",
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"REDIS_URL":          redisURL, "SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_URL": sg.URL,
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"),
	}
	if hasEnv("PLAUDIT_TEST_DATABASE_URL") {
		env["DATABASE_URL"] = testenv.DatabaseURL(t)
	}
	p := startProcess(t, env)
	g := &gateway{t: t, URL: "http://" + addr, stopped: true}
	tenant := g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{
		"name": "Crashy", "settings": map[string]any{"delay_seconds": 1}})
	key := str(tenant["api_key"])
	con := str(g.must(201, "POST", "/api/v1/connectors", key, map[string]any{"kind": "zendesk",
		"config": map[string]any{"subdomain": "x", "base_url": zd.URL, "email": "a@x.example", "api_token": "t", "signing_secret": zendeskSecret}})["id"])
	g.must(201, "POST", "/api/v1/agents", key, map[string]any{"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber",
		"external_ids": map[string]string{"zendesk": "38417722455"}})

	body := fixture(t, "zendesk-trigger.json")
	r := g.do("POST", "/hooks/"+con, "", body, zendeskHeaders(zendeskSecret, body, time.Now()))
	if r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	p.kill() // before the one-second delay is over: nothing was sent yet
	if n := len(sg.Mails()); n != 0 {
		t.Fatalf("%d emails before the crash; the test needs the kill to come first", n)
	}
	startProcess(t, env)
	eventually(t, 90*time.Second, "the email after the restart", func() bool { return len(sg.Mails()) >= 1 })
	time.Sleep(time.Second)
	if n := len(sg.Mails()); n != 1 {
		t.Errorf("%d emails after a crash and restart, want exactly 1", n)
	}
}

// crashSetup is a tenant with a Zendesk connector and an approved agent on
// a plaudit binary run as a child process, with Redis outside it (the
// test's miniredis, or PLAUDIT_TEST_REDIS_URL) so that the queue outlives
// the kill, as production's Redis does.
type crashSetup struct {
	env       map[string]string
	g         *gateway
	sg        *fakeSendGrid
	zd        *fakeZendesk
	key       string
	connector string
}

func setUpCrash(t *testing.T, extra map[string]string) *crashSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills a real process")
	}
	_, redisURL, _ := redisBehindProxy(t)
	c := &crashSetup{sg: newFakeSendGrid(t), zd: newFakeZendesk(t)}
	addr := freeAddr(t)
	c.env = map[string]string{
		"PLAUDIT_ADDR": addr, "PLAUDIT_PUBLIC_URL": "http://" + addr, "PLAUDIT_DATA_DIR": t.TempDir(),
		"PLAUDIT_ADMIN_TOKEN": operatorToken, "PLAUDIT_ALLOW_PRIVATE_EGRESS": "true",
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"REDIS_URL":          redisURL, "SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_URL": c.sg.URL,
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"),
	}
	if hasEnv("PLAUDIT_TEST_DATABASE_URL") {
		c.env["DATABASE_URL"] = testenv.DatabaseURL(t)
	}
	for k, v := range extra {
		c.env[k] = v
	}
	c.g = &gateway{t: t, URL: "http://" + addr, stopped: true}
	return c
}

// start runs the binary and, the first time, sets up the tenant.
func (c *crashSetup) start(t *testing.T) *process {
	t.Helper()
	p := startProcess(t, c.env)
	if c.key != "" {
		return p
	}
	tenant := c.g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{
		"name": "Crashy", "settings": map[string]any{"delay_seconds": 0}})
	c.key = str(tenant["api_key"])
	c.connector = str(c.g.must(201, "POST", "/api/v1/connectors", c.key, map[string]any{"kind": "zendesk",
		"config": map[string]any{"subdomain": "x", "base_url": c.zd.URL, "email": "a@x.example", "api_token": "t", "signing_secret": zendeskSecret}})["id"])
	c.g.must(201, "POST", "/api/v1/agents", c.key, map[string]any{"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber",
		"approved": true, "external_ids": map[string]string{"zendesk": "38417722455"}})
	return p
}

func (c *crashSetup) webhook(t *testing.T) {
	t.Helper()
	body := fixture(t, "zendesk-trigger.json")
	r := c.g.do("POST", "/hooks/"+c.connector, "", body, zendeskHeaders(zendeskSecret, body, time.Now()))
	if r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
}

// only returns the one item of an API list, as a map.
func (c *crashSetup) only(t *testing.T, path string) map[string]any {
	t.Helper()
	l := list(t, c.g.must(200, "GET", path, c.key, nil))
	if len(l) != 1 {
		t.Fatalf("GET %s: %d items, want 1", path, len(l))
	}
	return l[0]
}

// waitFor is eventually with a log of the process on failure.
// held waits until a fake provider holds the call it was armed for.
func held(t *testing.T, p *process, hung <-chan struct{}, failure string) {
	t.Helper()
	select {
	case <-hung:
	case <-time.After(15 * time.Second):
		t.Fatalf("%s; logs:\n%s", failure, p.logs.String())
	}
}

func waitFor(t *testing.T, p *process, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s; logs:\n%s", d, what, p.logs.String())
}

// TestKilledMidSendSendsAfterTheClaimTimeout kills the process while the
// email provider holds the send call, restarts it, and expects the request
// to end sent, soon after the claim timeout (5 s here, 10 minutes by
// default): the restarted process reconciles once the claim its
// predecessor made has timed out, and sends under a retake task.
//
// A duplicate happens exactly here: the provider accepted the message
// (the fake keeps the mail before it hangs, as SendGrid would deliver it)
// but the process died before its answer came back and the store marked
// the request sent, so it is still "sending" and is sent again after the
// claim timeout. The customer gets two emails, never three. A crash before
// the provider took the message, or after the mark, gives exactly one.
func TestKilledMidSendSendsAfterTheClaimTimeout(t *testing.T) {
	c := setUpCrash(t, map[string]string{"PLAUDIT_CLAIM_TIMEOUT": "5s"})
	p := c.start(t)
	hung := c.sg.Hang.Arm()
	c.webhook(t)
	held(t, p, hung, "the send never reached the provider")
	p.kill()
	killed := time.Now()

	p = c.start(t)
	if st := c.only(t, "/api/v1/feedback-requests")["status"]; st != "sending" {
		t.Fatalf("request after the kill is %v, want sending (claimed, never marked)", st)
	}
	// asynq alone would hand the dead worker's task out again only after
	// a minute or more, and that task would not send (its claim is not
	// timed out then): the reconciler's retake does it.
	waitFor(t, p, 30*time.Second, "the request sent after the restart", func() bool {
		return c.only(t, "/api/v1/feedback-requests")["status"] == "sent"
	})
	t.Logf("sent %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	time.Sleep(time.Second) // a third email would come now
	if n := len(c.sg.Mails()); n != 2 {
		t.Errorf("SendGrid got %d emails, want 2: the one accepted as the process died, and the one re-sent", n)
	}
}

// TestKilledMidWritebackWritesBack kills the process while Zendesk holds
// the writeback PUT, restarts it, and expects the response written back
// seconds later: once the dead worker's lease has gone unrenewed for 8 s
// and no live worker lists the task, the restarted process's watch
// (queue.WatchOrphans) enqueues a take-over copy of the task, which writes
// back (asynq's own recovery would take a minute or more).
//
// A duplicate note happens exactly here: the held PUT reached Zendesk,
// which (like the fake) may have applied it, but the process died before
// it could record the version as written, so it is written again after
// the restart. A crash before the PUT reaches the helpdesk gives one note,
// and one after the mark no more.
func TestKilledMidWritebackWritesBack(t *testing.T) {
	c := setUpCrash(t, nil)
	p := c.start(t)
	c.webhook(t)
	eventually(t, 15*time.Second, "the email", func() bool { return len(c.sg.Mails()) == 1 })
	links := scoreLink.FindAllStringSubmatch(htmlOf(t, c.sg.Mails()[0]), -1)
	if len(links) != 5 {
		t.Fatalf("email has %d score links, want 5", len(links))
	}
	// The mail can arrive before the request is marked sent; until then
	// the page is not open yet (410).
	eventually(t, 15*time.Second, "the request marked sent", func() bool {
		return c.only(t, "/api/v1/feedback-requests")["status"] == "sent"
	})
	ticketPath := "/api/v2/tickets/73021.json"
	hung := c.zd.Hang.Arm()
	form := url.Values{"score": {"5"}}.Encode()
	if r := c.g.do("POST", "/f/"+links[0][2], "", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != http.StatusSeeOther {
		t.Fatalf("score POST: %d %s", r.Status, r.Body)
	}
	held(t, p, hung, "the writeback never reached Zendesk")
	p.kill()
	killed := time.Now()

	p = c.start(t)
	if st := c.only(t, "/api/v1/responses")["writeback_status"]; st != "pending" {
		t.Fatalf("writeback after the kill is %v, want pending", st)
	}
	waitFor(t, p, 50*time.Second, "the writeback after the restart", func() bool {
		return c.only(t, "/api/v1/responses")["writeback_status"] == "done"
	})
	t.Logf("written back %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	time.Sleep(time.Second)
	if n := len(c.zd.Puts(ticketPath)); n != 2 {
		t.Errorf("Zendesk got %d PUTs, want 2: the one held as the process died, and the one after the restart", n)
	}
}
