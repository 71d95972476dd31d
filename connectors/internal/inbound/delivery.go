package inbound

import (
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
