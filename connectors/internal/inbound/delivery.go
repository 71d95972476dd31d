package inbound

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/plaudit/plaudit"
)

// ReceivedAt is the receiving clock of a delivery, or now when the
// delivery does not say (tools that call a driver directly).
func ReceivedAt(d plaudit.Delivery) time.Time {
	if d.Now.IsZero() {
		return time.Now()
	}
	return d.Now
}

// Fresh checks a delivery's signed timestamp: no further than tolerance
// from now, either way, so that a captured delivery cannot be replayed
// later.
func Fresh(at, now time.Time, tolerance time.Duration) error {
	return plaudit.CheckTimestamp("signature timestamp", at, now, tolerance)
}

// DecodeObject decodes a verified body, a JSON object, into v: an error
// names the field that is wrong, and a body of null is no object.
func DecodeObject(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return JSONError(err)
	}
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return plaudit.Errorf(plaudit.EInvalid, "body must be a JSON object")
	}
	return nil
}
