package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/plaudit/plaudit/internal/testenv"
)

const (
	inboundDomain = "reply.nordlicht.example"
	inboundToken  = "parse-token-7f3a9c"
)

// emailWorld is a gateway on a spine with reply routing, Inbound Parse
// and the signed Event Webhook configured.
type emailWorld struct {
	*spine
	eventKey *ecdsa.PrivateKey
}

// inboundParse builds an Inbound Parse post: multipart/form-data with
// one part per field, in the order SendGrid sends them.
func inboundParse(t *testing.T, fields [][2]string) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

// defaultModeReply is what Inbound Parse posts in its default mode for a
// reply to a feedback request email (testdata/fixtures/sendgrid-inbound-parse.txt).
func defaultModeReply(t *testing.T, to, from, text string) ([]byte, string) {
	return inboundParse(t, [][2]string{
		{"headers", "Received: by mx0047p1mdw1.sendgrid.net with SMTP id 6WCVv7KAWn Sat, 28 Nov 2026 10:52:11 +0000 (UTC)\n" +
			"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=mail; h=from:to:subject; bh=abc=; b=def=\n" +
			"From: " + from + "\nTo: " + to + "\nSubject: Re: Wie zufrieden waren Sie mit Jonas?\n" +
			"Date: Sat, 28 Nov 2026 11:52:03 +0100\nMessage-ID: <CAF=reply-1@mail.example.org>\n" +
			"In-Reply-To: <feedback-1@nordlicht.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"},
		{"dkim", "{@example.org : pass}"},
		{"to", to},
		{"from", from},
		{"subject", "Re: Wie zufrieden waren Sie mit Jonas?"},
		{"text", text},
		{"sender_ip", "203.0.113.5"},
		{"spam_score", "0.1"},
		{"envelope", `{"to":["` + to + `"],"from":"anna.schneider@example.org"}`},
		{"charsets", `{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}`},
		{"SPF", "pass"},
		{"attachments", "0"},
	})
}

// parsePost posts an Inbound Parse body with basic auth as SendGrid sends
// it for https://parse:PASSWORD@host/hooks/sendgrid/inbound ("" for none).
func (w *emailWorld) parsePost(body []byte, contentType, password string) apiResult {
	w.g.t.Helper()
	h := map[string]string{"Content-Type": contentType, "User-Agent": "Sendlib/1.0 mx0047p1mdw1.sendgrid.net"}
	if password != "" {
		h["Authorization"] = "Basic " + b64("parse:"+password)
	}
	return w.g.do("POST", "/hooks/sendgrid/inbound", "", body, h)
}

// signEvents signs a batch as SendGrid's Event Webhook does: ECDSA P-256
// over SHA-256 of the timestamp followed by the body, ASN.1 DER, base64.
func signEvents(t *testing.T, key *ecdsa.PrivateKey, ts string, body []byte) string {
	t.Helper()
	h := sha256.Sum256(append([]byte(ts), body...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(sig)
	// The library Plaudit verifies with must agree, or the test proves nothing.
	if ok, err := eventwebhook.VerifySignature(&key.PublicKey, body, enc, ts); err != nil || !ok {
		t.Fatalf("sendgrid-go does not verify the test's signature: %v %v", ok, err)
	}
	return enc
}

// events posts a signed batch. at is the signature's timestamp; key nil
// sends no signature headers.
func (w *emailWorld) events(batch []map[string]any, at time.Time, key *ecdsa.PrivateKey) apiResult {
	w.g.t.Helper()
	body := mustJSON(w.g.t, batch)
	h := map[string]string{"Content-Type": "application/json", "User-Agent": "SendGrid Event API"}
	if key != nil {
		ts := strconv.FormatInt(at.Unix(), 10)
		h[eventwebhook.TimestampHTTPHeader] = ts
		h[eventwebhook.VerificationHTTPHeader] = signEvents(w.g.t, key, ts, body)
	}
	return w.g.do("POST", "/hooks/sendgrid/events", "", body, h)
}

// event is one Event Webhook event about a sent mail, with the custom
// args Plaudit set on it (SendGrid echoes them in every event).
func event(kind string, mail map[string]any, extra map[string]any) map[string]any {
	args, _ := mail["custom_args"].(map[string]any)
	to := mail["personalizations"].([]any)[0].(map[string]any)["to"].([]any)[0].(map[string]any)["email"]
	e := map[string]any{
		"email": to, "timestamp": time.Now().Unix(), "event": kind,
		"sg_event_id": b64(kind + str(args["request_id"]) + strconv.FormatInt(time.Now().UnixNano(), 10)),
		"smtp-id":     "<14c5d75ce93.dfd.64b469@ismtpd-555>", "category": []string{"feedback-request"},
		"request_id": args["request_id"], "tenant_id": args["tenant_id"],
	}
	for k, v := range extra {
		e[k] = v
	}
	return e
}

func (w *emailWorld) request(ticketID string) map[string]any {
	w.g.t.Helper()
	reqs := list(w.g.t, w.g.must(200, "GET", "/api/v1/feedback-requests?ticket="+ticketID, w.key, nil))
	if len(reqs) != 1 {
		w.g.t.Fatalf("ticket %s has %d feedback requests, want 1", ticketID, len(reqs))
	}
	return reqs[0]
}

func (w *emailWorld) responses(ticketID string) []map[string]any {
	w.g.t.Helper()
	return list(w.g.t, w.g.must(200, "GET", "/api/v1/responses?ticket="+ticketID, w.key, nil))
}

// solve posts the fixture trigger for another ticket and customer, and
// returns the mail it leads to (or nil when wantMail is false).
func (w *emailWorld) solve(ticketID, email string, wantMail bool) map[string]any {
	w.g.t.Helper()
	body := fixture(w.g.t, "zendesk-trigger.json")
	body = bytes.ReplaceAll(body, []byte(`"73021"`), []byte(strconv.Quote(ticketID)))
	body = bytes.ReplaceAll(body, []byte("anna.schneider@example.org"), []byte(email))
	before := len(w.sg.Mails())
	if r := w.post(body, time.Now()); r.Status/100 != 2 {
		w.g.t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	if !wantMail {
		eventually(w.g.t, 15*time.Second, "the decision on ticket "+ticketID, func() bool {
			reqs := list(w.g.t, w.g.must(200, "GET", "/api/v1/feedback-requests?ticket="+ticketID, w.key, nil))
			return len(reqs) == 1 && reqs[0]["status"] != "scheduled" && reqs[0]["status"] != "sending"
		})
		return nil
	}
	eventually(w.g.t, 15*time.Second, "the email for ticket "+ticketID, func() bool { return len(w.sg.Mails()) > before })
	eventually(w.g.t, 5*time.Second, "ticket "+ticketID+" marked sent", func() bool { return w.request(ticketID)["status"] == "sent" })
	return w.sg.Mails()[before]
}

// TestEmailReplies drives email replies and delivery events as a customer,
// SendGrid and an admin meet them.
func TestEmailReplies(t *testing.T) {
	runEmail(t, map[string]string{})
}

// TestEmailRepliesOnRedisAndPostgres runs the same path on real services.
func TestEmailRepliesOnRedisAndPostgres(t *testing.T) {
	runEmail(t, map[string]string{
		"REDIS_URL":          testenv.RedisURL(t),
		"DATABASE_URL":       testenv.DatabaseURL(t),
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	})
}

func runEmail(t *testing.T, env map[string]string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	env["PLAUDIT_INBOUND_EMAIL_DOMAIN"] = inboundDomain
	env["SENDGRID_INBOUND_TOKEN"] = inboundToken
	env["SENDGRID_EVENT_PUBLIC_KEY"] = base64.StdEncoding.EncodeToString(der)
	w := &emailWorld{spine: setUpSpine(t, env), eventKey: key}
	g := w.g
	g.must(200, "PATCH", "/api/v1/tenant", w.key, map[string]any{"settings": map[string]any{"suppression_days": 0}})

	// The request email carries a Reply-To that routes the reply back.
	mail := w.solve("73021", "anna.schneider@example.org", true)
	links := scoreLink.FindAllStringSubmatch(htmlOf(t, mail), -1)
	if len(links) != 5 {
		t.Fatalf("email has %d score links, want 5", len(links))
	}
	token := links[0][2]
	replyTo, _ := mail["reply_to"].(map[string]any)
	if got, want := str(replyTo["email"]), "reply+"+token+"@"+inboundDomain; got != want {
		t.Fatalf("Reply-To = %q, want %q", got, want)
	}
	req := w.request("73021")
	args, _ := mail["custom_args"].(map[string]any)
	if args["request_id"] != req["id"] || str(args["tenant_id"]) == "" {
		t.Errorf("custom_args = %v, want the request and tenant ids (events are matched by them)", args)
	}

	// Event Webhook: refused unless signed by SendGrid's key, and fresh.
	bounce := []map[string]any{event("bounce", mail, map[string]any{"type": "bounce", "status": "5.1.1",
		"reason": "550 5.1.1 The email account that you tried to reach does not exist."})}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if r := w.events(bounce, time.Now(), nil); r.Status != 401 {
		t.Errorf("events without signature: %d, want 401", r.Status)
	}
	if r := w.events(bounce, time.Now(), other); r.Status != 403 {
		t.Errorf("events signed by another key: %d, want 403", r.Status)
	}
	if r := w.events(bounce, time.Now().Add(-10*time.Minute), key); r.Status != 401 && r.Status != 403 {
		t.Errorf("events with a timestamp 10 minutes old: %d, want 401 or 403", r.Status)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	signed := mustJSON(t, []map[string]any{event("delivered", mail, nil)})
	if r := g.do("POST", "/hooks/sendgrid/events", "", mustJSON(t, bounce), map[string]string{
		eventwebhook.TimestampHTTPHeader: ts, eventwebhook.VerificationHTTPHeader: signEvents(t, key, ts, signed),
	}); r.Status != 403 {
		t.Errorf("events whose body is not the one signed: %d, want 403", r.Status)
	}
	if r := g.do("POST", "/hooks/sendgrid/events", "", mustJSON(t, bounce), map[string]string{
		eventwebhook.TimestampHTTPHeader: ts, eventwebhook.VerificationHTTPHeader: "not-a-signature",
	}); r.Status != 403 {
		t.Errorf("events with a garbled signature: %d, want 403", r.Status)
	}
	if st := w.request("73021")["status"]; st != "sent" {
		t.Fatalf("a refused event changed the request to %v", st)
	}
	// delivered marks the request.
	processed := event("processed", mail, nil)
	if r := w.events([]map[string]any{processed, event("delivered", mail, map[string]any{"response": "250 OK"})}, time.Now(), key); r.Status != 200 {
		t.Fatalf("events: %d %s", r.Status, r.Body)
	}
	if st := w.request("73021")["status"]; st != "delivered" {
		t.Errorf("after a delivered event the request is %v, want delivered", st)
	}

	// Inbound Parse: the basic-auth password is checked first.
	to := "reply+" + token + "@" + inboundDomain
	text := "5 Sterne, alles super!\r\n\r\n" +
		"Am Sa., 28. Nov. 2026 um 10:41 Uhr schrieb Nordlicht Reisen <feedback@nordlicht.example>:\r\n" +
		"> Hallo Anna,\r\n> Wie zufrieden waren Sie mit Jonas?\r\n> Jonas W. hat Ihnen kürzlich bei Ihrer Anfrage geholfen.\r\n" +
		"> 1 = schlecht, 5 = sehr gut\r\n"
	body, ct := defaultModeReply(t, to, "Anna Schneider <anna.schneider@example.org>", text)
	if r := w.parsePost(body, ct, ""); r.Status != 401 {
		t.Errorf("Inbound Parse without basic auth: %d, want 401", r.Status)
	}
	if r := w.parsePost(body, ct, "wrong-token"); r.Status != 401 {
		t.Errorf("Inbound Parse with a wrong password: %d, want 401", r.Status)
	}
	// A reply to an address no request has: accepted (or SendGrid retries
	// for days) and dropped.
	unknown, uct := defaultModeReply(t, "reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@"+inboundDomain, "Anna Schneider <anna.schneider@example.org>", text)
	if r := w.parsePost(unknown, uct, inboundToken); r.Status/100 != 2 {
		t.Errorf("reply to an unknown token: %d, want 2xx", r.Status)
	}
	if n := len(list(t, g.must(200, "GET", "/api/v1/responses", w.key, nil))); n != 0 {
		t.Fatalf("refused or unknown replies recorded %d responses", n)
	}

	// The reply: score and comment, without the quoted request.
	if r := w.parsePost(body, ct, inboundToken); r.Status/100 != 2 {
		t.Fatalf("Inbound Parse: %d %s", r.Status, r.Body)
	}
	resps := w.responses("73021")
	if len(resps) != 1 || str(resps[0]["score"]) != "5" || resps[0]["comment"] != "alles super!" || resps[0]["source"] != "email" {
		t.Fatalf("responses = %v, want score 5, comment \"alles super!\" from email", resps)
	}
	if resps[0]["likely_automated"] != false {
		t.Errorf("an email reply is flagged as likely automated")
	}
	if st := w.request("73021")["status"]; st != "responded" {
		t.Errorf("request after the reply = %v, want responded", st)
	}
	ticketPath := "/api/v2/tickets/73021.json"
	eventually(t, 15*time.Second, "the reply's writeback to Zendesk", func() bool { return len(w.zd.Puts(ticketPath)) >= 1 })
	note := string(mustJSON(t, w.zd.Puts(ticketPath)[0].Body))
	responseLink := "Response: " + g.URL + "/console/responses/" + str(resps[0]["id"])
	for _, want := range []string{"Customer feedback via Plaudit: 5/5", "Comment: alles super!", responseLink, `{"id":360001,"value":5}`, `{"id":360002,"value":"alles super!"}`} {
		if !strings.Contains(note, want) {
			t.Errorf("writeback = %s, want %s", note, want)
		}
	}
	if strings.Contains(note, "schrieb") || strings.Contains(note, "Wie zufrieden") {
		t.Errorf("writeback carries the quoted request: %s", note)
	}
	// SendGrid posts again (it did not see our answer): one effect.
	if r := w.parsePost(body, ct, inboundToken); r.Status/100 != 2 {
		t.Fatalf("repeated Inbound Parse: %d", r.Status)
	}
	time.Sleep(700 * time.Millisecond)
	if n, p := len(w.responses("73021")), len(w.zd.Puts(ticketPath)); n != 1 || p != 1 {
		t.Errorf("after a repeated post: %d responses, %d Zendesk PUTs; want 1 and 1", n, p)
	}

	// Raw mode: the whole MIME message in the field "email".
	mail2 := w.solve("73022", "carla@example.org", true)
	token2 := scoreLink.FindAllStringSubmatch(htmlOf(t, mail2), -1)[0][2]
	to2 := "reply+" + token2 + "@" + inboundDomain
	raw := "Received: from mail.example.org by mx.sendgrid.net\r\n" +
		"From: Carla Mendes <carla@example.org>\r\nTo: Nordlicht Reisen <" + to2 + ">\r\n" +
		"Subject: Re: Wie zufrieden waren Sie mit Jonas?\r\nDate: Sat, 28 Nov 2026 12:02:03 +0100\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"4 =E2=80=93 schnell und freundlich\r\n\r\nVon meinem iPhone gesendet\r\n\r\n" +
		"Am 28.11.2026 um 10:41 schrieb Nordlicht Reisen <feedback@nordlicht.example>:\r\n\r\n" +
		"> Wie zufrieden waren Sie mit Jonas?\r\n"
	rawBody, rawCT := inboundParse(t, [][2]string{
		{"dkim", "{@example.org : pass}"}, {"email", raw}, {"to", "Nordlicht Reisen <" + to2 + ">"},
		{"from", "Carla Mendes <carla@example.org>"}, {"subject", "Re: Wie zufrieden waren Sie mit Jonas?"},
		{"sender_ip", "203.0.113.9"}, {"spam_score", "0.2"},
		{"envelope", `{"to":["` + to2 + `"],"from":"carla@example.org"}`},
		{"charsets", `{"to":"UTF-8","subject":"UTF-8","from":"UTF-8"}`}, {"SPF", "pass"},
	})
	if r := w.parsePost(rawBody, rawCT, inboundToken); r.Status/100 != 2 {
		t.Fatalf("Inbound Parse (raw): %d %s", r.Status, r.Body)
	}
	resps = w.responses("73022")
	if len(resps) != 1 || str(resps[0]["score"]) != "4" || resps[0]["comment"] != "schnell und freundlich" {
		t.Fatalf("responses = %v, want score 4 with comment \"schnell und freundlich\"", resps)
	}
	eventually(t, 15*time.Second, "the raw reply's writeback", func() bool { return len(w.zd.Puts("/api/v2/tickets/73022.json")) == 1 })

	// A hard bounce suppresses the address: the next request to it is
	// not sent, and says why.
	mail3 := w.solve("73023", "bert@example.org", true)
	if r := w.events([]map[string]any{event("bounce", mail3, map[string]any{"type": "bounce", "status": "5.1.1",
		"bounce_classification": "Invalid Address"})}, time.Now(), key); r.Status != 200 {
		t.Fatalf("bounce event: %d %s", r.Status, r.Body)
	}
	if st := w.request("73023")["status"]; st != "bounced" {
		t.Errorf("request after a hard bounce = %v, want bounced", st)
	}
	w.solve("73024", "bert@example.org", false)
	if req := w.request("73024"); req["status"] != "skipped" || req["reason"] != "address_suppressed" {
		t.Errorf("request to a bounced address = %v, want skipped with reason address_suppressed", req)
	}
	// A spam report, in an event without Plaudit's custom args (found by
	// its sg_message_id), suppresses the address too.
	spam := event("spamreport", mail2, nil)
	delete(spam, "request_id")
	delete(spam, "tenant_id")
	spam["sg_message_id"] = str(w.request("73022")["provider_id"]) + ".filter0001.16648.5515E0B88.0"
	if r := w.events([]map[string]any{spam}, time.Now(), key); r.Status != 200 {
		t.Fatalf("spamreport event: %d %s", r.Status, r.Body)
	}
	w.solve("73025", "carla@example.org", false)
	if req := w.request("73025"); req["status"] != "skipped" || req["reason"] != "address_suppressed" {
		t.Errorf("request to an address that reported spam = %v, want skipped with reason address_suppressed", req)
	}
	if n := len(w.sg.Mails()); n != 3 {
		t.Errorf("SendGrid got %d emails, want 3 (none to suppressed addresses)", n)
	}

	// Nothing personal in the logs.
	logs := g.Logs.String()
	for _, pii := range []string{"anna.schneider@example.org", "carla@example.org", "bert@example.org", "alles super", "schnell und freundlich", "Anna Schneider", token} {
		if strings.Contains(logs, pii) {
			t.Errorf("logs contain personal data %q", pii)
		}
	}
}
