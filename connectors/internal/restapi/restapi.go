// Package restapi makes the JSON calls of helpdesk drivers whose APIs
// take basic auth (Freshdesk, Gladly): one request shape, one reading of
// the answer, and Plaudit's error contract, with the words of each
// helpdesk's refusals left to its driver.
package restapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/plaudit/plaudit/connectors/internal/probe"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Client calls one helpdesk account's API. It is safe for concurrent use.
type Client struct {
	// System names the helpdesk in errors ("freshdesk").
	System string
	// Base is the API's address, without a trailing slash.
	Base string
	// User and Password are the basic-auth credentials.
	User, Password string
	HTTP           *http.Client
	// Reject says why the helpdesk refused a request (status and answer),
	// for tenant admins, without personal data.
	Reject func(status int, answer []byte) string
	// RetryAfter reads how long to wait from a refusal's headers; nil
	// reads Retry-After.
	RetryAfter func(h http.Header) string
	// Wrap may replace the error of a refusal (a kind's own error type);
	// nil keeps it.
	Wrap func(err error, status int, answer []byte) error
}

// Request builds an API request with the credentials and, when payload is
// not nil, its JSON body.
func (c *Client) Request(ctx context.Context, method, path string, payload any) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", c.System, method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.System, method, err)
	}
	req.SetBasicAuth(c.User, c.Password)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Plaudit")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Do sends one call and returns a 2xx answer with its body unread, or the
// call's error after Plaudit's error contract (httpx.Classify). op names
// the call in errors.
func (c *Client) Do(ctx context.Context, method, path string, payload any, op string) (*http.Response, error) {
	req, err := c.Request(ctx, method, path, payload)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, httpx.TransportError(c.System, op, err)
	}
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return resp, nil
	}
	answer := httpx.ReadBody(resp)
	wait := resp.Header.Get("Retry-After")
	if c.RetryAfter != nil {
		wait = c.RetryAfter(resp.Header)
	}
	err = httpx.Classify(c.System, code, wait, fmt.Errorf("%s: %s: status %d", c.System, op, code), c.Reject(code, answer))
	if c.Wrap != nil {
		err = c.Wrap(err, code, answer)
	}
	return nil, err
}

// Call is Do that decodes a 2xx JSON answer into out (when not nil).
func (c *Client) Call(ctx context.Context, method, path string, payload, out any, op string) error {
	resp, err := c.Do(ctx, method, path, payload, op)
	if err != nil {
		return err
	}
	answer := httpx.ReadBody(resp)
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("%s: %s: answer is not the expected JSON: %w", c.System, op, err)
		}
	}
	return nil
}

// Test is a connector test: it GETs path with the stored credentials and
// words the outcome (see probe). The answer must be a JSON object with a
// non-empty "id", which only the helpdesk's API gives.
func (c *Client) Test(ctx context.Context, path string, w probe.Words) error {
	req, err := c.Request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	answer, err := w.Call(c.HTTP, req)
	if err != nil {
		return err
	}
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(answer, &v) != nil || len(v.ID) == 0 || string(v.ID) == "null" || string(v.ID) == `""` || string(v.ID) == "0" {
		return w.NotTheAPI()
	}
	return nil
}

// ErrorCodes reads the code and the field of the first error of a JSON
// answer {"errors":[{fieldKey: …, "code": …}]} as " code field", keeping
// only what looks like a code (httpx.SafeCode): error messages may quote
// customer data and are never kept.
func ErrorCodes(answer []byte, fieldKey string) string {
	var e struct {
		Errors []map[string]any `json:"errors"`
	}
	if json.Unmarshal(answer, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	s := ""
	for _, k := range []string{"code", fieldKey} {
		if v, ok := e.Errors[0][k].(string); ok {
			if c := httpx.SafeCode(v); c != "" {
				s += " " + c
			}
		}
	}
	return s
}
