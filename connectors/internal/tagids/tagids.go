// Package tagids remembers the ids that a helpdesk gives its tags, for
// helpdesks that tag conversations by id but are configured with tag
// names (Front, Intercom): a tag is found or made once, then known by
// name for as long as the driver lives.
package tagids

import (
	"context"
	"fmt"
	"sync"

	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// Cache maps tag names to ids. Its zero value is empty and ready; it is
// safe for concurrent use.
type Cache struct {
	mu  sync.Mutex
	ids map[string]string
}

// Get returns the id remembered for name, "" when there is none.
func (c *Cache) Get(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ids[name]
}

// Put remembers id for name.
func (c *Cache) Put(name, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]string{}
	}
	c.ids[name] = id
}

// ID returns the id remembered for name, or makes the tag and remembers
// the id the helpdesk answers. create sends payload, {"name": name}, to
// the helpdesk (POST /tags at Front and Intercom alike) and decodes the
// answer into out. An id that valid refuses is an error: ids go into API
// paths. system names the helpdesk in errors.
func (c *Cache) ID(ctx context.Context, system, name string, valid func(string) bool,
	create func(ctx context.Context, payload, out any) error) (string, error) {
	if id := c.Get(name); id != "" {
		return id, nil
	}
	var t struct {
		ID inbound.String `json:"id"`
	}
	if err := create(ctx, map[string]string{"name": name}, &t); err != nil {
		return "", err
	}
	id := t.ID.Trim()
	if !valid(id) {
		return "", fmt.Errorf("%s: create tag: answer has no tag id", system)
	}
	c.Put(name, id)
	return id, nil
}
