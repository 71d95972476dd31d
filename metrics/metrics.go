// Package metrics defines the Prometheus metrics Plaudit exports on
// /metrics. They are created on a registry passed in (no globals), so tests
// can read them and several servers can live in one process.
package metrics

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the counters and histograms the server and workers update.
// Label values are kinds, types and outcomes: never ids or personal data.
type Metrics struct {
	Webhooks        *prometheus.CounterVec   // kind, outcome
	WebhookDuration *prometheus.HistogramVec // kind
	Tasks           *prometheus.CounterVec   // type, outcome
	TaskDuration    *prometheus.HistogramVec // type
	Sends           *prometheus.CounterVec   // channel, outcome
	Writebacks      *prometheus.CounterVec   // kind, outcome
	Decisions       *prometheus.CounterVec   // outcome (sent, or the reason not to)
	Responses       *prometheus.CounterVec   // source
	Reconciled      *prometheus.CounterVec   // what
	CircuitOpen     *prometheus.GaugeVec     // provider
}

// New creates the metrics and registers them on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_webhooks_total", Help: "Inbound webhook deliveries by connector kind and outcome.",
		}, []string{"kind", "outcome"}),
		WebhookDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "plaudit_webhook_duration_seconds", Help: "Time to verify, parse, store and enqueue a delivery.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"kind"}),
		Tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_tasks_total", Help: "Queue tasks handled by type and outcome.",
		}, []string{"type", "outcome"}),
		TaskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "plaudit_task_duration_seconds", Help: "Time spent handling a queue task.",
			Buckets: prometheus.DefBuckets,
		}, []string{"type"}),
		Sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_sends_total", Help: "Feedback requests handed to a provider, by channel and outcome.",
		}, []string{"channel", "outcome"}),
		Writebacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_writebacks_total", Help: "Responses written back, by connector kind and outcome.",
		}, []string{"kind", "outcome"}),
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_decisions_total", Help: "Decisions on interactions: scheduled, or the reason not to send.",
		}, []string{"outcome"}),
		Responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_responses_total", Help: "Customer answers recorded, by source.",
		}, []string{"source"}),
		Reconciled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_reconciled_total", Help: "Work re-enqueued by the reconciler because the queue had lost it.",
		}, []string{"what"}),
		CircuitOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "plaudit_circuit_open", Help: "Circuits open (calls paused after repeated failures) by provider: a channel (1 while paused), or writeback:<kind> (how many connectors of that kind are paused).",
		}, []string{"provider"}),
	}
	reg.MustRegister(m.Webhooks, m.WebhookDuration, m.Tasks, m.TaskDuration, m.Sends, m.Writebacks,
		m.Decisions, m.Responses, m.Reconciled, m.CircuitOpen)
	return m
}
