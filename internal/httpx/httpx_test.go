package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              DefaultRetryAfter,
		"  ":                            DefaultRetryAfter,
		"soon":                          DefaultRetryAfter,
		"-5":                            DefaultRetryAfter,
		"1.5":                           DefaultRetryAfter,
		"0":                             time.Second, // the floor: never retry without a pause
		"7":                             7 * time.Second,
		" 37 ":                          37 * time.Second,
		"86400":                         24 * time.Hour,
		"999999":                        MaxRetryAfter,
		"999999999":                     MaxRetryAfter,
		"Sat, 28 Nov 2026 18:02:00 GMT": 2 * time.Minute,
		"Sat, 28 Nov 2026 17:00:00 GMT": time.Second, // in the past
		now.Add(90 * time.Second).Format(http.TimeFormat):    90 * time.Second,
		now.Add(30 * 24 * time.Hour).Format(http.TimeFormat): MaxRetryAfter,
	} {
		if got := RetryAfter(v, now); got != want {
			t.Errorf("RetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	cause := errors.New("sendgrid: status n")
	for _, tc := range []struct {
		status     int
		retryAfter string
		reason     string
		after      time.Duration // > 0: a RetryAfterError
		permanent  string        // != "": a PermanentError with this reason
	}{
		{status: 429, retryAfter: "12", after: 12 * time.Second},
		{status: 429, after: DefaultRetryAfter},
		{status: 429, retryAfter: "garbage", after: DefaultRetryAfter},
		{status: 503, retryAfter: "5", after: 5 * time.Second},
		{status: 500, retryAfter: "30", after: 30 * time.Second},
		{status: 408, retryAfter: "2", after: 2 * time.Second},
		{status: 500},
		{status: 502},
		{status: 503},
		{status: 503, retryAfter: " "},
		{status: 408},
		{status: 400, reason: "400 invalid recipient", permanent: "sendgrid: 400 invalid recipient"},
		{status: 401, permanent: "sendgrid: 401 unauthorized"},
		{status: 404, permanent: "sendgrid: 404 not found"},
		{status: 409, permanent: "sendgrid: 409 conflict"},
		{status: 302, permanent: "sendgrid: 302 found"},
		{status: 499, permanent: "sendgrid: 499"},
		{status: 403, retryAfter: "10", permanent: "sendgrid: 403 forbidden"},
	} {
		name := fmt.Sprintf("%d %q", tc.status, tc.retryAfter)
		err := Classify("sendgrid", tc.status, tc.retryAfter, cause, tc.reason)
		if !errors.Is(err, cause) {
			t.Errorf("%s: %v does not wrap the cause", name, err)
		}
		d, isRetryAfter := plaudit.RetryAfter(err)
		var p *plaudit.PermanentError
		isPerm := errors.As(err, &p)
		switch {
		case tc.after > 0:
			if !isRetryAfter || d != tc.after || isPerm {
				t.Errorf("%s: %v, want retry after %s", name, err, tc.after)
			}
		case tc.permanent != "":
			if !isPerm || p.Reason != tc.permanent || isRetryAfter {
				t.Errorf("%s: %v, want permanent %q", name, err, tc.permanent)
			}
		default:
			if err != cause {
				t.Errorf("%s: %v, want the cause itself (plainly retryable)", name, err)
			}
		}
	}
	for _, s := range []int{200, 201, 204} {
		if err := Classify("x", s, "", cause, ""); err != nil {
			t.Errorf("%d: %v", s, err)
		}
	}
	if err := Classify("zendesk", 500, "", nil, ""); err == nil || err.Error() != "zendesk: status 500" {
		t.Errorf("nil cause: %v", err)
	}
}

func TestTransportError(t *testing.T) {
	err := TransportError("zendesk", "add note", fmt.Errorf("dial: %w", egress.ErrForbiddenAddress))
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != "zendesk: add note: destination unreachable or not allowed" {
		t.Errorf("forbidden address: %v", err)
	}
	if !errors.Is(err, egress.ErrForbiddenAddress) {
		t.Errorf("forbidden address: %v does not wrap ErrForbiddenAddress", err)
	}
	err = TransportError("zendesk", "add note", fmt.Errorf("dial tcp 10.0.0.5:22: %w", context.DeadlineExceeded))
	if plaudit.IsPermanent(err) || err.Error() != "zendesk: add note: destination unreachable or not allowed" {
		t.Errorf("timeout: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v does not wrap its cause", err)
	}
}

func TestSafeCode(t *testing.T) {
	for in, want := range map[string]string{
		"ENTITY_IS_DELETED": "ENTITY_IS_DELETED", "invalid_grant": "invalid_grant", "RecordInvalid": "RecordInvalid",
		"Lukas Fischer said": "", "a@b.example": "", strings.Repeat("A", 61): "", "": "",
	} {
		if got := SafeCode(in); got != want {
			t.Errorf("SafeCode(%q) = %q, want %q", in, got, want)
		}
	}
}
