package kustomer

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/internal/httpx"
)

// call makes one API call with the API key, and returns the status of
// the answer (0 when none came). what names the object a 404 is about
// ("conversation", "customer"); see httpx.JSONAPI.Call.
func (c *Client) call(ctx context.Context, method, path string, payload, out any, op, what string) (int, error) {
	a, err := c.api.Call(ctx, method, path, payload, out, op, func(a httpx.Answer) error {
		return c.api.Refusal(op, a, retryAfter(a, time.Now()), rejection(a.Status, what, a.Body))
	})
	return a.Status, err
}

// retryAfter is how long a refusal asks to wait: Retry-After, else for a
// 429 the end of the rate-limit window.
func retryAfter(a httpx.Answer, now time.Time) string {
	wait := a.Header.Get("Retry-After")
	if a.Status == http.StatusTooManyRequests && strings.TrimSpace(wait) == "" {
		wait = resetWait(a.Header.Get("X-RateLimit-Reset"), now)
	}
	return wait
}

// resetWait reads x-ratelimit-reset, the end of the rate-limit window,
// as seconds to wait: an epoch time in seconds or milliseconds, or a
// number of seconds. "" leaves the default wait.
func resetWait(v string, now time.Time) string {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return ""
	}
	var wait time.Duration
	switch {
	case n > 1e12:
		wait = time.UnixMilli(n).Sub(now)
	case n > 1e9:
		wait = time.Unix(n, 0).Sub(now)
	default:
		return strconv.FormatInt(n, 10)
	}
	// Round up: a window that ends in 300 ms is waited for a second.
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}

// rejection says why Kustomer refused a request, for tenant admins. Only
// the error code of its JSON:API errors is kept, never the title or
// detail, which may quote values.
func rejection(code int, what string, answer []byte) string {
	switch code {
	case http.StatusUnauthorized:
		return "API key rejected (401)"
	case http.StatusForbidden:
		return "API key lacks a role (403)"
	case http.StatusNotFound:
		return what + " not found (404)"
	}
	if c := httpx.ErrorCodes(answer, "code"); c != "" {
		return fmt.Sprintf("request rejected (%d %s)", code, c)
	}
	return fmt.Sprintf("request rejected (%d)", code)
}
