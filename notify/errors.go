package notify

import (
	"fmt"
	"strings"

	"github.com/plaudit/plaudit/internal/httpx"
)

// DefaultRetryAfter is how long to wait when a provider asks us to slow
// down without saying for how long: the one wait of every outgoing call
// (see httpx.DefaultRetryAfter), named here for the providers' tests.
const DefaultRetryAfter = httpx.DefaultRetryAfter

// ProviderError is a provider's refusal, reduced to what is safe to store
// and log: provider answers often quote the recipient ("The 'To' number
// +4915… is not valid"), so their free text is never kept. The HTTP
// providers turn it into the error contract of EmailSender and SMSSender
// with httpx.Classify.
type ProviderError struct {
	Provider string // "sendgrid", "twilio", "smtp"
	Status   int    // HTTP status, or SMTP reply code
	Code     int    // the provider's own error code, when it has one (Twilio)
	Detail   string // a short, data-free hint such as a field name
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: status %d", e.Provider, e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Detail != "" {
		b.WriteString(", " + e.Detail)
	}
	return b.String()
}
