package reports

import "testing"

func TestPeriodDays(t *testing.T) {
	for _, c := range []struct{ interval, period, since, until string }{
		{"day", "2026-03-16", "2026-03-16", "2026-03-16"},
		{"week", "2026-W12", "2026-03-16", "2026-03-22"},
		{"week", "2026-W01", "2025-12-29", "2026-01-04"}, // ISO week 1 of 2026 starts in 2025
		{"week", "2020-W53", "2020-12-28", "2021-01-03"},
		{"month", "2026-02", "2026-02-01", "2026-02-28"},
		{"month", "2024-02", "2024-02-01", "2024-02-29"},
		{"year", "2026", "2026-01-01", "2026-12-31"},
	} {
		since, until, ok := PeriodDays(c.interval, c.period)
		if !ok || since != c.since || until != c.until {
			t.Errorf("%s %s: %s to %s (%v), want %s to %s", c.interval, c.period, since, until, ok, c.since, c.until)
		}
	}
	for _, c := range [][2]string{{"", "2026"}, {"week", "2026-12"}, {"month", "March"}, {"day", "2026-02-30"}, {"week", "2026-W60"}} {
		if _, _, ok := PeriodDays(c[0], c[1]); ok {
			t.Errorf("%s %q read as a period", c[0], c[1])
		}
	}
}
