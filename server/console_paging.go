package server

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// Console lists show a page of rows newest first and link to the next,
// older page with the last row's time and id (?before=), so that a page
// deep in a long list costs what the first one does (keyset paging) and
// the link works without JavaScript.

// beforeParam reads ?before= ("2026-03-01T09:00:00.123Z~rsp_…"); none
// is the newest page.
func beforeParam(c *fiber.Ctx) (*store.Cursor, error) {
	raw := c.Query("before")
	if raw == "" {
		return nil, nil
	}
	at, id, ok := strings.Cut(raw, "~")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "before must be the value an Older link carries")
	}
	return &store.Cursor{At: t, ID: id}, nil
}

// olderLink is the link to the page after the row at, id, keeping the
// page's other query parameters (its filters).
func olderLink(c *fiber.Ctx, at time.Time, id string) string {
	q := listQuery(c)
	q.Set("before", at.UTC().Format(time.RFC3339Nano)+"~"+id)
	return c.Path() + "?" + q.Encode()
}

// newestLink is the list's first page with the same filters, shown once
// the reader has gone older.
func newestLink(c *fiber.Ctx) string {
	if c.Query("before") == "" {
		return ""
	}
	if q := listQuery(c); len(q) > 0 {
		return c.Path() + "?" + q.Encode()
	}
	return c.Path()
}

// listQuery is the page's query without its place in the list and the
// one-time "saved" notice.
func listQuery(c *fiber.Ctx) url.Values {
	q := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if key := string(k); key != "before" && key != "saved" {
			q.Add(key, string(v))
		}
	})
	return q
}
