package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alicebob/miniredis/v2"

	"github.com/plaudit/plaudit/internal/testenv"
)

// The organization, owner and cases of the fixture
// salesforce-outbound-message.xml.
const (
	sfOrg18      = "00D8a000000XyZwEAK"
	sfOrg15      = "00D8a000000XyZw" // the connector is set up with the 15-character form
	sfOwner      = "0058a00000LmNoPAAV"
	sfCaseLukas  = "5008a00001AbCdEAAV"
	sfCaseMarie  = "5008a00001AbCdFAAV"
	sfClientID   = "3MVG9plaudit.consumer.key"
	sfSecret     = "sf-consumer-secret"
	sfAPIVersion = "v60.0"
)

// sfCall is one REST request the fake Salesforce received.
type sfCall struct {
	Method, Path, Auth string
	Body               map[string]any
}

// sfAnswer is a scripted REST error answer.
type sfAnswer struct {
	Status    int
	ErrorCode string
}

// fakeSalesforce speaks the OAuth 2.0 token endpoint (client-credentials
// flow) and the REST endpoints the writeback uses, as Salesforce does:
// bearer tokens that the org can expire (INVALID_SESSION_ID), errors as
// [{"message":…,"errorCode":…}], and per-path scripts of error answers.
type fakeSalesforce struct {
	*httptest.Server
	t *testing.T

	mu     sync.Mutex
	issued int
	valid  map[string]bool
	grants int
	calls  []sfCall
	script map[string][]sfAnswer // by "METHOD path"
}

func newFakeSalesforce(t *testing.T) *fakeSalesforce {
	f := &fakeSalesforce{t: t, valid: map[string]bool{}, script: map[string][]sfAnswer{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSalesforce) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if r.URL.Path == "/services/oauth2/token" {
		form, _ := url.ParseQuery(string(body))
		if r.Method != http.MethodPost || form.Get("grant_type") != "client_credentials" ||
			form.Get("client_id") != sfClientID || form.Get("client_secret") != sfSecret {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_client","error_description":"invalid client credentials"}`)
			return
		}
		f.mu.Lock()
		f.grants++
		f.issued++
		tok := fmt.Sprintf("%s!tok-%d", sfOrg15, f.issued)
		f.valid[tok] = true
		f.mu.Unlock()
		fmt.Fprintf(w, `{"access_token":%q,"instance_url":%q,"id":"https://login.salesforce.com/id/%s/005","token_type":"Bearer","issued_at":"1764345600000","signature":"x"}`,
			tok, f.URL, sfOrg18)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	auth := r.Header.Get("Authorization")
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.calls = append(f.calls, sfCall{Method: r.Method, Path: r.URL.Path, Auth: auth, Body: m})
	ok := f.valid[strings.TrimPrefix(auth, "Bearer ")]
	var scripted *sfAnswer
	if ok {
		if s := f.script[key]; len(s) > 0 {
			scripted, f.script[key] = &s[0], s[1:]
		}
	}
	f.mu.Unlock()
	switch {
	case !ok:
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`)
	case scripted != nil:
		if scripted.ErrorCode == "REQUEST_LIMIT_EXCEEDED" {
			// Salesforce itself names no time; a proxy in front of the org
			// may, and the driver honours it (else it waits a minute).
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(scripted.Status)
		fmt.Fprintf(w, `[{"message":"refused for lukas.fischer@example.net","errorCode":%q,"fields":[]}]`, scripted.ErrorCode)
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/services/data/"+sfAPIVersion+"/sobjects/Case/"):
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == "/services/data/"+sfAPIVersion+"/sobjects/CaseComment":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"00a8a00000XyZabAAB","success":true,"errors":[]}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`)
	}
}

// Script makes the next REST calls to method+path fail with answers.
func (f *fakeSalesforce) Script(method, path string, answers ...sfAnswer) {
	f.mu.Lock()
	f.script[method+" "+path] = answers
	f.mu.Unlock()
}

// Expire ends every session, as a session timeout or a revoked token does.
func (f *fakeSalesforce) Expire() {
	f.mu.Lock()
	f.valid = map[string]bool{}
	f.mu.Unlock()
}

func (f *fakeSalesforce) Grants() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.grants
}

// Calls returns the REST calls about one case: its PATCHes, and the
// CaseComments whose ParentId it is.
func (f *fakeSalesforce) Calls(caseID string) []sfCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sfCall
	for _, c := range f.calls {
		if strings.HasSuffix(c.Path, "/sobjects/Case/"+caseID) || c.Body["ParentId"] == caseID {
			out = append(out, c)
		}
	}
	return out
}

// soapAck and soapFault read what Plaudit answers an Outbound Message.
type soapAnswer struct {
	Body struct {
		Ack   string `xml:"http://soap.sforce.com/2005/09/outbound notificationsResponse>Ack"`
		Fault *struct {
			Code   string `xml:"faultcode"`
			String string `xml:"faultstring"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

func readSOAP(t *testing.T, r apiResult) soapAnswer {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("answer content type %q, want text/xml", ct)
	}
	var a soapAnswer
	if err := xml.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("answer is not a SOAP envelope (%d): %s", r.Status, r.Body)
	}
	return a
}

// outboundMessage is the fixture with its organization, notification ids
// and cases replaced, so that each test message is a new one.
func outboundMessage(t *testing.T, org, tag string, replace ...string) []byte {
	t.Helper()
	b := fixture(t, "salesforce-outbound-message.xml")
	b = bytes.ReplaceAll(b, []byte(sfOrg18), []byte(org))
	if tag != "" {
		b = bytes.ReplaceAll(b, []byte("04l8a00000QwEr"), []byte("04l8a00000"+tag))
	}
	for i := 0; i+1 < len(replace); i += 2 {
		b = bytes.ReplaceAll(b, []byte(replace[i]), []byte(replace[i+1]))
	}
	return b
}

// caseMessage is an Outbound Message with one Case notification whose
// sObject has the given fields (sf:Name → value), as Salesforce sends it.
func caseMessage(org, notificationID string, fields [][2]string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>` + org + `</OrganizationId>
   <ActionId>04k8a000000AbCdAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <Notification>
    <Id>` + notificationID + `</Id>
    <sObject xsi:type="sf:Case" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
`)
	for _, f := range fields {
		var v bytes.Buffer
		_ = xml.EscapeText(&v, []byte(f[1]))
		b.WriteString("     <sf:" + f[0] + ">" + v.String() + "</sf:" + f[0] + ">\n")
	}
	b.WriteString(`    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
`)
	return []byte(b.String())
}

// webhookPath is the path of a connector's webhook_url, as the API gave
// it: what the helpdesk is told to post to.
func webhookPath(t *testing.T, g *gateway, con map[string]any) string {
	t.Helper()
	p, ok := strings.CutPrefix(str(con["webhook_url"]), g.URL)
	if !ok || !strings.HasPrefix(p, "/hooks/"+str(con["id"])) {
		t.Fatalf("webhook_url %v is not under %s/hooks/{id}", con["webhook_url"], g.URL)
	}
	return p
}

func (g *gateway) postSOAP(path string, body []byte) apiResult {
	g.t.Helper()
	return g.do("POST", path, "", body, map[string]string{"Content-Type": "text/xml; charset=utf-8", "SOAPAction": `""`})
}

func TestSalesforce(t *testing.T) { runSalesforce(t, nil) }

func TestSalesforceOnRedisAndPostgres(t *testing.T) {
	runSalesforce(t, map[string]string{
		"REDIS_URL":          testenv.RedisURL(t),
		"DATABASE_URL":       testenv.DatabaseURL(t),
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	})
}

// runSalesforce drives a Salesforce connector as an org, its customers and
// its admin meet it: Outbound Messages (good, repeated, foreign, broken) →
// emails → answers → CaseComments and Case updates through the REST API,
// with an expired session, an API limit and a deleted case along the way.
func runSalesforce(t *testing.T, env map[string]string) {
	sg, sf := newFakeSendGrid(t), newFakeSalesforce(t)
	if env == nil {
		env = map[string]string{}
	}
	env["SENDGRID_API_KEY"] = "SG.test-key"
	env["SENDGRID_API_URL"] = sg.URL
	g := startGateway(t, "serve", env)
	admin := newTenant(t, g, "Nordlicht Reisen", nil)
	con := g.must(201, "POST", "/api/v1/connectors", admin, map[string]any{
		"kind": "salesforce", "name": "Service Cloud",
		"config": map[string]any{"org_id": sfOrg15, "login_url": sf.URL, "client_id": sfClientID, "client_secret": sfSecret,
			"rating_field": "Plaudit_Rating__c", "comment_field": "Plaudit_Comment__c",
			"field_map": map[string]string{"agent_email": "Owner_Email__c"}},
	})
	conID := str(con["id"])
	if strings.Contains(string(mustJSON(t, con)), sfSecret) {
		t.Errorf("the connector answer shows the client secret")
	}
	agent := g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "approved": true,
		"external_ids": map[string]string{"salesforce": sfOwner},
	})
	hook := webhookPath(t, g, con)

	// Refused before it is read: the org's own message (the org id is no
	// secret) to a URL without the webhook secret or with a wrong one. Its
	// cases must leave no trace and send no email.
	forged := outboundMessage(t, sfOrg18, "Fg", "AbCdEAAV", "AbCdVAAV", "AbCdFAAV", "AbCdWAAV",
		"lukas.fischer@example.net", "victim.one@example.org", "marie.wagner@example.com", "victim.two@example.org")
	for _, path := range []string{"/hooks/" + conID, "/hooks/" + conID + "/guessed", hook + "x"} {
		r := g.postSOAP(path, forged)
		if a := readSOAP(t, r); r.Status != 401 || a.Body.Fault == nil || a.Body.Ack != "" {
			t.Errorf("forged message to %s: %d %s, want 401 with a fault", strings.Replace(path, hook, "{webhook_url}", 1), r.Status, r.Body)
		}
	}

	// Refused, with nothing stored: another org's message (its cases are
	// new ones), a broken envelope, something that is not SOAP at all.
	foreign := outboundMessage(t, "00D8a000000AbCdEAK", "Zz", "AbCdEAAV", "AbCdXAAV", "AbCdFAAV", "AbCdYAAV")
	r := g.postSOAP(hook, foreign)
	if a := readSOAP(t, r); r.Status != 401 || a.Body.Fault == nil || a.Body.Fault.Code != "soapenv:Client" ||
		a.Body.Fault.String != "OrganizationId does not match this connector" {
		t.Errorf("foreign org: %d %s, want 401 with a client fault", r.Status, r.Body)
	}
	good := fixture(t, "salesforce-outbound-message.xml")
	for name, body := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"not SOAP":  []byte("hello"),
		"no ids":    bytes.ReplaceAll(good, []byte("<Id>04l8a00000QwErTAAV</Id>"), nil),
	} {
		r := g.postSOAP(hook, body)
		if a := readSOAP(t, r); r.Status != 400 || a.Body.Fault == nil || a.Body.Fault.Code != "soapenv:Client" || a.Body.Ack != "" {
			t.Errorf("%s: %d %s, want 400 with a client fault", name, r.Status, r.Body)
		}
	}
	if r := g.postSOAP("/hooks/con_nosuch", good); r.Status != 404 {
		t.Errorf("unknown connector: %d, want 404", r.Status)
	}

	// The message, and Salesforce's redelivery of it: Ack both times.
	for i := 0; i < 2; i++ {
		r := g.postSOAP(hook, good)
		if a := readSOAP(t, r); r.Status != 200 || a.Body.Ack != "true" || a.Body.Fault != nil {
			t.Fatalf("delivery %d: %d %s, want 200 with <Ack>true</Ack>", i+1, r.Status, r.Body)
		}
	}
	lukas := awaitMail(t, sg, "lukas.fischer@example.net")
	marie := awaitMail(t, sg, "marie.wagner@example.com")
	time.Sleep(500 * time.Millisecond) // a redelivery's mails would come now
	if n := len(sg.Mails()); n != 2 {
		t.Fatalf("%d emails, want 2 (one per case; the redelivery must have no effect)", n)
	}
	for _, c := range []string{sfCaseLukas, sfCaseMarie} {
		req := requestFor(t, g, admin, c)
		if req["status"] != "sent" || req["agent_id"] != agent["id"] || req["connector_id"] != conID {
			t.Errorf("request for case %s: %v, want sent, for the agent matched by OwnerId", c, req)
		}
	}
	for _, c := range []string{"5008a00001AbCdXAAV", "5008a00001AbCdYAAV", "5008a00001AbCdVAAV", "5008a00001AbCdWAAV"} {
		if reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests?ticket="+c, admin, nil)); len(reqs) != 0 {
			t.Errorf("the foreign org's or the forged case %s left a trace: %v", c, reqs)
		}
	}

	// A Case that is not closed is not a solve; one with a Language is
	// asked in it.
	open := outboundMessage(t, sfOrg18, "Op", "AbCdEAAV", "AbCdOAAV", "AbCdFAAV", "AbCdPAAV",
		"<sf:IsClosed>true</sf:IsClosed>", "<sf:IsClosed>false</sf:IsClosed><sf:Language>de</sf:Language>",
		"<sf:Status>Closed</sf:Status>", "<sf:Status>Working</sf:Status>")
	if r := g.postSOAP(hook, open); r.Status != 200 || readSOAP(t, r).Body.Ack != "true" {
		t.Fatalf("open cases: %d %s", r.Status, r.Body)
	}
	deleted := caseMessage(sfOrg18, "04l8a00000DlEtEAAV", [][2]string{{"Id", "5008a00001AbCdGAAV"}, {"CaseNumber", "00012347"},
		{"IsClosed", "true"}, {"Language", "de"}, {"OwnerId", sfOwner}, {"Status", "Closed"},
		{"SuppliedEmail", "sofia.rossi@example.it"}, {"SuppliedName", "Sofia Rossi"}})
	if r := g.postSOAP(hook, deleted); r.Status != 200 || readSOAP(t, r).Body.Ack != "true" {
		t.Fatalf("third message: %d %s", r.Status, r.Body)
	}
	sofia := awaitMail(t, sg, "sofia.rossi@example.it")
	if req := requestFor(t, g, admin, "5008a00001AbCdGAAV"); req["language"] != "de" {
		t.Errorf("request for a case with Language de: %v", req)
	}

	// An agent known by email only is found through the field that
	// field_map.agent_email names (a formula field with the owner's email).
	lena := g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "lena.berg@nordlicht.example", "name": "Lena Berg", "approved": true})
	byEmail := caseMessage(sfOrg18, "04l8a00000EmAiLAAV", [][2]string{{"Id", "5008a00001AbCdHAAV"}, {"IsClosed", "true"},
		{"OwnerId", "0058a00000QrStUAAV"}, {"Owner_Email__c", "Lena.Berg@nordlicht.example"},
		{"SuppliedEmail", "kai.berger@example.de"}})
	if r := g.postSOAP(hook, byEmail); r.Status != 200 || readSOAP(t, r).Body.Ack != "true" {
		t.Fatalf("fourth message: %d %s", r.Status, r.Body)
	}
	awaitMail(t, sg, "kai.berger@example.de")
	// SendGrid has the mail a moment before the request is marked sent.
	eventually(t, 5*time.Second, "the request marked sent", func() bool {
		return requestFor(t, g, admin, "5008a00001AbCdHAAV")["status"] == "sent"
	})
	if req := requestFor(t, g, admin, "5008a00001AbCdHAAV"); req["agent_id"] != lena["id"] || req["status"] != "sent" {
		t.Errorf("request for a case whose owner is known by email: %v, want agent %v", req, lena["id"])
	}
	time.Sleep(300 * time.Millisecond)
	for _, c := range []string{"5008a00001AbCdOAAV", "5008a00001AbCdPAAV"} {
		if reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests?ticket="+c, admin, nil)); len(reqs) != 0 {
			t.Errorf("an open case led to a request: %v", reqs)
		}
	}

	// Lukas answers: the Case fields, then a private CaseComment.
	patchPath := "/services/data/" + sfAPIVersion + "/sobjects/Case/"
	answerPage(t, g, lukas, url.Values{"score": {"5"}})
	eventually(t, 15*time.Second, "the writeback of Lukas's score", func() bool { return len(sf.Calls(sfCaseLukas)) >= 2 })
	calls := sf.Calls(sfCaseLukas)
	if calls[0].Method != "PATCH" || calls[0].Path != patchPath+sfCaseLukas || string(mustJSON(t, calls[0].Body)) != `{"Plaudit_Rating__c":5}` {
		t.Errorf("first call %+v, want the rating PATCHed on the Case", calls[0])
	}
	cc := calls[1]
	if cc.Method != "POST" || cc.Path != "/services/data/"+sfAPIVersion+"/sobjects/CaseComment" || cc.Body["IsPublished"] != false ||
		!strings.Contains(str(cc.Body["CommentBody"]), "5/5") {
		t.Errorf("second call %+v, want an unpublished CaseComment with 5/5", cc)
	}
	if cc.Auth != "Bearer "+sfOrg15+"!tok-1" || sf.Grants() != 1 {
		t.Errorf("auth %q after %d token requests, want the first token", cc.Auth, sf.Grants())
	}

	// The session expires; Lukas adds a long comment. A worker that kept
	// the driver has its call refused and makes it again with a new token;
	// one that builds the driver for this writeback asks for a token first
	// (connectors.Registry builds anew; connectors.Cache keeps drivers for
	// seconds). Either way one new token is asked for, no call with the
	// old one gets through, and the comment is cut to 4000 bytes.
	sf.Expire()
	comment := "Sehr hilfsbereit, danke! " + strings.Repeat("€", 1900)
	answerPage(t, g, lukas, url.Values{"step": {"more"}, "comment": {comment}})
	eventually(t, 15*time.Second, "the writeback of Lukas's comment", func() bool {
		calls := sf.Calls(sfCaseLukas)
		return len(calls) >= 4 && calls[len(calls)-1].Method == "POST"
	})
	calls = sf.Calls(sfCaseLukas)
	after := calls[2:]
	if len(after) == 3 && after[0].Method == "PATCH" && after[0].Auth == "Bearer "+sfOrg15+"!tok-1" {
		after = after[1:] // refused: the session had expired
	}
	if len(after) != 2 || after[0].Method != "PATCH" || after[0].Auth != "Bearer "+sfOrg15+"!tok-2" ||
		after[1].Auth != "Bearer "+sfOrg15+"!tok-2" || sf.Grants() != 2 {
		var seen []string
		for _, c := range after {
			seen = append(seen, c.Method+" "+c.Auth)
		}
		t.Fatalf("calls after the session expired: %q, %d token requests; want the update and the comment with a new token",
			seen, sf.Grants())
	}
	if after[0].Body["Plaudit_Comment__c"] != comment || after[0].Body["Plaudit_Rating__c"] != 5.0 {
		t.Errorf("update PATCH %v, want rating and comment", after[0].Body)
	}
	body := str(after[1].Body["CommentBody"])
	if len(body) > 4000 || len(body) < 3990 || !utf8.ValidString(body) || !strings.HasPrefix(body, "Feedback updated via Plaudit: 5/5") {
		t.Errorf("update CaseComment of %d bytes (valid UTF-8 %v): %.60q", len(body), utf8.ValidString(body), body)
	}

	// Marie answers while the org is over its API limit: retried, then
	// written once.
	sf.Script("PATCH", patchPath+sfCaseMarie, sfAnswer{403, "REQUEST_LIMIT_EXCEEDED"})
	answerPage(t, g, marie, url.Values{"score": {"3"}})
	eventually(t, 20*time.Second, "Marie's writeback after the API limit", func() bool {
		return len(sf.Calls(sfCaseMarie)) >= 3
	})
	calls = sf.Calls(sfCaseMarie)
	if len(calls) != 3 || calls[0].Method != "PATCH" || calls[1].Method != "PATCH" || calls[2].Method != "POST" {
		t.Errorf("calls for Marie's case: %+v, want PATCH (limit), PATCH, POST", calls)
	}

	// Sofia's case was deleted: the writeback fails for good, visibly.
	sf.Script("PATCH", patchPath+"5008a00001AbCdGAAV", sfAnswer{404, "ENTITY_IS_DELETED"})
	answerPage(t, g, sofia, url.Values{"score": {"1"}})
	var failed map[string]any
	eventually(t, 15*time.Second, "writeback_status failed", func() bool {
		rs := list(t, g.must(200, "GET", "/api/v1/responses?ticket=5008a00001AbCdGAAV", admin, nil))
		if len(rs) == 1 && rs[0]["writeback_status"] == "failed" {
			failed = rs[0]
			return true
		}
		return false
	})
	if e := str(failed["writeback_error"]); !strings.Contains(e, "ENTITY_IS_DELETED") || strings.Contains(e, "lukas") {
		t.Errorf("writeback_error %q, want Salesforce's error code and nothing it echoed", e)
	}
	time.Sleep(time.Second)
	if calls := sf.Calls("5008a00001AbCdGAAV"); len(calls) != 1 {
		t.Errorf("%d calls for the deleted case, want 1 (no retries, no comment)", len(calls))
	}

	// Every response's writeback is settled, and the delivery log shows
	// the attempts.
	eventually(t, 10*time.Second, "writebacks done", func() bool {
		for _, c := range []string{sfCaseLukas, sfCaseMarie} {
			rs := list(t, g.must(200, "GET", "/api/v1/responses?ticket="+c, admin, nil))
			if len(rs) != 1 || rs[0]["writeback_status"] != "done" {
				return false
			}
		}
		return true
	})
	log := list(t, g.must(200, "GET", "/api/v1/connectors/"+conID+"/deliveries", admin, nil))
	var summary []string
	for i := len(log) - 1; i >= 0; i-- {
		d := log[i]
		summary = append(summary, fmt.Sprintf("v%v/%v:%v:%v", d["version"], d["attempt"], d["outcome"], d["status_code"]))
	}
	want := "v1/1:delivered:201 v2/1:delivered:201 v1/1:retrying:403 v1/2:delivered:201 v1/1:failed:404"
	if strings.Join(summary, " ") != want {
		t.Fatalf("delivery log, oldest first:\n got %s\nwant %s", strings.Join(summary, " "), want)
	}
	if e := str(log[0]["error"]); !strings.Contains(e, "ENTITY_IS_DELETED") {
		t.Errorf("the failed attempt's error %q", e)
	}

	noPersonalData(t, g, "lukas.fischer@example.net", "Lukas Fischer", "marie.wagner@example.com", "Marie Wagner",
		"sofia.rossi@example.it", "Sehr hilfsbereit", "+43 664")
}

// TestSalesforceQueueDownGetsAFault: when the queue cannot take the
// notifications Salesforce gets a SOAP fault with 500, nothing is kept,
// and its redelivery later is taken in full.
func TestSalesforceQueueDownGetsAFault(t *testing.T) {
	mr := miniredis.RunT(t)
	sg := newFakeSendGrid(t)
	g := startGateway(t, "serve", map[string]string{
		"REDIS_URL": "redis://" + mr.Addr(), "SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_URL": sg.URL,
	})
	admin := newTenant(t, g, "Nordlicht Reisen", nil)
	con := g.must(201, "POST", "/api/v1/connectors", admin, map[string]any{
		"kind": "salesforce", "config": map[string]any{"org_id": sfOrg18, "client_id": sfClientID, "client_secret": sfSecret},
	})
	g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "approved": true,
		"external_ids": map[string]string{"salesforce": sfOwner},
	})
	hook := webhookPath(t, g, con)
	good := fixture(t, "salesforce-outbound-message.xml")

	mr.Close()
	r := g.postSOAP(hook, good)
	a := readSOAP(t, r)
	if r.Status != 500 || a.Body.Fault == nil || a.Body.Fault.Code != "soapenv:Server" || !strings.Contains(a.Body.Fault.String, "retry later") {
		t.Fatalf("queue down: %d %s, want 500 with a server fault", r.Status, r.Body)
	}
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "Redis back", func() bool { return g.do("GET", "/readyz", "", nil, nil).Status == 200 })
	r = g.postSOAP(hook, good)
	if a := readSOAP(t, r); r.Status != 200 || a.Body.Ack != "true" {
		t.Fatalf("redelivery: %d %s, want the Ack", r.Status, r.Body)
	}
	awaitMail(t, sg, "lukas.fischer@example.net")
	awaitMail(t, sg, "marie.wagner@example.com")
	time.Sleep(500 * time.Millisecond)
	if n := len(sg.Mails()); n != 2 {
		t.Errorf("%d emails, want 2: the refused delivery must have left nothing behind", n)
	}
}
