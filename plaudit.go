// Package plaudit holds the domain of the Plaudit gateway: the types that the
// store, the connectors, the queue and the HTTP server share, the errors they
// speak, and the pure decision logic (should a feedback request be sent, when,
// and on which channel). It does no I/O; adapters live in sub-packages.
package plaudit

import (
	"errors"
	"fmt"
	"time"
)

// Error codes, used in API answers as {"error":{"code":…}} and by adapters to
// say what kind of failure happened.
const (
	ENotFound     = "not_found"
	EInvalid      = "invalid"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	EGone         = "gone"
	ETooLarge     = "too_large"
	EUnavailable  = "unavailable"
	ERateLimited  = "rate_limited"
	EInternal     = "internal"
)

// Error is an application error with a machine-readable code and a message
// that is safe to show to the caller: it never carries personal data.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for other errors (whose text may hold details not meant for
// callers).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err is a not-found error.
func IsNotFound(err error) bool { return ErrorCode(err) == ENotFound }

// PermanentError marks a failure that retrying cannot fix, such as a closed
// ticket or a rejected address. Workers stop retrying and record Reason.
type PermanentError struct {
	Reason string
	Err    error
}

func (e *PermanentError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError with a short reason that is safe to
// store and show to tenant admins.
func Permanent(reason string, err error) error { return &PermanentError{Reason: reason, Err: err} }

// IsPermanent reports whether err is, or wraps, a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfterError says that a provider asked to be called again no sooner
// than After (HTTP 429 or 503 with Retry-After).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter returns the delay a provider asked for, if err carries one.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryAfterError
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}
