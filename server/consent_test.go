package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// consentWorld is a tenant whose German-speaking customer got a feedback
// request by email, on a server whose feedback service sends through an
// outbox (for the confirmation of an opt-out by email reply).
type consentWorld struct {
	h                   *apiHarness
	fb                  *feedback.Service
	outbox              *outbox.Outbox
	tenant              plaudit.Tenant
	admin, agent, token string
	req                 plaudit.FeedbackRequest
}

const consentCustomer = "anna.schneider@example.org"

func newConsentWorld(t *testing.T) *consentWorld {
	t.Helper()
	w := &consentWorld{}
	w.h = newAPIHarness(t, func(c *server.Config) {
		w.outbox = outbox.New(c.Store.(*store.Store), 0, slog.New(slog.NewTextHandler(io.Discard, nil)), "")
		w.fb = &feedback.Service{Store: c.Store, Tasks: c.Queue, Email: w.outbox, SMS: w.outbox, Log: c.Log,
			PublicURL: publicURL, ReplyDomain: inboundDomain, FromEmail: "feedback@plaudit.example"}
		c.Feedback, c.Outbox = w.fb, w.outbox
	})
	h := w.h
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, valid: true, json: map[string]any{
		"name": "Nordlicht Reisen GmbH", "settings": map[string]any{"brand_name": "Nordlicht", "default_language": "de", "brand_color": "#0f766e",
			"timezone": "Europe/Berlin", "delay_seconds": 0, "suppression_days": 0}}}, 201)
	var created struct{ ID, APIKey string }
	r.decode(t, &struct {
		ID     *string `json:"id"`
		APIKey *string `json:"api_key"`
	}{&created.ID, &created.APIKey})
	w.admin = created.APIKey
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: w.admin, json: map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber"}}, 201)
	var ag plaudit.Agent
	r.decode(t, &ag)
	w.agent = ag.ID
	tn, err := h.store.GetTenant(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.tenant = tn
	w.req = w.sentRequest("T-1", consentCustomer)
	w.token = w.req.Token
	return w
}

// sentRequest makes an interaction through the trigger API and the
// request the worker would have sent for it, in German.
func (w *consentWorld) sentRequest(ticket, email string) plaudit.FeedbackRequest {
	t := w.h.t
	t.Helper()
	in := w.interaction(ticket, email)
	sent := time.Now().Add(-time.Hour)
	fr := plaudit.FeedbackRequest{TenantID: w.tenant.ID, InteractionID: in, AgentID: w.agent, TicketID: ticket,
		Channel: plaudit.ChannelEmail, Recipient: email, RecipientHash: keyring.AddressHash(w.tenant.HashKey, email),
		Language: "de", Status: plaudit.RequestSent, DueAt: sent, SentAt: &sent, Attempts: 1}
	if _, err := w.h.store.CreateRequest(context.Background(), &fr); err != nil {
		t.Fatal(err)
	}
	return fr
}

func (w *consentWorld) interaction(ticket, email string) string {
	r := w.h.do(call{method: "POST", path: "/api/v1/interactions", key: w.admin, json: map[string]any{
		"ext_interaction_id": ticket, "channel": "email",
		"customer": map[string]any{"name": "Anna Schneider", "email": email, "language": "Deutsch"},
		"employee": map[string]any{"email": "jonas.weber@nordlicht.example"}}}, 202)
	var in struct{ ID string }
	r.decode(w.h.t, &in)
	return in.ID
}

func (w *consentWorld) suppressed(email string) bool {
	w.h.t.Helper()
	ok, err := w.h.store.IsSuppressed(context.Background(), w.tenant.ID, keyring.AddressHash(w.tenant.HashKey, email), time.Now())
	if err != nil {
		w.h.t.Fatal(err)
	}
	return ok
}

// suppressions reads GET /api/v1/suppressions?email=.
func (w *consentWorld) suppressions(email string) []plaudit.Suppression {
	r := w.h.do(call{method: "GET", path: "/api/v1/suppressions?email=" + url.QueryEscape(email), key: w.admin, valid: true}, 200)
	var list struct{ Data []plaudit.Suppression }
	r.decode(w.h.t, &list)
	return list.Data
}

// auditActions lists the audit log's actions, oldest first.
func (w *consentWorld) auditActions() []string {
	r := w.h.do(call{method: "GET", path: "/api/v1/audit-events", key: w.admin}, 200)
	var list struct{ Data []plaudit.AuditEvent }
	r.decode(w.h.t, &list)
	var out []string
	for i := len(list.Data) - 1; i >= 0; i-- {
		out = append(out, list.Data[i].Actor+" "+list.Data[i].Action+" "+list.Data[i].Detail)
	}
	return out
}

// TestUnsubscribeScannerGETRecordsNothing: mail scanners open the link,
// as often as they like, in the company's brand and the customer's
// language; nothing is recorded.
func TestUnsubscribeScannerGETRecordsNothing(t *testing.T) {
	w := newConsentWorld(t)
	for _, ua := range []string{"Mozilla/5.0 (compatible; Barracuda Sentinel)", "HeadlessChrome/120", ""} {
		r := w.h.do(call{method: "GET", path: "/u/" + w.token, header: map[string]string{fiber.HeaderUserAgent: ua}}, 200)
		page := string(r.body)
		mustHave(t, page, `<html lang="de">`, "Von Feedback-Anfragen abmelden", "Nordlicht sendet dann keine Feedback-Anfragen mehr an die E-Mail-Adresse",
			"auf dieser Seite jederzeit rückgängig machen", `<form method="post" action="/u/`+w.token+`">`, ">Abmelden</button>", "Nordlicht")
		if r.header.Get("Set-Cookie") != "" || !strings.Contains(r.header.Get("Content-Security-Policy"), "form-action 'self'") {
			t.Errorf("headers: %v", r.header)
		}
		brandColour(t, r)
	}
	if w.suppressed(consentCustomer) || len(w.suppressions(consentCustomer)) != 0 {
		t.Fatal("a GET of the unsubscribe page suppressed the address")
	}
	for _, a := range w.auditActions() {
		if strings.Contains(a, "suppression") {
			t.Errorf("audit after GETs: %s", a)
		}
	}
}

// TestUnsubscribeOneClickPOST: a mail provider's one-click POST (RFC 8058)
// carries no cookie and no form token, and unsubscribes; the address is
// listed as a keyed hash with reason and channel, audited as the
// customer's act, and the next solved ticket is skipped saying why.
func TestUnsubscribeOneClickPOST(t *testing.T) {
	w := newConsentWorld(t)
	r := w.h.do(call{method: "POST", path: "/u/" + w.token, valid: true, form: url.Values{"List-Unsubscribe": {"One-Click"}}}, 200)
	mustHave(t, string(r.body), "Sie sind abgemeldet", "Sie haben sich am "+time.Now().In(w.tenant.Settings.Location()).Format("2.")+" ")
	if !w.suppressed(consentCustomer) {
		t.Fatal("one-click POST did not suppress the address")
	}
	list := w.suppressions(consentCustomer)
	if len(list) != 1 || list[0].Reason != plaudit.SuppressUnsubscribe || list[0].Channel != plaudit.ChannelEmail ||
		list[0].AddressHash != keyring.AddressHash(w.tenant.HashKey, consentCustomer) {
		t.Fatalf("suppressions = %+v", list)
	}
	if got := w.auditActions(); !contains(got, "customer suppression.add unsubscribe") {
		t.Errorf("audit = %v", got)
	}
	// A second one-click changes nothing: same reason, same day.
	w.h.do(call{method: "POST", path: "/u/" + w.token, form: url.Values{"List-Unsubscribe": {"One-Click"}}}, 200)
	if again := w.suppressions(consentCustomer); len(again) != 1 || !again[0].CreatedAt.Equal(list[0].CreatedAt) {
		t.Errorf("after a second POST: %+v", again)
	}
	w.wantSkipped(t, "T-2", consentCustomer)
}

// wantSkipped decides a new ticket of the customer and wants it skipped,
// the request saying why.
func (w *consentWorld) wantSkipped(t *testing.T, ticket, email string) {
	t.Helper()
	in := w.interaction(ticket, email)
	if err := w.fb.Decide(context.Background(), w.tenant.ID, in); err != nil {
		t.Fatal(err)
	}
	r := w.h.do(call{method: "GET", path: "/api/v1/feedback-requests?ticket=" + ticket, key: w.admin, valid: true}, 200)
	var reqs struct{ Data []plaudit.FeedbackRequest }
	r.decode(t, &reqs)
	if len(reqs.Data) != 1 || reqs.Data[0].Status != plaudit.RequestSkipped || reqs.Data[0].Reason != plaudit.ReasonSuppressed {
		t.Fatalf("request for a suppressed address: %s", r.body)
	}
}

// TestUnsubscribeFormAndUndo: the page's button posts and comes back to
// the page (post/redirect/get), which says since when and offers the undo;
// the undo lifts it. An opt-out the customer did not make on the page or
// by email (STOP by SMS) is not theirs to lift here.
func TestUnsubscribeFormAndUndo(t *testing.T) {
	w := newConsentWorld(t)
	r := w.h.do(call{method: "POST", path: "/u/" + w.token, valid: true, form: url.Values{"action": {"unsubscribe"}}}, 303)
	if loc := r.header.Get("Location"); loc != "/u/"+w.token {
		t.Errorf("Location = %q", loc)
	}
	r = w.h.do(call{method: "GET", path: "/u/" + w.token}, 200)
	mustHave(t, string(r.body), "Sie sind abgemeldet", "Versehentlich abgemeldet?", `name="action" value="undo"`, "Wieder anmelden")
	r = w.h.do(call{method: "POST", path: "/u/" + w.token, valid: true, form: url.Values{"action": {"undo"}}}, 303)
	if loc := r.header.Get("Location"); loc != "/u/"+w.token+"?undone=1" {
		t.Errorf("Location = %q", loc)
	}
	if w.suppressed(consentCustomer) {
		t.Fatal("undo left the suppression")
	}
	r = w.h.do(call{method: "GET", path: "/u/" + w.token + "?undone=1"}, 200)
	mustHave(t, string(r.body), "Sie sind wieder angemeldet", ">Abmelden</button>")
	if got := w.auditActions(); !contains(got, "customer suppression.add unsubscribe") || !contains(got, "customer suppression.remove customer_undo") {
		t.Errorf("audit = %v", got)
	}
	r = w.h.do(call{method: "POST", path: "/u/" + w.token, form: url.Values{"action": {"maybe"}}}, 400)
	wantMessage(t, r, "action")

	// STOP by SMS: the page says how to lift it, and refuses the undo.
	if err := w.h.store.Suppress(context.Background(), plaudit.Suppression{TenantID: w.tenant.ID,
		AddressHash: w.req.RecipientHash, Reason: "sms_stop", Channel: plaudit.ChannelSMS}); err != nil {
		t.Fatal(err)
	}
	r = w.h.do(call{method: "GET", path: "/u/" + w.token}, 200)
	mustHave(t, string(r.body), "Sie sind abgemeldet", "mit START")
	if strings.Contains(string(r.body), `value="undo"`) {
		t.Error("undo offered for an SMS STOP")
	}
	w.h.do(call{method: "POST", path: "/u/" + w.token, form: url.Values{"action": {"undo"}}}, 403)
	if !w.suppressed(consentCustomer) {
		t.Fatal("undo lifted an SMS STOP")
	}
}

// TestUnsubscribeUnknownToken: a token that names no request gets the
// page saying so, and records nothing.
func TestUnsubscribeUnknownToken(t *testing.T) {
	w := newConsentWorld(t)
	r := w.h.do(call{method: "GET", path: "/u/nosuchtoken"}, 404)
	mustHave(t, string(r.body), "no longer valid")
	w.h.do(call{method: "POST", path: "/u/nosuchtoken", form: url.Values{"List-Unsubscribe": {"One-Click"}}}, 404)
}

// TestFeedbackPageLinksToUnsubscribe: the feedback page's footer links to
// the unsubscribe page, in the customer's language.
func TestFeedbackPageLinksToUnsubscribe(t *testing.T) {
	w := newConsentWorld(t)
	r := w.h.do(call{method: "GET", path: "/f/" + w.token}, 200)
	mustHave(t, string(r.body), "Sie möchten nicht mehr um Feedback gebeten werden?", `<a href="/u/`+w.token+`">Abmelden</a>`)
	brandColour(t, r)
}

// inboundReply posts an email reply to the request as Inbound Parse does.
func (w *consentWorld) inboundReply(subject, text string) {
	w.h.t.Helper()
	auth := map[string]string{fiber.HeaderAuthorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("parse:"+inboundToken))}
	w.h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", header: auth, valid: true, multipart: map[string]string{
		"to": "reply+" + w.token + "@" + inboundDomain, "from": consentCustomer, "subject": subject, "text": text,
		"charsets": `{"to":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}`}}, 200)
}

// TestEmailReplyAbmeldenOptsOut: a reply saying "abmelden" opts out (no
// score is read from it, although it has a 5) and is answered once with a
// confirmation in the customer's language that says how to undo it.
func TestEmailReplyAbmeldenOptsOut(t *testing.T) {
	w := newConsentWorld(t)
	w.inboundReply("Re: Wie zufrieden waren Sie mit Jonas?", "5 Sterne für Jonas, aber bitte abmelden.\n\nAm 28.11.2026 schrieb Nordlicht:\n> Wie zufrieden waren Sie mit Jonas?")
	if !w.suppressed(consentCustomer) {
		t.Fatal("the reply did not opt out")
	}
	if l := w.suppressions(consentCustomer); len(l) != 1 || l[0].Reason != plaudit.SuppressEmailReply {
		t.Fatalf("suppressions = %+v", l)
	}
	if _, err := w.h.store.ResponseByRequest(context.Background(), w.tenant.ID, w.req.ID); !plaudit.IsNotFound(err) {
		t.Fatalf("the opt-out was recorded as an answer: %v", err)
	}
	msgs := w.sent(t)
	if len(msgs) != 1 || msgs[0].Email == nil {
		t.Fatalf("outbox = %+v, want one confirmation email", msgs)
	}
	m := msgs[0].Email
	if m.To != consentCustomer || m.Subject != "Sie sind abgemeldet" || m.UnsubscribeURL != "" {
		t.Errorf("confirmation: to %q, subject %q, unsubscribe %q", m.To, m.Subject, m.UnsubscribeURL)
	}
	mustHave(t, m.Text, "Hallo Anna,", "Wie in Ihrer Antwort gewünscht, sendet Nordlicht keine Feedback-Anfragen mehr an diese E-Mail-Adresse.",
		"Versehentlich abgemeldet?", "Wieder anmelden: "+publicURL+"/u/"+w.token)
	mustHave(t, m.HTML, `<a href="`+publicURL+"/u/"+w.token+`"`)
	// A second "STOP" is not answered again.
	w.inboundReply("STOP", "")
	if n := len(w.sent(t)); n != 1 {
		t.Errorf("%d emails after a second STOP, want the one confirmation", n)
	}
}

// TestEmailReplyUnsubscribeSubject: the mailto: of List-Unsubscribe sends
// an email whose subject is "unsubscribe"; that opts out too, and an
// ordinary reply with a score still records the score.
func TestEmailReplyUnsubscribeSubject(t *testing.T) {
	w := newConsentWorld(t)
	other := w.sentRequest("T-9", "ben@example.org")
	auth := map[string]string{fiber.HeaderAuthorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("parse:"+inboundToken))}
	w.h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", header: auth, multipart: map[string]string{
		"to": "reply+" + other.Token + "@" + inboundDomain, "from": "ben@example.org", "subject": "Re: Wie zufrieden?", "text": "5 – sehr freundlich"}}, 200)
	if resp, err := w.h.store.ResponseByRequest(context.Background(), w.tenant.ID, other.ID); err != nil || resp.Score != 5 {
		t.Fatalf("a reply with a score: %+v, %v", resp, err)
	}
	w.inboundReply("unsubscribe", "")
	if !w.suppressed(consentCustomer) || w.suppressed("ben@example.org") {
		t.Fatal("the mailto: unsubscribe did not opt out (only) its sender's address")
	}
}

// TestSuppressionsAPI: an admin adds, finds, lists and lifts suppressions
// by address; each change is audited without the address; bad input is
// refused with the field named; test keys are refused.
func TestSuppressionsAPI(t *testing.T) {
	w := newConsentWorld(t)
	h := w.h
	r := h.do(call{method: "POST", path: "/api/v1/suppressions", key: w.admin, valid: true, json: map[string]any{
		"email": "Ben.Berg@Example.org", "phone": "+49 30 901820"}}, 201)
	var added struct{ Data []plaudit.Suppression }
	r.decode(t, &added)
	if len(added.Data) != 2 || added.Data[0].Channel != plaudit.ChannelEmail || added.Data[1].Channel != plaudit.ChannelSMS ||
		added.Data[0].Reason != plaudit.SuppressAdmin || added.Data[0].AddressHash != keyring.AddressHash(w.tenant.HashKey, "ben.berg@example.org") {
		t.Fatalf("added = %+v", added.Data)
	}
	if strings.Contains(strings.ToLower(string(r.body)), "ben") || strings.Contains(string(r.body), "901820") {
		t.Errorf("the answer names the address: %s", r.body)
	}
	r = h.do(call{method: "GET", path: "/api/v1/suppressions?limit=10&since=2020-01-01", key: w.admin, valid: true}, 200)
	var all struct{ Data []plaudit.Suppression }
	r.decode(t, &all)
	if len(all.Data) != 2 {
		t.Errorf("list = %s", r.body)
	}
	if l := w.suppressions("ben.berg@example.org"); len(l) != 1 {
		t.Errorf("by email: %+v", l)
	}
	if l := w.suppressions("nobody@example.org"); len(l) != 0 {
		t.Errorf("an address not suppressed: %+v", l)
	}
	// Adding again keeps the first.
	h.do(call{method: "POST", path: "/api/v1/suppressions", key: w.admin, valid: true, json: map[string]any{"email": "ben.berg@example.org"}}, 201)
	for body, field := range map[string]string{`{}`: "email or phone", `{"email":"nope"}`: "email", `{"phone":"12"}`: "phone", `{"emial":"a@b.example"}`: "emial"} {
		r = h.do(call{method: "POST", path: "/api/v1/suppressions", key: w.admin, json: body}, 400)
		wantMessage(t, r, field)
	}
	r = h.do(call{method: "DELETE", path: "/api/v1/suppressions?address_hash=xyz", key: w.admin}, 400)
	wantMessage(t, r, "address_hash")
	h.do(call{method: "DELETE", path: "/api/v1/suppressions", key: w.admin}, 400)
	r = h.do(call{method: "DELETE", path: "/api/v1/suppressions?email=ben.berg%40example.org", key: w.admin, valid: true}, 200)
	if string(r.body) != `{"deleted":1}` {
		t.Errorf("delete: %s", r.body)
	}
	h.do(call{method: "DELETE", path: "/api/v1/suppressions?email=ben.berg%40example.org", key: w.admin}, 404)
	h.do(call{method: "DELETE", path: "/api/v1/suppressions?address_hash=" + added.Data[1].AddressHash, key: w.admin, valid: true}, 200)
	got := w.auditActions()
	if n := count(got, "suppression.add admin"); n != 2 || count(got, "suppression.remove admin") != 2 {
		t.Errorf("audit = %v", got)
	}
	r = h.do(call{method: "GET", path: "/api/v1/audit-events", key: w.admin}, 200)
	if strings.Contains(strings.ToLower(string(r.body)), "ben") {
		t.Errorf("audit log names the address: %s", r.body)
	}
	_, testAdmin := h.newKey(w.admin, "admin", "test", 201)
	for _, c := range []call{{method: "GET", path: "/api/v1/suppressions"}, {method: "POST", path: "/api/v1/suppressions", json: `{"email":"x@example.org"}`},
		{method: "DELETE", path: "/api/v1/suppressions?email=x%40example.org"}} {
		c.key = testAdmin
		r = h.do(c, 403)
		wantMessage(t, r, "test key")
	}
	_, reader := h.newKey(w.admin, "read", "live", 201)
	h.do(call{method: "GET", path: "/api/v1/suppressions", key: reader}, 403)
}

// TestSuppressionSurvivesErasure: erasing the person's data leaves the
// opt-out (as a keyed hash): it is still listed, and the next request is
// still skipped; the unsubscribe link of the erased request is gone.
func TestSuppressionSurvivesErasure(t *testing.T) {
	w := newConsentWorld(t)
	w.h.do(call{method: "POST", path: "/u/" + w.token, form: url.Values{"List-Unsubscribe": {"One-Click"}}}, 200)
	r := w.h.do(call{method: "DELETE", path: "/api/v1/data-subjects?email=" + url.QueryEscape(consentCustomer), key: w.admin, valid: true}, 200)
	var erased struct{ Erased int }
	if err := json.Unmarshal(r.body, &erased); err != nil || erased.Erased == 0 {
		t.Fatalf("erasure: %s", r.body)
	}
	if l := w.suppressions(consentCustomer); len(l) != 1 || l[0].Reason != plaudit.SuppressUnsubscribe {
		t.Fatalf("after erasure: %+v", l)
	}
	w.h.do(call{method: "GET", path: "/u/" + w.token}, 404)
	w.wantSkipped(t, "T-3", consentCustomer)
}

func mustHave(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("missing %q in:\n%s", p, s)
		}
	}
}

func contains(list []string, s string) bool { return count(list, s) > 0 }

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if strings.HasSuffix(x, s) {
			n++
		}
	}
	return n
}

// TestSentEmailCarriesUnsubscribe: a feedback email as the worker sends it
// has the footer line with the link and the controller's name, and the
// List-Unsubscribe headers with the page and the reply address.
func TestSentEmailCarriesUnsubscribe(t *testing.T) {
	w := newConsentWorld(t)
	in := w.interaction("T-5", "carla@example.org")
	fr := plaudit.FeedbackRequest{TenantID: w.tenant.ID, InteractionID: in, AgentID: w.agent, TicketID: "T-5",
		Channel: plaudit.ChannelEmail, Recipient: "carla@example.org", RecipientHash: keyring.AddressHash(w.tenant.HashKey, "carla@example.org"),
		Language: "fr", Status: plaudit.RequestScheduled, DueAt: time.Now().Add(-time.Minute)}
	if _, err := w.h.store.CreateRequest(context.Background(), &fr); err != nil {
		t.Fatal(err)
	}
	if err := w.fb.Send(context.Background(), w.tenant.ID, fr.ID); err != nil {
		t.Fatal(err)
	}
	msgs := w.sent(t)
	if len(msgs) != 1 || msgs[0].Email == nil {
		t.Fatalf("outbox = %+v", msgs)
	}
	m := msgs[0].Email
	page, mailto := publicURL+"/u/"+fr.Token, "reply+"+fr.Token+"@"+inboundDomain
	if m.UnsubscribeURL != page || m.UnsubscribeMailto != mailto {
		t.Errorf("unsubscribe = %q, %q", m.UnsubscribeURL, m.UnsubscribeMailto)
	}
	h := m.ListUnsubscribe()
	if len(h) != 2 || h[0].Value != "<"+page+">, <mailto:"+mailto+"?subject=unsubscribe>" || h[1].Value != "List-Unsubscribe=One-Click" {
		t.Errorf("headers = %q", h)
	}
	mustHave(t, m.Text, "Vous pouvez à tout moment et gratuitement vous opposer à l'envoi de nouvelles demandes d'avis par Nordlicht :",
		"Se désabonner: "+page)
	// Without reply routing, the mailto: is the sender's address.
	w.fb.ReplyDomain = ""
	fr2 := fr
	fr2.ID, fr2.Token, fr2.InteractionID, fr2.TicketID = "", "", w.interaction("T-6", "carla@example.org"), "T-6"
	if _, err := w.h.store.CreateRequest(context.Background(), &fr2); err != nil {
		t.Fatal(err)
	}
	if err := w.fb.Send(context.Background(), w.tenant.ID, fr2.ID); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, msg := range w.sent(t) {
		if m := msg.Email; m.RequestID == fr2.ID {
			found = true
			if m.UnsubscribeMailto != "feedback@plaudit.example" || m.ReplyTo != "" {
				t.Errorf("without reply routing: mailto %q, reply-to %q", m.UnsubscribeMailto, m.ReplyTo)
			}
		}
	}
	if !found {
		t.Error("the second email was not sent")
	}
}

// brandColour checks that a page shows the tenant's brand colour in the
// one inline style its Content-Security-Policy lets through.
func brandColour(t *testing.T, r reply) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	_, nonce, ok := strings.Cut(csp, "'nonce-")
	nonce, _, _ = strings.Cut(nonce, "'")
	if !ok || len(nonce) < 16 {
		t.Fatalf("CSP without a style nonce: %q", csp)
	}
	mustHave(t, string(r.body), `<style nonce="`+nonce+`">.card { border-top-color: #0f766e; }</style>`)
	if strings.Contains(string(r.body), ` style="`) {
		t.Error("a style attribute, which the policy blocks")
	}
}

// sent is what the outbox holds, newest first.
func (w *consentWorld) sent(t *testing.T) []outbox.Message {
	t.Helper()
	msgs, err := w.outbox.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
