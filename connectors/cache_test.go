package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// fakeDriver remembers the secret it was built with.
type fakeDriver struct{ token string }

func (d *fakeDriver) Receive(context.Context, plaudit.Delivery) ([]plaudit.Event, error) {
	return nil, nil
}
func (d *fakeDriver) Writeback(context.Context, plaudit.Writeback) error { return nil }

// fakeKind counts the drivers it builds; a connector without a token is a
// config it refuses.
func fakeKind(builds *atomic.Int64) plaudit.Kind {
	return plaudit.Kind{
		Name: "fake", SecretFields: []string{"token"},
		Validate: func(json.RawMessage, map[string]string) error { return nil },
		New: func(c plaudit.Connector, _ plaudit.DriverDeps) (plaudit.Driver, error) {
			builds.Add(1)
			if c.Secrets["token"] == "" {
				return nil, plaudit.Errorf(plaudit.EInvalid, "config.token is required")
			}
			return &fakeDriver{token: c.Secrets["token"]}, nil
		},
	}
}

// fakeStore holds connectors by id. While gate is set, ConnectorByID
// waits for it to close (or for its context to end).
type fakeStore struct {
	mu    sync.Mutex
	cons  map[string]plaudit.Connector
	fail  error
	gate  chan struct{}
	calls int
	asked chan string // when set, told of every call
}

func (s *fakeStore) ConnectorByID(ctx context.Context, id string) (plaudit.Connector, error) {
	s.mu.Lock()
	s.calls++
	gate, fail, asked := s.gate, s.fail, s.asked
	c, ok := s.cons[id]
	s.mu.Unlock()
	if asked != nil {
		asked <- id
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return plaudit.Connector{}, ctx.Err()
		}
	}
	switch {
	case fail != nil:
		return plaudit.Connector{}, fail
	case !ok:
		return plaudit.Connector{}, plaudit.Errorf(plaudit.ENotFound, "connector not found")
	}
	return c, nil
}

func (s *fakeStore) put(c plaudit.Connector) {
	s.mu.Lock()
	s.cons[c.ID] = c
	s.mu.Unlock()
}

func (s *fakeStore) remove(id string) {
	s.mu.Lock()
	delete(s.cons, id)
	s.mu.Unlock()
}

func (s *fakeStore) set(f func(s *fakeStore)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func (s *fakeStore) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const testTTL = 5 * time.Second

func fakeConnector(id, token string) plaudit.Connector {
	return plaudit.Connector{ID: id, TenantID: "ten_1", Kind: "fake", Config: json.RawMessage(`{}`),
		Secrets: map[string]string{"token": token}}
}

// newTestCache returns a cache over a store holding con_1, on a clock
// that moves only when told.
func newTestCache(t *testing.T) (*Cache, *fakeStore, *clock, *atomic.Int64) {
	t.Helper()
	builds := &atomic.Int64{}
	st := &fakeStore{cons: map[string]plaudit.Connector{"con_1": fakeConnector("con_1", "t1")}}
	clk := &clock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	c := NewCache(NewRegistry(fakeKind(builds)), st, plaudit.DriverDeps{}, testTTL)
	c.now = clk.Now
	return c, st, clk, builds
}

func (c *Cache) has(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[id]
	return ok
}

func (c *Cache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func token(t *testing.T, d plaudit.Driver) string {
	t.Helper()
	fd, ok := d.(*fakeDriver)
	if !ok {
		t.Fatalf("driver %T", d)
	}
	return fd.token
}

func TestCacheGet(t *testing.T) {
	c, st, _, builds := newTestCache(t)
	ctx := context.Background()
	con, d, err := c.Get(ctx, "con_1")
	if err != nil || con.ID != "con_1" || con.TenantID != "ten_1" || token(t, d) != "t1" {
		t.Fatalf("Get = %+v, %v, %v", con, d, err)
	}
	_, d2, _ := c.Get(ctx, "con_1")
	if d2 != d || st.callCount() != 1 || builds.Load() != 1 {
		t.Errorf("second Get within the TTL: same driver %v, %d store reads, %d builds; want true, 1, 1",
			d2 == d, st.callCount(), builds.Load())
	}
}

// TestCacheDeletedConnectorLeaves: a connector deleted through another
// replica (no Forget here) is answered from the cache until the TTL ends,
// and then its entry, driver and secrets are gone from the map, even when
// nobody asks for it again.
func TestCacheDeletedConnectorLeaves(t *testing.T) {
	c, st, clk, _ := newTestCache(t)
	ctx := context.Background()
	if _, _, err := c.Get(ctx, "con_1"); err != nil {
		t.Fatal(err)
	}
	st.remove("con_1")

	clk.Add(testTTL - time.Millisecond)
	if _, _, err := c.Get(ctx, "con_other"); !plaudit.IsNotFound(err) {
		t.Fatalf("unknown id: %v", err)
	}
	if !c.has("con_1") {
		t.Fatal("entry dropped before its TTL")
	}

	clk.Add(time.Millisecond)
	// Any Get sweeps (at most once per TTL): here one for another id.
	if _, _, err := c.Get(ctx, "con_other"); !plaudit.IsNotFound(err) {
		t.Fatalf("unknown id: %v", err)
	}
	if c.has("con_1") {
		t.Error("expired entry of a deleted connector still in memory after a Get")
	}
	if _, _, err := c.Get(ctx, "con_1"); !plaudit.IsNotFound(err) {
		t.Errorf("deleted connector after the TTL: %v, want not found", err)
	}
}

// TestCacheRunSweeps: with no Get at all, Run drops expired entries.
func TestCacheRunSweeps(t *testing.T) {
	c, _, clk, _ := newTestCache(t)
	ctx, cancel := context.WithCancel(context.Background())
	if _, _, err := c.Get(ctx, "con_1"); err != nil {
		t.Fatal(err)
	}
	// Run ticks every half TTL of real time; a short TTL keeps the test
	// short, the clock says when entries expire.
	c.ttl = 20 * time.Millisecond
	clk.Add(testTTL)
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for c.has("con_1") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if c.has("con_1") {
		t.Error("Run did not sweep the expired entry")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

func TestCacheChangedSecretAfterTTL(t *testing.T) {
	c, st, clk, _ := newTestCache(t)
	ctx := context.Background()
	_, d1, err := c.Get(ctx, "con_1")
	if err != nil {
		t.Fatal(err)
	}
	st.put(fakeConnector("con_1", "t2"))
	clk.Add(testTTL / 2)
	if _, d, _ := c.Get(ctx, "con_1"); d != d1 || token(t, d) != "t1" {
		t.Error("within the TTL: want the cached driver")
	}
	clk.Add(testTTL / 2)
	con, d2, err := c.Get(ctx, "con_1")
	if err != nil {
		t.Fatal(err)
	}
	if d2 == d1 || token(t, d2) != "t2" || con.Secrets["token"] != "t2" {
		t.Errorf("after the TTL: token %q, new driver %v; want t2, true", token(t, d2), d2 != d1)
	}
}

func TestCacheForget(t *testing.T) {
	c, st, _, _ := newTestCache(t)
	ctx := context.Background()
	_, d1, _ := c.Get(ctx, "con_1")
	st.put(fakeConnector("con_1", "t2"))
	c.Forget("con_1")
	if c.has("con_1") {
		t.Fatal("Forget kept the entry")
	}
	if _, d2, _ := c.Get(ctx, "con_1"); d2 == d1 || token(t, d2) != "t2" {
		t.Error("after Forget: want a driver with the new secret")
	}
}

func TestCacheOutageNotKept(t *testing.T) {
	c, st, _, _ := newTestCache(t)
	ctx := context.Background()
	outage := errors.New("store: connection refused")
	st.set(func(s *fakeStore) { s.fail = outage })
	if _, _, err := c.Get(ctx, "con_1"); !errors.Is(err, outage) {
		t.Fatalf("outage: %v", err)
	}
	if c.has("con_1") {
		t.Error("an outage was kept")
	}
	st.set(func(s *fakeStore) { s.fail = nil })
	if _, d, err := c.Get(ctx, "con_1"); err != nil || token(t, d) != "t1" {
		t.Errorf("after the outage, without waiting for a TTL: %v", err)
	}
	if n := st.callCount(); n != 2 {
		t.Errorf("store read %d times, want 2", n)
	}
}

func TestCacheNotFoundKept(t *testing.T) {
	c, st, clk, _ := newTestCache(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, _, err := c.Get(ctx, "con_x"); !plaudit.IsNotFound(err) {
			t.Fatalf("unknown: %v", err)
		}
	}
	if n := st.callCount(); n != 1 {
		t.Errorf("store read %d times for a known-unknown id, want 1", n)
	}
	st.put(fakeConnector("con_x", "t"))
	clk.Add(testTTL)
	if _, _, err := c.Get(ctx, "con_x"); err != nil {
		t.Errorf("created connector after the TTL: %v", err)
	}
}

func TestCacheDisabledIsNotFound(t *testing.T) {
	c, st, _, builds := newTestCache(t)
	con := fakeConnector("con_1", "t1")
	con.Disabled = true
	st.put(con)
	got, d, err := c.Get(context.Background(), "con_1")
	if !plaudit.IsNotFound(err) || d != nil {
		t.Fatalf("disabled: %v, %v", d, err)
	}
	if got.ID != "" || got.Secrets != nil || builds.Load() != 0 {
		t.Errorf("a disabled connector was kept (%+v) or built (%d)", got, builds.Load())
	}
}

func TestCacheRefusedConfigKept(t *testing.T) {
	c, st, _, builds := newTestCache(t)
	st.put(fakeConnector("con_1", ""))
	for i := 0; i < 2; i++ {
		con, d, err := c.Get(context.Background(), "con_1")
		if plaudit.ErrorMessage(err) != "config.token is required" || d != nil || con.Kind != "fake" {
			t.Fatalf("refused config: %+v, %v, %v", con, d, err)
		}
	}
	if builds.Load() != 1 {
		t.Errorf("%d builds of a refused config within the TTL, want 1", builds.Load())
	}
}

// TestCacheConcurrentGets: Gets of one id that come while it is being
// read wait for that read and share its driver. Run with -race.
func TestCacheConcurrentGets(t *testing.T) {
	c, st, _, builds := newTestCache(t)
	gate := make(chan struct{})
	asked := make(chan string, 64)
	st.set(func(s *fakeStore) { s.gate, s.asked = gate, asked })
	const n = 32
	var wg sync.WaitGroup
	got := make([]plaudit.Driver, n)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, d, err := c.Get(context.Background(), "con_1")
			if err != nil {
				t.Error(err)
			}
			got[i] = d
		}(i)
	}
	<-asked // one read is under way; the others find it and wait
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if builds.Load() != 1 || st.callCount() != 1 {
		t.Errorf("%d builds, %d store reads; want 1, 1", builds.Load(), st.callCount())
	}
	for i := range got {
		if got[i] != got[0] || got[i] == nil {
			t.Fatalf("goroutine %d got another driver", i)
		}
	}
}

// TestCacheWaiterOutlivesLoader: when the Get that reads the store gives
// up (its request ended), a Get waiting for it reads again itself instead
// of failing with the other's error.
func TestCacheWaiterOutlivesLoader(t *testing.T) {
	c, st, _, _ := newTestCache(t)
	gate := make(chan struct{})
	asked := make(chan string, 4)
	st.set(func(s *fakeStore) { s.gate, s.asked = gate, asked })
	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, _, err := c.Get(ctx1, "con_1"); first <- err }()
	<-asked
	second := make(chan error, 1)
	go func() { _, _, err := c.Get(context.Background(), "con_1"); second <- err }()
	time.Sleep(20 * time.Millisecond) // let it wait (either order must pass)
	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("first: %v", err)
	}
	<-asked // the second reads again
	close(gate)
	if err := <-second; err != nil {
		t.Errorf("second: %v, want the connector", err)
	}
}

// TestCacheBounded: webhooks for made-up ids cannot grow the cache
// without bound.
func TestCacheBounded(t *testing.T) {
	c, _, _, _ := newTestCache(t)
	for i := 0; i < maxCacheEntries+50; i++ {
		if _, _, err := c.Get(context.Background(), fmt.Sprintf("con_%d_x", i)); !plaudit.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	if n := c.size(); n > maxCacheEntries+1 {
		t.Errorf("%d entries, want at most %d", n, maxCacheEntries+1)
	}
}

func TestNewCacheDefaultTTL(t *testing.T) {
	if c := NewCache(Default(), &fakeStore{}, plaudit.DriverDeps{}, 0); c.ttl != DefaultCacheTTL {
		t.Errorf("ttl %s", c.ttl)
	}
}

// A delivery's look-up gives the connector's rate_limit_per_second with
// it, as its config says or the default, and a changed rate once the
// entry is renewed.
func TestCacheGivesTheRateForDeliveries(t *testing.T) {
	c, st, clk, _ := newTestCache(t)
	ctx := context.Background()
	if _, _, rate, err := c.GetForDelivery(ctx, "con_1"); err != nil || rate != plaudit.DefaultRateLimitPerSecond {
		t.Fatalf("rate = %d, %v; want the default %d", rate, err, plaudit.DefaultRateLimitPerSecond)
	}
	con := fakeConnector("con_1", "t1")
	con.Config = json.RawMessage(`{"rate_limit_per_second": 250}`)
	st.put(con)
	if _, _, rate, _ := c.GetForDelivery(ctx, "con_1"); rate != plaudit.DefaultRateLimitPerSecond {
		t.Errorf("rate = %d within the TTL, want the cached %d", rate, plaudit.DefaultRateLimitPerSecond)
	}
	clk.Add(testTTL)
	if _, _, rate, _ := c.GetForDelivery(ctx, "con_1"); rate != 250 {
		t.Errorf("rate = %d after the TTL, want 250", rate)
	}
	if _, _, _, err := c.GetForDelivery(ctx, "con_404"); !plaudit.IsNotFound(err) {
		t.Errorf("unknown connector: %v, want not found", err)
	}
}
