package feedback

import (
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestPermanentErrorsDoNotOpenTheCircuit(t *testing.T) {
	var b breaker
	b.gauge = func(bool) {}
	now := time.Now()
	for i := 0; i < 3*BreakerThreshold; i++ {
		b.record(plaudit.Permanent("invalid recipient", nil), now)
	}
	if err := b.allow(now); err != nil {
		t.Errorf("bad addresses opened the circuit: %v", err)
	}
}
