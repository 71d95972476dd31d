package main

import (
	"net/http"
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
		"PLAUDIT_ADMIN_TOKEN": "operator-secret", "PLAUDIT_ALLOW_PRIVATE_EGRESS": "true",
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"REDIS_URL":          redisURL, "SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_URL": sg.URL,
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"),
	}
	if hasEnv("PLAUDIT_TEST_DATABASE_URL") {
		env["DATABASE_URL"] = testenv.DatabaseURL(t)
	}
	p := startProcess(t, env)
	g := &gateway{t: t, URL: "http://" + addr, stopped: true}
	tenant := g.must(201, "POST", "/api/v1/tenants", "operator-secret", map[string]any{
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
