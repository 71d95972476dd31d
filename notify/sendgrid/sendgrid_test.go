package sendgrid

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

var testEmail = notify.Email{
	To:        "anna.schmidt@example.org",
	From:      "feedback@acme.com",
	FromName:  "Acme Support",
	ReplyTo:   "reply+tok123@in.acme.com",
	Subject:   "How did Max do? Rate your support from Acme",
	HTML:      "<p>How did Max do?</p>",
	Text:      "How did Max do?",
	TenantID:  "ten_1",
	RequestID: "req_1",
}

// sentMail is the part of SendGrid's v3 Mail Send body the tests check,
// decoded independently of the library's types.
type sentMail struct {
	Personalizations []struct {
		To []struct {
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"to"`
	} `json:"personalizations"`
	From struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"from"`
	ReplyTo *struct {
		Email string `json:"email"`
	} `json:"reply_to"`
	Subject string `json:"subject"`
	Content []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"content"`
	CustomArgs       map[string]string `json:"custom_args"`
	Headers          map[string]string `json:"headers"`
	TrackingSettings struct {
		ClickTracking *struct {
			Enable     *bool `json:"enable"`
			EnableText *bool `json:"enable_text"`
		} `json:"click_tracking"`
		OpenTracking *struct {
			Enable *bool `json:"enable"`
		} `json:"open_tracking"`
		SubscriptionTracking *struct {
			Enable *bool `json:"enable"`
		} `json:"subscription_tracking"`
	} `json:"tracking_settings"`
}

func newClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewClient("SG.test-key", srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendEmail(t *testing.T) {
	var got sentMail
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v3/mail/send" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if a := r.Header.Get("Authorization"); a != "Bearer SG.test-key" {
			t.Errorf("Authorization = %q", a)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("body: %v", err)
		}
		w.Header().Set("X-Message-Id", "sgmsg-abc123")
		w.WriteHeader(http.StatusAccepted)
	})
	id, err := c.SendEmail(context.Background(), testEmail)
	if err != nil {
		t.Fatal(err)
	}
	if id != "sgmsg-abc123" {
		t.Errorf("provider id = %q", id)
	}
	if len(got.Personalizations) != 1 || len(got.Personalizations[0].To) != 1 || got.Personalizations[0].To[0].Email != testEmail.To {
		t.Errorf("personalizations = %+v", got.Personalizations)
	}
	if got.From.Email != testEmail.From || got.From.Name != testEmail.FromName {
		t.Errorf("from = %+v", got.From)
	}
	if got.ReplyTo == nil || got.ReplyTo.Email != testEmail.ReplyTo {
		t.Errorf("reply_to = %+v", got.ReplyTo)
	}
	if got.Subject != testEmail.Subject {
		t.Errorf("subject = %q", got.Subject)
	}
	if len(got.Content) != 2 || got.Content[0].Type != "text/plain" || got.Content[0].Value != testEmail.Text ||
		got.Content[1].Type != "text/html" || got.Content[1].Value != testEmail.HTML {
		t.Errorf("content = %+v", got.Content)
	}
	if got.CustomArgs["tenant_id"] != "ten_1" || got.CustomArgs["request_id"] != "req_1" || len(got.CustomArgs) != 2 {
		t.Errorf("custom_args = %v", got.CustomArgs)
	}
	ts := got.TrackingSettings
	if ts.ClickTracking == nil || ts.ClickTracking.Enable == nil || *ts.ClickTracking.Enable ||
		ts.ClickTracking.EnableText == nil || *ts.ClickTracking.EnableText {
		t.Errorf("click_tracking = %+v", ts.ClickTracking)
	}
	if ts.OpenTracking == nil || ts.OpenTracking.Enable == nil || *ts.OpenTracking.Enable {
		t.Errorf("open_tracking = %+v", ts.OpenTracking)
	}
	if ts.SubscriptionTracking == nil || ts.SubscriptionTracking.Enable == nil || *ts.SubscriptionTracking.Enable {
		t.Errorf("subscription_tracking = %+v", ts.SubscriptionTracking)
	}
	if got.Headers["Auto-Submitted"] != "auto-generated" || len(got.Headers) != 1 {
		t.Errorf("headers = %v", got.Headers)
	}
}

// TestSendEmailListUnsubscribe: the email carries List-Unsubscribe (page
// and mailto:) and List-Unsubscribe-Post in the Mail Send API's headers,
// so that mail clients offer their own one-click unsubscribe (RFC 8058).
func TestSendEmailListUnsubscribe(t *testing.T) {
	var got sentMail
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("body: %v", err)
		}
		w.WriteHeader(http.StatusAccepted)
	})
	m := testEmail
	m.UnsubscribeURL, m.UnsubscribeMailto = "https://fb.acme.com/u/tok", m.ReplyTo
	if _, err := c.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got.Headers["List-Unsubscribe"] != "<https://fb.acme.com/u/tok>, <mailto:"+m.ReplyTo+"?subject=unsubscribe>" ||
		got.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Errorf("headers = %v", got.Headers)
	}
}

func TestSendEmailWithoutReplyTo(t *testing.T) {
	var raw map[string]any
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&raw)
		w.WriteHeader(http.StatusAccepted)
	})
	m := testEmail
	m.ReplyTo = ""
	if _, err := c.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["reply_to"]; ok {
		t.Errorf("reply_to sent although unset: %v", raw["reply_to"])
	}
}

// A reminder is marked in its custom args, which SendGrid copies into its
// events, so that they do not change the request as the first mail's do.
func TestReminderIsMarkedInCustomArgs(t *testing.T) {
	var got struct {
		CustomArgs map[string]string `json:"custom_args"`
	}
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusAccepted)
	})
	m := testEmail
	m.Reminder = true
	if _, err := c.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got.CustomArgs["message"] != "reminder" || got.CustomArgs["request_id"] != "req_1" {
		t.Errorf("custom_args = %v, want the ids and message=reminder", got.CustomArgs)
	}
}

func TestBaseURLWithPath(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sendgrid/v3/mail/send" {
			t.Errorf("path = %s", r.URL.Path)
		}
		w.Header().Set("X-Message-Id", "x")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	c, err := NewClient("k", srv.URL+"/sendgrid/", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendEmail(context.Background(), testEmail); err != nil {
		t.Fatal(err)
	}
}

func TestNewClientDefaults(t *testing.T) {
	c, err := NewClient("k", "", nil)
	if err != nil || c.host != DefaultBaseURL {
		t.Fatalf("client = %v, err = %v", c, err)
	}
}

// TestNewClientRefuses: a configuration SendGrid cannot take fails at
// construction, naming the variable, never quoting the value.
func TestNewClientRefuses(t *testing.T) {
	for _, tt := range []struct {
		key, baseURL, variable string
	}{
		{"", "", "SENDGRID_API_KEY is required"},
		{"SG.secret key", "", "SENDGRID_API_KEY must be"},
		{"SG.secret\nkey", "", "SENDGRID_API_KEY must be"},
		{"SG.sécret", "", "SENDGRID_API_KEY must be"},
		{"k", "ftp://secret.example", "SENDGRID_API_URL must be"},
		{"k", "api.sendgrid.com", "SENDGRID_API_URL must be"},
		{"k", "https://", "SENDGRID_API_URL must be"},
		{"k", "http://secret.example:port", "SENDGRID_API_URL must be"},
	} {
		c, err := NewClient(tt.key, tt.baseURL, nil)
		if c != nil || plaudit.ErrorCode(err) != plaudit.EInvalid || !strings.HasPrefix(plaudit.ErrorMessage(err), tt.variable) {
			t.Errorf("NewClient(%q, %q) = %v, %v; want an error starting %q", tt.key, tt.baseURL, c, err, tt.variable)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("NewClient(%q, %q): error %q quotes the value", tt.key, tt.baseURL, err)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retryAfter time.Duration // > 0: a RetryAfterError with this delay
		permanent  string        // != "": a PermanentError with this reason
	}{
		{name: "429 seconds", status: 429, header: map[string]string{"Retry-After": "17"}, retryAfter: 17 * time.Second},
		{name: "429 no header", status: 429, retryAfter: notify.DefaultRetryAfter},
		{name: "503 with Retry-After", status: 503, header: map[string]string{"Retry-After": "4"}, retryAfter: 4 * time.Second},
		{name: "500", status: 500, body: `{"errors":[{"message":"internal"}]}`},
		{name: "503 without Retry-After", status: 503},
		{name: "400 recipient", status: 400,
			body:      `{"errors":[{"message":"Does not contain a valid address: anna.schmidt@example.org","field":"personalizations.0.to.0.email","help":null}]}`,
			permanent: "sendgrid: 400 invalid recipient"},
		{name: "400 sender", status: 400,
			body:      `{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from","help":"https://sendgrid.com/docs/for-developers/sending-email/sender-identity/"}]}`,
			permanent: "sendgrid: 400 invalid sender"},
		{name: "400 no field", status: 400, body: `not json`, permanent: "sendgrid: 400 bad request"},
		{name: "401", status: 401, body: `{"errors":[{"field":null,"message":"The provided authorization grant is invalid, expired, or revoked"}]}`,
			permanent: "sendgrid: 401 unauthorized (check the API key)"},
		{name: "403", status: 403, permanent: "sendgrid: 403 forbidden (check the sender identity and the key's permissions)"},
		{name: "404", status: 404, permanent: "sendgrid: 404 not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := c.SendEmail(context.Background(), testEmail)
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
				if !errors.As(err, &pe) || pe.Status != tc.status {
					t.Errorf("no ProviderError with status %d in %v", tc.status, err)
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
		c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		})
		_, err := c.SendEmail(context.Background(), testEmail)
		if err == nil || plaudit.IsPermanent(err) {
			t.Fatalf("err = %v, want retryable", err)
		}
		noPersonalData(t, err)
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
		}))
		defer srv.Close()
		defer close(release)
		hc := srv.Client()
		hc.Timeout = 50 * time.Millisecond
		c, err := NewClient("k", srv.URL, hc)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SendEmail(context.Background(), testEmail)
		if err == nil || plaudit.IsPermanent(err) {
			t.Fatalf("err = %v, want retryable", err)
		}
	})
	t.Run("context canceled", func(t *testing.T) {
		c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
			// The server notices a closed connection only once the body is read.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.SendEmail(ctx, testEmail)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
	})
}

func TestInvalidMessagesArePermanent(t *testing.T) {
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("invalid message was sent")
	})
	for _, m := range []notify.Email{{From: "a@b.c", Text: "x"}, {To: "a@b.c", Text: "x"}, {To: "a@b.c", From: "a@b.c"}} {
		if _, err := c.SendEmail(context.Background(), m); !plaudit.IsPermanent(err) {
			t.Errorf("%+v: err = %v", m, err)
		}
	}
}

// noPersonalData checks that an error names neither the recipient nor the
// message.
func noPersonalData(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{testEmail.To, "anna", testEmail.Subject, testEmail.Text, "Max"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}
}
