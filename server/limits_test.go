package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit/connectors/zendesk"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/ratelimit"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// limitedHarness is the API harness with the limiter on Redis (miniredis)
// and limits small enough to reach in a test.
func limitedHarness(t *testing.T, limits server.Limits, trusted ...string) *apiHarness {
	return newAPIHarness(t, limited(t, limits, trusted...))
}

// limited configures the limiter on Redis (miniredis), limits, and the
// trusted proxies.
func limited(t *testing.T, limits server.Limits, trusted ...string) func(*server.Config) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	proxies, err := server.ParseTrustedProxies(strings.Join(trusted, ","))
	if err != nil {
		t.Fatal(err)
	}
	return func(c *server.Config) {
		c.RateLimiter = ratelimit.New(rdb, "rl:", []byte("test secret"))
		c.Limits = limits
		c.TrustedProxies = proxies
	}
}

// from sends requests to the harness over TCP from a loopback address of
// its own (127.0.0.2, …): a client at that address.
type from struct {
	t    *testing.T
	base string
	http *http.Client
}

func (h *apiHarness) from(ip string) from {
	addr := h.listen()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}
	h.t.Cleanup(tr.CloseIdleConnections)
	return from{t: h.t, base: "http://" + addr, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

type answer struct {
	status     int
	retryAfter string
}

func (f from) post(path string, body []byte, header map[string]string) answer {
	f.t.Helper()
	return f.send("POST", path, body, header)
}

func (f from) send(method, path string, body []byte, header map[string]string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, f.base+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return answer{resp.StatusCode, resp.Header.Get("Retry-After")}
}

// zendeskDelivery is a signed Zendesk trigger body for ticket id.
func zendeskDelivery(secret string, id int) ([]byte, map[string]string) {
	body := []byte(fmt.Sprintf(`{"ticket":{"id":"%d","status":"Solved","via":"Mail"},`+
		`"requester":{"id":"1","name":"Anna Schneider","email":"anna.%d@example.org"},`+
		`"assignee":{"id":"2","name":"Jonas Weber","email":"jonas.weber@agents.example"}}`, id, id))
	ts := time.Now().UTC().Format(time.RFC3339)
	return body, map[string]string{
		"Content-Type":                   "application/json",
		zendesk.HeaderSignature:          zendesk.Sign([]byte(secret), ts, body),
		zendesk.HeaderSignatureTimestamp: ts,
	}
}

// Forged deliveries spend the forger's budget only: the forger is refused
// after HookFailuresPerClient failures a minute, at that hook, while a
// helpdesk or provider whose deliveries verify goes on being served, at
// every hook, from any address. (An unsigned flood to /hooks/twilio/sms
// used to block every provider hook for a minute: they shared one count.)
func TestForgedDeliveriesSpendOnlyTheSendersBudget(t *testing.T) {
	limits := server.DefaultLimits
	limits.HookFailuresPerClient = 5
	h := limitedHarness(t, limits)
	w := h.tenantWorld("Nordlicht", "flood")
	attacker, helpdesk := h.from("127.0.0.2"), h.from("127.0.0.3")

	form := url.Values{"From": {"+4915112345678"}, "To": {"+4930901820"}, "Body": {"5"}, "MessageSid": {"SM1"}}
	unsigned := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	statuses := map[int]int{}
	var last answer
	for range 40 {
		last = attacker.post("/hooks/twilio/sms", []byte(form.Encode()), unsigned)
		statuses[last.status]++
	}
	if statuses[http.StatusTooManyRequests] != 34 || statuses[401] != 6 {
		t.Errorf("40 unsigned posts from one address: %v, want 6 refused as unsigned, then 34 × 429", statuses)
	}
	if secs, _ := strconv.Atoi(last.retryAfter); secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q, want the rest of the minute", last.retryAfter)
	}
	// Twilio itself, from its own address, is still heard at every hook.
	signed := map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"X-Twilio-Signature": twilioSignature(publicURL+"/hooks/twilio/sms", form)}
	if a := helpdesk.post("/hooks/twilio/sms", []byte(form.Encode()), signed); a.status == 429 || a.status == 401 || a.status == 403 {
		t.Errorf("signed SMS from another address after the flood: %d", a.status)
	}
	status := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}
	signed["X-Twilio-Signature"] = twilioSignature(publicURL+"/hooks/twilio/status", status)
	if a := helpdesk.post("/hooks/twilio/status", []byte(status.Encode()), signed); a.status == 429 {
		t.Errorf("status callback after the flood: %d", a.status)
	}
	// The flood at one hook leaves the attacker's address free at another.
	if a := attacker.post("/hooks/sendgrid/events", []byte("[]"), map[string]string{"Content-Type": "application/json"}); a.status == 429 {
		t.Errorf("the flood at /hooks/twilio/sms refused the sender at /hooks/sendgrid/events")
	}

	// A leaked connector id: forged deliveries are refused after the
	// budget; the helpdesk's signed deliveries are accepted all along.
	for i := range 20 {
		body, _ := zendeskDelivery("not the secret", i)
		want := 401
		if i >= 6 {
			want = 429
		}
		if a := attacker.post("/hooks/"+w.connector, body, unsigned); a.status != want {
			t.Fatalf("forged delivery %d: %d, want %d", i+1, a.status, want)
		}
	}
	for i := range 10 {
		body, header := zendeskDelivery("secret-flood", 500+i)
		if a := helpdesk.post("/hooks/"+w.connector, body, header); a.status != 202 {
			t.Fatalf("signed delivery %d during the forgery: %d, want 202", i+1, a.status)
		}
	}
}

// A signed burst is absorbed: the connector's own token bucket
// (rate_limit_per_second) refuses what is over the rate with a Retry-After
// of a second, and the deliveries retried then are taken. (A burst used
// to be answered 429 with Retry-After up to 60 s, for the rest of the
// minute, and rate_limit_per_second was refused as an unknown setting.)
func TestSignedBurstIsAbsorbedByTheConnectorsBucket(t *testing.T) {
	h := limitedHarness(t, server.DefaultLimits)
	w := h.tenantWorld("Nordlicht", "burst")
	h.do(call{method: "PATCH", path: "/api/v1/connectors/" + w.connector, key: w.admin,
		json: map[string]any{"config": map[string]any{"rate_limit_per_second": 20}}}, 200)
	r := h.do(call{method: "PATCH", path: "/api/v1/connectors/" + w.connector, key: w.admin,
		json: map[string]any{"config": map[string]any{"rate_limit_per_second": 0}}}, 400)
	wantMessage(t, r, "config.rate_limit_per_second")
	time.Sleep(1100 * time.Millisecond) // the bucket fills up to one second's worth

	helpdesk := h.from("127.0.0.4")
	var (
		mu       sync.Mutex
		refused  int
		maxRetry int
		wg       sync.WaitGroup
		start    = time.Now()
		accepted = make(chan int, 100)
		taken    = 0
	)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for try := 0; try < 20; try++ {
				body, header := zendeskDelivery("secret-burst", 1000+i)
				a := helpdesk.post("/hooks/"+w.connector, body, header)
				if a.status == 202 {
					accepted <- i
					return
				}
				if a.status != 429 {
					t.Errorf("delivery %d: %d", i, a.status)
					return
				}
				secs, _ := strconv.Atoi(a.retryAfter)
				mu.Lock()
				refused++
				maxRetry = max(maxRetry, secs)
				mu.Unlock()
				time.Sleep(time.Duration(secs) * time.Second)
			}
		}()
	}
	wg.Wait()
	close(accepted)
	for range accepted {
		taken++
	}
	if taken != 100 {
		t.Fatalf("%d of 100 deliveries accepted in the end", taken)
	}
	if refused == 0 || maxRetry < 1 || maxRetry > 2 {
		t.Errorf("100 at once over 20 a second: %d refusals, longest Retry-After %d s; want refusals with 1–2 s", refused, maxRetry)
	}
	if took := time.Since(start); took < 3*time.Second || took > 15*time.Second {
		t.Errorf("100 deliveries at 20 a second took %s", took)
	}
	// Refused deliveries were never failures: the helpdesk is not
	// blocked once the bucket has a token again.
	time.Sleep(1100 * time.Millisecond)
	body, header := zendeskDelivery("secret-burst", 9999)
	if a := helpdesk.post("/hooks/"+w.connector, body, header); a.status != 202 {
		t.Errorf("after the burst: %d", a.status)
	}
}

// The page's limit counts each customer behind the documented reverse
// proxy on their own (X-Forwarded-For from PLAUDIT_TRUSTED_PROXIES), and
// nobody can spoof an address: the rightmost address the proxy wrote
// counts, and a client that is not a trusted proxy is counted by its own
// address whatever it sends. (Behind a proxy, every customer used to
// share one budget of 60 a minute.)
func TestPageLimitIsPerRealClient(t *testing.T) {
	limits := server.DefaultLimits
	limits.PagePerClient = 3
	h := limitedHarness(t, limits, "127.0.0.5")
	proxy, direct := h.from("127.0.0.5"), h.from("127.0.0.6")
	view := func(c from, xff string) int {
		return c.send("GET", "/f/no-such-token", nil, map[string]string{"X-Forwarded-For": xff}).status
	}
	for i := range 3 {
		if s := view(proxy, "203.0.113.7"); s != 404 {
			t.Fatalf("customer A's view %d: %d", i+1, s)
		}
	}
	if s := view(proxy, "203.0.113.7"); s != 429 {
		t.Errorf("customer A's 4th view: %d, want 429", s)
	}
	// The client wrote a forged address in front; the proxy appended the
	// real one.
	if s := view(proxy, "198.51.100.1, 203.0.113.7"); s != 429 {
		t.Errorf("customer A behind a forged X-Forwarded-For: %d, want 429", s)
	}
	if s := view(proxy, "203.0.113.8"); s != 404 {
		t.Errorf("customer B behind the same proxy: %d, want 404", s)
	}
	// Not a trusted proxy: its X-Forwarded-For is ignored.
	for i := range 3 {
		view(direct, fmt.Sprintf("192.0.2.%d", i))
	}
	if s := view(direct, "192.0.2.99"); s != 429 {
		t.Errorf("a direct client rotating X-Forwarded-For: %d, want 429", s)
	}
}

// Wrong operator tokens and API keys are refused after
// AuthFailuresPerClient a minute from one client, whatever comes next;
// other clients are not affected. (600 operator-token guesses used to be
// answered 401 in under a second, none refused.)
func TestTokenGuessesAreLimitedPerClient(t *testing.T) {
	h := limitedHarness(t, server.DefaultLimits)
	w := h.tenantWorld("Nordlicht", "guess")
	guesser, admin := h.from("127.0.0.7"), h.from("127.0.0.8")
	tenant := []byte(`{"name":"Guessed"}`)
	statuses := map[int]int{}
	for i := range 600 {
		a := guesser.post("/api/v1/tenants", tenant, map[string]string{"Authorization": fmt.Sprintf("Bearer guess-%d", i)})
		statuses[a.status]++
	}
	want := server.DefaultLimits.AuthFailuresPerClient
	if statuses[401] != want+1 || statuses[429] != 600-want-1 {
		t.Errorf("600 operator-token guesses: %v, want %d × 401 then 429", statuses, want+1)
	}
	// The right token from the guesser's address is refused too while
	// the minute lasts: otherwise guessing would go on, answered 429 for
	// every wrong guess and 201 for the right one.
	if a := guesser.post("/api/v1/tenants", tenant, map[string]string{"Authorization": "Bearer " + operatorToken}); a.status != 429 {
		t.Errorf("the right token from the guessing client: %d, want 429", a.status)
	}
	ok := admin.send("GET", "/api/v1/tenant", nil, map[string]string{"Authorization": "Bearer " + w.admin})
	if ok.status != 200 {
		t.Errorf("another client's valid key: %d", ok.status)
	}
	// API keys, by X-Api-Key too, count the same way.
	other := h.from("127.0.0.9")
	refused := 0
	for i := range 100 {
		a := other.send("GET", "/api/v1/responses", nil, map[string]string{"X-Api-Key": fmt.Sprintf("pk_live_guess%d", i)})
		if a.status == 429 {
			refused++
		}
	}
	if refused != 100-want-1 {
		t.Errorf("100 API-key guesses: %d refused, want %d", refused, 100-want-1)
	}
	// A key of the wrong role is not a guess.
	for range want + 5 {
		if a := admin.send("POST", "/api/v1/interactions", []byte(`{}`), map[string]string{"Authorization": "Bearer " + w.reader}); a.status == 429 {
			t.Fatal("403 answers were counted as failed authentications")
		}
	}
}

// Wrong tokens at /metrics and /dev/outbox spend the same failed-
// authentication budget as the API's, per client: past it even the right
// token is refused until the minute ends, there and under /api/v1, so no
// surface is left to go on guessing at. This host itself is not limited.
// (Guesses there used to be answered 401 for ever.)
func TestTokenGuessesOutsideTheAPIAreLimited(t *testing.T) {
	const proxyIP = "127.0.0.10"
	var box *outbox.Outbox
	h := newAPIHarness(t, limited(t, server.DefaultLimits, proxyIP), func(c *server.Config) {
		box = outbox.New(c.Store.(*store.Store), 10, nil, publicURL+"/dev/outbox")
		c.Outbox, c.OutboxPage = box, true
	})
	id, err := box.SendEmail(context.Background(), notify.Email{To: "anna.schneider@example.org", Subject: "How did we do?", HTML: "<p>hi</p>"})
	if err != nil {
		t.Fatal(err)
	}
	admin := h.tenantWorld("Nordlicht", "outside").admin
	proxy := h.from(proxyIP)
	client := func(ip, path, token string) answer {
		return proxy.send("GET", path, nil, map[string]string{"X-Forwarded-For": ip, "Authorization": "Bearer " + token})
	}
	want := server.DefaultLimits.AuthFailuresPerClient
	guess := func(ip, path string) {
		t.Helper()
		statuses := map[int]int{}
		for i := range want + 20 {
			statuses[client(ip, path, fmt.Sprintf("guess-%d", i)).status]++
		}
		if statuses[401] != want+1 || statuses[429] != 19 {
			t.Errorf("%d token guesses at %s: %v, want %d × 401 then 429", want+20, path, statuses, want+1)
		}
	}
	refused := func(ip, path, token string) {
		t.Helper()
		if a := client(ip, path, token); a.status != 429 || a.retryAfter == "" {
			t.Errorf("the right token at %s from the guessing client: %d (Retry-After %q), want 429", path, a.status, a.retryAfter)
		}
	}

	guess("203.0.113.20", "/metrics")
	refused("203.0.113.20", "/metrics", metricsToken)
	refused("203.0.113.20", "/api/v1/tenant", admin)
	guess("203.0.113.21", "/dev/outbox")
	refused("203.0.113.21", "/dev/outbox", operatorToken)
	refused("203.0.113.21", "/dev/outbox/"+id, operatorToken)
	refused("203.0.113.21", "/metrics", metricsToken)

	// One budget: guesses spread over the three surfaces add up.
	const spread = "203.0.113.22"
	for i := range want {
		path := []string{"/api/v1/tenant", "/metrics", "/dev/outbox"}[i%3]
		if a := client(spread, path, fmt.Sprintf("guess-%d", i)); a.status != 401 {
			t.Fatalf("guess %d at %s: %d, want 401", i+1, path, a.status)
		}
	}
	client(spread, "/metrics", "one-guess-too-many")
	refused(spread, "/dev/outbox", operatorToken)

	// Other clients behind the same proxy are not affected.
	if a := client("203.0.113.23", "/metrics", metricsToken); a.status != 200 {
		t.Errorf("another client's scrape: %d, want 200", a.status)
	}
	if a := client("203.0.113.23", "/dev/outbox", operatorToken); a.status != 200 {
		t.Errorf("another client's operator token at /dev/outbox: %d, want 200", a.status)
	}
	// A proxy on this host that is not trusted counts as one client: its
	// guesses get it refused, yet this host's own scrape goes on.
	local := h.from("127.0.0.11")
	for i := range want + 1 {
		local.send("GET", "/metrics", nil, map[string]string{"Forwarded": "for=198.51.100.7", "Authorization": fmt.Sprintf("Bearer guess-%d", i)})
	}
	if a := local.send("GET", "/metrics", nil, map[string]string{"Forwarded": "for=198.51.100.7", "Authorization": "Bearer " + metricsToken}); a.status != 429 {
		t.Errorf("the untrusted proxy's right token after its guesses: %d, want 429", a.status)
	}
	for _, path := range []string{"/metrics", "/dev/outbox"} {
		if a := local.send("GET", path, nil, nil); a.status != 200 {
			t.Errorf("%s from this host, not forwarded: %d, want 200", path, a.status)
		}
	}
}
