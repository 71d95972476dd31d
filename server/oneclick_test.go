package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

const (
	personUA   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
	headlessUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"
)

// pageClient drives the feedback page over plain HTTP, as a browser whose
// script has decided to submit would: over a real connection, kept alive,
// so that the server's request buffers are reused as in production.
type pageClient struct {
	t    *testing.T
	base string
	http *http.Client
	ua   string
	tok  string
}

// serve runs s on a loopback port and returns a client for token.
func serve(t *testing.T, s *server.Server, ua, token string) pageClient {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.App().Listener(ln) }()
	t.Cleanup(func() { _ = s.App().Shutdown() })
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(c.CloseIdleConnections)
	return pageClient{t: t, base: "http://" + ln.Addr().String(), http: c, ua: ua, tok: token}
}

func (p pageClient) do(method, target string, form url.Values) (int, string, string) {
	p.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, p.base+target, body)
	if err != nil {
		p.t.Fatal(err)
	}
	r.Header.Set("User-Agent", p.ua)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.http.Do(r)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// open is a click on the email's link for score.
func (p pageClient) open(score int) string {
	p.t.Helper()
	code, _, page := p.do("GET", "/f/"+p.tok+"?score="+strconv.Itoa(score), nil)
	if code != 200 {
		p.t.Fatalf("score link %d: status %d", score, code)
	}
	return page
}

// autoSubmit is what page.js posts; it returns where the answer sends the
// browser.
func (p pageClient) autoSubmit(score int) string {
	p.t.Helper()
	code, loc, _ := p.do("POST", "/f/"+p.tok, url.Values{"score": {strconv.Itoa(score)}, "auto": {"1"}})
	if code != http.StatusSeeOther {
		p.t.Fatalf("automatic submission of %d: status %d", score, code)
	}
	return loc
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// onePage is a server and a request sent a minute ago: an answer to it
// now would not be flagged as automated by its timing.
func onePage(t *testing.T) (*server.Server, *store.Store, plaudit.FeedbackRequest, *clock) {
	st, _, sent := callbackStore(t)
	req := sent("T1", plaudit.ChannelEmail, "ada@example.org", "sg-1")
	clk := &clock{now: time.Now()}
	s := server.New(server.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://fb.example", Now: clk.Now})
	return s, st, req, clk
}

func responseOf(t *testing.T, st *store.Store, req plaudit.FeedbackRequest) (plaudit.Response, bool) {
	t.Helper()
	r, err := st.ResponseByRequest(context.Background(), req.TenantID, req.ID)
	if plaudit.IsNotFound(err) {
		return r, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return r, true
}

// A customer clicks one score in the email: the page's script submits it
// and the rating is saved, unflagged, with nothing more to do; the page
// then asks for more.
func TestOneClickRecordsAPersonsScoreInOneStep(t *testing.T) {
	s, st, req, _ := onePage(t)
	p := serve(t, s, personUA, req.Token)
	page := p.open(5)
	if !strings.Contains(page, `data-autosubmit="true"`) || !strings.Contains(page, `src="/static/page.js"`) {
		t.Fatal("the one-click page does not submit the score for the customer")
	}
	if loc := p.autoSubmit(5); loc != "/f/"+req.Token {
		t.Fatalf("automatic submission sent the customer to %q", loc)
	}
	r, ok := responseOf(t, st, req)
	if !ok || r.Score != 5 || r.Automated {
		t.Fatalf("response %+v (recorded %v), want 5, not flagged", r, ok)
	}
	if _, _, page := p.do("GET", "/f/"+req.Token, nil); !strings.Contains(page, "Would you like to tell us more?") ||
		!strings.Contains(page, `name="comment"`) {
		t.Errorf("after the rating the page does not ask for more:\n%s", page)
	}
}

// A mail-security gateway opens every link of the email in a browser that
// runs the page's script: none of its submissions is taken. The page asks
// for the button instead, which a person then taps.
func TestScannerOpeningEveryLinkRecordsNothing(t *testing.T) {
	s, st, req, clk := onePage(t)
	scanner := serve(t, s, personUA, req.Token) // it may well look like a person's browser
	for n := 1; n <= 5; n++ {
		scanner.open(n)
	}
	for n := 1; n <= 5; n++ {
		want := "/f/" + req.Token + "?score=" + strconv.Itoa(n) + "&confirm=1"
		if loc := scanner.autoSubmit(n); loc != want {
			t.Errorf("scanner's submission of %d went to %q, want %q", n, loc, want)
		}
	}
	if r, ok := responseOf(t, st, req); ok {
		t.Fatalf("a scanner's submission was recorded: %+v", r)
	}

	// The page it is sent to does not submit again, and says how to save.
	_, _, page := scanner.do("GET", "/f/"+req.Token+"?score=3&confirm=1", nil)
	if strings.Contains(page, "data-autosubmit") || !strings.Contains(page, "Tap “Send rating” to save it.") {
		t.Errorf("the confirm page submits by itself or does not ask for the button:\n%s", page)
	}
	// A person's tap on the button is an answer.
	if code, _, _ := scanner.do("POST", "/f/"+req.Token, url.Values{"score": {"3"}}); code != http.StatusSeeOther {
		t.Fatalf("button: status %d", code)
	}
	if r, ok := responseOf(t, st, req); !ok || r.Score != 3 {
		t.Fatalf("the button's answer was not recorded: %+v", r)
	}

	// Links opened long ago do not stand in a later click's way.
	clk.add(3 * time.Minute)
	person := scanner // a person, later, in the same browser
	person.open(4)
	if loc := person.autoSubmit(4); loc != "/f/"+req.Token {
		t.Errorf("a later one-click change went to %q", loc)
	}
	if r, _ := responseOf(t, st, req); r.Score != 4 {
		t.Errorf("score %d, want 4", r.Score)
	}
}

// A browser that says it is headless or automated answers nothing by
// itself, even when it opens a single link.
func TestHeadlessBrowserOneClickRecordsNothing(t *testing.T) {
	for _, ua := range []string{headlessUA, "Mozilla/5.0 (compatible; PhantomJS/2.1.1)", "Mozilla/5.0 Playwright/1.50"} {
		s, st, req, _ := onePage(t)
		p := serve(t, s, ua, req.Token)
		p.open(5)
		if loc := p.autoSubmit(5); !strings.HasSuffix(loc, "&confirm=1") {
			t.Errorf("%s: submission went to %q", ua, loc)
		}
		if r, ok := responseOf(t, st, req); ok {
			t.Errorf("%s: recorded %+v", ua, r)
		}
	}
}
