package store

import (
	"context"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
)

// DirectoryCacheTTL is how long a cached tenant or agent is used: a change
// made through another replica reaches this one's decisions and sends
// within it. A change made through this process (any write naming the
// tenants or agents table, counted by sqlCounter) clears the cache at
// once.
const DirectoryCacheTTL = 5 * time.Second

// maxDirectoryEntries bounds the cache; past it, the cache starts afresh.
const maxDirectoryEntries = 10_000

// directoryCache keeps tenants (hash key opened) and agent look-ups, each
// with the count of directory writes it was read at and its expiry.
type directoryCache struct {
	mu      sync.Mutex
	entries map[directoryKey]directoryEntry
}

type directoryKey struct {
	kind                            byte // 't' tenant, 'a' agent by id, 'f' agent found by reference, 'l' time zone
	tenantID, id, kind2, ext, email string
}

type directoryEntry struct {
	tenant  plaudit.Tenant
	agent   plaudit.Agent
	loc     *time.Location
	err     error
	writes  uint64
	expires time.Time
}

// cached returns the entry for k, reading it with load when it is missing,
// older than the TTL or older than the last directory write. Answers that
// are not-found are kept like values; other errors are not kept.
func (s *Store) cached(ctx context.Context, k directoryKey, load func(ctx context.Context) directoryEntry) directoryEntry {
	writes := s.counter.directoryWrites.Load()
	now := time.Now()
	c := &s.dir
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if ok && e.writes == writes && now.Before(e.expires) {
		return e
	}
	e = load(ctx)
	if e.err != nil && !plaudit.IsNotFound(e.err) {
		return e
	}
	e.writes, e.expires = writes, now.Add(DirectoryCacheTTL)
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxDirectoryEntries {
		c.entries = map[directoryKey]directoryEntry{}
	}
	c.entries[k] = e
	c.mu.Unlock()
	return e
}

// Cached is the store with tenants and agents read through a cache that
// every replica renews within DirectoryCacheTTL (and this one at once
// after its own changes): the decisions and sends read the same tenant
// and agents for every interaction of a burst. Values it returns are
// shared: callers must not change them in place.
type Cached struct{ *Store }

// GetTenant is Store.GetTenant, cached.
func (c Cached) GetTenant(ctx context.Context, id string) (plaudit.Tenant, error) {
	e := c.cached(ctx, directoryKey{kind: 't', id: id}, func(ctx context.Context) directoryEntry {
		t, err := c.Store.GetTenant(ctx, id)
		return directoryEntry{tenant: t, err: err}
	})
	return e.tenant, e.err
}

// GetAgent is Store.GetAgent, cached.
func (c Cached) GetAgent(ctx context.Context, tenantID, id string) (plaudit.Agent, error) {
	e := c.cached(ctx, directoryKey{kind: 'a', tenantID: tenantID, id: id}, func(ctx context.Context) directoryEntry {
		a, err := c.Store.GetAgent(ctx, tenantID, id)
		return directoryEntry{agent: a, err: err}
	})
	return e.agent, e.err
}

// FindAgent is Store.FindAgent, cached.
func (c Cached) FindAgent(ctx context.Context, tenantID, kind, externalID, email string) (plaudit.Agent, error) {
	k := directoryKey{kind: 'f', tenantID: tenantID, kind2: kind, ext: externalID, email: email}
	e := c.cached(ctx, k, func(ctx context.Context) directoryEntry {
		a, err := c.Store.FindAgent(ctx, tenantID, kind, externalID, email)
		return directoryEntry{agent: a, err: err}
	})
	return e.agent, e.err
}
