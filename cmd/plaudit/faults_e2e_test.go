package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit/internal/testenv"
)

// tcpProxy stands between the gateway and Redis so a test can take Redis
// away and give it back, as a network partition or a restart would.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.Break() })
	return p
}

func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// Break drops every connection and refuses new ones.
func (p *tcpProxy) Break() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *tcpProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// redisBehindProxy returns a Redis (the real one when configured, else a
// miniredis) behind a proxy, and a client straight to it.
func redisBehindProxy(t *testing.T) (*tcpProxy, string, *redis.Client) {
	t.Helper()
	var target, db string
	if u := testenvRedis(t); u != "" {
		pu, _ := url.Parse(u)
		target, db = pu.Host, pu.Path
	} else {
		mr := miniredis.RunT(t)
		stop := make(chan struct{})
		go func() { // miniredis keeps time only when told
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					mr.FastForward(100 * time.Millisecond)
				}
			}
		}()
		t.Cleanup(func() { close(stop) })
		target, db = mr.Addr(), "/0"
	}
	p := newTCPProxy(t, target)
	opt, _ := redis.ParseURL("redis://" + target + db)
	direct := redis.NewClient(opt)
	t.Cleanup(func() { direct.Close() })
	return p, "redis://" + p.Addr() + db, direct
}

// testenvRedis is testenv.RedisURL without the skip: these tests run on
// miniredis when no real Redis is configured.
func testenvRedis(t *testing.T) string {
	if !hasEnv("PLAUDIT_TEST_REDIS_URL") {
		return ""
	}
	return testenv.RedisURL(t)
}

func TestQueueDownAnswers503AndRecovers(t *testing.T) {
	proxy, redisURL, _ := redisBehindProxy(t)
	env := map[string]string{"REDIS_URL": redisURL}
	if hasEnv("PLAUDIT_TEST_DATABASE_URL") {
		env["DATABASE_URL"] = testenv.DatabaseURL(t)
		env["PLAUDIT_SECRET_KEY"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	}
	s := setUpSpine(t, env)
	body := fixture(t, "zendesk-trigger.json")

	proxy.Break()
	start := time.Now()
	r := s.post(body, time.Now())
	took := time.Since(start)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("webhook with Redis down: %d (Retry-After %q) %s, want 503 with Retry-After", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	t.Logf("503 answered in %s with Redis down", took)
	if took > 5*time.Second {
		t.Errorf("the 503 took %s: the webhook must not hang", took)
	}
	if rr := s.g.do("GET", "/readyz", "", nil, nil); rr.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down: %d, want 503", rr.Status)
	}

	proxy.Restore()
	eventually(t, 10*time.Second, "/readyz ready again", func() bool {
		return s.g.do("GET", "/readyz", "", nil, nil).Status == http.StatusOK
	})
	// The helpdesk retries the delivery it got a 503 for.
	if r := s.post(body, time.Now()); r.Status/100 != 2 {
		t.Fatalf("redelivery after Redis returned: %d %s", r.Status, r.Body)
	}
	eventually(t, 15*time.Second, "the email after recovery", func() bool { return len(s.sg.Mails()) == 1 })
	time.Sleep(500 * time.Millisecond)
	if n := len(s.sg.Mails()); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
}

func TestQueueLostIsRebuiltFromTheStore(t *testing.T) {
	_, redisURL, direct := redisBehindProxy(t)
	env := map[string]string{"REDIS_URL": redisURL, "PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	if hasEnv("PLAUDIT_TEST_DATABASE_URL") {
		env["DATABASE_URL"] = testenv.DatabaseURL(t)
	}
	s := setUpSpine(t, env)
	s.g.must(200, "PATCH", "/api/v1/tenant", s.key, map[string]any{"settings": map[string]any{"delay_seconds": 4}})
	if r := s.post(fixture(t, "zendesk-trigger.json"), time.Now()); r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	eventually(t, 10*time.Second, "a scheduled request", func() bool {
		reqs := list(t, s.g.must(200, "GET", "/api/v1/feedback-requests?status=scheduled", s.key, nil))
		return len(reqs) == 1
	})
	// Redis is flushed (or replaced by an empty one) and the process
	// restarts on it: the store says the request is due; the queue has
	// nothing.
	s.g.Stop()
	if err := direct.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	g2 := restartGateway(t, s.g)
	defer func() {
		if t.Failed() {
			t.Logf("logs:\n%s", g2.Logs.String())

		}
	}()
	eventually(t, 20*time.Second, "the email after the queue was lost", func() bool { return len(s.sg.Mails()) >= 1 })
	time.Sleep(time.Second)
	if n := len(s.sg.Mails()); n != 1 {
		t.Errorf("%d emails, want exactly 1", n)
	}
	reqs := list(t, g2.must(200, "GET", "/api/v1/feedback-requests", s.key, nil))
	if len(reqs) != 1 || reqs[0]["status"] != "sent" {
		t.Errorf("requests = %v, want one sent", reqs)
	}
}

func TestConcurrentDuplicateDeliveriesHaveOneEffect(t *testing.T) {
	s := setUpSpine(t, nil)
	body := fixture(t, "zendesk-trigger.json")
	var wg sync.WaitGroup
	codes := make(chan int, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- s.post(body, time.Now()).Status
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c/100 != 2 {
			t.Errorf("a concurrent duplicate got %d, want 2xx", c)
		}
	}
	eventually(t, 15*time.Second, "the email", func() bool { return len(s.sg.Mails()) >= 1 })
	time.Sleep(time.Second)
	if n := len(s.sg.Mails()); n != 1 {
		t.Errorf("16 concurrent deliveries sent %d emails, want 1", n)
	}
	if n := len(list(t, s.g.must(200, "GET", "/api/v1/feedback-requests", s.key, nil))); n != 1 {
		t.Errorf("%d feedback requests, want 1", n)
	}
}
