package front

import (
	"context"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// maxTagPages bounds how many pages of the company's tags are read to
// find the configured ones by name.
const maxTagPages = 10

// tagPage is a page of GET /tags.
type tagPage struct {
	Results []struct {
		ID   inbound.String `json:"id"`
		Name inbound.String `json:"name"`
	} `json:"_results"`
	Pagination struct {
		Next inbound.String `json:"next"`
	} `json:"_pagination"`
}

// tagIDsOf returns the ids of the configured tags: Front tags
// conversations by id. Tags are found by name among the company's tags,
// and created when missing; ids are remembered.
func (c *Client) tagIDsOf(ctx context.Context) ([]string, error) {
	for _, name := range c.cfg.Tags {
		if c.tags.Get(name) == "" {
			if err := c.findTags(ctx); err != nil {
				return nil, err
			}
			break
		}
	}
	ids := make([]string, 0, len(c.cfg.Tags))
	for _, name := range c.cfg.Tags {
		id, err := c.tags.ID(ctx, Name, name, idRE.MatchString, func(ctx context.Context, payload, out any) error {
			return c.call(ctx, http.MethodPost, "/tags", payload, out, "create tag")
		})
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// findTags reads the company's tags, page by page, and remembers the ids
// of the configured ones. A next page is only followed under the base
// URL: the token is never sent elsewhere.
func (c *Client) findTags(ctx context.Context) error {
	wanted := map[string]bool{}
	for _, n := range c.cfg.Tags {
		wanted[n] = true
	}
	next := "/tags?limit=100"
	for page := 0; page < maxTagPages && next != ""; page++ {
		var p tagPage
		if err := c.call(ctx, http.MethodGet, next, nil, &p, "list tags"); err != nil {
			return err
		}
		for _, t := range p.Results {
			if name, id := t.Name.Trim(), t.ID.Trim(); wanted[name] && idRE.MatchString(id) {
				c.tags.Put(name, id)
			}
		}
		next = ""
		if n := p.Pagination.Next.Trim(); strings.HasPrefix(n, c.cfg.BaseURL+"/") {
			next = strings.TrimPrefix(n, c.cfg.BaseURL)
		}
	}
	return nil
}
