package inbound

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestReceivedAt(t *testing.T) {
	at := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	if got := ReceivedAt(plaudit.Delivery{Now: at}); !got.Equal(at) {
		t.Errorf("ReceivedAt = %v", got)
	}
	if got := ReceivedAt(plaudit.Delivery{}); time.Since(got) > time.Minute {
		t.Errorf("ReceivedAt without a clock = %v", got)
	}
}

func TestFresh(t *testing.T) {
	now := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{0, 5 * time.Minute, -5 * time.Minute} {
		if err := Fresh(now.Add(d), now, 5*time.Minute); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	for _, d := range []time.Duration{5*time.Minute + time.Second, -5*time.Minute - time.Second} {
		if err := Fresh(now.Add(d), now, 5*time.Minute); plaudit.ErrorCode(err) != plaudit.EUnauthorized ||
			!strings.HasPrefix(plaudit.ErrorMessage(err), "signature timestamp is stale: ") ||
			!strings.Contains(plaudit.ErrorMessage(err), "at most 5 minutes") {
			t.Errorf("%s: %v", d, err)
		}
	}
}

func TestDecodeObject(t *testing.T) {
	var v struct {
		ID String `json:"id"`
	}
	if err := DecodeObject([]byte(`{"id":73021}`), &v); err != nil || v.ID != "73021" {
		t.Errorf("object: %v %q", err, v.ID)
	}
	for body, msg := range map[string]string{
		`null`:         "body must be a JSON object",
		`{"id":[1]}`:   "",
		`{"id":`:       "",
		`["not", "x"]`: "",
	} {
		err := DecodeObject([]byte(body), &v)
		if plaudit.ErrorCode(err) != plaudit.EInvalid || (msg != "" && plaudit.ErrorMessage(err) != msg) {
			t.Errorf("%s: %v", body, err)
		}
	}
}
