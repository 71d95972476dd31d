package notify

import (
	"net/http"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestRetryAfterDelay(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":          DefaultRetryAfter,
		"garbage":   DefaultRetryAfter,
		"-5":        DefaultRetryAfter,
		"0":         time.Second,
		"7":         7 * time.Second,
		"999999999": 24 * time.Hour,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       time.Second,
	}
	for in, want := range cases {
		if got := RetryAfterDelay(in, now); got != want {
			t.Errorf("RetryAfterDelay(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	pe := func(status int) *ProviderError { return &ProviderError{Provider: "sendgrid", Status: status} }

	err := Classify(pe(429), "12", "")
	if d, ok := plaudit.RetryAfter(err); !ok || d != 12*time.Second {
		t.Errorf("429: %v", err)
	}
	if d, ok := plaudit.RetryAfter(Classify(pe(429), "", "")); !ok || d != DefaultRetryAfter {
		t.Errorf("429 without header: %v", d)
	}
	if d, ok := plaudit.RetryAfter(Classify(pe(503), "5", "")); !ok || d != 5*time.Second {
		t.Errorf("503 with Retry-After: %v", d)
	}
	for _, s := range []int{500, 502, 503, 408} {
		err := Classify(pe(s), "", "")
		if _, ok := plaudit.RetryAfter(err); ok || plaudit.IsPermanent(err) || err == nil {
			t.Errorf("%d: %v should be plainly retryable", s, err)
		}
	}
	err = Classify(pe(400), "", "400 invalid recipient")
	var p *plaudit.PermanentError
	if !plaudit.IsPermanent(err) {
		t.Fatalf("400: %v", err)
	}
	if p = err.(*plaudit.PermanentError); p.Reason != "sendgrid: 400 invalid recipient" {
		t.Errorf("reason = %q", p.Reason)
	}
	if p := Classify(pe(401), "", "").(*plaudit.PermanentError); p.Reason != "sendgrid: 401 unauthorized" {
		t.Errorf("default reason = %q", p.Reason)
	}
}
