package conntest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/internal/fakeapi"
)

// Fixture reads testdata/name (fakeapi.Fixture).
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fakeapi.Fixture(t, name)
}

// ValidateCase is a config, with secrets, and the message Validate must
// give for it ("" for none).
type ValidateCase struct {
	Config  string
	Secrets map[string]string
	Msg     string
}

// CheckValidate runs each case through k.Validate.
func CheckValidate(t *testing.T, k plaudit.Kind, cases []ValidateCase) {
	t.Helper()
	for _, tc := range cases {
		err := k.Validate(json.RawMessage(tc.Config), tc.Secrets)
		if tc.Msg == "" {
			if err != nil {
				t.Errorf("Validate(%s) = %v", tc.Config, err)
			}
			continue
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != tc.Msg {
			t.Errorf("Validate(%s) = %v, want %q", tc.Config, err, tc.Msg)
		}
	}
}

// Failure is an answer of a helpdesk API and what it must become: a
// RetryAfterError of RetryAfter (> 0), a PermanentError with reason
// Permanent (!= ""), or else a plain error that the queue retries.
type Failure struct {
	Name       string
	Status     int
	Header     map[string]string
	Body       string
	RetryAfter time.Duration
	Permanent  string
}

// CheckFailures gives call an API that answers with each failure in turn:
// call builds a driver for the API's base URL and makes one call. The
// error must be as the failure says, must not carry any of private, and
// the call must stop at the first request.
func CheckFailures(t *testing.T, failures []Failure, private []string, call func(base string) error) {
	t.Helper()
	for _, tc := range failures {
		t.Run(tc.Name, func(t *testing.T) {
			api := &API{Answer: func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.Header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.Status)
				io.WriteString(w, tc.Body)
			}}
			err := call(api.Start(t))
			WantFailure(t, err, tc.RetryAfter, tc.Permanent)
			NoneOf(t, err, private...)
			if len(api.Reqs) != 1 {
				t.Errorf("the call went on after a failure: %q", api.Reqs)
			}
		})
	}
}

// Connector is a connector of kind whose config is extra plus base_url
// (when not empty), with secrets.
func Connector(kind, baseURL string, extra map[string]any, secrets map[string]string) plaudit.Connector {
	cfg := map[string]any{}
	if baseURL != "" {
		cfg["base_url"] = baseURL
	}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	return plaudit.Connector{ID: "con_1", Kind: kind, Config: raw, Secrets: secrets}
}

// CheckUnreachable checks a connector test's words when no answer comes:
// test runs it with a base_url on loopback through the given client. The
// egress policy's refusal is the admin's to fix (EInvalid); a helpdesk
// that does not answer is EUnavailable with the message unreachable.
func CheckUnreachable(t *testing.T, test func(client *http.Client) error, unreachable string) {
	t.Helper()
	WantError(t, test(egress.NewClient(egress.Options{})), plaudit.EInvalid, "base_url points to an address Plaudit may not call")
	WantError(t, test(HTTP()), plaudit.EUnavailable, unreachable)
}
