// Package apicall makes the JSON calls that helpdesk drivers send to their
// vendors' REST APIs: one request with the driver's credentials, the
// answer read with a bound, and a failure to get any answer classified
// once (internal/httpx). What an answer's status means stays with each
// driver, since every vendor says "closed" and "throttled" differently.
package apicall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/plaudit/plaudit/internal/httpx"
)

// Caller sends requests to one vendor's API.
type Caller struct {
	// System names the vendor in errors ("intercom").
	System string
	HTTP   *http.Client
	// Prepare sets the credentials and the vendor's own headers on each
	// request; an error (no token to be had) ends the call.
	Prepare func(ctx context.Context, req *http.Request) error
}

// Answer is what came back: the status, the headers and at most
// httpx.MaxBody bytes of the body.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Do sends method url with payload encoded as JSON (no body when payload
// is nil) and returns the answer, whatever its status. op names the call
// in errors ("add note"). A call that got no answer is
// httpx.TransportError: permanent when the egress policy refuses the
// address, retried otherwise.
func (c Caller) Do(ctx context.Context, method, url string, payload any, op string) (Answer, error) {
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return Answer{}, fmt.Errorf("%s: %s: %w", c.System, op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return Answer{}, fmt.Errorf("%s: %s: %w", c.System, op, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Plaudit")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Prepare != nil {
		if err := c.Prepare(ctx, req); err != nil {
			return Answer{}, err
		}
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Answer{}, httpx.TransportError(c.System, op, err)
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: httpx.ReadBody(resp)}, nil
}

// Decode reads a 2xx answer's JSON into out. An answer that is not the
// JSON expected is an error that is retried: a vendor's proxy may have
// answered in its place.
func Decode(system, op string, a Answer, out any) error {
	if err := json.Unmarshal(a.Body, out); err != nil {
		return fmt.Errorf("%s: %s: answer is not the expected JSON: %w", system, op, err)
	}
	return nil
}
