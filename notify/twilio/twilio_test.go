package twilio

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "authtoken0123456789"
)

var testSMS = notify.SMS{
	To:             "+4915112345678",
	Body:           "Acme: How did Max do? Reply 1-5 (5=great) or tap https://fb.acme-help.com/f/Qm9vZ3J5aWQxMjM0NT Reply STOP to opt out.",
	StatusCallback: "https://plaudit.example.com/hooks/twilio/status",
	TenantID:       "ten_1",
	RequestID:      "req_1",
}

const createdJSON = `{"account_sid":"` + sid + `","api_version":"2010-04-01","body":"…","date_created":"Thu, 24 Aug 2023 05:01:45 +0000",
"direction":"outbound-api","error_code":null,"error_message":null,"from":"+15557122661","messaging_service_sid":null,
"num_media":"0","num_segments":"1","price":null,"price_unit":"USD","sid":"SM1234567890abcdef1234567890abcdef","status":"queued",
"to":"+4915112345678","uri":"/2010-04-01/Accounts/` + sid + `/Messages/SM1234567890abcdef1234567890abcdef.json"}`

func newClient(t *testing.T, cfg Config, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if cfg.AccountSID == "" {
		cfg.AccountSID, cfg.AuthToken = sid, token
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL
	}
	c, err := NewClient(cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendSMS(t *testing.T) {
	// TWILIO_REGION would make twilio-go rewrite the host; the client must
	// ignore it and use the configured base URL.
	t.Setenv("TWILIO_REGION", "ie1")
	t.Setenv("TWILIO_EDGE", "dublin")
	var form url.Values
	c := newClient(t, Config{From: "+15557122661"}, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+sid+"/Messages.json" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if u, p, ok := r.BasicAuth(); !ok || u != sid || p != token {
			t.Errorf("basic auth = %q %q %v", u, p, ok)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, createdJSON)
	})
	id, err := c.SendSMS(context.Background(), testSMS)
	if err != nil {
		t.Fatal(err)
	}
	if id != "SM1234567890abcdef1234567890abcdef" {
		t.Errorf("sid = %q", id)
	}
	want := url.Values{
		"To":             {testSMS.To},
		"Body":           {testSMS.Body},
		"From":           {"+15557122661"},
		"StatusCallback": {testSMS.StatusCallback},
	}
	for k, v := range want {
		if form.Get(k) != v[0] {
			t.Errorf("%s = %q, want %q", k, form.Get(k), v[0])
		}
	}
	if form.Has("MessagingServiceSid") {
		t.Errorf("MessagingServiceSid sent with a From number")
	}
}

func TestSendSMSMessagingService(t *testing.T) {
	var form url.Values
	c := newClient(t, Config{MessagingServiceSID: "MG0123456789abcdef0123456789abcdef", From: "+15557122661"},
		func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			form = r.PostForm
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, createdJSON)
		})
	m := testSMS
	m.StatusCallback = ""
	if _, err := c.SendSMS(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if form.Get("MessagingServiceSid") != "MG0123456789abcdef0123456789abcdef" || form.Has("From") || form.Has("StatusCallback") {
		t.Errorf("form = %v", form)
	}
}

func TestBaseURLWithPath(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/twilio/2010-04-01/Accounts/"+sid+"/Messages.json" {
			t.Errorf("path = %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, createdJSON)
	}))
	defer srv.Close()
	c, err := NewClient(Config{AccountSID: sid, AuthToken: token, From: "+15557122661", BaseURL: srv.URL + "/twilio/"}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendSMS(context.Background(), testSMS); err != nil {
		t.Fatal(err)
	}
}

func TestNewClient(t *testing.T) {
	c, err := NewClient(Config{AccountSID: sid, AuthToken: token, From: "+15557122661"}, nil)
	if err != nil || c.base.String() != DefaultBaseURL {
		t.Fatalf("base = %v, err = %v", c, err)
	}
	for _, ok := range []Config{
		{AccountSID: sid, AuthToken: token, MessagingServiceSID: "MG0123456789abcdef0123456789abcdef"},
		{AccountSID: sid, AuthToken: token, From: "Acme"},
		{AccountSID: sid, AuthToken: token, From: "12345"},
		{AccountSID: sid, AuthToken: token, From: "+15557122661", BaseURL: "http://127.0.0.1:8081/twilio/"},
	} {
		if _, err := NewClient(ok, nil); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

// TestNewClientRefuses: a configuration Twilio cannot take fails at
// construction, naming the variable, never quoting the value.
func TestNewClientRefuses(t *testing.T) {
	const from = "+15557122661"
	for _, tt := range []struct {
		cfg      Config
		variable string
	}{
		{Config{AuthToken: token, From: from}, "TWILIO_ACCOUNT_SID is required"},
		{Config{AccountSID: "AC-secret-sid", AuthToken: token, From: from}, "TWILIO_ACCOUNT_SID must be"},
		{Config{AccountSID: "SK0123456789abcdef0123456789abcdef", AuthToken: token, From: from}, "TWILIO_ACCOUNT_SID must be"},
		{Config{AccountSID: sid, From: from}, "TWILIO_AUTH_TOKEN is required"},
		{Config{AccountSID: sid, AuthToken: "secret-token-value", From: from}, "TWILIO_AUTH_TOKEN must be letters and digits only"},
		{Config{AccountSID: sid, AuthToken: "secret:token", From: from}, "TWILIO_AUTH_TOKEN must be letters and digits only"},
		{Config{AccountSID: sid, AuthToken: "sécrettoken", From: from}, "TWILIO_AUTH_TOKEN must be letters and digits only"},
		{Config{AccountSID: sid, AuthToken: token}, "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required"},
		{Config{AccountSID: sid, AuthToken: token, MessagingServiceSID: "MGsecret"}, "TWILIO_MESSAGING_SERVICE_SID must be"},
		{Config{AccountSID: sid, AuthToken: token, From: "030123456789"}, "TWILIO_FROM must be"},
		{Config{AccountSID: sid, AuthToken: token, From: "+49 30 1234567"}, "TWILIO_FROM must be"},
		{Config{AccountSID: sid, AuthToken: token, From: "Acme Support"}, "TWILIO_FROM must be"},
		{Config{AccountSID: sid, AuthToken: token, From: from, BaseURL: "api.twilio.com"}, "TWILIO_API_URL must be"},
		{Config{AccountSID: sid, AuthToken: token, From: from, BaseURL: "ftp://secret.example"}, "TWILIO_API_URL must be"},
		{Config{AccountSID: sid, AuthToken: token, From: from, BaseURL: "https://"}, "TWILIO_API_URL must be"},
	} {
		c, err := NewClient(tt.cfg, nil)
		if c != nil || plaudit.ErrorCode(err) != plaudit.EInvalid || !strings.HasPrefix(plaudit.ErrorMessage(err), tt.variable) {
			t.Errorf("%+v: %v, %v; want an error starting %q", tt.cfg, c, err, tt.variable)
			continue
		}
		for _, secret := range []string{"secret", "030123456789", "+49 30", "Acme"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%+v: error %q quotes the value", tt.cfg, err)
			}
		}
	}
}

func twilioError(status, code int, msg string) string {
	return `{"code":` + strconv.Itoa(code) + `,"message":"` + msg + `","more_info":"https://www.twilio.com/docs/errors/` + strconv.Itoa(code) + `","status":` + strconv.Itoa(status) + `}`
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retryAfter time.Duration
		permanent  string
		code       int
	}{
		{name: "429", status: 429, header: map[string]string{"Retry-After": "9"},
			body: twilioError(429, 20429, "Too Many Requests"), retryAfter: 9 * time.Second},
		{name: "429 no header", status: 429, body: twilioError(429, 20429, "Too Many Requests"), retryAfter: notify.DefaultRetryAfter},
		{name: "503 with Retry-After, not JSON", status: 503, header: map[string]string{"Retry-After": "3"},
			body: "<html>busy</html>", retryAfter: 3 * time.Second},
		{name: "500", status: 500, body: twilioError(500, 20500, "Internal Server Error")},
		{name: "502 not JSON", status: 502, body: "<html>Bad Gateway</html>"},
		{name: "400 invalid number", status: 400, code: 21211,
			body:      twilioError(400, 21211, "The 'To' number +4915112345678 is not a valid phone number."),
			permanent: "twilio: 21211 invalid number"},
		{name: "400 opted out", status: 400, code: 21610,
			body:      twilioError(400, 21610, "Attempt to send to unsubscribed recipient +4915112345678"),
			permanent: "twilio: 21610 recipient opted out"},
		{name: "401", status: 401, code: 20003, body: twilioError(401, 20003, "Authenticate"),
			permanent: "twilio: 20003 authentication failed"},
		{name: "400 unknown code", status: 400, code: 21999, body: twilioError(400, 21999, "+4915112345678 something"),
			permanent: "twilio: 400 error code 21999"},
		{name: "404 not JSON", status: 404, body: "not found", permanent: "twilio: 404 not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, Config{From: "+15557122661"}, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := c.SendSMS(context.Background(), testSMS)
			if err == nil {
				t.Fatal("no error")
			}
			noPersonalData(t, err)
			d, isRetryAfter := plaudit.RetryAfter(err)
			var perm *plaudit.PermanentError
			isPerm := errors.As(err, &perm)
			switch {
			case tc.retryAfter > 0:
				if !isRetryAfter || d != tc.retryAfter || isPerm {
					t.Errorf("err = %v, want retry after %s", err, tc.retryAfter)
				}
			case tc.permanent != "":
				if !isPerm || perm.Reason != tc.permanent {
					t.Errorf("err = %v, want permanent %q", err, tc.permanent)
				}
				var pe *notify.ProviderError
				if !errors.As(err, &pe) || pe.Status != tc.status || pe.Code != tc.code {
					t.Errorf("ProviderError = %+v, want status %d code %d", pe, tc.status, tc.code)
				}
			default:
				if isPerm || isRetryAfter {
					t.Errorf("err = %v, want a plain retryable error", err)
				}
			}
		})
	}
}

func TestTransportErrorsAreRetryable(t *testing.T) {
	t.Run("connection reset", func(t *testing.T) {
		c := newClient(t, Config{From: "+15557122661"}, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		})
		_, err := c.SendSMS(context.Background(), testSMS)
		if err == nil || plaudit.IsPermanent(err) {
			t.Fatalf("err = %v, want retryable", err)
		}
		noPersonalData(t, err)
	})
	t.Run("client timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		hc := srv.Client()
		hc.Timeout = 50 * time.Millisecond
		c, err := NewClient(Config{AccountSID: sid, AuthToken: token, From: "+15557122661", BaseURL: srv.URL}, hc)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.SendSMS(context.Background(), testSMS)
		if err == nil || plaudit.IsPermanent(err) || time.Since(start) > 5*time.Second {
			t.Fatalf("err = %v after %s, want a quick retryable error", err, time.Since(start))
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		c := newClient(t, Config{From: "+15557122661"}, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.SendSMS(ctx, testSMS)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
	})
}

func TestInvalidMessagesArePermanent(t *testing.T) {
	c := newClient(t, Config{From: "+15557122661"}, func(w http.ResponseWriter, r *http.Request) {
		t.Error("invalid message was sent")
	})
	for _, m := range []notify.SMS{{Body: "x"}, {To: "+4915112345678"}} {
		if _, err := c.SendSMS(context.Background(), m); !plaudit.IsPermanent(err) {
			t.Errorf("%+v: err = %v", m, err)
		}
	}
}

func noPersonalData(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{testSMS.To, "15112345678", "How did", "Max", token} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}
}
