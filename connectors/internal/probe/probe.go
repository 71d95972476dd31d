// Package probe words the outcome of a connector test (POST
// /api/v1/connectors/{id}/test) for tenant admins: what the helpdesk
// answered, in plain words that say which setting to fix, and never a
// credential or a configured address.
package probe

import (
	"errors"
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Words are what a kind says about the answers that need its own words.
type Words struct {
	// System is the helpdesk's name: "Freshdesk".
	System string
	// Address names the setting that says where the helpdesk is:
	// "config.domain".
	Address string
	// Unauthorized, Forbidden and NotFound say what a 401, a 403 and a
	// 404 mean for this kind, and what to fix.
	Unauthorized, Forbidden, NotFound string
}

// Answer turns the status of the helpdesk's answer into the test's
// result: nil for 2xx; an EInvalid *plaudit.Error for what the admin must
// fix; an EUnavailable one for what passes by itself (429, 5xx).
func (w Words) Answer(status int) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusUnauthorized:
		return plaudit.Errorf(plaudit.EInvalid, "%s", w.Unauthorized)
	case status == http.StatusForbidden:
		return plaudit.Errorf(plaudit.EInvalid, "%s", w.Forbidden)
	case status == http.StatusNotFound:
		return plaudit.Errorf(plaudit.EInvalid, "%s", w.NotFound)
	case status == http.StatusTooManyRequests:
		return plaudit.Errorf(plaudit.EUnavailable, "%s is rate limiting this account (429): try the test again in a minute", w.System)
	case status >= 500 || status == http.StatusRequestTimeout:
		return plaudit.Errorf(plaudit.EUnavailable, "%s answered with an error (%s): try again later", w.System, httpx.StatusReason(status))
	}
	return plaudit.Errorf(plaudit.EInvalid, "%s refused the request (%s)", w.System, httpx.StatusReason(status))
}

// Unreachable words a call that got no answer: an address the egress
// policy refuses, or a helpdesk that does not answer there.
func (w Words) Unreachable(err error) error {
	if errors.Is(err, egress.ErrForbiddenAddress) {
		return plaudit.Errorf(plaudit.EInvalid, "%s points to an address Plaudit may not call", w.Address)
	}
	return plaudit.Errorf(plaudit.EUnavailable, "%s did not answer: check %s", w.System, w.Address)
}

// Call sends a test's request with hc and returns the answer's body when
// its status is 2xx; otherwise the words for what came back (Answer) or
// for no answer (Unreachable).
func (w Words) Call(hc *http.Client, req *http.Request) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, w.Unreachable(err)
	}
	answer := httpx.ReadBody(resp)
	return answer, w.Answer(resp.StatusCode)
}

// NotTheAPI words a 2xx answer that is not the helpdesk's JSON: the
// address leads somewhere else (a sign-up page, a proxy).
func (w Words) NotTheAPI() error {
	return plaudit.Errorf(plaudit.EInvalid, "the answer did not come from the %s API: check %s", w.System, w.Address)
}
