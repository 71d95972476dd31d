package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// NewJSONRequest makes a request to a JSON API: payload (when not nil)
// marshalled as the body, and the headers every helpdesk API call sends.
// The caller adds its authorization.
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
