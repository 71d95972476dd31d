package notify

import "testing"

func TestProviderError(t *testing.T) {
	for _, tc := range []struct {
		e    ProviderError
		want string
	}{
		{ProviderError{Provider: "sendgrid", Status: 400, Detail: "personalizations.0.to"}, "sendgrid: status 400, personalizations.0.to"},
		{ProviderError{Provider: "twilio", Status: 400, Code: 21211}, "twilio: status 400, code 21211"},
		{ProviderError{Provider: "smtp", Status: 451}, "smtp: status 451"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
