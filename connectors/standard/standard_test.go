package standard

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
	"github.com/plaudit/plaudit/egress"
)

// Secrets of 24 and 32 bytes, as Standard Webhooks senders issue them.
var (
	secretCurrent  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("current-signing-secret-32-bytes!"))
	secretPrevious = "whsec_" + base64.StdEncoding.EncodeToString([]byte("previous-secret-24-bytes"))
	secretOther    = "whsec_" + base64.StdEncoding.EncodeToString([]byte("someone-elses-secret-24b"))
	cbCurrent      = "whsec_" + base64.StdEncoding.EncodeToString([]byte("callback-secret-current-32bytes!"))
	cbPrevious     = "whsec_" + base64.StdEncoding.EncodeToString([]byte("callback-secret-previous"))
)

var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

const triggerBody = `{"ext_interaction_id":"INC-4711","channel":"chat",
	"customer":{"name":"Anna Schneider","email":"anna.schneider@example.org","language":"de","country":"DE"},
	"employee":{"custom_id":"emp-17"},"tags":["vip"]}`

func newClient(t testing.TB, cfg map[string]any, secrets map[string]string) *Client {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	c, err := NewClient(plaudit.Connector{ID: "con_std", Kind: Name, Config: raw, Secrets: secrets},
		plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// signed makes a delivery signed with the library, as a sender would.
func signed(t testing.TB, secret, id string, ts time.Time, body []byte) plaudit.Delivery {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	return plaudit.Delivery{Header: h, Body: body, Now: testNow}
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

func TestReceive(t *testing.T) {
	c := newClient(t, nil, map[string]string{SecretSigningSecret: secretCurrent})
	events, err := c.Receive(context.Background(), signed(t, secretCurrent, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", testNow.Add(-time.Minute), []byte(triggerBody)))
	if err != nil {
		t.Fatal(err)
	}
	want := plaudit.Interaction{
		Source: "standard", DedupKey: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", ExternalID: "INC-4711", Event: plaudit.EventSolved, Channel: "chat",
		Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Language: "de", Country: "DE"},
		Agent:    plaudit.AgentRef{ExternalID: "emp-17"},
		Tags:     []string{"vip"},
	}
	if len(events) != 1 || events[0].DedupKey != "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W" || !reflect.DeepEqual(events[0].Interaction, want) {
		t.Fatalf("events %+v", events)
	}
}

func TestReceiveSignatures(t *testing.T) {
	body := []byte(triggerBody)
	ctx := context.Background()
	c := newClient(t, nil, map[string]string{SecretSigningSecret: secretCurrent})

	_, err := c.Receive(ctx, signed(t, secretOther, "msg_1", testNow, body))
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	_, err = c.Receive(ctx, signed(t, secretCurrent, "msg_1", testNow.Add(-6*time.Minute), body))
	conntest.WantStale(t, err)
	_, err = c.Receive(ctx, signed(t, secretCurrent, "msg_1", testNow.Add(6*time.Minute), body))
	conntest.WantStale(t, err)

	d := signed(t, secretCurrent, "msg_1", testNow, body)
	d.Body = []byte(strings.Replace(triggerBody, "INC-4711", "INC-4712", 1))
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	// The id is signed: a replay under a new id (to dodge dedup) fails.
	d = signed(t, secretCurrent, "msg_1", testNow, body)
	d.Header.Set(standardwebhooks.HeaderWebhookID, "msg_2")
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	// So is the timestamp: moving an old message into the window fails.
	d = signed(t, secretCurrent, "msg_1", testNow.Add(-time.Hour), body)
	d.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(testNow.Unix(), 10))
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	for _, h := range []string{standardwebhooks.HeaderWebhookID, standardwebhooks.HeaderWebhookTimestamp, standardwebhooks.HeaderWebhookSignature} {
		d = signed(t, secretCurrent, "msg_1", testNow, body)
		d.Header.Del(h)
		_, err = c.Receive(ctx, d)
		wantError(t, err, plaudit.EUnauthorized, "signature headers are missing")
	}
	d = signed(t, secretCurrent, "msg_1", testNow, body)
	d.Header.Set(standardwebhooks.HeaderWebhookTimestamp, testNow.Format(time.RFC3339))
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature timestamp is not valid")

	// Several signatures, one of them right (a sender mid-rotation).
	d = signed(t, secretCurrent, "msg_1", testNow, body)
	d.Header.Set(standardwebhooks.HeaderWebhookSignature, "v1,bm90IGl0 v2,abc "+d.Header.Get(standardwebhooks.HeaderWebhookSignature))
	if _, err := c.Receive(ctx, d); err != nil {
		t.Fatalf("list of signatures: %v", err)
	}

	// Without Now, the wall clock is used.
	d = signed(t, secretCurrent, "msg_1", time.Now(), body)
	d.Now = time.Time{}
	if _, err := c.Receive(ctx, d); err != nil {
		t.Fatalf("zero Now: %v", err)
	}

	// A signed but malformed body is refused with the field named.
	_, err = c.Receive(ctx, signed(t, secretCurrent, "msg_1", testNow, []byte(`{"ext_interaction_id":"1","customer":{"email":"nope"},"employee":{"custom_id":"7"}}`)))
	wantError(t, err, plaudit.EInvalid, "customer.email is not an email address")
	_, err = c.Receive(ctx, signed(t, secretCurrent, strings.Repeat("i", 201), testNow, body))
	wantError(t, err, plaudit.EInvalid, "webhook-id must be at most 200 characters")
}

func TestReceiveRotatedSecret(t *testing.T) {
	body := []byte(triggerBody)
	ctx := context.Background()
	c := newClient(t, nil, map[string]string{SecretSigningSecret: secretCurrent, SecretSigningSecretPrevious: secretPrevious})
	for _, s := range []string{secretCurrent, secretPrevious} {
		if _, err := c.Receive(ctx, signed(t, s, "msg_1", testNow, body)); err != nil {
			t.Errorf("during rotation: %v", err)
		}
	}
	_, err := c.Receive(ctx, signed(t, secretOther, "msg_1", testNow, body))
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	// Once the rotation is over, the previous secret no longer verifies.
	after := newClient(t, nil, map[string]string{SecretSigningSecret: secretCurrent})
	_, err = after.Receive(ctx, signed(t, secretPrevious, "msg_1", testNow, body))
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")
}

func testWriteback() plaudit.Writeback {
	created := time.Date(2026, 11, 28, 17, 58, 0, 0, time.UTC)
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: "INC-4711"},
		Request:     plaudit.FeedbackRequest{ID: "req_9"},
		Response: plaudit.Response{ID: "rsp_42", RequestID: "req_9", Score: 5, Comment: "quick and kind",
			Excellence: []string{"friendly", "fast"}, Reward: true, Version: 2, CreatedAt: created, UpdatedAt: created.Add(time.Minute)},
		Agent:  plaudit.Agent{ID: "agt_3", Email: "jonas@nordlicht.example", Name: "Jonas Weber"},
		Update: true,
	}
}

// receiver is a callback endpoint that verifies deliveries with the
// Standard Webhooks library, as a tenant's own system would.
type receiver struct {
	mu      sync.Mutex
	secrets []string
	got     []Callback
	headers []http.Header
	errs    []error
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for _, s := range rv.secrets {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(body, r.Header); err != nil {
			rv.errs = append(rv.errs, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	var cb Callback
	if err := json.Unmarshal(body, &cb); err != nil {
		rv.errs = append(rv.errs, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rv.got = append(rv.got, cb)
	rv.headers = append(rv.headers, r.Header.Clone())
	w.WriteHeader(http.StatusNoContent)
}

func TestCallback(t *testing.T) {
	// The receiver checks with each secret on its own: both signatures
	// must be there while the callback secret rotates.
	rv := &receiver{secrets: []string{cbCurrent, cbPrevious}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	c := newClient(t, map[string]any{"callback_url": srv.URL + "/plaudit"},
		map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent, SecretCallbackSecretPrevious: cbPrevious})
	c.now = time.Now

	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if len(rv.errs) > 0 || len(rv.got) != 1 {
		t.Fatalf("receiver: %v, %d callbacks", rv.errs, len(rv.got))
	}
	cb := rv.got[0]
	if cb.Type != "feedback.response.created" {
		t.Errorf("type %q", cb.Type)
	}
	if ts, err := time.Parse(time.RFC3339, cb.Timestamp); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("timestamp %q", cb.Timestamp)
	}
	w := testWriteback()
	want := CallbackData{ResponseID: "rsp_42", RequestID: "req_9", ExtInteractionID: "INC-4711", Score: 5, Comment: "quick and kind",
		Excellence: []string{"friendly", "fast"}, Improvement: []string{}, Reward: true,
		Agent:     CallbackAgent{ID: "agt_3", Email: "jonas@nordlicht.example", Name: "Jonas Weber"},
		CreatedAt: w.Response.CreatedAt, UpdatedAt: w.Response.UpdatedAt, Update: true}
	if !reflect.DeepEqual(cb.Data, want) {
		t.Errorf("data\n got %+v\nwant %+v", cb.Data, want)
	}
	h := rv.headers[0]
	if h.Get("webhook-id") != "rsp_42:2" || len(strings.Fields(h.Get("webhook-signature"))) != 2 ||
		!strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("headers %v", h)
	}
}

func TestCallbackSingleSecretAndNoCallback(t *testing.T) {
	rv := &receiver{secrets: []string{cbCurrent}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	c := newClient(t, map[string]any{"callback_url": srv.URL}, map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent})
	c.now = time.Now
	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	rv.mu.Lock()
	if len(rv.got) != 1 || len(strings.Fields(rv.headers[0].Get("webhook-signature"))) != 1 {
		t.Errorf("callbacks %d, errors %v", len(rv.got), rv.errs)
	}
	rv.mu.Unlock()

	// A receiver with another secret refuses the callback: permanent.
	other := &receiver{secrets: []string{secretOther}}
	srv2 := httptest.NewServer(other)
	defer srv2.Close()
	c = newClient(t, map[string]any{"callback_url": srv2.URL}, map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent})
	if err := c.Writeback(context.Background(), testWriteback()); !plaudit.IsPermanent(err) {
		t.Errorf("refused callback: err = %v", err)
	}

	// No callback_url: nothing to do.
	none := newClient(t, nil, map[string]string{SecretSigningSecret: secretCurrent})
	if err := none.Writeback(context.Background(), testWriteback()); err != nil {
		t.Errorf("without callback_url: %v", err)
	}
}

func TestCallbackErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		wantAfter  time.Duration
		permanent  string
	}{
		{"throttled", 429, "12", 12 * time.Second, ""},
		{"throttled without header", 429, "", 60 * time.Second, ""},
		{"unavailable with Retry-After", 503, "30", 30 * time.Second, ""},
		{"server error", 500, "", 0, ""},
		{"gateway timeout", 504, "", 0, ""},
		{"request timeout", 408, "", 0, ""},
		{"bad request", 400, "", 0, "standard: callback rejected (400)"},
		{"gone", 410, "", 0, "standard: callback rejected (410)"},
		{"not found", 404, "", 0, "standard: callback rejected (404)"},
		{"redirect", 302, "", 0, "standard: callback was redirected (302); redirects are not followed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits := 0
			var mu sync.Mutex
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits++
				mu.Unlock()
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				if tc.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			c := newClient(t, map[string]any{"callback_url": srv.URL}, map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent})
			err := c.Writeback(context.Background(), testWriteback())
			if err == nil {
				t.Fatal("no error")
			}
			after, isRetryAfter := plaudit.RetryAfter(err)
			switch {
			case tc.wantAfter > 0:
				if !isRetryAfter || after != tc.wantAfter || plaudit.IsPermanent(err) {
					t.Errorf("err = %v, want retry after %s", err, tc.wantAfter)
				}
			case tc.permanent != "":
				var p *plaudit.PermanentError
				if !errors.As(err, &p) || p.Reason != tc.permanent {
					t.Errorf("err = %v, want permanent %q", err, tc.permanent)
				}
			default:
				if plaudit.IsPermanent(err) || isRetryAfter {
					t.Errorf("err = %v, want plain retryable", err)
				}
			}
			if strings.Contains(err.Error(), "quick and kind") || strings.Contains(err.Error(), "jonas@") {
				t.Errorf("error %q carries personal data", err)
			}
			mu.Lock()
			if hits != 1 {
				t.Errorf("%d requests (redirects must not be followed)", hits)
			}
			mu.Unlock()
		})
	}

	// A receiver that does not answer in time: retryable.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	c := newClient(t, map[string]any{"callback_url": srv.URL}, map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.Writeback(ctx, testWriteback()); err == nil || plaudit.IsPermanent(err) {
		t.Errorf("timeout: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	k := Kind()
	sec := map[string]string{SecretSigningSecret: secretCurrent}
	withCB := map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent}
	for _, tc := range []struct {
		config  string
		secrets map[string]string
		msg     string
	}{
		{`{}`, sec, ""},
		{``, sec, ""},
		{`{"callback_url":"https://hooks.example/plaudit"}`, withCB, ""},
		{`{}`, map[string]string{SecretSigningSecret: secretCurrent, SecretSigningSecretPrevious: secretPrevious}, ""},
		{`{}`, nil, "config.signing_secret is required"},
		{`{}`, map[string]string{SecretSigningSecret: "plain-text-secret"}, `config.signing_secret must be "whsec_" followed by 24 to 64 base64-encoded bytes`},
		{`{}`, map[string]string{SecretSigningSecret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("short"))}, `config.signing_secret must be "whsec_" followed by 24 to 64 base64-encoded bytes`},
		{`{}`, map[string]string{SecretSigningSecret: "whsec_!!!notbase64!!!"}, `config.signing_secret must be "whsec_" followed by 24 to 64 base64-encoded bytes`},
		{`{}`, map[string]string{SecretSigningSecret: secretCurrent, SecretSigningSecretPrevious: "x"}, `config.signing_secret_previous must be "whsec_" followed by 24 to 64 base64-encoded bytes`},
		{`{"callback_url":"https://hooks.example/plaudit"}`, sec, "config.callback_secret is required when callback_url is set"},
		{`{"callback_url":"https://hooks.example/plaudit"}`, map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: "x"}, `config.callback_secret must be "whsec_" followed by 24 to 64 base64-encoded bytes`},
		{`{"callback_url":"http://hooks.example/plaudit"}`, withCB, "config.callback_url must be an https URL"},
		{`{"callback_url":"not a url"}`, withCB, "config.callback_url must be an https URL"},
		{`{"callback_url":5}`, withCB, "config.callback_url must be a string"},
		{`{"callback":"https://hooks.example"}`, withCB, "config.callback is not a known setting"},
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
			t.Errorf("Validate(%s, %v) = %v, want %q", tc.config, tc.secrets, err, tc.msg)
		}
	}
}

// TestWritebackStatusReportsTheAnswer checks what the delivery log
// records: the receiver's status, 0 when no answer came, and 0 without an
// error when there is no callback_url (nothing was sent, nothing to log).
func TestWritebackStatusReportsTheAnswer(t *testing.T) {
	ctx := context.Background()
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	secrets := map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent}
	c := newClient(t, map[string]any{"callback_url": srv.URL}, secrets)
	if got, err := c.WritebackStatus(ctx, testWriteback()); err != nil || got != http.StatusAccepted {
		t.Errorf("accepted: %d, %v; want 202", got, err)
	}
	status = http.StatusBadGateway
	if got, err := c.WritebackStatus(ctx, testWriteback()); err == nil || got != http.StatusBadGateway {
		t.Errorf("bad gateway: %d, %v; want 502 and an error", got, err)
	}
	addr := srv.Listener.Addr().String()
	srv.Close()
	gone := newClient(t, map[string]any{"callback_url": "http://" + addr}, secrets)
	if got, err := gone.WritebackStatus(ctx, testWriteback()); err == nil || got != 0 || plaudit.IsPermanent(err) {
		t.Errorf("no answer: %d, %v; want 0 and a retryable error", got, err)
	}
	none := newClient(t, nil, map[string]string{SecretSigningSecret: secretCurrent})
	if got, err := none.WritebackStatus(ctx, testWriteback()); err != nil || got != 0 {
		t.Errorf("no callback_url: %d, %v; want 0 and nil", got, err)
	}
}

// A tenant chooses callback_url, and reads the delivery log: if a closed
// port, an open one that speaks something else, one that never answers
// and an address the egress policy refuses each left a different text
// there, the callback would be a port scanner of whatever the URL points
// at. All of them read the same.
func TestUnreachableCallbacksReadAlike(t *testing.T) {
	closed := listen(t, nil)
	closedURL := "http://" + closed.Addr().String()
	closed.Close()
	hangUp := listen(t, func(c net.Conn) { c.Close() })
	banner := listen(t, func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n"); c.Close() })
	silent := listen(t, func(c net.Conn) { time.Sleep(time.Second); c.Close() })
	secrets := map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent}

	texts := map[string]string{}
	for name, u := range map[string]string{
		"connection refused": closedURL,
		"closed at once":     "http://" + hangUp.Addr().String(),
		"not HTTP":           "http://" + banner.Addr().String(),
		"not TLS":            "https://" + banner.Addr().String(),
		"no answer":          "http://" + silent.Addr().String(),
	} {
		c := newClient(t, map[string]any{"callback_url": u}, secrets)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := c.WritebackStatus(ctx, testWriteback())
		cancel()
		if err == nil || plaudit.IsPermanent(err) {
			t.Fatalf("%s: err = %v, want retryable", name, err)
		}
		texts[name] = err.Error()
	}
	raw, _ := json.Marshal(map[string]any{"callback_url": "http://" + hangUp.Addr().String()})
	strict, err := NewClient(plaudit.Connector{ID: "con_std", Kind: Name, Config: raw, Secrets: secrets},
		plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = strict.WritebackStatus(context.Background(), testWriteback())
	var p *plaudit.PermanentError
	if !errors.As(err, &p) {
		t.Fatalf("refused address: err = %v, want permanent", err)
	}
	texts["refused by policy"] = p.Reason

	for name, text := range texts {
		if text != "standard: callback: destination unreachable or not allowed" {
			t.Errorf("%s: delivery log would read %q", name, text)
		}
	}
}

// listen accepts connections on a loopback port and hands each to serve
// (nil: accept nothing).
func listen(t *testing.T, serve func(net.Conn)) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if serve != nil {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go serve(c)
			}
		}()
	}
	return l
}
