// Package probe words the outcome of a connector test (POST
// /api/v1/connectors/{id}/test) for tenant admins: what the helpdesk
// answered, in plain words that say which setting to fix, and never a
// credential or a configured address.
package probe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Words are what a kind says about the answers of its test's calls.
type Words struct {
	// System is the helpdesk's name: "Freshdesk".
	System string
	// Address names the setting that says where the helpdesk is:
	// "config.domain".
	Address string
	// Unauthorized, Forbidden and NotFound say what a 401, a 403 and a
	// 404 mean for this kind, and what to fix. An empty one leaves its
	// status to the sentence of any other refusal.
	Unauthorized, Forbidden, NotFound string
	// Tone is how the outcomes that no kind words itself are said.
	Tone Tone
	// Account is what the helpdesk calls the tenant's account, as in
	// "rate limiting this organization"; "" is "account".
	Account string
}

// Tone is a way of saying the outcomes every kind has (no answer,
// throttled, failing, refused): each kind keeps the sentences its admins
// and its guide know.
type Tone int

const (
	// Detailed names a status with its text and counts a 408 as failing:
	// "Freshdesk answered with an error (503 service unavailable): try
	// again later".
	Detailed Tone = iota
	// Brief names a status by its number: "Intercom answered 503; try
	// again later".
	Brief
	// Plain says what a status means: "HubSpot is not answering properly
	// (502): try again later".
	Plain
)

// Get makes a test's read of path and words its outcome (Result); the
// body of a 2xx answer comes back for the kind to look into.
func (w Words) Get(ctx context.Context, api httpx.JSONAPI, path string) ([]byte, error) {
	a, err := api.Send(ctx, http.MethodGet, path, nil, "test")
	if err := w.Result(a, err); err != nil {
		return nil, err
	}
	return a.Body, nil
}

// GetObject is Get for a read whose answer is an object with an id
// (Object).
func (w Words) GetObject(ctx context.Context, api httpx.JSONAPI, path string) error {
	body, err := w.Get(ctx, api, path)
	if err != nil {
		return err
	}
	return w.Object(body)
}

// Result words the outcome of one call of a test: err is Send's (no
// answer came), else a is the answer.
func (w Words) Result(a httpx.Answer, err error) error {
	if err != nil {
		return w.Unreachable(err)
	}
	return w.Answer(a.Status)
}

// Answer turns the status of the helpdesk's answer into the test's
// result: nil for 2xx; an EInvalid *plaudit.Error for what the admin must
// fix; an EUnavailable one for what passes by itself (429, 5xx).
func (w Words) Answer(status int) error {
	var words string
	switch status {
	case http.StatusUnauthorized:
		words = w.Unauthorized
	case http.StatusForbidden:
		words = w.Forbidden
	case http.StatusNotFound:
		words = w.NotFound
	}
	switch {
	case status >= 200 && status < 300:
		return nil
	case words != "":
		return plaudit.Errorf(plaudit.EInvalid, "%s", words)
	case status == http.StatusTooManyRequests:
		return w.throttled()
	case status >= 500 || (status == http.StatusRequestTimeout && w.Tone == Detailed):
		return w.failing(status)
	case w.Tone == Detailed:
		return plaudit.Errorf(plaudit.EInvalid, "%s refused the request (%s)", w.System, httpx.StatusReason(status))
	}
	return plaudit.Errorf(plaudit.EInvalid, "%s refused the request (%d)", w.System, status)
}

func (w Words) throttled() error {
	account := w.Account
	if account == "" {
		account = "account"
	}
	switch w.Tone {
	case Brief:
		return plaudit.Errorf(plaudit.EUnavailable, "%s answered 429; try again later", w.System)
	case Plain:
		return plaudit.Errorf(plaudit.EUnavailable, "%s is rate limiting this %s (429): try again in a minute", w.System, account)
	}
	return plaudit.Errorf(plaudit.EUnavailable, "%s is rate limiting this %s (429): try the test again in a minute", w.System, account)
}

func (w Words) failing(status int) error {
	switch w.Tone {
	case Brief:
		return plaudit.Errorf(plaudit.EUnavailable, "%s answered %d; try again later", w.System, status)
	case Plain:
		return plaudit.Errorf(plaudit.EUnavailable, "%s is not answering properly (%d): try again later", w.System, status)
	}
	return plaudit.Errorf(plaudit.EUnavailable, "%s answered with an error (%s): try again later", w.System, httpx.StatusReason(status))
}

// Unreachable words a call that got no answer: an address the egress
// policy refuses, or a helpdesk that does not answer there.
func (w Words) Unreachable(err error) error {
	switch {
	case errors.Is(err, egress.ErrForbiddenAddress):
		return plaudit.Errorf(plaudit.EInvalid, "%s points to an address Plaudit may not call", w.Address)
	case w.Tone == Brief:
		return plaudit.Errorf(plaudit.EUnavailable, "%s did not answer; check %s, or try again later", w.System, w.Address)
	case w.Tone == Plain:
		return plaudit.Errorf(plaudit.EUnavailable, "%s could not be reached: check %s, or try again later", w.System, w.Address)
	}
	return plaudit.Errorf(plaudit.EUnavailable, "%s did not answer: check %s", w.System, w.Address)
}

// NotTheAPI words a 2xx answer that is not the helpdesk's JSON: the
// address leads somewhere else (a sign-up page, a proxy).
func (w Words) NotTheAPI() error {
	return plaudit.Errorf(plaudit.EInvalid, "the answer did not come from the %s API: check %s", w.System, w.Address)
}

// Object checks that a test's 2xx answer is a JSON object with a
// non-empty "id", which only the helpdesk's API gives; else NotTheAPI.
func (w Words) Object(answer []byte) error {
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(answer, &v) != nil || len(v.ID) == 0 || string(v.ID) == "null" || string(v.ID) == `""` || string(v.ID) == "0" {
		return w.NotTheAPI()
	}
	return nil
}
