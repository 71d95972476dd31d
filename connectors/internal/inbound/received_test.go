package inbound

import (
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestReceivedAt(t *testing.T) {
	at := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	if got := ReceivedAt(plaudit.Delivery{Now: at}); !got.Equal(at) {
		t.Errorf("ReceivedAt = %v", got)
	}
	if got := ReceivedAt(plaudit.Delivery{}); time.Since(got) > time.Minute {
		t.Errorf("ReceivedAt without a clock = %v", got)
	}
}
