// Package conntest holds what the tests of helpdesk drivers share: the
// check of a *plaudit.Error, and the outcome rules every Receive fuzz
// target asserts.
package conntest

import (
	"errors"
	"testing"

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
