package queue

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/metrics"
)

// scrape reads reg as /metrics serves it.
func scrape(reg *prometheus.Registry) string {
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// TestCircuitMetricNamesTheKindNotTheConnector: a connector whose
// writebacks keep failing gets its circuit opened, alone; /metrics shows
// that a zendesk connector is paused, and never which one (a connector id
// is half of what it takes to post to its webhook URL).
func TestCircuitMetricNamesTheKindNotTheConnector(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	f.w.Feedback.Metrics = metrics.New(reg)
	failing, stuck := f.answered(t, "zendesk")
	healthy, fine := f.answered(t, "zendesk")
	down := &stubDriver{answers: []answer{{503, errors.New("zendesk: add note: status 503")}}}
	up := &stubDriver{answers: []answer{{200, nil}}}
	f.w.Feedback.Connectors = stubConnectors{f.st, driverMap{failing.ID: down, healthy.ID: up}}

	for i := 1; i <= feedback.BreakerThreshold; i++ {
		if err := f.w.Feedback.Writeback(ctx, f.tenant.ID, stuck.ID, 1, feedback.Try{Attempt: i}); err == nil {
			t.Fatalf("writeback %d through a failing driver succeeded", i)
		}
	}
	err := f.w.Feedback.Writeback(ctx, f.tenant.ID, stuck.ID, 1, feedback.Try{Attempt: feedback.BreakerThreshold + 1})
	if !errors.Is(err, feedback.ErrCircuitOpen) || down.Calls() != feedback.BreakerThreshold {
		t.Fatalf("after %d failures: err %v, %d calls; want the circuit open and no further call", feedback.BreakerThreshold, err, down.Calls())
	}
	// One circuit per connector: the other zendesk connector still writes.
	if err := f.w.Feedback.Writeback(ctx, f.tenant.ID, fine.ID, 1, feedback.Try{Attempt: 1}); err != nil || up.Calls() != 1 {
		t.Fatalf("the healthy connector's writeback: %v, %d calls", err, up.Calls())
	}

	text := scrape(reg)
	if !strings.Contains(text, `plaudit_circuit_open{provider="writeback:zendesk"} 1`) {
		t.Errorf("/metrics does not show one paused zendesk connector:\n%s", text)
	}
	for _, id := range []string{failing.ID, healthy.ID, f.tenant.ID, "con_"} {
		if strings.Contains(text, id) {
			t.Errorf("/metrics carries the identifier %q", id)
		}
	}

	// After the cooldown the connector is tried again; a success closes
	// its circuit and the count goes back to 0.
	f.now = f.now.Add(feedback.BreakerCooldown + time.Second)
	down.mu.Lock()
	down.answers = []answer{{200, nil}}
	down.mu.Unlock()
	if err := f.w.Feedback.Writeback(ctx, f.tenant.ID, stuck.ID, 1, feedback.Try{Attempt: 7}); err != nil {
		t.Fatalf("writeback after the cooldown: %v", err)
	}
	if text := scrape(reg); !strings.Contains(text, `plaudit_circuit_open{provider="writeback:zendesk"} 0`) {
		t.Errorf("/metrics after the circuit closed:\n%s", text)
	}
}
