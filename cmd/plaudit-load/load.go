package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/plaudit/plaudit/connectors/zendesk"
)

// ticketSeq numbers the tickets of the whole run, so that no body is sent
// twice, to either server, in any phase.
var ticketSeq atomic.Uint64

// triggerBody is the recommended Zendesk trigger body (README, "Setting up Zendesk") as
// Zendesk fills it, for ticket n: a unique ticket id and a unique customer
// address (the rules would otherwise skip repeat customers). The values
// are the fixtures' sample data.
func triggerBody(buf []byte, n uint64, now time.Time) []byte {
	buf = append(buf, `{"ticket":{"id":"`...)
	buf = strconv.AppendUint(buf, n, 10)
	buf = append(buf, `","status":"Solved","via":"Mail","tags":"billing refund_requested vip","brand":"Nordlicht Reisen","updated_at":"`...)
	buf = now.AppendFormat(buf, "January 2, 2006 15:04")
	buf = append(buf, `"},"requester":{"id":"38417722901","name":"Anna Schneider","email":"customer-`...)
	buf = strconv.AppendUint(buf, n, 10)
	buf = append(buf, `@example.org","phone":"+49 30 901820","language":"Deutsch"},"assignee":{"id":"`+agentExternalID+
		`","name":"Jonas Weber","email":"jonas.weber@nordlicht.example"}}`...)
	return buf
}

// phase is one measured stretch of load on one server.
type phase struct {
	name    string
	ok      int
	errs    map[string]int
	elapsed time.Duration
	lat     []time.Duration // sorted
	peakRSS int64           // kB
	meanRSS int64           // kB
	// cpu is the CPU time (user + system) this whole process used during
	// the phase: server, Redis and database clients, and the load clients.
	cpu time.Duration
}

func (p phase) rps() float64 {
	if p.elapsed <= 0 {
		return 0
	}
	return float64(p.ok) / p.elapsed.Seconds()
}

// cpuPerReq is the process's CPU time per accepted request: less
// sensitive than req/s to what else the machine runs.
func (p phase) cpuPerReq() time.Duration {
	if p.ok == 0 {
		return 0
	}
	return p.cpu / time.Duration(p.ok)
}

func (p phase) pct(q float64) time.Duration { return percentile(p.lat, q) }

func (p phase) errors() int {
	n := 0
	for _, c := range p.errs {
		n += c
	}
	return n
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// loader posts signed trigger bodies with a fixed number of keep-alive
// clients.
type loader struct {
	clients int
	secret  []byte
	http    *http.Client
	// rate, when above 0, paces the requests of a phase to this many per
	// second (open loop): request k goes out at start + k/rate, or as soon
	// after as a client is free.
	rate float64
}

func newLoader(clients int, secret []byte, rate float64) *loader {
	tr := &http.Transport{
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients,
		MaxConnsPerHost:     clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &loader{clients: clients, secret: secret, rate: rate, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// run posts to url until d has passed or limit requests were sent (0: no
// limit) and returns what it measured. Each request carries a body for a
// new ticket, signed at the time it is sent. The client goroutines carry
// the pprof label side=load-client.
func (l *loader) run(ctx context.Context, name, url string, d time.Duration, limit int) phase {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		sent  atomic.Int64
		slot  atomic.Int64
		p     = phase{name: name, errs: map[string]int{}}
		lats  = make([][]time.Duration, l.clients)
		start = time.Now()
	)
	rss := sampleRSS()
	cpu0 := cpuTime()
	for i := 0; i < l.clients; i++ {
		wg.Add(1)
		go pprof.Do(ctx, pprof.Labels("side", "load-client"), func(ctx context.Context) {
			defer wg.Done()
			var buf []byte
			local := map[string]int{}
			ok := 0
			for ctx.Err() == nil {
				if limit > 0 && sent.Add(1) > int64(limit) {
					break
				}
				if l.rate > 0 {
					at := start.Add(time.Duration(float64(slot.Add(1)-1) / l.rate * float64(time.Second)))
					if wait := time.Until(at); wait > 0 {
						select {
						case <-ctx.Done():
							continue
						case <-time.After(wait):
						}
					}
				}
				now := time.Now()
				buf = triggerBody(buf[:0], ticketSeq.Add(1), now)
				status, _, err := l.post(ctx, url, buf, now)
				took := time.Since(now)
				switch {
				case err != nil && ctx.Err() != nil:
					// The phase ended while this request was in flight.
				case err != nil:
					local["transport"]++
				case status >= 200 && status < 300:
					ok++
					lats[i] = append(lats[i], took)
				default:
					local[strconv.Itoa(status)]++
				}
			}
			mu.Lock()
			p.ok += ok
			for k, v := range local {
				p.errs[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	p.cpu = cpuTime() - cpu0
	p.peakRSS, p.meanRSS = rss()
	for _, l := range lats {
		p.lat = append(p.lat, l...)
	}
	slices.Sort(p.lat)
	return p
}

// post sends one signed delivery and returns the status and the
// Retry-After of a 429.
func (l *loader) post(ctx context.Context, url string, body []byte, now time.Time) (int, time.Duration, error) {
	ts := now.UTC().Format(time.RFC3339)
	mac := hmac.New(sha256.New, l.secret)
	mac.Write([]byte(ts))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(zendesk.HeaderSignatureTimestamp, ts)
	req.Header.Set(zendesk.HeaderSignature, base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := l.http.Do(req)
	if err != nil {
		return 0, 0, err
	}
	// Drain so that the connection is reused.
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	return resp.StatusCode, time.Duration(secs) * time.Second, nil
}

// sampleRSS samples this process's resident set every 100 ms until the
// returned function is called, which reports the peak and the mean in kB.
func sampleRSS() func() (peak, mean int64) {
	stop := make(chan struct{})
	done := make(chan struct{})
	var peak, sum, n int64
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			kb := rssKB()
			peak = max(peak, kb)
			sum += kb
			n++
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() (int64, int64) {
		close(stop)
		<-done
		if n == 0 {
			return peak, 0
		}
		return peak, sum / n
	}
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the first field of /proc/loadavg: how busy the machine was.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// rssKB is VmRSS from /proc/self/status, in kB (0 where there is no /proc).
func rssKB() int64 { return procStatusKB("/proc/self/status", "VmRSS") }

func procStatusKB(path, key string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		return n
	}
	return 0
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func mib(kb int64) string { return fmt.Sprintf("%.0fMiB", float64(kb)/1024) }

func errText(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, ",")
}
