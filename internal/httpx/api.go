package httpx

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// JSONAPI is a helpdesk's JSON API as a driver calls it: one base URL, one
// way to authorize, answers read with a bound.
type JSONAPI struct {
	// System names the helpdesk in errors ("hubspot").
	System  string
	BaseURL string
	HTTP    *http.Client
	// Authorize adds the credentials to a request.
	Authorize func(*http.Request)
}

// Do sends one request to BaseURL+path, with payload (when not nil) as
// its JSON body, and reads the answer.
func (a JSONAPI) Do(ctx context.Context, method, path string, payload any) (*http.Response, []byte, error) {
	req, err := NewJSONRequest(ctx, method, a.BaseURL+path, payload)
	if err != nil {
		return nil, nil, err
	}
	a.Authorize(req)
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	return resp, ReadBody(resp), nil
}

// Call makes one call and decodes a 2xx JSON answer into out (when not
// nil). op names the call in errors; classify turns an answer into
// Plaudit's error contract (nil for success), as the helpdesk needs. It
// returns the answer's status (0 when none came), so that a caller can
// tell a 404 of an optional read.
func (a JSONAPI) Call(ctx context.Context, method, path string, payload, out any, op string, classify func(*http.Response, []byte) error) (int, error) {
	resp, answer, err := a.Do(ctx, method, path, payload)
	if err != nil {
		return 0, TransportError(a.System, op, err)
	}
	if err := classify(resp, answer); err != nil {
		return resp.StatusCode, err
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s: %s: answer is not the expected JSON: %w", a.System, op, err)
		}
	}
	return resp.StatusCode, nil
}
