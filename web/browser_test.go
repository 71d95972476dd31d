package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// These tests open the feedback page's one-click links in a real browser
// (Debian's chromium, headless), as mail-security gateways do, and as a
// customer does. They are skipped when chromium is not installed.

// A browser as an ordinary person has it: Chrome's own User-Agent.
const personUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

// pageSite is a running server with one tenant and agent, whose requests
// went out a minute ago: an answer to them now is not flagged by timing.
type pageSite struct {
	t    *testing.T
	st   *store.Store
	url  string
	tn   plaudit.Tenant
	ag   plaudit.Agent
	next int
}

func startSite(t *testing.T) *pageSite {
	t.Helper()
	ctx := context.Background()
	kr, err := keyring.New(keyring.RandomBytes(32), nil)
	must(t, err)
	st, err := store.Open(ctx, "", t.TempDir(), kr)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	must(t, st.Migrate(ctx))
	p := &pageSite{t: t, st: st, tn: plaudit.Tenant{Name: "Nordlicht Reisen", Settings: plaudit.DefaultSettings()}}
	must(t, st.CreateTenant(ctx, &p.tn))
	p.ag = plaudit.Agent{TenantID: p.tn.ID, Email: "jonas@nordlicht.example", Name: "Jonas Weber", Approved: true}
	must(t, st.CreateAgent(ctx, &p.ag))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	app := server.New(server.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "http://" + ln.Addr().String()}).App()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	p.url = "http://" + ln.Addr().String()
	return p
}

// sent stores a request that went out a minute ago and returns it.
func (p *pageSite) sent() plaudit.FeedbackRequest {
	p.t.Helper()
	ctx := context.Background()
	p.next++
	key := "T" + strconv.Itoa(p.next)
	in := plaudit.Interaction{TenantID: p.tn.ID, Source: "api", DedupKey: key, ExternalID: key, Event: plaudit.EventSolved}
	_, err := p.st.InsertInteraction(ctx, &in)
	must(p.t, err)
	req := plaudit.FeedbackRequest{TenantID: p.tn.ID, InteractionID: in.ID, AgentID: p.ag.ID, TicketID: key,
		Channel: plaudit.ChannelEmail, Recipient: "anna@example.org", Language: "en", Status: plaudit.RequestScheduled,
		DueAt: time.Now().Add(-time.Minute), Token: keyring.Token(24)}
	_, err = p.st.CreateRequest(ctx, &req)
	must(p.t, err)
	_, _, err = p.st.ClaimRequest(ctx, p.tn.ID, req.ID, time.Now())
	must(p.t, err)
	must(p.t, p.st.MarkRequestSent(ctx, p.tn.ID, req.ID, "sg-"+key, time.Now().Add(-time.Minute)))
	return req
}

// response is the recorded answer to req, if any.
func (p *pageSite) response(req plaudit.FeedbackRequest) (plaudit.Response, bool) {
	p.t.Helper()
	r, err := p.st.ResponseByRequest(context.Background(), req.TenantID, req.ID)
	if plaudit.IsNotFound(err) {
		return r, false
	}
	must(p.t, err)
	return r, true
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser starts headless chromium with options and returns its first
// tab's context. stealth makes it pass for a person's browser as far as a
// page can tell: no navigator.webdriver, Chrome's User-Agent, and every
// tab focused, as a scanner built to look human would be.
func browser(t *testing.T, stealth bool) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil && os.Getenv("PLAUDIT_TEST_REQUIRE_SERVICES") != "" {
		t.Fatal("chromium is not installed, and PLAUDIT_TEST_REQUIRE_SERVICES says the browser tests must run")
	}
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium): the one-click test in a real browser is skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox)
	if stealth {
		opts = append(opts, chromedp.Flag("enable-automation", false),
			chromedp.Flag("disable-blink-features", "AutomationControlled"), chromedp.UserAgent(personUA))
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	must(t, chromedp.Do(ctx)) // starts the browser
	return ctx
}

// newTab opens a blank tab in the browser; in stealth, a focused one.
func newTab(t *testing.T, browserCtx context.Context, stealth bool) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	steps := []chromedp.Action[chromedp.Void]{}
	if stealth {
		steps = append(steps, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
			return err
		}))
	}
	must(t, chromedp.Do(ctx, steps...))
	return ctx
}

// openAll opens each link in a tab of its own, all at once, as a
// scanner that checks a message's links does.
func openAll(t *testing.T, browserCtx context.Context, links []string, stealth bool) []context.Context {
	t.Helper()
	tabs := make([]context.Context, len(links))
	for i := range links {
		tabs[i] = newTab(t, browserCtx, stealth)
	}
	errs := make(chan error, len(links))
	for i, link := range links {
		go func() { errs <- chromedp.Do(tabs[i], chromedp.Navigate(link)) }()
	}
	for range links {
		must(t, <-errs)
	}
	return tabs
}

// scoreLinks are the email's five one-click links to req's page.
func (p *pageSite) scoreLinks(req plaudit.FeedbackRequest) []string {
	var out []string
	for n := 1; n <= 5; n++ {
		out = append(out, p.url+"/f/"+req.Token+"?score="+strconv.Itoa(n))
	}
	return out
}

// settle is longer than the page waits before it submits (1.5 s) plus
// the post and its redirect.
const settle = 4 * time.Second

// A mail-security gateway's headless browser opens every link of the
// email and runs the page's script: no score is recorded, flagged or not.
func TestHeadlessScannerOpeningEveryLinkRecordsNothing(t *testing.T) {
	site := startSite(t)
	for _, stealth := range []bool{false, true} {
		t.Run(map[bool]string{false: "stock headless chromium", true: "headless chromium passing for a person"}[stealth], func(t *testing.T) {
			req := site.sent()
			tabs := openAll(t, browser(t, stealth), site.scoreLinks(req), stealth)
			time.Sleep(settle)
			if r, ok := site.response(req); ok {
				t.Fatalf("the scanner's visit recorded score %d (likely_automated %v)", r.Score, r.Automated)
			}
			for i, tab := range tabs {
				text, err := chromedp.Run(tab, chromedp.Text[string]("main"))
				must(t, err)
				if !strings.Contains(text, "Tap “Send rating” to save it.") {
					t.Errorf("tab %d does not ask for the button: %q", i+1, text)
				}
				// Which check held: the stock browser's script never
				// submitted (navigator.webdriver); the disguised one's did,
				// and the server sent it back to the button.
				loc, err := chromedp.Run(tab, chromedp.Location())
				must(t, err)
				if submitted := strings.HasSuffix(loc, "&confirm=1"); submitted != stealth {
					t.Errorf("tab %d ended at %s", i+1, loc)
				}
			}
		})
	}
}

// A customer clicks one score: the browser, a person's, submits it with
// no further step, and the page asks for more.
func TestPersonsClickRecordsInOneStep(t *testing.T) {
	site := startSite(t)
	req := site.sent()
	tab := openAll(t, browser(t, true), site.scoreLinks(req)[4:], true)[0]
	deadline := time.Now().Add(settle)
	for time.Now().Before(deadline) {
		if _, ok := site.response(req); ok {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r, ok := site.response(req)
	if !ok || r.Score != 5 || r.Automated {
		t.Fatalf("the customer's click recorded %+v (recorded %v), want score 5, not flagged", r, ok)
	}
	must(t, chromedp.Do(tab, chromedp.WaitVisible("textarea#comment")))
	text, err := chromedp.Run(tab, chromedp.Text[string]("main"))
	must(t, err)
	if !strings.Contains(text, "Would you like to tell us more?") {
		t.Errorf("after the click the page shows %q", text)
	}
}
