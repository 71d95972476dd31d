package web_test

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// axe is axe-core, vendored (testdata/axe-core/README).
//
//go:embed testdata/axe-core/axe.min.js
var axe string

// consoleSite is a running server with one tenant whose admin signs in by
// the link the outbox catches.
type consoleSite struct {
	t      *testing.T
	st     *store.Store
	url    string
	outbox *outbox.Outbox
	tn     plaudit.Tenant
	// config, when set, completes the server's configuration.
	config func(*server.Config)
}

func startConsole(t *testing.T) *consoleSite {
	t.Helper()
	return startConsoleWith(t)
}

// startConsoleWith starts the site after setups have added to it.
func startConsoleWith(t *testing.T, setups ...func(*consoleSite, *testing.T)) *consoleSite {
	t.Helper()
	ctx := context.Background()
	kr, err := keyring.New(keyring.RandomBytes(32), nil)
	must(t, err)
	st, err := store.Open(ctx, "", t.TempDir(), kr)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	must(t, st.Migrate(ctx))
	site := &consoleSite{t: t, st: st, tn: plaudit.Tenant{Name: "Nordlicht Reisen", Settings: plaudit.DefaultSettings()}}
	must(t, st.CreateTenant(ctx, &site.tn))
	must(t, st.CreateUser(ctx, &plaudit.User{TenantID: site.tn.ID, Email: "ada@nordlicht.example", Name: "Ada Admin", Role: plaudit.UserAdmin}))
	must(t, st.CreateTeam(ctx, &plaudit.Team{TenantID: site.tn.ID, Name: "Bergen"}))

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	site.outbox = outbox.New(st, 0, log, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	site.url = "http://" + ln.Addr().String()
	for _, setup := range setups {
		setup(site, t)
	}
	cfg := server.Config{Store: st, Log: log, Keyring: kr, Kinds: connectors.Default(), PublicURL: site.url, Outbox: site.outbox,
		Feedback: &feedback.Service{Store: st, Email: site.outbox, PublicURL: site.url, FromEmail: "plaudit@example.com", Log: log}}
	if site.config != nil {
		site.config(&cfg)
	}
	srv := server.New(cfg)
	go func() { _ = srv.Serve(ln) }()
	// The server's Shutdown ends open streams (the stream page's) at once.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return site
}

var linkInMail = regexp.MustCompile(`http://[^\s"]+/console/login/link/[A-Za-z0-9_-]+`)

// link waits for the sign-in mail to email and returns its link.
func (s *consoleSite) link(email string) string {
	s.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		msgs, err := s.outbox.List(s.t.Context())
		must(s.t, err)
		for _, m := range msgs {
			if m.Email != nil && m.Email.To == email {
				if l := linkInMail.FindString(m.Email.Text); l != "" {
					return l
				}
			}
		}
	}
	s.t.Fatalf("no sign-in mail to %s", email)
	return ""
}

// consoleTab opens a tab that runs axe on each page it is asked to check.
func consoleTab(t *testing.T) context.Context {
	t.Helper()
	tab := newTab(t, browser(t, false), false)
	must(t, chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	}), chromedp.EmulateViewport(1280, 900)))
	return tab
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// checkA11y runs axe-core on the tab's page (WCAG 2.x A and AA rules) and
// fails on serious or critical findings; the others are logged.
func checkA11y(t *testing.T, tab context.Context, name string) {
	t.Helper()
	const run = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})
	  .then(r => JSON.stringify({passes: r.passes.length,
	    violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))}))`
	if _, err := chromedp.Run(tab, chromedp.Evaluate[any](axe)); err != nil {
		t.Fatalf("%s: loading axe: %v", name, err)
	}
	out, err := chromedp.Run(tab, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	must(t, err)
	var found struct {
		Passes     int
		Violations []axeViolation
	}
	must(t, json.Unmarshal([]byte(out), &found))
	if found.Passes < 10 {
		t.Fatalf("axe on %s checked almost nothing (%d rules passed): %s", name, found.Passes, out)
	}
	t.Logf("axe on %s: %d rules passed, %d violations", name, found.Passes, len(found.Violations))
	for _, v := range found.Violations {
		msg := v.Impact + " " + v.ID + ": " + v.Help + " at " + strings.Join(v.Nodes, ", ")
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe on %s: %s", name, msg)
			continue
		}
		t.Logf("axe on %s (%s, not failing): %s", name, v.Impact, msg)
	}
	screenshot(t, tab, name)
}

// screenshot keeps a picture of the page when PLAUDIT_SCREENSHOTS names a
// directory (docs/console is where the docs take theirs from).
func screenshot(t *testing.T, tab context.Context, name string) {
	dir := os.Getenv("PLAUDIT_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

func visit(t *testing.T, tab context.Context, url string) {
	t.Helper()
	must(t, chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitVisible("main")))
}

func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text[string](sel))
	must(t, err)
	return s
}

// An admin signs in by the link in the email and creates a Zendesk
// connector, in a real browser; every page passes axe.
func TestConsoleInBrowser(t *testing.T) {
	site := startConsole(t)
	tab := consoleTab(t)

	site.signInAs(t, tab, "ada@nordlicht.example", "login", "sign-in-link")
	checkA11y(t, tab, "overview")

	visit(t, tab, site.url+"/console/connectors")
	checkA11y(t, tab, "connectors")
	must(t, chromedp.Do(tab, chromedp.SetValue("#f-kind", "zendesk"), chromedp.Click(`form[action="/console/connectors/new"] button`),
		chromedp.WaitVisible(`#f-config\.subdomain`)))
	checkA11y(t, tab, "connector-new")
	// Sent without a subdomain: the error is next to the field.
	must(t, chromedp.Do(tab, chromedp.SendKeys(`#f-config\.email`, "api@nordlicht.example"),
		chromedp.SendKeys(`#f-config\.api_token`, "zd-api-token"), chromedp.SendKeys(`#f-config\.signing_secret`, "zd-signing-secret"),
		chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`#e-config\.subdomain`)))
	checkA11y(t, tab, "connector-new-error")
	must(t, chromedp.Do(tab, chromedp.SendKeys(`#f-config\.subdomain`, "nordlicht"),
		chromedp.SendKeys(`#f-config\.api_token`, "zd-api-token"), chromedp.SendKeys(`#f-config\.signing_secret`, "zd-signing-secret"),
		chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`#webhook-url`)))
	hook := text(t, tab, "#webhook-url")
	cons, err := site.st.ListConnectors(context.Background(), site.tn.ID)
	must(t, err)
	if len(cons) != 1 || hook != site.url+"/hooks/"+cons[0].ID {
		t.Fatalf("the page shows %q; stored: %+v", hook, cons)
	}
	checkA11y(t, tab, "connector")

	addAndApproveAgent(t, site, tab)
	eraseSubject(t, site, tab)
	answer(t, site, "T-41", 5, "Jonas sorted out my ferry booking in minutes. Thank you!")
	answer(t, site, "T-42", 3, "Fine, but I had to explain it twice.")
	for _, page := range []string{"responses", "templates", "settings", "api-keys", "users", "queue"} {
		visit(t, tab, site.url+"/console/"+page)
		checkA11y(t, tab, page)
	}
	visit(t, tab, site.url+"/console/")
	checkA11y(t, tab, "overview-after")
}

// signInAs signs in with the link by email, in the tab; checks names
// the sign-in page and the link's page for axe.
func (s *consoleSite) signInAs(t *testing.T, tab context.Context, email string, checks ...string) {
	t.Helper()
	visit(t, tab, s.url+"/console/login")
	if len(checks) > 0 {
		checkA11y(t, tab, checks[0])
	}
	must(t, chromedp.Do(tab, chromedp.SendKeys("#f-email", email),
		chromedp.Click(`form[action="/console/login"] button`), chromedp.WaitVisible(`p[role=status]`)))
	visit(t, tab, s.link(email))
	if len(checks) > 1 {
		checkA11y(t, tab, checks[1])
	}
	must(t, chromedp.Do(tab, chromedp.Click(`main form button`), chromedp.WaitVisible(`#attention`)))
}

// eraseSubject erases a customer from the privacy page.
func eraseSubject(t *testing.T, site *consoleSite, tab context.Context) {
	t.Helper()
	ctx := context.Background()
	in := plaudit.Interaction{TenantID: site.tn.ID, Source: "api", DedupKey: "T-9", ExternalID: "T-9", Event: plaudit.EventSolved,
		Customer: plaudit.Customer{Name: "Anna Schmidt", Email: "anna@example.org"}}
	_, err := site.st.InsertInteraction(ctx, &in)
	must(t, err)
	visit(t, tab, site.url+"/console/privacy")
	checkA11y(t, tab, "privacy")
	must(t, chromedp.Do(tab, chromedp.SendKeys("#f-erase_email", "anna@example.org"), chromedp.Click("#f-confirm"),
		chromedp.Click(`form[action="/console/privacy/erase"] button`), chromedp.WaitVisible(`p.flash`)))
	data, err := site.st.ExportSubject(ctx, site.tn.ID, "anna@example.org", "")
	must(t, err)
	if len(data.Interactions) != 0 {
		t.Fatalf("after erasure the store still holds %d interactions", len(data.Interactions))
	}
	checkA11y(t, tab, "privacy-erased")
	visit(t, tab, site.url+"/console/audit")
	checkA11y(t, tab, "audit")
}

// addAndApproveAgent adds an agent (not yet approved), uploads a photo,
// and approves the agent from the queue.
func addAndApproveAgent(t *testing.T, site *consoleSite, tab context.Context) {
	t.Helper()
	visit(t, tab, site.url+"/console/agents")
	must(t, chromedp.Do(tab, chromedp.SendKeys("#f-email", "jonas@nordlicht.example"), chromedp.SendKeys("#f-name", "Jonas Weber"),
		chromedp.SendKeys("#f-bio", "Fjords, ferries and refunds."), chromedp.SendKeys("#f-team", "Bergen"),
		chromedp.Click("#f-approved"), chromedp.Click(`form[action="/console/agents"] button`),
		chromedp.WaitVisible(`p[role=status]`)))
	checkA11y(t, tab, "agents-waiting")
	must(t, chromedp.Do(tab, chromedp.Click(`//a[text()="Jonas Weber"]`), chromedp.WaitVisible("#f-photo")))
	photo := filepath.Join(t.TempDir(), "jonas.png")
	must(t, os.WriteFile(photo, portrait(), 0o600))
	must(t, chromedp.Do(tab, chromedp.SetUploadFiles("#f-photo", []string{photo}),
		chromedp.Click(`form[enctype="multipart/form-data"] button`), chromedp.WaitVisible(`img.photo`)))
	checkA11y(t, tab, "agent")
	visit(t, tab, site.url+"/console/agents")
	must(t, chromedp.Do(tab, chromedp.Click(`//button[text()="Approve Jonas Weber"]`), chromedp.WaitVisible(`p[role=status]`)))
	agents, err := site.st.ListAgents(context.Background(), site.tn.ID)
	must(t, err)
	if len(agents) != 1 || !agents[0].Approved || !strings.Contains(agents[0].PhotoURL, "/agent-photos/") {
		t.Fatalf("after approval: %+v", agents)
	}
	checkA11y(t, tab, "agents")
}

// answer stores a customer's answer to a request for the tenant's agent
// that went out a minute ago.
func answer(t *testing.T, site *consoleSite, ticket string, score int, comment string) {
	t.Helper()
	ctx := context.Background()
	agents, err := site.st.ListAgents(ctx, site.tn.ID)
	must(t, err)
	in := plaudit.Interaction{TenantID: site.tn.ID, Source: "zendesk", DedupKey: ticket, ExternalID: ticket, Event: plaudit.EventSolved}
	_, err = site.st.InsertInteraction(ctx, &in)
	must(t, err)
	req := plaudit.FeedbackRequest{TenantID: site.tn.ID, InteractionID: in.ID, AgentID: agents[0].ID, TicketID: ticket,
		Channel: plaudit.ChannelEmail, Recipient: "anna@example.org", Language: "en", Status: plaudit.RequestScheduled,
		DueAt: time.Now(), Token: keyring.Token(24)}
	_, err = site.st.CreateRequest(ctx, &req)
	must(t, err)
	r := plaudit.Response{TenantID: site.tn.ID, RequestID: req.ID, AgentID: agents[0].ID, TicketID: ticket, Score: score,
		Comment: comment, Source: "page", Excellence: []string{"fast"}}
	_, err = site.st.CreateResponse(ctx, &r)
	must(t, err)
}

// portrait is a 900×1200 PNG.
func portrait() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 900, 1200))
	for y := 0; y < 1200; y++ {
		for x := 0; x < 900; x++ {
			img.Set(x, y, color.RGBA{uint8(40 + x/8), uint8(90 + y/12), 160, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// withQueue gives the site what a running gateway has behind its hooks:
// the queue (in-process Redis, as in embedded mode) and a worker that
// runs its tasks through the feedback service, sending into the outbox.
func (s *consoleSite) withQueue(t *testing.T) {
	t.Helper()
	// Sent at once, with the details a tenant sets before going live.
	s.tn.Settings.DelaySeconds, s.tn.Settings.BrandName = 0, "Nordlicht Reisen"
	s.tn.Settings.PrivacyURL, s.tn.Settings.FromEmail = "https://nordlicht.example/privacy", "feedback@nordlicht.example"
	must(t, s.st.UpdateTenant(t.Context(), s.tn))
	e, err := queue.StartEmbedded("")
	must(t, err)
	t.Cleanup(e.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client := queue.NewClient(e.ConnOpt())
	t.Cleanup(func() { _ = client.Close() })
	// The egress client as the gateway has it: no connector here calls out.
	deps := plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{})}
	conns := connectors.NewCache(connectors.Default(), s.st, deps, 0)
	fb := &feedback.Service{Store: s.st, Tasks: client, Connectors: conns, Email: s.outbox, PublicURL: s.url,
		FromEmail: "plaudit@example.com", Log: log, Now: time.Now}
	w := &queue.Worker{Feedback: fb, Store: s.st, Queue: client, Metrics: metrics.New(prometheus.NewRegistry()), Log: log, Now: time.Now}
	srv := queue.NewServer(e.ConnOpt(), queue.ServerOptions{Concurrency: 2, Log: log})
	must(t, srv.Start(w.Mux()))
	t.Cleanup(srv.Shutdown)
	s.config = func(c *server.Config) { c.Queue, c.Feedback, c.Connectors, c.DriverDeps = client, fb, conns, deps }
}

var scoreLinkInMail = regexp.MustCompile(`href="(http://[^"]+/f/[A-Za-z0-9_-]+\?score=4)"`)

// feedbackMail waits for the feedback request's email to to and returns
// its link for score 4.
func (s *consoleSite) feedbackMail(to string) string {
	s.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		msgs, err := s.outbox.List(s.t.Context())
		must(s.t, err)
		for _, m := range msgs {
			if m.Email != nil && m.Email.To == to {
				if l := scoreLinkInMail.FindStringSubmatch(m.Email.HTML); l != nil {
					return html.UnescapeString(l[1])
				}
			}
		}
	}
	s.t.Fatalf("no feedback email to %s", to)
	return ""
}

// A flow end to end, as the three people in it see it: the admin sets up
// a Standard Webhooks connector in the console, the helpdesk's signed
// webhook comes in, the feedback email goes out (into the outbox), the
// customer rates on the page and says more, and the admin finds the
// response in the console, on the list and on its own page.
func TestConsoleFlowInBrowser(t *testing.T) {
	site := startConsoleWith(t, (*consoleSite).withQueue)
	ctx := context.Background()
	must(t, site.st.CreateAgent(ctx, &plaudit.Agent{TenantID: site.tn.ID, Email: "jonas@nordlicht.example", Name: "Jonas Weber",
		Approved: true, ExternalIDs: map[string]string{"standard": "emp-17"}}))
	tab := consoleTab(t)
	site.signInAs(t, tab, "ada@nordlicht.example")

	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a signing key of 32 bytes, random"[:32]))
	visit(t, tab, site.url+"/console/connectors/new?kind=standard")
	must(t, chromedp.Do(tab, chromedp.SendKeys(`#f-config\.signing_secret`, secret),
		chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`#webhook-url`)))
	hook := text(t, tab, "#webhook-url")

	body := []byte(`{"ext_interaction_id":"INC-4711","channel":"chat",
	  "customer":{"name":"Anna Schmidt","email":"anna@example.org","language":"en"},"employee":{"custom_id":"emp-17"}}`)
	wh, err := standardwebhooks.NewWebhook(secret)
	must(t, err)
	now := time.Now()
	sig, err := wh.Sign("msg_4711", now, body)
	must(t, err)
	req, err := http.NewRequest("POST", hook, bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", "msg_4711")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the signed webhook: %d", resp.StatusCode)
	}

	// The customer, in a tab of their own, taps "Good" in the email and
	// the page's button, then says more.
	customer := newTab(t, browser(t, false), false)
	must(t, chromedp.Do(customer, chromedp.Navigate(site.feedbackMail("anna@example.org")), chromedp.WaitVisible(`main form button`)))
	must(t, chromedp.Do(customer, chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`textarea#comment`)))
	must(t, chromedp.Do(customer, chromedp.SendKeys(`textarea#comment`, "Jonas found me a cabin on the late ferry."),
		chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`main h1`)))

	visit(t, tab, site.url+"/console/responses")
	must(t, chromedp.Do(tab, chromedp.WaitVisible(`//td[contains(., "late ferry")]`)))
	row := text(t, tab, `//tr[td[contains(., "late ferry")]]`)
	if !strings.Contains(row, "Jonas Weber") || !strings.Contains(row, "4 of 5") || !strings.Contains(row, "INC-4711") {
		t.Fatalf("the response's row: %q", row)
	}
	checkA11y(t, tab, "responses-flow")
	must(t, chromedp.Do(tab, chromedp.Click(`//tr[td[contains(., "late ferry")]]//a`), chromedp.WaitVisible(`dl.facts`)))
	if got := text(t, tab, "dl.facts"); !strings.Contains(got, "Jonas found me a cabin") || !strings.Contains(got, "INC-4711") {
		t.Fatalf("the response's page: %q", got)
	}
	checkA11y(t, tab, "response")
}
