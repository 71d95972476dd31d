package apicall

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

// TestResult says in plain words what a connector test's call found, for
// the tenant admin who pressed "test": nil for a 2xx answer; for a
// refusal, the words given for its status (what to fix), else a generic
// sentence. vendor is the vendor's display name ("Intercom"). A vendor
// that did not answer, throttled or failed is EUnavailable (try later);
// everything an admin must fix is EInvalid. Nothing from the answer is
// quoted: it may echo a credential or personal data.
func TestResult(vendor string, a Answer, err error, words map[int]string) error {
	switch {
	case errors.Is(err, egress.ErrForbiddenAddress):
		return plaudit.Errorf(plaudit.EInvalid, "config.base_url points to an address Plaudit may not call")
	case err != nil:
		return plaudit.Errorf(plaudit.EUnavailable, "%s did not answer; check config.base_url, or try again later", vendor)
	case a.OK():
		return nil
	case a.Status == http.StatusTooManyRequests || a.Status >= 500:
		return plaudit.Errorf(plaudit.EUnavailable, "%s answered %d; try again later", vendor, a.Status)
	}
	if w, ok := words[a.Status]; ok {
		return plaudit.Errorf(plaudit.EInvalid, "%s", w)
	}
	return plaudit.Errorf(plaudit.EInvalid, "%s", fmt.Sprintf("%s refused the request (%d)", vendor, a.Status))
}

// Reason says why a vendor refused a call, for tenant admins, in the
// words every driver uses: "authentication failed (401)", "permission
// denied (403)", notFound with "(404)" ("conversation not found (404)"),
// else "request rejected (400 parameter_invalid)" with the vendor's error
// code when it has a safe one (httpx.SafeCode), or "" to let
// httpx.Classify say the status.
func Reason(status int, notFound, code string) string {
	switch status {
	case http.StatusUnauthorized:
		return "authentication failed (401)"
	case http.StatusForbidden:
		return "permission denied (403)"
	case http.StatusNotFound:
		return notFound + " (404)"
	}
	if code != "" {
		return fmt.Sprintf("request rejected (%d %s)", status, code)
	}
	return ""
}
