package kustomer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/internal/httpx"
)

// call makes one API call with the API key. what names the object a 404
// is about ("conversation", "customer"); see httpx.JSONAPI.Call.
func (c *Client) call(ctx context.Context, method, path string, payload, out any, op, what string) (int, error) {
	return c.api.Call(ctx, method, path, payload, out, op, func(resp *http.Response, answer []byte) error {
		return classify(op, what, resp, answer, time.Now())
	})
}

// classify turns a Kustomer answer into Plaudit's error contract (see
// httpx.Classify), with the wait a 429 asks for and reasons that tell a
// tenant admin what to fix.
func classify(op, what string, resp *http.Response, answer []byte, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	retryAfter := resp.Header.Get("Retry-After")
	if code == http.StatusTooManyRequests && strings.TrimSpace(retryAfter) == "" {
		retryAfter = resetWait(resp.Header.Get("X-RateLimit-Reset"), now)
	}
	return httpx.Classify("kustomer", code, retryAfter, fmt.Errorf("kustomer: %s: status %d", op, code), rejection(code, what, answer))
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
	var e struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(answer, &e) == nil && len(e.Errors) > 0 {
		if c := httpx.SafeCode(e.Errors[0].Code); c != "" {
			return fmt.Sprintf("request rejected (%d %s)", code, c)
		}
	}
	return fmt.Sprintf("request rejected (%d)", code)
}
