package notify

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// DefaultRetryAfter is how long to wait when a provider asks us to slow
// down without saying for how long.
const DefaultRetryAfter = 30 * time.Second

// maxRetryAfter bounds what a provider can ask for, so that a garbled
// header cannot park a message for weeks.
const maxRetryAfter = 24 * time.Hour

// ProviderError is a provider's refusal, reduced to what is safe to store
// and log: provider answers often quote the recipient ("The 'To' number
// +4915… is not valid"), so their free text is never kept.
type ProviderError struct {
	Provider string // "sendgrid", "twilio", "smtp"
	Status   int    // HTTP status, or SMTP reply code
	Code     int    // the provider's own error code, when it has one (Twilio)
	Detail   string // a short, data-free hint such as a field name
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: status %d", e.Provider, e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Detail != "" {
		b.WriteString(", " + e.Detail)
	}
	return b.String()
}

// RetryAfterDelay parses a Retry-After header value, either delay-seconds or
// an HTTP date, relative to now. An empty or unreadable value gives
// DefaultRetryAfter; a date in the past gives one second.
func RetryAfterDelay(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultRetryAfter
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return DefaultRetryAfter
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return DefaultRetryAfter
	}
	switch {
	case d < time.Second:
		return time.Second
	case d > maxRetryAfter:
		return maxRetryAfter
	}
	return d
}

// Classify turns a provider's non-2xx HTTP answer into the error contract of
// EmailSender and SMSSender: 429, and 503 with Retry-After, become a
// *plaudit.RetryAfterError; other 5xx (and 408) a plain, retryable error;
// any other 4xx a *plaudit.PermanentError whose reason is "{provider}:
// {reason}" (reason defaults to the status and its text).
func Classify(pe *ProviderError, retryAfter string, reason string) error {
	status := pe.Status
	switch {
	case status == http.StatusTooManyRequests,
		status == http.StatusServiceUnavailable && strings.TrimSpace(retryAfter) != "":
		return &plaudit.RetryAfterError{After: RetryAfterDelay(retryAfter, time.Now()), Err: pe}
	case status >= 500, status == http.StatusRequestTimeout, status < 400:
		return pe
	}
	if reason == "" {
		reason = strconv.Itoa(status) + " " + strings.ToLower(http.StatusText(status))
	}
	return plaudit.Permanent(pe.Provider+": "+reason, pe)
}
