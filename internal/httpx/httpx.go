// Package httpx holds what every outgoing HTTP call of Plaudit shares,
// helpdesk APIs and message providers alike: reading an answer with a
// bound, reading Retry-After, and turning a failed call into Plaudit's
// error contract (a *plaudit.RetryAfterError, a plain error that is
// retried, or a *plaudit.PermanentError), so that a throttled Zendesk and
// a throttled SendGrid are waited for in the same way.
package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

// DefaultRetryAfter is the wait when an API throttles (429) without saying
// for how long. A minute rather than less: rate limits are most often
// counted per minute (Zendesk's are), so a shorter wait mostly lands in
// the same window and is throttled again, and a provider that already
// refuses is best left alone for a while. A feedback request or a note a
// minute late is no loss.
const DefaultRetryAfter = 60 * time.Second

// MaxRetryAfter bounds what an answer can ask for, so that a garbled or
// hostile header cannot park work for weeks.
const MaxRetryAfter = 24 * time.Hour

// MaxBody bounds how much of an answer is read: enough for any ticket,
// user list or error document, and no more.
const MaxBody = 1 << 20

// RetryAfter reads a Retry-After value, delay-seconds or an HTTP date
// (relative to now), as a wait of at least a second and at most
// MaxRetryAfter. An empty or unreadable value, or a negative number, is
// DefaultRetryAfter. The floor keeps "0" or a date in the past from
// turning into a retry loop without any pause.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultRetryAfter
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return DefaultRetryAfter
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return DefaultRetryAfter
	}
	return min(max(d, time.Second), MaxRetryAfter)
}

// Classify turns the status of an HTTP answer into Plaudit's error
// contract:
//
//   - 2xx: nil.
//   - 429: a *plaudit.RetryAfterError, after the Retry-After value or
//     DefaultRetryAfter.
//   - 5xx and 408: with a Retry-After value a *plaudit.RetryAfterError
//     (a server that says when it will be back is better heeded than the
//     queue's backoff; RFC 9110 names 503, but any of these may carry it),
//     without one cause itself, which the queue retries.
//   - anything else (4xx, and 1xx or 3xx, which are not followed): a
//     *plaudit.PermanentError whose reason, shown to tenant admins, is
//     "{system}: {reason}"; an empty reason is the status and its text
//     ("404 not found").
//
// cause describes the answer without personal data ("zendesk: add note:
// status 422", a *notify.ProviderError) and is what the result wraps; nil
// stands for "{system}: status {status}". Callers with answers of their own
// to tell apart (Zendesk's 409, Salesforce's row locks) decide those first.
func Classify(system string, status int, retryAfter string, cause error, reason string) error {
	if status >= 200 && status < 300 {
		return nil
	}
	if cause == nil {
		cause = fmt.Errorf("%s: status %d", system, status)
	}
	retryAfter = strings.TrimSpace(retryAfter)
	switch {
	case status == http.StatusTooManyRequests:
		return &plaudit.RetryAfterError{After: RetryAfter(retryAfter, time.Now()), Err: cause}
	case status >= 500 || status == http.StatusRequestTimeout:
		if retryAfter != "" {
			return &plaudit.RetryAfterError{After: RetryAfter(retryAfter, time.Now()), Err: cause}
		}
		return cause
	}
	if reason == "" {
		reason = StatusReason(status)
	}
	return plaudit.Permanent(system+": "+reason, cause)
}

// StatusReason is a status with its text in lower case: "404 not found".
func StatusReason(status int) string {
	if t := http.StatusText(status); t != "" {
		return strconv.Itoa(status) + " " + strings.ToLower(t)
	}
	return strconv.Itoa(status)
}

// Unreachable is the one text of a call that got no answer: refused by
// the egress policy, connection refused, reset, closed without an answer,
// not TLS, not HTTP, or timed out. Telling these apart would make the
// delivery log, which a tenant admin reads for a URL they chose, a port
// scanner of whatever that URL points at.
const Unreachable = "destination unreachable or not allowed"

// TransportError classifies a failure to get an answer at all, as
// "{system}: {op}: " + Unreachable; the cause stays wrapped for errors.Is,
// but its text (addresses, ports, the URL) is not shown. An address that
// the egress policy refuses will be refused on every retry, so it is
// permanent; timeouts and connection failures are worth retrying.
func TransportError(system, op string, err error) error {
	msg := system + ": " + op + ": " + Unreachable
	if errors.Is(err, egress.ErrForbiddenAddress) {
		// The reason is what tenants see; the operator's log may say why.
		return plaudit.Permanent(msg, &unreachableError{msg: "refused by the egress policy", err: err})
	}
	return &unreachableError{msg: msg, err: err}
}

// unreachableError keeps the cause of a failed call for errors.Is and
// errors.As while its text says only Unreachable.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string { return e.msg }
func (e *unreachableError) Unwrap() error { return e.err }

// ReadBody reads up to MaxBody bytes of an answer and closes it.
func ReadBody(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	// Drain a little more so that the connection can be reused.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	return b
}

// SafeCode keeps an error code from an answer only when it looks like one
// (letters, digits, '_', '.', '-', up to 60 characters): API messages may
// echo field values, which are personal data, so they are never kept.
func SafeCode(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 60 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return ""
		}
	}
	return s
}
