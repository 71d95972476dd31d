package salesforce

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/note"
	"github.com/plaudit/plaudit/egress"
)

const (
	testOrg15    = "00D8a000000XyZw"
	testOrg18    = "00D8a000000XyZwEAK"
	testClientID = "3MVG9-test-consumer-key"
	testSecret   = "sf-client-secret"
	testUser     = "integration@nordlicht.example"
	testCase     = "5008a00001AbCdEAAV"
)

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func keyPEM(k *rsa.PrivateKey) string {
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func fixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/salesforce-outbound-message.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(t testing.TB, cfg map[string]any, secrets map[string]string) *Client {
	t.Helper()
	base := map[string]any{"org_id": testOrg15, "client_id": testClientID}
	for k, v := range cfg {
		base[k] = v
	}
	if secrets == nil {
		secrets = map[string]string{SecretClientSecret: testSecret}
	}
	raw, _ := json.Marshal(base)
	c, err := NewClient(plaudit.Connector{ID: "con_sf", Kind: Name, Config: raw, Secrets: secrets},
		plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *plaudit.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *plaudit.Error %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("err = %s %q, want %s %q", e.Code, e.Message, code, msg)
	}
}

func TestReceiveFixture(t *testing.T) {
	c := newClient(t, nil, nil)
	events, err := c.Receive(context.Background(), plaudit.Delivery{Body: fixture(t), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("%d events", len(events))
	}
	want := []plaudit.Event{
		{DedupKey: "04l8a00000QwErTAAV", Interaction: plaudit.Interaction{
			Source: "salesforce", DedupKey: "04l8a00000QwErTAAV", ExternalID: "5008a00001AbCdEAAV", Event: plaudit.EventSolved,
			Channel:  "email",
			Customer: plaudit.Customer{Name: "Lukas Fischer", Email: "lukas.fischer@example.net", Phone: "+43 664 1234567"},
			Agent:    plaudit.AgentRef{ExternalID: "0058a00000LmNoPAAV"},
		}},
		{DedupKey: "04l8a00000QwErUAAV", Interaction: plaudit.Interaction{
			Source: "salesforce", DedupKey: "04l8a00000QwErUAAV", ExternalID: "5008a00001AbCdFAAV", Event: plaudit.EventSolved,
			Channel:  "phone",
			Customer: plaudit.Customer{Name: "Marie Wagner", Email: "marie.wagner@example.com"},
			Agent:    plaudit.AgentRef{ExternalID: "0058a00000LmNoPAAV"},
		}},
	}
	for i := range want {
		if fmt.Sprintf("%+v", events[i]) != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("event %d\n got %+v\nwant %+v", i, events[i], want[i])
		}
	}
}

func TestReceiveOrganizationID(t *testing.T) {
	body := fixture(t)
	for _, tc := range []struct {
		org string
		ok  bool
	}{
		{testOrg15, true},
		{testOrg18, true},
		{"00D8a000000XyZwAAA", true}, // the suffix only encodes case; the first 15 decide
		{"00D8a000000XyZx", false},
		{"00d8a000000xyzw", false}, // 15-character ids are case-sensitive
	} {
		c := newClient(t, map[string]any{"org_id": tc.org}, nil)
		_, err := c.Receive(context.Background(), plaudit.Delivery{Body: body})
		if tc.ok && err != nil {
			t.Errorf("org %s: %v", tc.org, err)
		}
		if !tc.ok {
			var e *plaudit.Error
			if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized || e.Message != "OrganizationId does not match this connector" {
				t.Errorf("org %s: err = %v", tc.org, err)
			}
		}
	}
	// A message from an org with a short id never matches.
	short := strings.Replace(string(body), testOrg18, "00D8a", 1)
	_, err := newClient(t, nil, nil).Receive(context.Background(), plaudit.Delivery{Body: []byte(short)})
	wantError(t, err, plaudit.EUnauthorized, "")
}

// message builds an Outbound Message with n Case notifications.
func message(org string, n int, fields string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">
<OrganizationId>` + org + `</OrganizationId><ActionId>04k8a000000AbCdAAK</ActionId>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<Notification><Id>04l8a00000Q%07d</Id><sObject xsi:type="sf:Case" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>5008a00001A%07d</sf:Id>%s</sObject></Notification>`, i, i, fields)
	}
	b.WriteString(`</notifications></soapenv:Body></soapenv:Envelope>`)
	return []byte(b.String())
}

func TestReceiveLimitsAndErrors(t *testing.T) {
	c := newClient(t, nil, nil)
	ctx := context.Background()
	evs, err := c.Receive(ctx, plaudit.Delivery{Body: message(testOrg18, 100, `<sf:IsClosed>true</sf:IsClosed>`)})
	if err != nil || len(evs) != 100 {
		t.Fatalf("100 notifications: %d events, %v", len(evs), err)
	}
	_, err = c.Receive(ctx, plaudit.Delivery{Body: message(testOrg18, 101, ``)})
	wantError(t, err, plaudit.EInvalid, "too many notifications: at most 100 per message")

	for _, tc := range []struct{ name, body, msg string }{
		{"empty", ``, "body is not a valid SOAP message"},
		{"not XML", `{"ticket":1}`, "body is not a valid SOAP message"},
		{"truncated", string(fixture(t)[:900]), "body is not a valid SOAP message"},
		{"mismatched tags", `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body></soapenv:Envelope>`, "body is not a valid SOAP message"},
		{"not a SOAP envelope", `<Envelope><Body/></Envelope>`, "body is not a valid SOAP message"},
		{"DTD", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>`, "body must not contain a DTD"},
		{"undefined entity", `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&xxe;</soapenv:Body></soapenv:Envelope>`, "body is not a valid SOAP message"},
		{"no notifications", `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>`, "notifications element is missing (namespace http://soap.sforce.com/2005/09/outbound)"},
		{"wrong namespace", strings.Replace(string(fixture(t)), "http://soap.sforce.com/2005/09/outbound", "urn:other", 1), "notifications element is missing (namespace http://soap.sforce.com/2005/09/outbound)"},
		{"zero notifications", string(message(testOrg18, 0, ``)), "notifications holds no Notification"},
		{"no org id", strings.Replace(string(message(testOrg18, 1, ``)), testOrg18, "", 1), "OrganizationId is required"},
		{"notification without id", strings.Replace(string(message(testOrg18, 1, ``)), "<Id>04l8a00000Q0000000</Id>", "", 1), "Notification[0].Id is required"},
		{"notification without sObject", strings.Replace(string(message(testOrg18, 1, ``)), "<Id>04l8a00000Q0000000</Id>", "<Id>x</Id></Notification><Notification><Id>y</Id>", 1), "Notification[0].sObject is required"},
		{"sObject without id", strings.Replace(string(message(testOrg18, 2, ``)), "<sf:Id>5008a00001A0000001</sf:Id>", "", 1), "Notification[1].sObject.Id is required"},
		{"sObject with a bad id", strings.Replace(string(message(testOrg18, 1, ``)), "5008a00001A0000000", "../../etc", 1), "Notification[0].sObject.Id is not a Salesforce id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Receive(ctx, plaudit.Delivery{Body: []byte(tc.body)})
			wantError(t, err, plaudit.EInvalid, tc.msg)
		})
	}
}

func TestReceiveEventsAndFieldMap(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, nil, nil)
	for _, tc := range []struct {
		name, fields, event string
	}{
		{"closed", `<sf:IsClosed>true</sf:IsClosed><sf:Status>Closed</sf:Status>`, plaudit.EventSolved},
		{"open again", `<sf:IsClosed>false</sf:IsClosed><sf:Status>Working</sf:Status>`, plaudit.EventReopened},
		{"status only, closed", `<sf:Status>Closed</sf:Status>`, plaudit.EventSolved},
		{"status only, open", `<sf:Status>New</sf:Status>`, plaudit.EventReopened},
		{"neither", `<sf:Subject>Hi</sf:Subject>`, plaudit.EventOther},
		{"nil closed", `<sf:IsClosed xsi:nil="true"/><sf:Status>Escalated</sf:Status>`, plaudit.EventReopened},
	} {
		evs, err := c.Receive(ctx, plaudit.Delivery{Body: message(testOrg15, 1, tc.fields)})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if evs[0].Interaction.Event != tc.event {
			t.Errorf("%s: event %q, want %q", tc.name, evs[0].Interaction.Event, tc.event)
		}
	}

	mapped := newClient(t, map[string]any{"field_map": map[string]string{
		"customer_name": "Customer_Name__c", "customer_email": "Customer_Email__c", "customer_phone": "Customer_Mobile__c",
		"agent_id": "Agent_Id__c", "closed": "Done__c", "language": "Language__c",
	}}, nil)
	evs, err := mapped.Receive(ctx, plaudit.Delivery{Body: message(testOrg15, 1,
		`<sf:ContactEmail>ignored@example.org</sf:ContactEmail><sf:SuppliedName>Ignored</sf:SuppliedName>`+
			`<sf:Customer_Name__c>Léa Martin</sf:Customer_Name__c><sf:Customer_Email__c>lea@example.fr</sf:Customer_Email__c>`+
			`<sf:Customer_Mobile__c>+33 6 12 34 56 78</sf:Customer_Mobile__c><sf:Agent_Id__c>A-17</sf:Agent_Id__c>`+
			`<sf:Done__c>true</sf:Done__c><sf:IsClosed>false</sf:IsClosed><sf:Language__c>fr_FR</sf:Language__c><sf:Origin>Chat</sf:Origin>`)})
	if err != nil {
		t.Fatal(err)
	}
	in := evs[0].Interaction
	if in.Customer != (plaudit.Customer{Name: "Léa Martin", Email: "lea@example.fr", Phone: "+33 6 12 34 56 78", Language: "fr_FR"}) ||
		in.Agent.ExternalID != "A-17" || in.Event != plaudit.EventSolved || in.Channel != "chat" {
		t.Errorf("mapped interaction %+v", in)
	}
}

func TestAckAndFault(t *testing.T) {
	c := newClient(t, nil, nil)
	ct, body := c.Ack()
	if !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("content type %q", ct)
	}
	var ack struct {
		Body struct {
			Resp struct {
				XMLName xml.Name
				Ack     string `xml:"http://soap.sforce.com/2005/09/outbound Ack"`
			} `xml:"http://soap.sforce.com/2005/09/outbound notificationsResponse"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal(body, &ack); err != nil || ack.Body.Resp.Ack != "true" {
		t.Errorf("ack %s: %v %+v", body, err, ack)
	}

	type fault struct {
		Body struct {
			Fault struct {
				Code   string `xml:"faultcode"`
				String string `xml:"faultstring"`
			} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	for _, tc := range []struct {
		err          error
		code, string string
	}{
		{plaudit.Errorf(plaudit.EInvalid, "too many notifications: at most 100 per message"), "soapenv:Client", "too many notifications: at most 100 per message"},
		{plaudit.Errorf(plaudit.EUnauthorized, "OrganizationId does not match this connector"), "soapenv:Client", "OrganizationId does not match this connector"},
		{plaudit.Errorf(plaudit.EUnavailable, "queue <full> & busy"), "soapenv:Server", "queue <full> & busy"},
		{errors.New("dial tcp 10.0.0.5:6379: secret detail"), "soapenv:Server", "internal error"},
	} {
		ct, body := c.Fault(tc.err)
		var f fault
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("fault %s: %v", body, err)
		}
		if !strings.HasPrefix(ct, "text/xml") || f.Body.Fault.Code != tc.code || f.Body.Fault.String != tc.string {
			t.Errorf("Fault(%v) = %s", tc.err, body)
		}
	}
}

// fakeSalesforce speaks the token endpoint and the REST endpoints the
// driver uses.
type fakeSalesforce struct {
	t   *testing.T
	srv *httptest.Server
	pub *rsa.PublicKey // set: the JWT bearer flow is expected

	mu        sync.Mutex
	issued    int
	valid     map[string]bool
	grants    []string
	reqs      []string
	bodies    []string
	authHdrs  []string
	rest      func(w http.ResponseWriter, r *http.Request) bool // overrides REST answers
	tokenFail func(w http.ResponseWriter) bool                  // overrides token answers
	badJWTOK  bool                                              // a refused JWT is what the test wants
}

func (f *fakeSalesforce) setRest(fn func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	f.rest = fn
	f.mu.Unlock()
}

// seen returns copies of what the fake recorded.
func (f *fakeSalesforce) seen() (grants, reqs, bodies, auth []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := func(s []string) []string { return append([]string(nil), s...) }
	return c(f.grants), c(f.reqs), c(f.bodies), c(f.authHdrs)
}

func (f *fakeSalesforce) reset() {
	f.mu.Lock()
	f.grants, f.reqs, f.bodies, f.authHdrs = nil, nil, nil, nil
	f.mu.Unlock()
}

func newFake(t *testing.T) *fakeSalesforce { return newFakeJWT(t, nil) }

// newFakeJWT makes a fake that expects the JWT bearer flow with pub's key
// (the client-credentials flow when pub is nil).
func newFakeJWT(t *testing.T, pub *rsa.PublicKey) *fakeSalesforce {
	f := &fakeSalesforce{t: t, valid: map[string]bool{}, pub: pub}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSalesforce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if r.URL.Path == "/services/oauth2/token" {
		f.token(w, r, body)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.Path)
	f.bodies = append(f.bodies, string(body))
	f.authHdrs = append(f.authHdrs, r.Header.Get("Authorization"))
	ok := f.valid[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	override := f.rest
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`)
		return
	}
	if override != nil && override(w, r) {
		return
	}
	switch {
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/services/data/v60.0/sobjects/Case/"):
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == "/services/data/v60.0/sobjects/CaseComment":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"00a8a00000XyZabAAB","success":true,"errors":[]}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`)
	}
}

func (f *fakeSalesforce) token(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		f.t.Errorf("token request %s %s", r.Method, r.Header.Get("Content-Type"))
	}
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.grants = append(f.grants, form.Get("grant_type"))
	fail, badOK, pub := f.tokenFail, f.badJWTOK, f.pub
	f.mu.Unlock()
	if fail != nil && fail(w) {
		return
	}
	deny := func(code string) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":%q,"error_description":"denied for integration@nordlicht.example"}`, code)
	}
	switch form.Get("grant_type") {
	case "client_credentials":
		if pub != nil || form.Get("client_id") != testClientID || form.Get("client_secret") != testSecret {
			deny("invalid_client")
			return
		}
	case jwtBearerGrant:
		if pub == nil {
			deny("unsupported_grant_type")
			return
		}
		if err := f.checkJWT(pub, form.Get("assertion")); err != nil {
			if !badOK {
				f.t.Errorf("JWT: %v", err)
			}
			deny("invalid_grant")
			return
		}
	default:
		deny("unsupported_grant_type")
		return
	}
	f.mu.Lock()
	f.issued++
	tok := fmt.Sprintf("00D8a000000XyZw!token-%d", f.issued)
	f.valid[tok] = true
	f.mu.Unlock()
	fmt.Fprintf(w, `{"access_token":%q,"instance_url":%q,"id":"https://login.salesforce.com/id/00D/005","token_type":"Bearer","issued_at":"1764345600000","signature":"x"}`, tok, f.srv.URL)
}

// checkJWT verifies the assertion the way Salesforce does: RS256 with the
// certificate's public key, iss = consumer key, sub = username, aud =
// login URL, exp in the near future.
func (f *fakeSalesforce) checkJWT(pub *rsa.PublicKey, assertion string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errors.New("not three parts")
	}
	enc := base64.RawURLEncoding
	hb, err := enc.DecodeString(parts[0])
	if err != nil {
		return err
	}
	var header struct{ Alg string }
	if json.Unmarshal(hb, &header) != nil || header.Alg != "RS256" {
		return fmt.Errorf("header %s", hb)
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	cb, err := enc.DecodeString(parts[1])
	if err != nil {
		return err
	}
	var claims struct {
		Iss, Sub, Aud string
		Exp           int64
	}
	if err := json.Unmarshal(cb, &claims); err != nil {
		return err
	}
	now := time.Now().Unix()
	if claims.Iss != testClientID || claims.Sub != testUser || claims.Aud != f.srv.URL || claims.Exp <= now || claims.Exp > now+300 {
		return fmt.Errorf("claims %+v", claims)
	}
	return nil
}

// failToken makes the token endpoint answer status and body.
func (f *fakeSalesforce) failToken(status int, body string) {
	f.mu.Lock()
	f.tokenFail = func(w http.ResponseWriter) bool {
		w.WriteHeader(status)
		io.WriteString(w, body)
		return true
	}
	f.mu.Unlock()
}

func (f *fakeSalesforce) expire() {
	f.mu.Lock()
	f.valid = map[string]bool{}
	f.mu.Unlock()
}

func writeback(comment string) plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: testCase, Customer: plaudit.Customer{Name: "Lukas Fischer"}},
		Response: plaudit.Response{ID: "rsp_1", Score: 4, Comment: comment, Excellence: []string{"knowledgeable", "went_extra_mile"},
			Version: 1},
	}
}

func TestWritebackClientCredentials(t *testing.T) {
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL, "rating_field": "Plaudit_Score__c", "comment_field": "Plaudit_Comment__c"}, nil)
	ctx := context.Background()
	if err := c.Writeback(ctx, writeback("Sehr kompetent")); err != nil {
		t.Fatal(err)
	}
	w := writeback("")
	w.Update = true
	if err := c.Writeback(ctx, w); err != nil {
		t.Fatal(err)
	}
	grants, reqs, bodies, auth := f.seen()
	if len(grants) != 1 || grants[0] != "client_credentials" {
		t.Errorf("token requests %q: the token should be fetched once and cached", grants)
	}
	wantReqs := []string{
		"PATCH /services/data/v60.0/sobjects/Case/" + testCase,
		"POST /services/data/v60.0/sobjects/CaseComment",
		"PATCH /services/data/v60.0/sobjects/Case/" + testCase,
		"POST /services/data/v60.0/sobjects/CaseComment",
	}
	if strings.Join(reqs, "\n") != strings.Join(wantReqs, "\n") {
		t.Fatalf("requests\n%s", strings.Join(reqs, "\n"))
	}
	for _, h := range auth {
		if h != "Bearer 00D8a000000XyZw!token-1" {
			t.Errorf("authorization %q", h)
		}
	}
	if bodies[0] != `{"Plaudit_Comment__c":"Sehr kompetent","Plaudit_Score__c":4}` {
		t.Errorf("case update %s", bodies[0])
	}
	if f.bodies[1] != `{"ParentId":"5008a00001AbCdEAAV","CommentBody":"Customer feedback via Plaudit: 4/5 ★★★★☆\nComment: Sehr kompetent\nStrengths: knowledgeable, went extra mile","IsPublished":false}` {
		t.Errorf("case comment %s", bodies[1])
	}
	if bodies[2] != `{"Plaudit_Score__c":4}` || !strings.Contains(bodies[3], `"CommentBody":"Feedback updated via Plaudit: 4/5`) {
		t.Errorf("update bodies %s / %s", bodies[2], bodies[3])
	}

	// Without rating and comment fields only the comment is posted.
	f.reset()
	plain := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
	if err := plain.Writeback(ctx, writeback("x")); err != nil {
		t.Fatal(err)
	}
	if _, reqs, _, _ := f.seen(); len(reqs) != 1 || reqs[0] != "POST /services/data/v60.0/sobjects/CaseComment" {
		t.Errorf("requests %q", reqs)
	}
}

func TestWritebackJWTBearer(t *testing.T) {
	f := newFakeJWT(t, &testKey().PublicKey)
	c := newClient(t, map[string]any{"login_url": f.srv.URL, "username": testUser, "api_version": "61.0"},
		map[string]string{SecretPrivateKey: keyPEM(testKey())})
	if c.cfg.APIVersion != "v61.0" {
		t.Errorf("api version %q", c.cfg.APIVersion)
	}
	f.setRest(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/services/data/v61.0/sobjects/CaseComment" {
			t.Errorf("path %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"00a","success":true,"errors":[]}`)
		return true
	})
	if err := c.Writeback(context.Background(), writeback("ok")); err != nil {
		t.Fatal(err)
	}
	if grants, _, _, _ := f.seen(); len(grants) != 1 || grants[0] != jwtBearerGrant {
		t.Errorf("grants %q", grants)
	}

	// A key the org does not know is refused at the token endpoint.
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.badJWTOK = true
	f.mu.Unlock()
	bad := newClient(t, map[string]any{"login_url": f.srv.URL, "username": testUser},
		map[string]string{SecretPrivateKey: keyPEM(other)})
	err = bad.Writeback(context.Background(), writeback("ok"))
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != "salesforce: token request rejected (invalid_grant)" {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "integration@") {
		t.Errorf("error %q repeats the token endpoint's description", err)
	}
}

func TestWritebackRefreshesExpiredSession(t *testing.T) {
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
	ctx := context.Background()
	if err := c.Writeback(ctx, writeback("a")); err != nil {
		t.Fatal(err)
	}
	f.expire()
	if err := c.Writeback(ctx, writeback("b")); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	if grants, _, _, _ := f.seen(); len(grants) != 2 {
		t.Errorf("%d token requests, want 2", len(grants))
	}
	// A session refused even when new: one refresh only, then permanent.
	f.setRest(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`)
		return true
	})
	f.reset()
	err := c.Writeback(ctx, writeback("c"))
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != "salesforce: authentication failed (401 INVALID_SESSION_ID)" {
		t.Fatalf("err = %v", err)
	}
	if grants, _, _, _ := f.seen(); len(grants) != 1 {
		t.Errorf("%d token requests, want exactly one refresh", len(grants))
	}
}

func TestConcurrentWritebacksShareOneToken(t *testing.T) {
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Writeback(context.Background(), writeback("x"))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if grants, _, _, _ := f.seen(); len(grants) != 1 {
		t.Errorf("%d token requests, want 1", len(grants))
	}
}

func TestWritebackErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     string // Retry-After
		body       string
		retryAfter time.Duration
		permanent  string
	}{
		{"API limit", 403, "", `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, 60 * time.Second, ""},
		{"API limit with Retry-After", 403, "120", `[{"message":"x","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, 120 * time.Second, ""},
		{"unavailable", 503, "", `[{"message":"Server unavailable","errorCode":"SERVER_UNAVAILABLE"}]`, 60 * time.Second, ""},
		{"server error", 500, "", `[{"message":"An unexpected error occurred","errorCode":"UNKNOWN_EXCEPTION"}]`, 0, ""},
		{"row lock", 400, "", `[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]`, 0, ""},
		{"deleted case", 400, "", `[{"message":"entity is deleted","errorCode":"ENTITY_IS_DELETED","fields":[]}]`, 0, "salesforce: add case comment rejected (400 ENTITY_IS_DELETED)"},
		{"field too long", 400, "", `[{"message":"Comment: data value too large: Lukas Fischer said (max length=255)","errorCode":"STRING_TOO_LONG","fields":["CommentBody"]}]`, 0, "salesforce: add case comment rejected (400 STRING_TOO_LONG)"},
		{"no access", 403, "", `[{"message":"insufficient access rights on object id","errorCode":"INSUFFICIENT_ACCESS_OR_READONLY"}]`, 0, "salesforce: add case comment rejected (403 INSUFFICIENT_ACCESS_OR_READONLY)"},
		{"not found", 404, "", `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`, 0, "salesforce: add case comment rejected (404 NOT_FOUND)"},
		{"bare 400", 400, "", `oops`, 0, "salesforce: add case comment rejected (400)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.setRest(func(w http.ResponseWriter, r *http.Request) bool {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			})
			c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
			err := c.Writeback(context.Background(), writeback("Lukas Fischer said"))
			checkClass(t, err, tc.retryAfter, tc.permanent)
		})
	}
}

func TestWritebackStopsBeforeCommentWhenFieldsFail(t *testing.T) {
	f := newFake(t)
	f.setRest(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `[{"message":"No such column 'Plaudit_Score__c' on sobject of type Case","errorCode":"INVALID_FIELD"}]`)
			return true
		}
		return false
	})
	c := newClient(t, map[string]any{"login_url": f.srv.URL, "rating_field": "Plaudit_Score__c"}, nil)
	err := c.Writeback(context.Background(), writeback("x"))
	checkClass(t, err, 0, "salesforce: update case rejected (400 INVALID_FIELD)")
	if _, reqs, _, _ := f.seen(); len(reqs) != 1 {
		t.Errorf("requests %q: no comment may follow a failed update", reqs)
	}
}

func TestTokenErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		retryAfter time.Duration
		permanent  string
	}{
		{"bad secret", 400, `{"error":"invalid_client","error_description":"invalid client credentials"}`, 0, "salesforce: token request rejected (invalid_client)"},
		{"flow not enabled", 400, `{"error":"invalid_grant","error_description":"no client credentials user enabled"}`, 0, "salesforce: token request rejected (invalid_grant)"},
		{"server error", 500, `<html>`, 0, ""},
		{"throttled", 429, ``, 60 * time.Second, ""},
		{"odd answer", 200, `{"access_token":"x"}`, 0, ""},
		{"instance not https", 200, `{"access_token":"x","instance_url":"http://evil.example"}`, 0, "salesforce: token answer has an instance_url that is not https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.failToken(tc.status, tc.body)
			c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
			err := c.Writeback(context.Background(), writeback("x"))
			checkClass(t, err, tc.retryAfter, tc.permanent)
			if _, reqs, _, _ := f.seen(); len(reqs) != 0 {
				t.Errorf("REST called without a token: %q", reqs)
			}
		})
	}
}

func checkClass(t *testing.T, err error, retryAfter time.Duration, permanent string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	after, isRetryAfter := plaudit.RetryAfter(err)
	switch {
	case retryAfter > 0:
		if !isRetryAfter || after != retryAfter || plaudit.IsPermanent(err) {
			t.Errorf("err = %v, want retry after %s", err, retryAfter)
		}
	case permanent != "":
		var p *plaudit.PermanentError
		if !errors.As(err, &p) || p.Reason != permanent || isRetryAfter {
			t.Errorf("err = %v, want permanent %q", err, permanent)
		}
	default:
		if plaudit.IsPermanent(err) || isRetryAfter {
			t.Errorf("err = %v, want a plain retryable error", err)
		}
	}
	if strings.Contains(err.Error(), "Lukas") || strings.Contains(err.Error(), "Fischer") {
		t.Errorf("error %q carries personal data", err)
	}
}

func TestCommentBodyCutOnRuneBoundary(t *testing.T) {
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
	long := strings.Repeat("€", 1500) // 4500 bytes
	if err := c.Writeback(context.Background(), writeback(long)); err != nil {
		t.Fatal(err)
	}
	var got struct{ CommentBody string }
	_, _, bodies, _ := f.seen()
	if err := json.Unmarshal([]byte(bodies[0]), &got); err != nil {
		t.Fatal(err)
	}
	full := note.Text(writeback(long))
	if len(got.CommentBody) > MaxCommentBody || len(got.CommentBody) < MaxCommentBody-3 ||
		!utf8.ValidString(got.CommentBody) || !strings.HasPrefix(full, got.CommentBody) {
		t.Errorf("comment body of %d bytes (valid UTF-8: %v)", len(got.CommentBody), utf8.ValidString(got.CommentBody))
	}
}

func TestWritebackBadCaseID(t *testing.T) {
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
	w := writeback("x")
	w.Interaction.ExternalID = "../../sobjects/User/005"
	if err := c.Writeback(context.Background(), w); !plaudit.IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
	if grants, reqs, _, _ := f.seen(); len(reqs)+len(grants) != 0 {
		t.Error("called Salesforce with a bad case id")
	}
}

func TestValidate(t *testing.T) {
	k := Kind()
	cs := map[string]string{SecretClientSecret: "s"}
	jwt := map[string]string{SecretPrivateKey: keyPEM(testKey())}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, tc := range []struct {
		config  string
		secrets map[string]string
		msg     string
	}{
		{`{"org_id":"00D8a000000XyZw","client_id":"c"}`, cs, ""},
		{`{"org_id":"00D8a000000XyZwEAK","client_id":"c","login_url":"https://nordlicht.my.salesforce.com","api_version":"v59.0",
		   "field_map":{"customer_email":"Email__c","closed":"IsClosed"},"rating_field":"Score__c","comment_field":"Comment__c"}`, cs, ""},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","username":"u@x.example"}`, jwt, ""},
		{`{"client_id":"c"}`, cs, "config.org_id is required"},
		{`{"org_id":"00D8a","client_id":"c"}`, cs, "config.org_id must be a 15- or 18-character Salesforce organization id"},
		{`{"org_id":"00D8a000000XyZw"}`, cs, "config.client_id is required"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c"}`, nil, "config.client_secret is required"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","login_url":"http://login.salesforce.com"}`, cs, "config.login_url must be an https URL"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","api_version":"latest"}`, cs, `config.api_version must look like "v60.0"`},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","field_map":{"customer_email":"Email; DROP"}}`, cs, `config.field_map.customer_email must be a field's API name such as "Rating__c"`},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","field_map":{"customer_mail":"Email__c"}}`, cs, "config.field_map.customer_mail is not a known setting"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","field_map":"x"}`, cs, "config.field_map must be an object"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","rating_field":"Score__c","comment_field":"score__c"}`, cs, "config.comment_field must differ from config.rating_field"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","username":"u@x.example"}`, cs, "config.private_key is required for the JWT bearer flow (username is set)"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c"}`, jwt, "config.username is required for the JWT bearer flow (private_key is set)"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","username":"u"}`, map[string]string{SecretPrivateKey: "not a key"}, "config.private_key must be an RSA private key in PEM form (2048 bits or more)"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","username":"u"}`, map[string]string{SecretPrivateKey: keyPEM(small)}, "config.private_key must be an RSA private key in PEM form (2048 bits or more)"},
		{`{"org_id":"00D8a000000XyZw","client_id":"c","org":"x"}`, cs, "config.org is not a known setting"},
	} {
		err := k.Validate(json.RawMessage(tc.config), tc.secrets)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("Validate(%s) = %v", tc.config, err)
			}
			continue
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != tc.msg {
			t.Errorf("Validate(%s) = %v, want %q", tc.config, err, tc.msg)
		}
	}
	// PKCS #1 keys are read too.
	pk1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey())}))
	if err := k.Validate(json.RawMessage(`{"org_id":"00D8a000000XyZw","client_id":"c","username":"u"}`), map[string]string{SecretPrivateKey: pk1}); err != nil {
		t.Errorf("PKCS #1 key: %v", err)
	}
	c := newClient(t, nil, nil)
	if c.cfg.LoginURL != DefaultLoginURL || c.cfg.APIVersion != DefaultAPIVersion {
		t.Errorf("defaults %+v", c.cfg)
	}
}

func TestReceiveReadsCaseLanguageByDefault(t *testing.T) {
	c := newClient(t, nil, nil)
	evs, err := c.Receive(context.Background(), plaudit.Delivery{Body: message(testOrg15, 1,
		`<sf:IsClosed>true</sf:IsClosed><sf:Language>de_AT</sf:Language>`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := evs[0].Interaction.Customer.Language; got != "de_AT" {
		t.Errorf("language %q, want the Case's Language field (de_AT)", got)
	}
	if l := plaudit.Language(evs[0].Interaction.Customer.Language, "en"); l != "de" {
		t.Errorf("de_AT maps to %q, want de", l)
	}
}

// TestWritebackStatusReportsTheAnswer checks the status the delivery log
// records: the CaseComment's 201, the refusing call's status, the token
// endpoint's when no token could be had.
func TestWritebackStatusReportsTheAnswer(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL, "rating_field": "Plaudit_Score__c"}, nil)
	if status, err := c.WritebackStatus(ctx, writeback("x")); err != nil || status != http.StatusCreated {
		t.Errorf("success: %d, %v; want 201", status, err)
	}
	f.setRest(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`)
		return true
	})
	status, err := c.WritebackStatus(ctx, writeback("x"))
	if _, ok := plaudit.RetryAfter(err); !ok || status != http.StatusForbidden {
		t.Errorf("API limit: %d, %v; want 403 and a retry", status, err)
	}

	f2 := newFake(t)
	f2.mu.Lock()
	f2.tokenFail = func(w http.ResponseWriter) bool {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_client"}`)
		return true
	}
	f2.mu.Unlock()
	c2 := newClient(t, map[string]any{"login_url": f2.srv.URL}, nil)
	if status, err := c2.WritebackStatus(ctx, writeback("x")); !plaudit.IsPermanent(err) || status != http.StatusBadRequest {
		t.Errorf("token refused: %d, %v; want 400 and a permanent error", status, err)
	}
}

func TestReceiveAgentEmailField(t *testing.T) {
	c := newClient(t, map[string]any{"field_map": map[string]string{"agent_email": "Owner_Email__c"}}, nil)
	evs, err := c.Receive(context.Background(), plaudit.Delivery{Body: message(testOrg15, 1,
		`<sf:IsClosed>true</sf:IsClosed><sf:OwnerId>00G8a000000QueueAAA</sf:OwnerId><sf:Owner_Email__c>Jonas.Weber@Nordlicht.example</sf:Owner_Email__c>`)})
	if err != nil {
		t.Fatal(err)
	}
	if a := evs[0].Interaction.Agent; a.Email != "jonas.weber@nordlicht.example" || a.ExternalID != "00G8a000000QueueAAA" {
		t.Errorf("agent %+v, want the owner id and the mapped email", a)
	}
	// Without the setting no field is read as the agent's email.
	plain := newClient(t, nil, nil)
	evs, _ = plain.Receive(context.Background(), plaudit.Delivery{Body: message(testOrg15, 1,
		`<sf:IsClosed>true</sf:IsClosed><sf:Owner_Email__c>jonas.weber@nordlicht.example</sf:Owner_Email__c>`)})
	if evs[0].Interaction.Agent.Email != "" {
		t.Errorf("agent email %q without field_map.agent_email", evs[0].Interaction.Agent.Email)
	}
	if err := Kind().Validate(json.RawMessage(`{"org_id":"00D8a000000XyZw","client_id":"c","field_map":{"agent_email":"Owner Email"}}`),
		map[string]string{SecretClientSecret: "s"}); err == nil || !strings.Contains(err.Error(), "config.field_map.agent_email") {
		t.Errorf("a bad field name: %v", err)
	}
}
