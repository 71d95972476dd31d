package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// JSONAPI is a vendor's JSON API as a connector driver calls it: one base
// URL, one way to authorize, the headers every call sends, answers read
// with a bound, and a call that got no answer classified once
// (TransportError). What a refused call's status means stays with each
// driver, since every vendor says "closed" and "throttled" differently.
type JSONAPI struct {
	// System names the vendor in errors ("hubspot").
	System string
	// BaseURL is the API's address, without a trailing slash; a call's
	// path is appended to it.
	BaseURL string
	HTTP    *http.Client
	// Authorize sets the credentials, and the vendor's own headers, on
	// each request; an error (no token to be had) ends the call before
	// anything is sent.
	Authorize func(ctx context.Context, req *http.Request) error
}

// Answer is what an API call got back: the status, the headers and at
// most MaxBody bytes of the body.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Bearer authorizes each request with a bearer token.
func Bearer(token string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// BasicAuth authorizes each request with basic-auth credentials.
func BasicAuth(user, password string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(user, password)
		return nil
	}
}

// Send sends method BaseURL+path with payload encoded as JSON (no body
// when payload is nil) and returns the answer, whatever its status. op
// names the call in errors ("add note"). A call that got no answer is a
// TransportError: permanent when the egress policy refuses the address,
// retried otherwise.
func (api JSONAPI) Send(ctx context.Context, method, path string, payload any, op string) (Answer, error) {
	resp, err := api.do(ctx, method, path, payload, op)
	if err != nil {
		return Answer{}, err
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: ReadBody(resp)}, nil
}

// Open is Send for answers too long to hold at once (a conversation's
// whole timeline): a 2xx answer comes back with its body unread, for the
// caller to read and close; any other answer is read and is refused's
// error.
func (api JSONAPI) Open(ctx context.Context, method, path string, payload any, op string, refused func(Answer) error) (*http.Response, error) {
	resp, err := api.do(ctx, method, path, payload, op)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, refused(Answer{Status: resp.StatusCode, Header: resp.Header, Body: ReadBody(resp)})
	}
	return resp, nil
}

func (api JSONAPI) do(ctx context.Context, method, path string, payload any, op string) (*http.Response, error) {
	req, err := NewJSONRequest(ctx, method, api.BaseURL+path, payload)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", api.System, op, err)
	}
	if api.Authorize != nil {
		if err := api.Authorize(ctx, req); err != nil {
			return nil, err
		}
	}
	resp, err := api.HTTP.Do(req)
	if err != nil {
		return nil, TransportError(api.System, op, err)
	}
	return resp, nil
}

// Call is Send that turns an answer other than 2xx into refused's error
// (Plaudit's error contract, in the vendor's words: see Refusal) and
// decodes a 2xx JSON answer into out (when not nil). The answer comes
// back too, so that a caller can tell a 404 of an optional read; its
// Status is 0 when no answer came.
func (api JSONAPI) Call(ctx context.Context, method, path string, payload, out any, op string, refused func(Answer) error) (Answer, error) {
	a, err := api.Send(ctx, method, path, payload, op)
	if err != nil {
		return a, err
	}
	if !a.OK() {
		return a, refused(a)
	}
	if out == nil {
		return a, nil
	}
	return a, api.Decode(op, a, out)
}

// Decode reads a 2xx answer's JSON into out. An answer that is not the
// JSON expected is an error that is retried: a vendor's proxy may have
// answered in its place.
func (api JSONAPI) Decode(op string, a Answer, out any) error {
	if err := json.Unmarshal(a.Body, out); err != nil {
		return fmt.Errorf("%s: %s: answer is not the expected JSON: %w", api.System, op, err)
	}
	return nil
}

// Refusal classifies an answer the API refused (see Classify), with
// "{system}: {op}: status {status}" as the error it wraps, the wait that
// retryAfter asks for, and reason telling tenant admins why ("" for the
// status and its text).
func (api JSONAPI) Refusal(op string, a Answer, retryAfter, reason string) error {
	return Classify(api.System, a.Status, retryAfter, fmt.Errorf("%s: %s: status %d", api.System, op, a.Status), reason)
}

// NewJSONRequest makes a request to a JSON API: payload (when not nil)
// marshalled as the body, and the headers every vendor API call sends.
func NewJSONRequest(ctx context.Context, method, url string, payload any) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Plaudit")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}
