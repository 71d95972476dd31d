package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/plaudit/plaudit/internal/testenv"
)

// Fault 5 of "Never lose, never double" (docs/reliability.md): duplicates
// from outside. Every inbound path gets the very same request (same bytes,
// same signature headers) dupBurst times at once, and once more after the
// first has been processed, and has one effect, as the tenant's admin (the
// API), the customer (the fake SendGrid and Twilio) and the helpdesk (the
// fake Zendesk) see it.
//
// The later post stands in for a redelivery minutes apart: by then nothing
// of the first delivery is in flight any more (its tasks have run, and
// asynq frees a task id once its task is done), so only what the store
// keeps can make the redelivery a no-op, never a short-lived cache. Each
// path's dedup is in the store: interactions are unique on (tenant,
// connector, dedup key) for as long as the row is kept; Twilio's
// MessageSid (and MessageSid with MessageStatus for status callbacks) and
// SendGrid's sg_event_id go to seen_callbacks, kept 7 days, longer than
// either provider retries; a request has one response, a save that
// changes nothing makes no new version, and each version is written back
// once. No inbound path deduplicates in Redis.
//
// Where a scheme signs a timestamp and refuses it after 5 minutes
// (Zendesk, Standard Webhooks, SendGrid's Event Webhook), the later post
// is signed again with a fresh timestamp over the same bytes (and, for
// Standard Webhooks, the same webhook-id), as a real redelivery minutes
// later would be.
func TestDuplicatesOnEveryInboundPathHaveOneEffect(t *testing.T) {
	runDuplicates(t, map[string]string{})
}

// TestDuplicatesOnEveryInboundPathHaveOneEffectOnRedisAndPostgres runs the
// same on real services, where concurrent posts really race in PostgreSQL.
func TestDuplicatesOnEveryInboundPathHaveOneEffectOnRedisAndPostgres(t *testing.T) {
	runDuplicates(t, map[string]string{
		"REDIS_URL":          testenv.RedisURL(t),
		"DATABASE_URL":       testenv.DatabaseURL(t),
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	})
}

// dupBurst is how many copies of a request are posted at once.
const dupBurst = 8

// dupQuiet is how long a test waits, once the first effect is complete,
// for a second one that must not come. The checks right after the burst
// count without waiting (what is there must be one); the checks after the
// later post wait, and so catch a late second effect of either.
const dupQuiet = 700 * time.Millisecond

// burst posts dupBurst copies of a request at once and returns the
// answers. post must not fail the test: it runs off the test goroutine.
func burst(post func() apiResult) []apiResult {
	out := make([]apiResult, dupBurst)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = post()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// answered checks that every answer has the path's documented status.
func answered(t *testing.T, what string, rs []apiResult, status int) {
	t.Helper()
	for i, r := range rs {
		if r.Status != status {
			t.Errorf("%s, copy %d: %d %s, want %d", what, i+1, r.Status, r.Body, status)
		}
	}
}

// dupWorld is one tenant with every inbound path configured: a Zendesk
// connector (the spine), a Salesforce and a standard connector, the trigger
// API, Twilio (SMS replies and status callbacks) and SendGrid (Inbound
// Parse and the signed Event Webhook).
type dupWorld struct {
	*spine
	email   *emailWorld
	sms     *smsWorld
	trigger string
}

func runDuplicates(t *testing.T, env map[string]string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tw := newFakeTwilio(t)
	env["PLAUDIT_INBOUND_EMAIL_DOMAIN"] = inboundDomain
	env["SENDGRID_INBOUND_TOKEN"] = inboundToken
	env["SENDGRID_EVENT_PUBLIC_KEY"] = base64.StdEncoding.EncodeToString(der)
	env["TWILIO_ACCOUNT_SID"] = twilioSID
	env["TWILIO_AUTH_TOKEN"] = twilioToken
	env["TWILIO_FROM"] = twilioFrom
	env["TWILIO_API_URL"] = tw.URL
	s := setUpSpine(t, env)
	w := &dupWorld{spine: s, email: &emailWorld{spine: s, eventKey: key}, sms: &smsWorld{spine: s, tw: tw}}
	g := s.g
	// Phone numbers as Germans write them, SMS at any time of day, and
	// each customer may be asked more than once.
	g.must(200, "PATCH", "/api/v1/tenant", s.key, map[string]any{"settings": map[string]any{
		"default_region": "DE", "suppression_days": 0, "quiet_hours": map[string]string{"start": "00:00", "end": "00:00"},
	}})
	w.trigger = newKey(t, g, s.key, "trigger", "live")

	// Each path has tickets and customers of its own, so the subtests can
	// run side by side on the one gateway.
	t.Run("path", func(t *testing.T) {
		t.Run("zendesk trigger", func(t *testing.T) { t.Parallel(); w.zendeskTrigger(t) })
		t.Run("zendesk event subscription", func(t *testing.T) { t.Parallel(); w.zendeskEvent(t) })
		t.Run("salesforce outbound message", func(t *testing.T) { t.Parallel(); w.salesforce(t) })
		t.Run("standard webhooks", func(t *testing.T) { t.Parallel(); w.standard(t) })
		t.Run("trigger api", func(t *testing.T) { t.Parallel(); w.triggerAPI(t) })
		t.Run("feedback page", func(t *testing.T) { t.Parallel(); w.page(t) })
		t.Run("twilio sms reply", func(t *testing.T) { t.Parallel(); w.smsReply(t) })
		t.Run("sendgrid inbound parse", func(t *testing.T) { t.Parallel(); w.emailReply(t) })
		t.Run("sendgrid event webhook", func(t *testing.T) { t.Parallel(); w.sendgridEvent(t) })
		t.Run("twilio status callback", func(t *testing.T) { t.Parallel(); w.twilioStatus(t) })
	})

	noPersonalData(t, g, "anna.schneider@example.org", "lukas.fischer@example.net", "marie.wagner@example.com",
		"dup.trigger@", "dup.standard@", "dup.api@", "dup.page@", "dup.reply@", "dup.bounce@",
		"+4915112375007", "+4915112375010", "0151 123750", "ganz ok", "Schnell erledigt")
}

// requests returns the feedback requests for a ticket.
func (w *dupWorld) requests(t *testing.T, ticket string) []map[string]any {
	t.Helper()
	return list(t, w.g.must(200, "GET", "/api/v1/feedback-requests?ticket="+url.QueryEscape(ticket), w.key, nil))
}

// oneRequestOneMail waits for the ticket's request to be sent and its
// email to arrive, then checks (after dupQuiet when settle) that there is
// one of each.
func (w *dupWorld) oneRequestOneMail(t *testing.T, ticket, addr string, settle bool) {
	t.Helper()
	eventually(t, 15*time.Second, "the request for "+ticket+" sent and its email", func() bool {
		reqs := w.requests(t, ticket)
		return len(reqs) >= 1 && reqs[0]["status"] == "sent" && len(mailsTo(w.sg, addr)) >= 1
	})
	if settle {
		time.Sleep(dupQuiet) // a second request or email would come now
	}
	if reqs := w.requests(t, ticket); len(reqs) != 1 {
		t.Errorf("ticket %s has %d feedback requests, want 1: %v", ticket, len(reqs), reqs)
	}
	if n := len(mailsTo(w.sg, addr)); n != 1 {
		t.Errorf("%d emails to the customer of %s, want 1", n, ticket)
	}
}

// solvedTicket is the Zendesk trigger fixture for another ticket and
// customer.
func solvedTicket(t *testing.T, ticket, email string) []byte {
	t.Helper()
	b := fixture(t, "zendesk-trigger.json")
	b = bytes.ReplaceAll(b, []byte(`"73021"`), []byte(strconv.Quote(ticket)))
	return bytes.ReplaceAll(b, []byte("anna.schneider@example.org"), []byte(email))
}

// askByEmail solves a ticket and returns the page token of the email that
// follows.
func (w *dupWorld) askByEmail(t *testing.T, ticket, email string) string {
	t.Helper()
	if r := w.post(solvedTicket(t, ticket, email), time.Now()); r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	token := awaitMail(t, w.sg, email)
	eventually(t, 5*time.Second, "ticket "+ticket+" marked sent", func() bool {
		reqs := w.requests(t, ticket)
		return len(reqs) == 1 && reqs[0]["status"] == "sent"
	})
	return token
}

// askBySMS solves a phone ticket and returns the SMS the customer got and
// the request.
func (w *dupWorld) askBySMS(t *testing.T, ticket, phone string) (url.Values, map[string]any) {
	t.Helper()
	if r := w.post(zendeskTicket(ticket, "Phone call (inbound)", "", phone), time.Now()); r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	var req map[string]any
	eventually(t, 15*time.Second, "the SMS for ticket "+ticket+" sent", func() bool {
		reqs := w.requests(t, ticket)
		if len(reqs) != 1 || reqs[0]["status"] != "sent" {
			return false
		}
		req = reqs[0]
		return true
	})
	for _, m := range w.sms.tw.Messages() {
		if strings.Contains(m.Get("StatusCallback"), "?r="+str(req["id"])+"&") {
			return m, req
		}
	}
	t.Fatalf("no SMS at the fake Twilio for request %v", req["id"])
	return nil, nil
}

// oneResponseOneNote waits until the ticket's response is written back,
// then checks (after dupQuiet when settle) that there is one response, at
// version 1 (a second change would have made it 2 and been written back as
// a second note), and one note on the Zendesk ticket.
func (w *dupWorld) oneResponseOneNote(t *testing.T, ticket string, score int, settle bool) {
	t.Helper()
	w.oneResponseNotes(t, ticket, score, 1, settle)
}

// oneResponseNotes is oneResponseOneNote for a response changed
// versions-1 times since: each version is one note.
func (w *dupWorld) oneResponseNotes(t *testing.T, ticket string, score, versions int, settle bool) {
	t.Helper()
	path := "/api/v2/tickets/" + ticket + ".json"
	eventually(t, 15*time.Second, "the answer to "+ticket+" written back", func() bool {
		rs := list(t, w.g.must(200, "GET", "/api/v1/responses?ticket="+ticket, w.key, nil))
		return len(rs) >= 1 && rs[0]["writeback_status"] == "done" && len(w.zd.Puts(path)) >= versions
	})
	if settle {
		time.Sleep(dupQuiet) // a second writeback would come now
	}
	rs := list(t, w.g.must(200, "GET", "/api/v1/responses?ticket="+ticket, w.key, nil))
	if len(rs) != 1 {
		t.Fatalf("ticket %s has %d responses, want 1: %v", ticket, len(rs), rs)
	}
	if r := rs[0]; str(r["score"]) != strconv.Itoa(score) || r["version"] != float64(versions) || r["written_version"] != float64(versions) {
		t.Errorf("response %v: want score %d at version %d, written back once", r, score, versions)
	}
	if puts := w.zd.Puts(path); len(puts) != versions {
		t.Errorf("Zendesk got %d notes on ticket %s, want %d", len(puts), ticket, versions)
	}
}

// hookAccepted checks the answers of the generic webhook: 202 each, and
// one of all of them took the delivery.
func hookAccepted(t *testing.T, rs []apiResult) {
	t.Helper()
	answered(t, "webhook", rs, http.StatusAccepted)
	accepted := 0
	for _, r := range rs {
		if r.Status == http.StatusAccepted {
			if n, ok := r.JSON(t)["accepted"].(float64); ok {
				accepted += int(n)
			}
		}
	}
	if accepted != 1 {
		t.Errorf("%d of %d copies were accepted as new, want 1", accepted, len(rs))
	}
}

func (w *dupWorld) zendeskTrigger(t *testing.T) {
	const ticket, addr = "75001", "dup.trigger@example.org"
	body := solvedTicket(t, ticket, addr)
	h := zendeskHeaders(zendeskSecret, body, time.Now())
	rs := burst(func() apiResult { return w.g.do("POST", "/hooks/"+w.connector, "", body, h) })
	w.oneRequestOneMail(t, ticket, addr, false)
	rs = append(rs, w.post(body, time.Now()))
	hookAccepted(t, rs)
	w.oneRequestOneMail(t, ticket, addr, true)
}

// zendeskEvent posts the event-subscription fixture (ticket 73022, whose
// requester the fake Zendesk API names as Anna): dedup on the event id.
func (w *dupWorld) zendeskEvent(t *testing.T) {
	body := fixture(t, "zendesk-event-status-changed.json")
	h := zendeskHeaders(zendeskSecret, body, time.Now())
	rs := burst(func() apiResult { return w.g.do("POST", "/hooks/"+w.connector, "", body, h) })
	w.oneRequestOneMail(t, "73022", "anna.schneider@example.org", false)
	rs = append(rs, w.post(body, time.Now()))
	hookAccepted(t, rs)
	w.oneRequestOneMail(t, "73022", "anna.schneider@example.org", true)
}

// salesforce posts the Outbound Message fixture (two notifications, for
// Lukas's and Marie's cases): Ack every time, one request per case.
func (w *dupWorld) salesforce(t *testing.T) {
	g := w.g
	con := g.must(201, "POST", "/api/v1/connectors", w.key, map[string]any{
		"kind": "salesforce", "name": "Service Cloud",
		"config": map[string]any{"org_id": sfOrg15, "client_id": sfClientID, "client_secret": sfSecret},
	})
	g.must(201, "POST", "/api/v1/agents", w.key, map[string]any{
		"email": "lena.berg@nordlicht.example", "name": "Lena Berg", "approved": true,
		"external_ids": map[string]string{"salesforce": sfOwner},
	})
	hook := webhookPath(t, g, con)
	body := fixture(t, "salesforce-outbound-message.xml")
	rs := burst(func() apiResult { return g.postSOAP(hook, body) })
	check := func(rs []apiResult) {
		for i, r := range rs {
			if a := readSOAP(t, r); r.Status != 200 || a.Body.Ack != "true" || a.Body.Fault != nil {
				t.Errorf("copy %d: %d %s, want 200 with <Ack>true</Ack>", i+1, r.Status, r.Body)
			}
		}
	}
	check(rs)
	w.oneRequestOneMail(t, sfCaseLukas, "lukas.fischer@example.net", false)
	w.oneRequestOneMail(t, sfCaseMarie, "marie.wagner@example.com", false)
	check([]apiResult{g.postSOAP(hook, body)})
	w.oneRequestOneMail(t, sfCaseLukas, "lukas.fischer@example.net", true)
	w.oneRequestOneMail(t, sfCaseMarie, "marie.wagner@example.com", false)
}

// standard posts one Standard Webhooks message; the later copy is signed
// again, with the same webhook-id, as the sender's retry is.
func (w *dupWorld) standard(t *testing.T) {
	const ticket, addr = "INC-75004", "dup.standard@example.org"
	g := w.g
	con := g.must(201, "POST", "/api/v1/connectors", w.key, map[string]any{
		"kind": "standard", "name": "Ticketing", "config": map[string]any{"signing_secret": stdSigning},
	})
	hook := "/hooks/" + str(con["id"])
	body := mustJSON(t, map[string]any{"ext_interaction_id": ticket, "channel": "chat",
		"customer": map[string]any{"name": "Dup Standard", "email": addr, "language": "de"},
		"employee": map[string]any{"email": "jonas.weber@nordlicht.example"}})
	h := signStandard(t, stdSigning, "msg_dup_75004", time.Now(), body)
	rs := burst(func() apiResult { return g.do("POST", hook, "", body, h) })
	w.oneRequestOneMail(t, ticket, addr, false)
	rs = append(rs, g.do("POST", hook, "", body, signStandard(t, stdSigning, "msg_dup_75004", time.Now(), body)))
	hookAccepted(t, rs)
	w.oneRequestOneMail(t, ticket, addr, true)
}

// triggerAPI posts one interaction with an ext_interaction_id: one answer
// is 202 with a new interaction, the others 200 naming it as a duplicate.
func (w *dupWorld) triggerAPI(t *testing.T) {
	const ticket, addr = "T-75005", "dup.api@example.org"
	g := w.g
	body := mustJSON(t, map[string]any{"ext_interaction_id": ticket, "channel": "chat",
		"customer": map[string]any{"name": "Dup Api", "email": addr, "language": "de"},
		"employee": map[string]any{"email": "jonas.weber@nordlicht.example"}})
	post := func() apiResult { return g.do("POST", "/api/v1/interactions", w.trigger, body, nil) }
	rs := burst(post)
	w.oneRequestOneMail(t, ticket, addr, false)
	rs = append(rs, post())
	created, ids := 0, map[string]bool{}
	for i, r := range rs {
		if r.Status != http.StatusAccepted && r.Status != http.StatusOK {
			t.Errorf("copy %d: %d %s, want 202 or 200", i+1, r.Status, r.Body)
			continue
		}
		m := r.JSON(t)
		ids[str(m["id"])] = true
		if dup := m["duplicate"] == true; dup != (r.Status == http.StatusOK) {
			t.Errorf("copy %d: %d with duplicate %v", i+1, r.Status, m["duplicate"])
		} else if !dup {
			created++
		}
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d copies created an interaction, answering %d ids; want 1 and 1", created, len(ids))
	}
	w.oneRequestOneMail(t, ticket, addr, true)
}

// page posts the customer's score on the feedback page (a double click,
// a browser's retry).
func (w *dupWorld) page(t *testing.T) {
	const ticket = "75006"
	g := w.g
	token := w.askByEmail(t, ticket, "dup.page@example.org")
	form := url.Values{"score": {"4"}}.Encode()
	post := func() apiResult {
		return g.do("POST", "/f/"+token, "", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	answered(t, "page POST", burst(post), http.StatusSeeOther)
	w.oneResponseOneNote(t, ticket, 4, false)
	answered(t, "later page POST", []apiResult{post()}, http.StatusSeeOther)
	w.oneResponseOneNote(t, ticket, 4, true)

	// The follow-up (areas and a comment) sent twice is one more version,
	// written back as one more note.
	more := url.Values{"step": {"more"}, "comment": {"Schnell erledigt"}, "excellence": {"fast"}}.Encode()
	postMore := func() apiResult {
		return g.do("POST", "/f/"+token, "", more, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	answered(t, "follow-up POST", burst(postMore), http.StatusSeeOther)
	w.oneResponseNotes(t, ticket, 4, 2, false)
	answered(t, "later follow-up POST", []apiResult{postMore()}, http.StatusSeeOther)
	w.oneResponseNotes(t, ticket, 4, 2, true)
}

// smsReply posts the customer's "5" as Twilio does, with one MessageSid:
// one response, and one TwiML answer asking for a comment (the customer
// would get each answer as an SMS); the copies get an empty answer.
func (w *dupWorld) smsReply(t *testing.T) {
	const ticket, phone = "75007", "+4915112375007"
	w.askBySMS(t, ticket, "0151 12375007")
	form := w.sms.inbound(phone, "5")
	signed := w.sms.publicURL() + "/hooks/twilio/sms"
	// Twilio's signature is an HMAC of the URL and the form: the same for
	// every copy. postTwilio signs (and checks with twilio-go) when given
	// none; the copies post the signature made here.
	sig := twilioSignature(twilioToken, signed, form)
	rs := burst(func() apiResult { return postTwilio(t, w.g, signed, "/hooks/twilio/sms", form, sig) })
	w.oneResponseOneNote(t, ticket, 5, false)
	rs = append(rs, postTwilio(t, w.g, signed, "/hooks/twilio/sms", form, ""))
	asked := 0
	for _, r := range rs {
		if twimlText(t, r) != "" {
			asked++
		}
	}
	if asked != 1 {
		t.Errorf("%d of %d copies were answered with a message, want 1 (the rest get an empty TwiML answer)", asked, len(rs))
	}
	w.oneResponseOneNote(t, ticket, 5, true)
}

// emailReply posts a reply to the request email as Inbound Parse does;
// SendGrid posts again when it did not see the answer in time.
func (w *dupWorld) emailReply(t *testing.T) {
	const ticket, addr = "75008", "dup.reply@example.org"
	token := w.askByEmail(t, ticket, addr)
	body, ct := defaultModeReply(t, "reply+"+token+"@"+inboundDomain, "Dup Reply <"+addr+">", "3 - ganz ok\r\n")
	post := func() apiResult { return w.email.parsePost(body, ct, inboundToken) }
	answered(t, "Inbound Parse", burst(post), http.StatusOK)
	w.oneResponseOneNote(t, ticket, 3, false)
	answered(t, "later Inbound Parse", []apiResult{post()}, http.StatusOK)
	w.oneResponseOneNote(t, ticket, 3, true)
}

// auditCount counts the tenant's audit events of action with detail.
func (w *dupWorld) auditCount(t *testing.T, action, detail string) int {
	t.Helper()
	n := 0
	for _, e := range list(t, w.g.must(200, "GET", "/api/v1/audit-events?limit=1000", w.key, nil)) {
		if e["action"] == action && e["detail"] == detail {
			n++
		}
	}
	return n
}

// sendgridEvent posts a hard bounce (one sg_event_id) as SendGrid's Event
// Webhook does: the request is bounced and the address suppressed, once.
func (w *dupWorld) sendgridEvent(t *testing.T) {
	const ticket, addr = "75009", "dup.bounce@example.org"
	g := w.g
	w.askByEmail(t, ticket, addr)
	batch := []map[string]any{event("bounce", mailsTo(w.sg, addr)[0], map[string]any{"type": "bounce", "status": "5.1.1",
		"bounce_classification": "Invalid Address"})}
	body := mustJSON(t, batch)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h := map[string]string{"Content-Type": "application/json", "User-Agent": "SendGrid Event API",
		eventwebhook.TimestampHTTPHeader: ts, eventwebhook.VerificationHTTPHeader: signEvents(t, w.email.eventKey, ts, body)}
	answered(t, "event webhook", burst(func() apiResult { return g.do("POST", "/hooks/sendgrid/events", "", body, h) }), http.StatusOK)
	w.oneSuppression(t, ticket, "bounced", "email_bounced", false)
	answered(t, "later event webhook", []apiResult{w.email.events(batch, time.Now(), w.email.eventKey)}, http.StatusOK)
	w.oneSuppression(t, ticket, "bounced", "email_bounced", true)
}

// twilioStatus posts Twilio's status callback for an SMS the carrier
// refused because the number opted out (21610): the request failed and
// the number is suppressed, once.
func (w *dupWorld) twilioStatus(t *testing.T) {
	const ticket = "75010"
	m, req := w.askBySMS(t, ticket, "0151 12375010")
	sid := str(req["provider_id"])
	cb := m.Get("StatusCallback")
	path := strings.TrimPrefix(cb, w.sms.publicURL())
	form := url.Values{
		"SmsSid": {sid}, "SmsStatus": {"undelivered"}, "MessageStatus": {"undelivered"}, "To": {m.Get("To")},
		"MessageSid": {sid}, "AccountSid": {twilioSID}, "From": {twilioFrom}, "ApiVersion": {"2010-04-01"}, "ErrorCode": {"21610"},
	}
	sig := twilioSignature(twilioToken, cb, form)
	rs := burst(func() apiResult { return postTwilio(t, w.g, cb, path, form, sig) })
	answered(t, "status callback", rs, http.StatusNoContent)
	w.oneSuppression(t, ticket, "failed", "sms_opted_out", false)
	answered(t, "later status callback", []apiResult{w.sms.statusCallback(m, sid, "undelivered", "21610", "")}, http.StatusNoContent)
	w.oneSuppression(t, ticket, "failed", "sms_opted_out", true)
}

// oneSuppression checks that the ticket's request has status, and that
// the audit log shows one suppression for reason (after dupQuiet when
// settle).
func (w *dupWorld) oneSuppression(t *testing.T, ticket, status, reason string, settle bool) {
	t.Helper()
	eventually(t, 5*time.Second, "the request for "+ticket+" "+status, func() bool {
		reqs := w.requests(t, ticket)
		return len(reqs) == 1 && reqs[0]["status"] == status
	})
	if settle {
		time.Sleep(dupQuiet)
	}
	if reqs := w.requests(t, ticket); len(reqs) != 1 || reqs[0]["status"] != status {
		t.Errorf("requests for %s: %v, want one %s", ticket, reqs, status)
	}
	if n := w.auditCount(t, "suppression.add", reason); n != 1 {
		t.Errorf("the audit log shows %d suppressions (%s), want 1", n, reason)
	}
}
