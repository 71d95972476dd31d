package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit/internal/httpx"
)

// apiError is HubSpot's error document: {"status":"error","message":…,
// "category":"MISSING_SCOPES","errors":[{"context":{…}}]}, and on a 429
// also "policyName". Only codes are kept from it, never the message, which
// may quote property values.
type apiError struct {
	Category   string `json:"category"`
	PolicyName string `json:"policyName"`
	Errors     []struct {
		Code    string `json:"code"`
		Context struct {
			RequiredScopes []string `json:"requiredGranularScopes"`
		} `json:"context"`
	} `json:"errors"`
}

func readError(answer []byte) apiError {
	var e apiError
	_ = json.Unmarshal(answer, &e)
	return e
}

// missingScopes lists the scopes a 403 says the app lacks, as far as they
// look like scope names.
func (e apiError) missingScopes() []string {
	var out []string
	for _, x := range e.Errors {
		for _, s := range x.Context.RequiredScopes {
			if s = httpx.SafeCode(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// call makes one API call with the private app's token, and returns the
// status of the answer (0 when none came). what names the object a 404 is
// about ("ticket", "contact"); see httpx.JSONAPI.Call.
func (c *Client) call(ctx context.Context, method, path string, payload, out any, op, what string) (int, error) {
	a, err := c.api.Call(ctx, method, path, payload, out, op, func(a httpx.Answer) error {
		return c.api.Refusal(op, a, retryAfter(a), rejection(a.Status, what, a.Body))
	})
	return a.Status, err
}

// retryAfter is how long a refusal asks to wait: Retry-After, else for a
// 429 what HubSpot's rate-limit headers say.
func retryAfter(a httpx.Answer) string {
	wait := a.Header.Get("Retry-After")
	if a.Status == http.StatusTooManyRequests && strings.TrimSpace(wait) == "" {
		wait = rateLimitWait(a.Header, readError(a.Body))
	}
	return wait
}

// rateLimitWait is how long to wait after a 429 without Retry-After, in
// seconds, from HubSpot's rate-limit headers: the daily limit waits an
// hour (the day ends at midnight in the account's time zone, which we do
// not know), the burst limit its interval; "" leaves the default.
func rateLimitWait(h http.Header, e apiError) string {
	if strings.EqualFold(e.PolicyName, "DAILY") || strings.TrimSpace(h.Get("X-HubSpot-RateLimit-Daily-Remaining")) == "0" {
		return "3600"
	}
	if ms, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds")), 10, 64); err == nil && ms > 0 {
		return strconv.FormatInt(int64(math.Ceil(float64(ms)/1000)), 10)
	}
	return ""
}

// rejection says why HubSpot refused a request, for tenant admins.
func rejection(code int, what string, answer []byte) string {
	e := readError(answer)
	switch code {
	case http.StatusUnauthorized:
		return "access token rejected (401)"
	case http.StatusForbidden:
		if scopes := e.missingScopes(); len(scopes) > 0 {
			return "missing scope " + strings.Join(scopes, ", ") + " (403)"
		}
		return "permission denied (403)"
	case http.StatusNotFound:
		return what + " not found (404)"
	}
	if bytes.Contains(answer, []byte("PROPERTY_DOESNT_EXIST")) {
		return fmt.Sprintf("ticket property does not exist (%d)", code)
	}
	if c := httpx.SafeCode(e.Category); c != "" {
		return fmt.Sprintf("request rejected (%d %s)", code, c)
	}
	return fmt.Sprintf("request rejected (%d)", code)
}
