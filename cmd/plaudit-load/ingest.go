package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"text/tabwriter"
	"time"
)

// runIngest measures the gateway's ingest path against the bare enqueue
// handler, in alternating phases with the same clients.
func runIngest(ctx context.Context, e *env, out io.Writer) error {
	o := e.o
	gw, err := e.startGateway()
	if err != nil {
		return err
	}
	defer gw.shutdown()
	bl, err := e.startBaseline()
	if err != nil {
		return err
	}
	defer bl.shutdown()

	l := newLoader(o.clients, e.secret, o.rate)
	targets := map[string]string{
		"baseline": bl.hookURL(e.connector.ID),
		"gateway":  gw.hookURL(e.connector.ID),
	}
	fmt.Fprintf(out, "ingest: %d clients, %s per phase, %d round(s), warm-up %s per server, rate %s, rate limiter %t\n", o.clients, o.duration, o.rounds, o.warmup, rateText(o.rate), o.limiter)
	if o.warmup > 0 {
		for _, name := range []string{"baseline", "gateway"} {
			w := l.run(ctx, name, targets[name], o.warmup, 0)
			if w.ok == 0 {
				return fmt.Errorf("warm-up: %s accepted no request (errors: %s)", name, errText(w.errs))
			}
		}
	}

	var phases []phase
	for r := 0; r < o.rounds; r++ {
		order := []string{"baseline", "gateway"}
		if r%2 == 1 {
			order = []string{"gateway", "baseline"}
		}
		for _, name := range order {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			stopProfile := func() {}
			if name == "gateway" && o.cpuprofile != "" && !e.profiled {
				stop, err := startCPUProfile(o.cpuprofile)
				if err != nil {
					return err
				}
				stopProfile, e.profiled = stop, true
			}
			var snap *time.Timer
			if name == "gateway" && o.goroutines != "" && !e.snapped {
				e.snapped = true
				snap = time.AfterFunc(o.duration/2, func() { writeGoroutines(o.goroutines) })
			}
			p := l.run(ctx, name, targets[name], o.duration, o.requests)
			stopProfile()
			if snap != nil {
				snap.Stop()
			}
			phases = append(phases, p)
			fmt.Fprintf(out, "  round %d %-8s %8.0f req/s  p50 %s  p95 %s  p99 %s  cpu/req %s  errors %s  load %s\n",
				r+1, name, p.rps(), ms(p.pct(.50)), ms(p.pct(.95)), ms(p.pct(.99)), us(p.cpuPerReq()), errText(p.errs), loadAvg())
		}
	}
	base, gate := merge("baseline", phases), merge("gateway", phases)
	report(out, e, base, gate)
	if o.cpuprofile != "" {
		fmt.Fprintf(out, "cpu profile of the first gateway phase: %s (go tool pprof -top -tagignore side=load-client %s)\n", o.cpuprofile, o.cpuprofile)
	}
	if gate.ok == 0 || base.ok == 0 {
		return fmt.Errorf("a server accepted no request: baseline errors %s, gateway errors %s", errText(base.errs), errText(gate.errs))
	}
	return nil
}

// merge sums the phases of one server over the rounds.
func merge(name string, phases []phase) phase {
	m := phase{name: name, errs: map[string]int{}}
	for _, p := range phases {
		if p.name != name {
			continue
		}
		m.ok += p.ok
		m.elapsed += p.elapsed
		m.cpu += p.cpu
		m.lat = append(m.lat, p.lat...)
		for k, v := range p.errs {
			m.errs[k] += v
		}
		m.peakRSS = max(m.peakRSS, p.peakRSS)
		m.meanRSS = max(m.meanRSS, p.meanRSS)
	}
	slices.Sort(m.lat)
	return m
}

func report(out io.Writer, e *env, base, gate phase) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\trequests\treq/s\tp50\tp95\tp99\tmax\tCPU/req\terrors\tpeak RSS\t")
	for _, p := range []phase{base, gate} {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.name, p.ok, p.rps(),
			ms(p.pct(.50)), ms(p.pct(.95)), ms(p.pct(.99)), ms(p.pct(1)), us(p.cpuPerReq()), errText(p.errs), mib(p.peakRSS))
	}
	tw.Flush()
	ratio := 0.0
	if base.rps() > 0 {
		ratio = gate.rps() / base.rps()
	}
	fmt.Fprintf(out, "ratio gateway/baseline: throughput %.2f, p50 ×%.2f, p99 ×%.2f, CPU per request ×%.2f\n", ratio,
		div(gate.pct(.50), base.pct(.50)), div(gate.pct(.99), base.pct(.99)), div(gate.cpuPerReq(), base.cpuPerReq()))
	fmt.Fprintf(out, "RESULT mode=ingest store=%s clients=%d baseline_requests=%d gateway_requests=%d baseline_rps=%.0f gateway_rps=%.0f ratio=%.3f baseline_p99_ms=%.2f gateway_p50_ms=%.2f gateway_p95_ms=%.2f gateway_p99_ms=%.2f baseline_cpu_us=%.0f gateway_cpu_us=%.0f gateway_errors=%d baseline_errors=%d peak_rss_mib=%.0f load=%s\n",
		e.engine, e.o.clients, base.ok, gate.ok, base.rps(), gate.rps(), ratio, msf(base.pct(.99)), msf(gate.pct(.50)), msf(gate.pct(.95)), msf(gate.pct(.99)),
		usf(base.cpuPerReq()), usf(gate.cpuPerReq()), gate.errors(), base.errors(), float64(gate.peakRSS)/1024, loadAvg())
}

func div(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func usf(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", usf(d)) }

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeGoroutines writes where every goroutine is, stacks grouped (pprof
// debug=1): under load, where requests wait.
func writeGoroutines(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plaudit-load:", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("goroutine").WriteTo(f, 1); err != nil {
		fmt.Fprintln(os.Stderr, "plaudit-load:", err)
	}
}
