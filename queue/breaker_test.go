package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
)

func TestCircuitOpensAfterRepeatedFailuresAndCloses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var reqs []plaudit.FeedbackRequest
	for i := 0; i < feedback.BreakerThreshold+2; i++ {
		reqs = append(reqs, f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: string(rune('a'+i)) + "@example.org"}}))
	}
	f.rec.fail = errors.New("sendgrid: 503")
	send := func(r plaudit.FeedbackRequest) error {
		task, _ := NewSendTask(f.tenant.ID, r.ID, f.now)
		return f.w.HandleSend(ctx, task)
	}
	calls := 0
	for i := 0; i < feedback.BreakerThreshold; i++ {
		if err := send(reqs[i]); err == nil || errors.Is(err, feedback.ErrCircuitOpen) {
			t.Fatalf("failure %d: err = %v, want the provider's error", i+1, err)
		}
		calls++
	}
	// The provider is now left alone: no call, a delay instead.
	f.rec.fail = nil
	err := send(reqs[feedback.BreakerThreshold])
	if !errors.Is(err, feedback.ErrCircuitOpen) {
		t.Fatalf("after %d failures: err = %v, want the circuit open", feedback.BreakerThreshold, err)
	}
	if d, ok := plaudit.RetryAfter(err); !ok || d <= 0 || d > feedback.BreakerCooldown {
		t.Errorf("open circuit asks to retry after %s, want within the cooldown", d)
	}
	if len(f.rec.email) != 0 {
		t.Fatalf("a call went through an open circuit")
	}
	got, _ := f.st.GetRequest(ctx, f.tenant.ID, reqs[feedback.BreakerThreshold].ID)
	if got.Status != plaudit.RequestScheduled {
		t.Errorf("request held back by the circuit is %s, want scheduled (kept for later)", got.Status)
	}
	// After the cooldown the provider is tried again and the circuit closes.
	f.now = f.now.Add(feedback.BreakerCooldown + time.Second)
	if err := send(reqs[feedback.BreakerThreshold]); err != nil {
		t.Fatalf("after the cooldown: %v", err)
	}
	if err := send(reqs[feedback.BreakerThreshold+1]); err != nil {
		t.Fatalf("after a success: %v", err)
	}
	if len(f.rec.email) != 2 {
		t.Errorf("sent %d emails after the circuit closed, want 2", len(f.rec.email))
	}
}
