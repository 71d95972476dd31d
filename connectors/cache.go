package connectors

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
)

// DefaultCacheTTL is how long a Cache keeps a connector: long enough that
// a burst of webhooks reads the store and builds the driver once, short
// enough that a connector deleted or changed through another replica is
// gone from this one within seconds, credentials included.
const DefaultCacheTTL = 5 * time.Second

// maxCacheEntries bounds the memory that webhooks for made-up connector
// ids can take: beyond it, "not found" is answered but not kept.
const maxCacheEntries = 10_000

// ConnectorStore is what a Cache reads connectors from.
type ConnectorStore interface {
	// ConnectorByID returns a connector by id alone (any tenant), or an
	// ENotFound error.
	ConnectorByID(ctx context.Context, id string) (plaudit.Connector, error)
}

// Cache keeps connectors with their built drivers for a TTL, so that the
// webhooks and writebacks of one connector read the store and build the
// driver once per TTL, and what a driver holds between calls (a Salesforce
// OAuth token) is reused meanwhile.
//
// Every replica has its own Cache, and no replica hears of changes made
// through another, so an entry lives for the TTL only and is then dropped,
// not merely ignored: an expired entry leaves the map at the next sweep,
// which Get runs at most once per TTL and Run runs every half TTL. A
// deleted or changed connector (and the credentials in its driver) is
// thus gone from every replica running Run within 1.5 TTL; Forget drops it
// at once from the replica that made the change.
//
// It is safe for concurrent use.
type Cache struct {
	reg   *Registry
	store ConnectorStore
	deps  plaudit.DriverDeps
	ttl   time.Duration
	now   func() time.Time // the clock; tests set it

	mu        sync.Mutex
	entries   map[string]*cacheEntry // by connector id
	nextSweep time.Time
}

// cacheEntry is one connector id's answer: the connector and its driver,
// or an error (not found, disabled, a config its kind refuses). While the
// first Get reads and builds it, done is open and the others wait on it.
type cacheEntry struct {
	done    chan struct{}
	con     plaudit.Connector
	driver  plaudit.Driver
	err     error
	expires time.Time
	// rate is the connector's rate_limit_per_second.
	rate int
}

func (e *cacheEntry) loaded() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// errLoadFailed is what waiters get when the read or the build they waited
// for panicked.
var errLoadFailed = errors.New("connectors: the connector could not be loaded")

// NewCache returns a cache of the connectors in store, built with reg and
// deps, each kept for ttl (DefaultCacheTTL when ttl <= 0). It starts no
// goroutine: the owner runs Run for the periodic sweep.
func NewCache(reg *Registry, store ConnectorStore, deps plaudit.DriverDeps, ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache{reg: reg, store: store, deps: deps, ttl: ttl, now: time.Now, entries: map[string]*cacheEntry{}}
}

// Get returns connector id and its driver. A connector that does not
// exist or is disabled is an ENotFound error; one whose config its kind
// refuses is the kind's error, returned with the connector. Both answers
// are kept for the TTL like a driver; a failure to read the store is
// returned and not kept, so the next Get asks again. Concurrent Gets of one
// id read the store and build the driver once.
//
// The store is asked by id alone: a caller that knows the tenant compares
// it with the connector's TenantID.
func (c *Cache) Get(ctx context.Context, id string) (plaudit.Connector, plaudit.Driver, error) {
	e, err := c.entry(ctx, id)
	if err != nil {
		return plaudit.Connector{}, nil, err
	}
	return e.con, e.driver, e.err
}

// GetForDelivery is Get for an inbound delivery: it gives the connector's
// rate_limit_per_second too, read from its config once per entry rather
// than once per delivery.
func (c *Cache) GetForDelivery(ctx context.Context, id string) (plaudit.Connector, plaudit.Driver, int, error) {
	e, err := c.entry(ctx, id)
	if err != nil {
		return plaudit.Connector{}, nil, 0, err
	}
	return e.con, e.driver, e.rate, e.err
}

// entry returns id's loaded entry, loading it when there is none; the
// error is ctx's when the caller gave up waiting for another's load.
func (c *Cache) entry(ctx context.Context, id string) (*cacheEntry, error) {
	for {
		c.mu.Lock()
		now := c.now()
		if !now.Before(c.nextSweep) {
			c.sweepLocked(now)
		}
		e, ok := c.entries[id]
		if ok && e.loaded() && now.Before(e.expires) {
			c.mu.Unlock()
			return e, nil
		}
		if ok && !e.loaded() {
			c.mu.Unlock()
			select {
			case <-e.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if isContextErr(e.err) && ctx.Err() == nil {
				continue // the loading caller gave up; this one has not
			}
			return e, nil
		}
		e = &cacheEntry{done: make(chan struct{}), err: errLoadFailed}
		// A copy of the key: callers may pass a string that points into a
		// buffer they reuse (Fiber's params), which would change the key
		// in the map under it.
		id = strings.Clone(id)
		c.entries[id] = e
		c.mu.Unlock()
		c.load(ctx, id, e)
		return e, nil
	}
}

// load reads connector id and builds its driver into e, then keeps e for
// the TTL or, after an outage or a panic, drops it.
func (c *Cache) load(ctx context.Context, id string, e *cacheEntry) {
	keep := false
	defer func() {
		c.mu.Lock()
		e.expires = c.now().Add(c.ttl)
		if c.entries[id] == e && (!keep || e.err != nil && len(c.entries) > maxCacheEntries) {
			delete(c.entries, id)
		}
		c.mu.Unlock()
		close(e.done)
	}()
	con, err := c.store.ConnectorByID(ctx, id)
	if err == nil && con.Disabled {
		err = plaudit.Errorf(plaudit.ENotFound, "connector disabled")
	}
	switch {
	case plaudit.IsNotFound(err):
		// Keep no part of a deleted or disabled connector, secrets least.
		e.con, e.err, keep = plaudit.Connector{}, err, true
	case err != nil:
		e.con, e.err = plaudit.Connector{}, err
	default:
		d, err := c.reg.Driver(con, c.deps)
		e.con, e.driver, e.err, keep = con, d, err, true
		// A config whose rate its kind refused has come with that error
		// from Driver already; the default stands in meanwhile.
		e.rate, _ = plaudit.RateLimitPerSecond(con.Config)
	}
}

// Forget drops connector id, for when it was changed or deleted through
// this replica: the next Get reads it again. A Get already reading it
// still returns what it read.
func (c *Cache) Forget(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

// ForgetTenant drops every loaded entry of a tenant's connectors (the
// tenant was deleted).
func (c *Cache) ForgetTenant(tenantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, e := range c.entries {
		if e.loaded() && e.con.TenantID == tenantID {
			delete(c.entries, id)
		}
	}
}

// Run sweeps expired entries every half TTL until ctx ends, so that they
// leave memory even when no Get comes. The owner starts it once, beside
// the HTTP server or the worker.
func (c *Cache) Run(ctx context.Context) {
	t := time.NewTicker(max(c.ttl/2, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.mu.Lock()
			c.sweepLocked(c.now())
			c.mu.Unlock()
		}
	}
}

// sweepLocked drops the entries that expired by now. c.mu is held.
func (c *Cache) sweepLocked(now time.Time) {
	c.nextSweep = now.Add(c.ttl)
	for id, e := range c.entries {
		if e.loaded() && !now.Before(e.expires) {
			delete(c.entries, id)
		}
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
