package conntest

import (
	"errors"
	"testing"

	"github.com/plaudit/plaudit"
)

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

// WantMessage checks that err is nil when msg is empty, else an *Error
// with that message.
func WantMessage(t testing.TB, what string, err error, msg string) {
	t.Helper()
	if got := plaudit.ErrorMessage(err); (msg == "") != (err == nil) || (err != nil && got != msg) {
		t.Errorf("%s = %v, want %q", what, err, msg)
	}
}
