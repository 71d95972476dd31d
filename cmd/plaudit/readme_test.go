//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestREADMEFirstHour follows README.md's quick start and walk-through as a
// newcomer would, from a fresh copy of the repository: the commands of its
// sh blocks, run by bash as they are written. The deviations: the port
// (a free one through PLAUDIT_ADDR, and in the commands' URLs, instead of
// 8080), the placeholders a reader fills from the previous answer
// (export KEY=pk_live_…), and the stop before the score is clicked (the
// made-up Zendesk would then be called over the network).
func TestREADMEFirstHour(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the README walk-through builds and runs the binary")
	}
	for _, tool := range []string{"bash", "curl", "openssl", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the README's commands cannot be run as written", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	r := &readmeRun{t: t, dir: freshCopy(t), port: portOf(t, freeAddr(t))}
	r.env = append(cleanEnv(), "PLAUDIT_ADDR=:"+r.port)

	quick := r.commands(string(readme), "Quick start")
	if len(quick) != 2 || !strings.HasPrefix(quick[0], "go run ./cmd/plaudit") || !strings.HasPrefix(quick[1], "go test") {
		t.Fatalf("the quick start's commands changed: %q", quick)
	}
	gw := r.start(quick[0]) // go test ./... is this test's own run
	if !regexp.MustCompile(`pat_[A-Za-z0-9_-]{20,}`).MatchString(gw.String()) {
		t.Errorf("the quick start printed no operator token:\n%s", gw)
	}
	if code, _ := r.get("/dev/outbox"); code != 200 {
		t.Errorf("the quick start's outbox: %d, want 200", code)
	}
	r.stop()

	for _, cmd := range r.commands(string(readme), "Walk-through") {
		r.step(cmd)
	}
	defer r.stop()
	var page string
	eventually(t, 15*time.Second, "the email in the outbox", func() bool {
		_, list := r.get("/dev/outbox")
		m := regexp.MustCompile(`href="(/dev/outbox/ob_[0-9a-f]+)"`).FindStringSubmatch(list)
		if m != nil {
			_, page = r.get(m[1])
		}
		return m != nil
	})
	for _, want := range []string{"Max M.", "Nordlicht Reisen", "?score=5", "erika@example.com"} {
		if !strings.Contains(page, want) {
			t.Errorf("the email in the outbox lacks %q", want)
		}
	}
}

// readmeRun runs README commands in one directory with one environment,
// as one shell session would.
type readmeRun struct {
	t         *testing.T
	dir, port string
	env       []string
	last      string // the previous command's output
	gateway   *exec.Cmd
}

// commands are the shell commands of the sh blocks in the README section
// whose title starts with title: a command and its indented or
// backslash-continued lines; blank lines end one.
func (r *readmeRun) commands(readme, title string) []string {
	_, section, ok := strings.Cut(readme, "\n## "+title)
	if !ok {
		r.t.Fatalf("README.md has no section %q", title)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var out []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		cont := false
		for _, line := range strings.Split(block[1], "\n") {
			switch {
			case strings.TrimSpace(line) == "":
				cont = false
			case cont || strings.HasPrefix(line, " "):
				out[len(out)-1] += "\n" + line
			default:
				out = append(out, line)
			}
			cont = strings.HasSuffix(line, "\\")
		}
	}
	for i := range out {
		out[i] = strings.ReplaceAll(out[i], "localhost:8080", "localhost:"+r.port)
	}
	return out
}

// step runs one walk-through command.
func (r *readmeRun) step(cmd string) {
	r.t.Helper()
	placeholder := regexp.MustCompile(`^export (\w+)=\S*…`).FindStringSubmatch(cmd)
	switch {
	case strings.HasPrefix(cmd, "go run ./cmd/plaudit &"):
		r.start(cmd)
	case placeholder != nil:
		// The reader copies it from the previous answer.
		field := map[string]string{"KEY": "api_key", "CON": "id"}[placeholder[1]]
		var answer map[string]any
		if err := json.Unmarshal([]byte(r.last), &answer); err != nil || answer[field] == nil {
			r.t.Fatalf("%s: the previous answer has no %s: %s", cmd, field, r.last)
		}
		r.env = append(r.env, placeholder[1]+"="+fmt.Sprint(answer[field]))
	case strings.HasPrefix(cmd, "export "):
		name, _, _ := strings.Cut(strings.Fields(cmd)[1], "=")
		r.env = append(r.env, name+"="+r.bash(cmd+"\nprintf %s \"$"+name+"\""))
	default:
		r.last = r.bash(cmd)
		r.check(cmd)
	}
}

// check asserts what the walk-through promises of a command's answer.
func (r *readmeRun) check(cmd string) {
	r.t.Helper()
	switch {
	case strings.Contains(cmd, "/api/v1/connectors"):
		if !strings.Contains(r.last, `"webhook_url":"http://localhost:`+r.port+`/hooks/con_`) {
			r.t.Errorf("the connector's webhook_url is not on the gateway's port: %s", r.last)
		}
	case strings.Contains(cmd, "simulate zendesk"):
		if !strings.Contains(r.last, "202") {
			r.t.Errorf("simulate zendesk: %s", r.last)
		}
	case strings.Contains(cmd, "/api/v1/"):
		if !strings.Contains(r.last, `"id":`) || strings.Contains(r.last, `"error"`) {
			r.t.Errorf("%s\n→ %s", cmd, r.last)
		}
	}
}

// bash runs script and returns its output; a failure fails the test.
func (r *readmeRun) bash(script string) string {
	r.t.Helper()
	c := exec.Command("bash", "-c", script)
	c.Dir, c.Env = r.dir, r.env
	out, err := c.CombinedOutput()
	if err != nil {
		r.t.Fatalf("%s\n→ %v\n%s", script, err, out)
	}
	return string(out)
}

// start runs the gateway command in the background and waits, as the
// README says, for it to log "listening".
func (r *readmeRun) start(cmd string) *syncBuffer {
	r.t.Helper()
	var out syncBuffer
	c := exec.Command("bash", "-c", strings.TrimSuffix(strings.TrimSpace(strings.Split(cmd, "#")[0]), "&"))
	c.Dir, c.Env, c.Stdout, c.Stderr = r.dir, r.env, &out, &out
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // go run's child goes with it
	if err := c.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.gateway = c
	r.t.Cleanup(r.stop)
	deadline := time.Now().Add(4 * time.Minute) // a cold build takes a while
	for !strings.Contains(out.String(), "msg=listening") {
		if time.Now().After(deadline) || c.ProcessState != nil {
			r.t.Fatalf("%s: no \"listening\" within 4 minutes:\n%s", cmd, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return &out
}

func (r *readmeRun) stop() {
	if r.gateway == nil {
		return
	}
	_ = syscall.Kill(-r.gateway.Process.Pid, syscall.SIGTERM)
	_ = r.gateway.Wait()
	r.gateway = nil
}

func (r *readmeRun) get(path string) (int, string) {
	resp, err := http.Get("http://127.0.0.1:" + r.port + path)
	if err != nil {
		r.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// freshCopy copies the files git tracks, as a clone has them: no ./data,
// nothing built.
func freshCopy(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", "../..", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): no fresh copy to follow the README in", err)
	}
	dir := t.TempDir()
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join("../..", f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cleanEnv is this process's environment without Plaudit's variables: a
// newcomer has none set.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "PLAUDIT_") && !strings.HasPrefix(k, "SENDGRID_") && !strings.HasPrefix(k, "TWILIO_") &&
			k != "DATABASE_URL" && k != "REDIS_URL" && k != "SMTP_URL" {
			env = append(env, kv)
		}
	}
	return env
}

func portOf(t *testing.T, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
