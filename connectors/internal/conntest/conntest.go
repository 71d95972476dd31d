// Package conntest holds what the tests of helpdesk drivers share: the
// check of a *plaudit.Error, and the outcome rules every Receive fuzz
// target asserts.
package conntest

import (
	"errors"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// WantError fails t unless err is a *plaudit.Error with code and, when
// msg is not empty, that message.
func WantError(t testing.TB, err error, code, msg string) {
	t.Helper()
	var e *plaudit.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *plaudit.Error %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("err = %s %q, want %s %q", e.Code, e.Message, code, msg)
	}
}

// FuzzOutcome checks what Receive returned for a fuzzed body: a body not
// signed with the connector's secret must be refused as unauthorized; a
// signed one may be refused only with a message (EInvalid naming the
// field, or one of the allowed unauthorized messages, such as a stale
// timestamp). It reports whether events came back to be checked further.
func FuzzOutcome(t *testing.T, signed bool, err error, allowedUnauthorized ...string) bool {
	t.Helper()
	var e *plaudit.Error
	if !signed {
		if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized {
			t.Fatalf("unsigned body: err = %v", err)
		}
		return false
	}
	if err == nil {
		return true
	}
	if !errors.As(err, &e) || e.Message == "" {
		t.Fatalf("err = %v, want a *plaudit.Error with a message", err)
	}
	if e.Code == plaudit.EInvalid {
		return false
	}
	for _, m := range allowedUnauthorized {
		if e.Code == plaudit.EUnauthorized && e.Message == m {
			return false
		}
	}
	t.Fatalf("err = %v, want an EInvalid *plaudit.Error", err)
	return false
}

// WantWriteback checks the error of a writeback against what the answer
// of the vendor should make of it: a wait of retryAfter (when above 0),
// a permanent failure with that reason (when not empty), or else a plain
// error that the queue retries.
func WantWriteback(t testing.TB, err error, retryAfter time.Duration, permanent string) {
	t.Helper()
	after, isRetry := plaudit.RetryAfter(err)
	var p *plaudit.PermanentError
	switch {
	case retryAfter > 0:
		if !isRetry || after != retryAfter || plaudit.IsPermanent(err) {
			t.Errorf("err = %v, want retry after %s", err, retryAfter)
		}
	case permanent != "":
		if !errors.As(err, &p) || p.Reason != permanent || isRetry {
			t.Errorf("err = %v, want permanent %q", err, permanent)
		}
	default:
		if err == nil || isRetry || plaudit.IsPermanent(err) {
			t.Errorf("err = %v, want a plain retryable error", err)
		}
	}
}

// WantMessage checks that err is nil when msg is empty, else an *Error
// with that message.
func WantMessage(t testing.TB, what string, err error, msg string) {
	t.Helper()
	if got := plaudit.ErrorMessage(err); (msg == "") != (err == nil) || (err != nil && got != msg) {
		t.Errorf("%s = %v, want %q", what, err, msg)
	}
}
