package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/notify"
)

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "twilioAuthToken0123456789abcdef"
	twilioFrom  = "+4930123456789"
)

// fakeTwilio speaks Twilio's Messages API the way twilio-go calls it:
// POST /2010-04-01/Accounts/{sid}/Messages.json, basic auth with the
// account SID and auth token, a form body; 201 with the Message as JSON.
type fakeTwilio struct {
	*httptest.Server
	mu   sync.Mutex
	msgs []url.Values
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fail := func(status, code int, msg string) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"code":%d,"message":%q,"more_info":"https://www.twilio.com/docs/errors/%d","status":%d}`, code, msg, code, status)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" {
			fail(http.StatusNotFound, 20404, "The requested resource was not found")
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != twilioSID || p != twilioToken {
			fail(http.StatusUnauthorized, 20003, "Authenticate")
			return
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			fail(http.StatusBadRequest, 20001, "form body expected")
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("To") == "" || r.PostForm.Get("Body") == "" {
			fail(http.StatusBadRequest, 21602, "Message body is required")
			return
		}
		f.mu.Lock()
		f.msgs = append(f.msgs, r.PostForm)
		n := len(f.msgs)
		f.mu.Unlock()
		sid := fmt.Sprintf("SM%032x", n)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"sid": sid, "account_sid": twilioSID, "api_version": "2010-04-01", "body": r.PostForm.Get("Body"),
			"date_created": time.Now().UTC().Format(time.RFC1123Z), "direction": "outbound-api",
			"error_code": nil, "error_message": nil, "from": r.PostForm.Get("From"), "messaging_service_sid": nil,
			"num_media": "0", "num_segments": "1", "price": nil, "price_unit": "USD", "status": "queued",
			"to": r.PostForm.Get("To"), "uri": "/2010-04-01/Accounts/" + twilioSID + "/Messages/" + sid + ".json",
		})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTwilio) Messages() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.msgs...)
}

// twilioSignature signs a webhook the way Twilio does: base64 of
// HMAC-SHA1, keyed with the auth token, over the full URL Twilio called
// followed by every POST parameter, sorted by name, as name then value.
func twilioSignature(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// smsWorld is a gateway on a spine with Twilio configured, and the fake
// Twilio API behind it.
type smsWorld struct {
	*spine
	tw     *fakeTwilio
	tenant string
	seq    int
}

func (w *smsWorld) publicURL() string { return w.g.env["PLAUDIT_PUBLIC_URL"] }

// twilioPost posts form to path as Twilio would, signed over the public
// URL. sig "" signs correctly, "-" sends no signature, anything else is
// sent as the signature.
func (w *smsWorld) twilioPost(path string, form url.Values, sig string) apiResult {
	w.t().Helper()
	return postTwilio(w.t(), w.g, w.publicURL()+path, path, form, sig)
}

func postTwilio(t *testing.T, g *gateway, signedURL, path string, form url.Values, sig string) apiResult {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1"}
	switch sig {
	case "":
		sig = twilioSignature(twilioToken, signedURL, form)
		// The signature made here independently must be the one that
		// twilio-go's validator accepts, or the test proves nothing.
		flat := map[string]string{}
		for k := range form {
			flat[k] = form.Get(k)
		}
		v := twclient.NewRequestValidator(twilioToken)
		if !v.Validate(signedURL, flat, sig) {
			t.Fatalf("twilio-go's RequestValidator disagrees with the test's signature for %s", signedURL)
		}
		h["X-Twilio-Signature"] = sig
	case "-":
	default:
		h["X-Twilio-Signature"] = sig
	}
	return g.do("POST", path, "", form.Encode(), h)
}

func (w *smsWorld) t() *testing.T { return w.g.t }

// inbound is the form Twilio posts for an SMS to TWILIO_FROM; each gets
// a MessageSid of its own.
func (w *smsWorld) inbound(from, body string) url.Values {
	w.seq++
	sid := fmt.Sprintf("SM%032x", 0xfeed0000+w.seq)
	return url.Values{
		"ToCountry": {"DE"}, "ToState": {""}, "SmsMessageSid": {sid}, "NumMedia": {"0"}, "ToCity": {""},
		"FromZip": {""}, "SmsSid": {sid}, "FromState": {""}, "SmsStatus": {"received"}, "FromCity": {""},
		"Body": {body}, "FromCountry": {"DE"}, "To": {twilioFrom}, "ToZip": {""}, "NumSegments": {"1"},
		"MessageSid": {sid}, "AccountSid": {twilioSID}, "From": {from}, "ApiVersion": {"2010-04-01"},
	}
}

// text sends an SMS from a customer and returns the text of the TwiML
// answer ("" for an empty <Response/>).
func (w *smsWorld) text(from, body string) string {
	w.t().Helper()
	return twimlText(w.t(), w.twilioPost("/hooks/twilio/sms", w.inbound(from, body), ""))
}

func twimlText(t *testing.T, r apiResult) string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("inbound SMS: status %d, want 200: %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("inbound SMS answer Content-Type = %q, want text/xml (TwiML)", ct)
	}
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("answer is not TwiML: %v: %s", err, r.Body)
	}
	return strings.Join(doc.Messages, "\n")
}

// ticket is a Zendesk trigger body for a solved ticket of Anna's, reached
// by via, with her email and phone as given.
func zendeskTicket(id, via, email, phone string) []byte {
	return zendeskTicketIn(id, via, email, phone, "Deutsch")
}

func zendeskTicketIn(id, via, email, phone, language string) []byte {
	return []byte(fmt.Sprintf(`{"ticket":{"id":%q,"status":"Solved","via":%q,"tags":"","brand":"Nordlicht Reisen","updated_at":"November 28, 2026 09:41"},
 "requester":{"id":"38417722901","name":"Anna Schneider","email":%q,"phone":%q,"language":%q},
 "assignee":{"id":"38417722455","name":"Jonas Weber","email":"jonas.weber@nordlicht.example"}}`, id, via, email, phone, language))
}

func (w *smsWorld) solve(body []byte) {
	w.t().Helper()
	if r := w.post(body, time.Now()); r.Status/100 != 2 {
		w.t().Fatalf("webhook: %d %s", r.Status, r.Body)
	}
}

// request waits until the ticket's feedback request is no longer being
// decided on or sent, and returns it.
func (w *smsWorld) request(ticketID string, settled ...string) map[string]any {
	w.t().Helper()
	var got map[string]any
	eventually(w.t(), 15*time.Second, "the feedback request for ticket "+ticketID, func() bool {
		reqs := list(w.t(), w.g.must(200, "GET", "/api/v1/feedback-requests?ticket="+ticketID, w.key, nil))
		if len(reqs) != 1 {
			return false
		}
		got = reqs[0]
		for _, s := range settled {
			if got["status"] == s {
				return true
			}
		}
		return len(settled) == 0 && got["status"] != "scheduled" && got["status"] != "sending"
	})
	return got
}

func (w *smsWorld) responses(ticketID string) []map[string]any {
	w.t().Helper()
	return list(w.t(), w.g.must(200, "GET", "/api/v1/responses?ticket="+ticketID, w.key, nil))
}

// statusCallback posts a delivery status as Twilio would to the
// StatusCallback URL of message m.
func (w *smsWorld) statusCallback(m url.Values, sid, status, errorCode, sig string) apiResult {
	w.t().Helper()
	cb := m.Get("StatusCallback")
	path := strings.TrimPrefix(cb, w.publicURL())
	form := url.Values{
		"SmsSid": {sid}, "SmsStatus": {status}, "MessageStatus": {status}, "To": {m.Get("To")},
		"MessageSid": {sid}, "AccountSid": {twilioSID}, "From": {twilioFrom}, "ApiVersion": {"2010-04-01"},
	}
	if errorCode != "" {
		form.Set("ErrorCode", errorCode)
	}
	return w.twilioPost(path, form, sig)
}

// backdate moves a stored timestamp into the past, as if that much time
// had gone by: the binary has no clock to turn, so the test edits the row
// in its database (SQLite in the data folder, or DATABASE_URL).
func backdateRow(t *testing.T, g *gateway, table, column, id string, by time.Duration) {
	t.Helper()
	at := time.Now().Add(-by).UTC()
	var (
		db  *sql.DB
		err error
		arg any = at
	)
	if dsn := g.env["DATABASE_URL"]; strings.HasPrefix(dsn, "postgres") {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", filepath.Join(g.env["PLAUDIT_DATA_DIR"], "plaudit.db")+"?_pragma=busy_timeout(5000)")
		arg = at.Format("2006-01-02T15:04:05.000000Z")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE `+table+` SET `+column+` = $1 WHERE id = $2`, arg, id)
	if err != nil {
		t.Fatalf("backdate %s.%s: %v", table, column, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("backdate %s.%s: %d rows", table, column, n)
	}
}

var smsLink = regexp.MustCompile(`(https?://\S+/f/([A-Za-z0-9_-]+))`)

// TestSMS drives the SMS path as a helpdesk, a customer on a phone, Twilio
// and an admin meet it.
func TestSMS(t *testing.T) {
	runSMS(t, map[string]string{})
}

// TestSMSOnRedisAndPostgres runs the same path on real services.
func TestSMSOnRedisAndPostgres(t *testing.T) {
	runSMS(t, map[string]string{
		"REDIS_URL":          testenv.RedisURL(t),
		"DATABASE_URL":       testenv.DatabaseURL(t),
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	})
}

func runSMS(t *testing.T, env map[string]string) {
	tw := newFakeTwilio(t)
	env["TWILIO_ACCOUNT_SID"] = twilioSID
	env["TWILIO_AUTH_TOKEN"] = twilioToken
	env["TWILIO_FROM"] = twilioFrom
	env["TWILIO_API_URL"] = tw.URL
	w := &smsWorld{spine: setUpSpine(t, env), tw: tw}
	g := w.g
	// German numbers as customers type them; no quiet hours yet (the test
	// must not depend on the time of day it runs at), and no suppression
	// window, so that one customer can get several requests.
	g.must(200, "PATCH", "/api/v1/tenant", w.key, map[string]any{"settings": map[string]any{
		"default_region": "DE", "suppression_days": 0, "quiet_hours": map[string]string{"start": "00:00", "end": "00:00"},
	}})
	w.tenant = str(g.must(200, "GET", "/api/v1/tenant", w.key, nil)["id"])
	const anna = "+4915112345678"

	// A phone ticket: the customer has an email address too, but was
	// helped on the phone, so the request goes by SMS.
	w.solve(zendeskTicket("81001", "Phone call (inbound)", "anna.schneider@example.org", "0151 12345678"))
	eventually(t, 15*time.Second, "the SMS at the fake Twilio", func() bool { return len(tw.Messages()) >= 1 })
	m := tw.Messages()[0]
	if m.Get("To") != anna {
		t.Errorf("To = %q, want %q (E.164 from the tenant's default region)", m.Get("To"), anna)
	}
	if m.Get("From") != twilioFrom || m.Has("MessagingServiceSid") {
		t.Errorf("From = %q, MessagingServiceSid = %q; want TWILIO_FROM", m.Get("From"), m.Get("MessagingServiceSid"))
	}
	body := m.Get("Body")
	if n := utf8.RuneCountInString(body); n > 160 || !notify.IsGSM7(body) {
		t.Errorf("SMS is %d characters, GSM-7 %v; want one GSM-7 segment: %q", n, notify.IsGSM7(body), body)
	}
	for _, want := range []string{"Jonas", "Nordlicht Reisen", "1-5", "STOP"} {
		if !strings.Contains(body, want) {
			t.Errorf("SMS lacks %q: %q", want, body)
		}
	}
	if strings.Contains(body, "Weber") {
		t.Errorf("SMS names the agent in full: %q", body)
	}
	link := smsLink.FindStringSubmatch(body)
	if link == nil || !strings.HasPrefix(link[1], g.URL+"/f/") {
		t.Fatalf("SMS has no link to the feedback page: %q", body)
	}
	req := w.request("81001")
	if req["status"] != "sent" || req["channel"] != "sms" || req["language"] != "de" {
		t.Fatalf("request = %v, want sent by SMS in German", req)
	}
	if got, want := m.Get("StatusCallback"), g.URL+"/hooks/twilio/status?r="+str(req["id"])+"&t="+w.tenant; got != want {
		t.Errorf("StatusCallback = %q, want %q", got, want)
	}
	if len(w.sg.Mails()) != 0 {
		t.Errorf("an email went out too")
	}
	if page := g.do("GET", "/f/"+link[2], "", nil, nil); page.Status != 200 || !strings.Contains(string(page.Body), "Jonas W.") {
		t.Errorf("the SMS link does not open the feedback page: %d", page.Status)
	}
	sid1 := str(req["provider_id"])

	// Status callbacks: signed, or refused.
	if r := w.statusCallback(m, sid1, "delivered", "", "-"); r.Status != 401 {
		t.Errorf("status callback without signature: %d, want 401", r.Status)
	}
	if r := w.statusCallback(m, sid1, "delivered", "", twilioSignature("another-token", m.Get("StatusCallback"), url.Values{"MessageStatus": {"delivered"}})); r.Status != 403 {
		t.Errorf("status callback with a wrong signature: %d, want 403", r.Status)
	}
	if w.request("81001")["status"] != "sent" {
		t.Fatalf("a refused status callback changed the request")
	}
	if r := w.statusCallback(m, sid1, "delivered", "", ""); r.Status/100 != 2 {
		t.Fatalf("status callback: %d %s", r.Status, r.Body)
	}
	if st := w.request("81001")["status"]; st != "delivered" {
		t.Errorf("after the delivered callback the request is %v", st)
	}

	// Inbound SMS: signed, or refused, with no effect.
	five := w.inbound(anna, "5")
	if r := w.twilioPost("/hooks/twilio/sms", five, "-"); r.Status != 401 {
		t.Errorf("SMS without signature: %d, want 401", r.Status)
	}
	if r := w.twilioPost("/hooks/twilio/sms", five, twilioSignature("another-token", w.publicURL()+"/hooks/twilio/sms", five)); r.Status != 403 {
		t.Errorf("SMS with a signature by another token: %d, want 403", r.Status)
	}
	forged := w.inbound(anna, "1")
	forged.Set("Body", "5")
	if r := w.twilioPost("/hooks/twilio/sms", five, twilioSignature(twilioToken, w.publicURL()+"/hooks/twilio/sms", forged)); r.Status != 403 {
		t.Errorf("SMS whose body was changed after signing: %d, want 403", r.Status)
	}
	if n := len(w.responses("81001")); n != 0 {
		t.Fatalf("refused SMS recorded %d responses", n)
	}

	// Something that is no score gets a short, helpful answer.
	if got := w.text(anna, "hmm, keine Ahnung"); !strings.Contains(got, "1 (schlecht) bis 5 (sehr gut)") {
		t.Errorf("answer to an unparseable SMS = %q, want the German hint to reply 1-5", got)
	}
	// HELP says who writes and how to stop.
	if got := w.text(anna, "HELP"); !strings.Contains(got, "Nordlicht Reisen") || !strings.Contains(got, "STOP") {
		t.Errorf("answer to HELP = %q, want the brand and how to stop", got)
	}
	if n := len(w.responses("81001")); n != 0 {
		t.Fatalf("HELP or an unparseable SMS recorded %d responses", n)
	}

	// "5" records the score and asks for a comment.
	ticketPath := "/api/v2/tickets/81001.json"
	if got := twimlText(t, w.twilioPost("/hooks/twilio/sms", five, "")); !strings.Contains(got, "Möchten Sie noch etwas ergänzen") {
		t.Errorf("answer to 5 = %q, want the German question for a comment", got)
	}
	resps := w.responses("81001")
	if len(resps) != 1 || str(resps[0]["score"]) != "5" || resps[0]["source"] != "sms" {
		t.Fatalf("responses = %v, want one score 5 from SMS", resps)
	}
	if resps[0]["likely_automated"] != false {
		t.Errorf("an SMS reply is flagged as likely automated")
	}
	if got := twimlText(t, w.twilioPost("/hooks/twilio/sms", five, "")); got != "" {
		t.Errorf("a redelivered SMS (same MessageSid) was answered again: %q", got)
	}
	if st := w.request("81001")["status"]; st != "responded" {
		t.Errorf("request status after the score = %v, want responded", st)
	}
	eventually(t, 15*time.Second, "the score's writeback to Zendesk", func() bool { return len(w.zd.Puts(ticketPath)) >= 1 })
	note := string(mustJSON(t, w.zd.Puts(ticketPath)[0].Body))
	if !strings.Contains(note, "Customer feedback via Plaudit: 5/5") || !strings.Contains(note, `{"id":360001,"value":5}`) {
		t.Errorf("first writeback = %s, want the score as a note and in the rating field", note)
	}

	// The next message is the comment, written back as one more update.
	if got := w.text(anna, "super schnell"); !strings.Contains(got, "Vielen Dank für Ihren Kommentar") {
		t.Errorf("answer to the comment = %q, want thanks", got)
	}
	resps = w.responses("81001")
	if len(resps) != 1 || resps[0]["comment"] != "super schnell" || str(resps[0]["score"]) != "5" {
		t.Fatalf("responses = %v, want score 5 with the comment", resps)
	}
	eventually(t, 15*time.Second, "the comment's writeback", func() bool { return len(w.zd.Puts(ticketPath)) >= 2 })
	note = string(mustJSON(t, w.zd.Puts(ticketPath)[1].Body))
	if !strings.Contains(note, "Feedback updated via Plaudit: 5/5") || !strings.Contains(note, "Comment: super schnell") ||
		!strings.Contains(note, `{"id":360002,"value":"super schnell"}`) {
		t.Errorf("second writeback = %s, want the comment as an update", note)
	}
	// A further message is not recorded, and the answer does not say it was.
	if got := w.text(anna, "und danke nochmal"); !strings.Contains(got, "bereits erhalten") {
		t.Errorf("answer to a message after the comment = %q, want that the feedback is in already", got)
	}
	time.Sleep(700 * time.Millisecond) // a third writeback would come now
	if n := len(w.zd.Puts(ticketPath)); n != 2 {
		t.Errorf("Zendesk got %d PUTs, want 2 (score, then the comment)", n)
	}
	if c := w.responses("81001")[0]["comment"]; c != "super schnell" {
		t.Errorf("comment = %q after a further message, want it unchanged", c)
	}

	// STOP suppresses the number: the next request is not sent, and says why.
	if got := w.text(anna, "Stop"); got != "" {
		t.Errorf("answer to STOP = %q, want none (Twilio confirms opt-outs itself)", got)
	}
	w.solve(zendeskTicket("81002", "Phone call (inbound)", "", "+49 151 12345678"))
	if req := w.request("81002"); req["status"] != "skipped" || req["reason"] != "address_suppressed" {
		t.Errorf("request after STOP = %v, want skipped with reason address_suppressed", req)
	}
	// START lifts it.
	if got := w.text(anna, "START"); got != "" {
		t.Errorf("answer to START = %q, want none (Twilio confirms it)", got)
	}
	w.solve(zendeskTicket("81003", "Phone call (inbound)", "", "0151 12345678"))
	if req := w.request("81003"); req["status"] != "sent" {
		t.Fatalf("request after START = %v, want sent", req)
	}
	if n := len(tw.Messages()); n != 2 {
		t.Fatalf("Twilio got %d messages, want 2 (none while the number was suppressed)", n)
	}
	// Twilio reports 21610 (the number opted out at the carrier): the
	// request failed and the number is suppressed again.
	m3, req3 := tw.Messages()[1], w.request("81003")
	if r := w.statusCallback(m3, str(req3["provider_id"]), "undelivered", "21610", ""); r.Status/100 != 2 {
		t.Fatalf("status callback: %d %s", r.Status, r.Body)
	}
	if req := w.request("81003"); req["status"] != "failed" || !strings.Contains(str(req["reason"]), "21610") {
		t.Errorf("request after error 21610 = %v, want failed naming 21610", req)
	}
	w.solve(zendeskTicket("81004", "Phone call (inbound)", "", "0151 12345678"))
	if req := w.request("81004"); req["status"] != "skipped" || req["reason"] != "address_suppressed" {
		t.Errorf("request after error 21610 = %v, want skipped with reason address_suppressed", req)
	}

	// A reply after the request has expired is answered politely and not recorded.
	const bert = "+4915112345679"
	w.solve(zendeskTicket("81005", "sms", "", bert))
	req5 := w.request("81005", "sent")
	backdateRow(t, g, "feedback_requests", "sent_at", str(req5["id"]), 31*24*time.Hour)
	if got := w.text(bert, "4"); !strings.Contains(got, "bereits beendet") {
		t.Errorf("answer to a reply after expiry = %q, want that the survey has closed", got)
	}
	if n := len(w.responses("81005")); n != 0 {
		t.Errorf("a reply after expiry recorded %d responses", n)
	}

	// A comment more than a day after the score is not taken.
	const carla = "+4915112345670"
	w.solve(zendeskTicket("81006", "phone", "carla@example.org", carla))
	w.request("81006", "sent")
	if got := w.text(carla, "vier Sterne"); !strings.Contains(got, "Möchten Sie noch etwas ergänzen") {
		t.Errorf("answer to \"vier Sterne\" = %q", got)
	}
	resps = w.responses("81006")
	if len(resps) != 1 || str(resps[0]["score"]) != "4" {
		t.Fatalf("responses = %v, want score 4", resps)
	}
	backdateRow(t, g, "responses", "created_at", str(resps[0]["id"]), 25*time.Hour)
	if got := w.text(carla, "war eigentlich ganz ok"); !strings.Contains(got, "bereits erhalten") {
		t.Errorf("answer to a comment a day late = %q", got)
	}
	if c := w.responses("81006")[0]["comment"]; c != nil && c != "" {
		t.Errorf("a comment a day late was recorded: %q", c)
	}

	// Channel choice. The tenant allows email only: a phone ticket with
	// an email address goes by email, one without is not sent, and says why.
	g.must(200, "PATCH", "/api/v1/tenant", w.key, map[string]any{"settings": map[string]any{"channels": []string{"email"}}})
	sent := len(tw.Messages())
	w.solve(zendeskTicket("81010", "Phone call (inbound)", "dora@example.org", "+4915112345673"))
	if req := w.request("81010"); req["status"] != "sent" || req["channel"] != "email" {
		t.Errorf("phone ticket with SMS disabled = %v, want sent by email", req)
	}
	w.solve(zendeskTicket("81011", "sms", "", "+4915112345673"))
	if req := w.request("81011"); req["status"] != "skipped" || req["reason"] != "channel_disabled" {
		t.Errorf("phone only with SMS disabled = %v, want skipped with reason channel_disabled", req)
	}
	g.must(200, "PATCH", "/api/v1/tenant", w.key, map[string]any{"settings": map[string]any{"channels": []string{"email", "sms"}}})
	// A phone and no email: SMS, whatever the ticket came by; in English
	// for an English-speaking customer.
	w.solve(zendeskTicketIn("81012", "Mail", "", "0151 12345674", "English"))
	if req := w.request("81012"); req["status"] != "sent" || req["channel"] != "sms" {
		t.Errorf("phone and no email = %v, want sent by SMS", req)
	}
	if n := len(tw.Messages()); n != sent+1 {
		t.Fatalf("Twilio got %d messages, want %d", n, sent+1)
	}
	if en := tw.Messages()[sent]; en.Get("To") != "+4915112345674" || !strings.Contains(en.Get("Body"), "How did Jonas do?") ||
		!strings.Contains(en.Get("Body"), "Reply 1-5") {
		t.Errorf("English SMS = %v", en)
	}
	w.solve(zendeskTicket("81013", "Phone call (inbound)", "", "12345"))
	if req := w.request("81013"); req["status"] != "skipped" || req["reason"] != "invalid_phone" {
		t.Errorf("invalid phone and no email = %v, want skipped with reason invalid_phone", req)
	}
	w.solve(zendeskTicket("81014", "Phone call (inbound)", "", ""))
	if req := w.request("81014"); req["status"] != "skipped" || req["reason"] != "no_usable_address" {
		t.Errorf("no address = %v, want skipped with reason no_usable_address", req)
	}
	// The trigger API's customer country beats the tenant's default region.
	g.must(202, "POST", "/api/v1/interactions", w.key, map[string]any{
		"ext_interaction_id": "call-4711", "channel": "phone",
		"customer": map[string]any{"name": "Erwin Huber", "phone": "0664 1234567", "country": "AT", "language": "de"},
		"employee": map[string]any{"email": "jonas.weber@nordlicht.example"},
	})
	if req := w.request("call-4711"); req["status"] != "sent" || req["channel"] != "sms" {
		t.Errorf("trigger API phone call = %v, want sent by SMS", req)
	}
	if n := len(tw.Messages()); n != sent+2 || tw.Messages()[sent+1].Get("To") != "+436641234567" {
		t.Errorf("trigger API SMS went to %q, want +436641234567 (E.164 from the customer's country)", tw.Messages()[n-1].Get("To"))
	}

	// Quiet hours: "now" in the customer's zone (Berlin, from the +49
	// number) is inside them, so the SMS waits for their end.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(berlin)
	start, end := now.Add(-time.Hour).Format("15:04"), now.Add(2*time.Hour).Format("15:04")
	g.must(200, "PATCH", "/api/v1/tenant", w.key, map[string]any{"settings": map[string]any{
		"quiet_hours": map[string]string{"start": start, "end": end}, "timezone": "America/New_York",
	}})
	sent = len(tw.Messages())
	w.solve(zendeskTicket("81007", "sms", "", "+4915112345671"))
	req7 := w.request("81007", "scheduled")
	endAt, _ := time.ParseInLocation("15:04", end, berlin)
	want := time.Date(now.Year(), now.Month(), now.Day(), endAt.Hour(), endAt.Minute(), 0, 0, berlin)
	if !want.After(now) {
		want = time.Date(now.Year(), now.Month(), now.Day()+1, endAt.Hour(), endAt.Minute(), 0, 0, berlin)
	}
	due, err := time.Parse(time.RFC3339Nano, str(req7["due_at"]))
	if err != nil || !due.Equal(want) {
		t.Errorf("due_at = %v, want %s (the end of quiet hours %s-%s in Berlin)", req7["due_at"], want.Format(time.RFC3339), start, end)
	}
	time.Sleep(time.Second)
	if n := len(tw.Messages()); n != sent {
		t.Errorf("an SMS went out during quiet hours")
	}

	// Nothing personal in the logs.
	logs := g.Logs.String()
	for _, pii := range []string{anna, bert, carla, "+4915112345671", "+4915112345674", "+436641234567", "0151 1234567", "0664 1234567", "dora@", "Erwin", "super schnell", "keine Ahnung", "Anna", "carla@"} {
		if strings.Contains(logs, pii) {
			t.Errorf("logs contain personal data %q", pii)
		}
	}
}

// TestTwilioSignatureBehindProxy runs the gateway behind a reverse proxy:
// Twilio signs the public URL it calls, not the address the gateway
// listens on, and PLAUDIT_PUBLIC_URL must be that URL exactly.
func TestTwilioSignatureBehindProxy(t *testing.T) {
	const public = "https://feedback.nordlicht.example/plaudit"
	g := startGateway(t, "serve", map[string]string{
		"PLAUDIT_PUBLIC_URL": public, "TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken,
		"TWILIO_FROM": twilioFrom, "TWILIO_API_URL": newFakeTwilio(t).URL,
	})
	w := &smsWorld{spine: &spine{g: g}}
	form := w.inbound("+4915112345678", "HELP")
	// The proxy strips /plaudit; the gateway sees /hooks/twilio/sms.
	r := postTwilio(t, g, public+"/hooks/twilio/sms", "/hooks/twilio/sms", form, "")
	if got := twimlText(t, r); !strings.Contains(got, "STOP") {
		t.Errorf("answer to HELP from an unknown number = %q", got)
	}
	// Twilio sometimes signs with the default port spelled out.
	form = w.inbound("+4915112345678", "HELP")
	if r := postTwilio(t, g, "https://feedback.nordlicht.example:443/plaudit/hooks/twilio/sms", "/hooks/twilio/sms", form, ""); r.Status != 200 {
		t.Errorf("signature over the URL with :443: %d, want 200", r.Status)
	}
	// Signed over what the gateway itself sees: not what Twilio called.
	form = w.inbound("+4915112345678", "HELP")
	if r := postTwilio(t, g, g.URL+"/hooks/twilio/sms", "/hooks/twilio/sms", form, ""); r.Status != 403 {
		t.Errorf("signature over the internal URL: %d, want 403", r.Status)
	}
	// Another scheme, host or path prefix fails the same way.
	for _, u := range []string{"http://feedback.nordlicht.example/plaudit", "https://feedback.nordlicht.example"} {
		form = w.inbound("+4915112345678", "HELP")
		if r := postTwilio(t, g, u+"/hooks/twilio/sms", "/hooks/twilio/sms", form, ""); r.Status != 403 {
			t.Errorf("signature over %s: %d, want 403", u, r.Status)
		}
	}
}
