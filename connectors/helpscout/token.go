package helpscout

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plaudit/plaudit/internal/httpx"
)

// token is an OAuth access token and when to stop using it.
type token struct {
	access  string
	expires time.Time
}

// tokenMargin is how long before its expiry a token is replaced, so that
// it does not run out in the middle of a writeback.
const tokenMargin = 5 * time.Minute

// accessToken returns the cached token, or gets one with the client
// credentials flow. Concurrent callers share one fetch.
func (c *Client) accessToken(ctx context.Context) (*token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.now().Before(c.tok.expires) {
		return c.tok, nil
	}
	t, err := c.fetchToken(ctx)
	if err != nil {
		return nil, err
	}
	c.tok = t
	return t, nil
}

// dropToken forgets t after the API refused it (revoked, or the app's
// secret changed), so that the next call gets a new one.
func (c *Client) dropToken(t *token) {
	c.mu.Lock()
	if c.tok == t {
		c.tok = nil
	}
	c.mu.Unlock()
}

// fetchToken asks POST /v2/oauth2/token for a token. Credentials that
// Help Scout refuses will be refused on every retry: permanent.
func (c *Client) fetchToken(ctx context.Context) (*token, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.cfg.AppID}, "client_secret": {c.appSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/v2/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("helpscout: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Plaudit")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, httpx.TransportError(Name, "token request", err)
	}
	answer := httpx.ReadBody(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		reason := ""
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized {
			reason = fmt.Sprintf("app_id or app_secret refused (%d)", resp.StatusCode)
		}
		return nil, httpx.Classify(Name, resp.StatusCode, retryAfter(resp.Header), fmt.Errorf("helpscout: token request: status %d", resp.StatusCode), reason)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(answer, &tr); err != nil || tr.AccessToken == "" {
		return nil, fmt.Errorf("helpscout: token answer lacks access_token")
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= tokenMargin {
		life = 2 * tokenMargin // unknown or odd: use it briefly
	}
	return &token{access: tr.AccessToken, expires: c.now().Add(life - tokenMargin)}, nil
}

// retryAfter reads how long Help Scout asks to wait: Retry-After, else
// its own X-RateLimit-Retry-After (seconds).
func retryAfter(h http.Header) string {
	if v := h.Get("Retry-After"); v != "" {
		return v
	}
	return h.Get("X-RateLimit-Retry-After")
}
