package plaudit

import (
	"strings"
	"testing"
	"time"
)

// TestCheckTimestampSaysWhatToMend: a stale timestamp's refusal says how
// far off it is and which way, the window, and the server's time, so that
// a wrong clock can be told from an old delivery.
func TestCheckTimestampSaysWhatToMend(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	if err := CheckTimestamp("signature timestamp", now.Add(-5*time.Minute), now, 5*time.Minute); err != nil {
		t.Errorf("at the edge of the window: %v", err)
	}
	for at, want := range map[time.Time]string{
		now.Add(-6 * time.Minute):            "6m0s behind the server's time (2026-12-02T10:00:00Z)",
		now.Add(2*time.Hour + 3*time.Second): "2h0m3s ahead of the server's time (2026-12-02T10:00:00Z)",
	} {
		err := CheckTimestamp("signature timestamp", at, now, 5*time.Minute)
		msg := ErrorMessage(err)
		if ErrorCode(err) != EUnauthorized || !strings.HasPrefix(msg, "signature timestamp is stale: ") ||
			!strings.Contains(msg, want) || !strings.Contains(msg, "at most 5 minutes either way") {
			t.Errorf("%s: %v; want it to say %q and the window", at, err, want)
		}
	}
}
