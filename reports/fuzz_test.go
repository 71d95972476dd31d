package reports_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reports"
)

// FuzzParseQuery reads a report's query string as a client sends it: it
// never panics, an error is always a 400 naming a parameter, and a query
// it accepts has days in order within the longest range.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "since=2026-03-01&until=2026-03-31&by=agent&interval=month&compare=true",
		"since=2026-03-01T23:30:00Z", "until=2026-02-30", "by=agent&team=Support%20EU&agent=agt_1",
		"score=5&excluded=counted&limit=10&after=MjAyNi0wMy0wMS9hZ2dfMQ", "since=9999-12-31", "interval=week&channel=%00",
	} {
		f.Add(seed)
	}
	today := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := reports.ParseQuery(v.Get, today)
		if err != nil {
			if plaudit.ErrorCode(err) != plaudit.EInvalid {
				t.Fatalf("%q: %v, want an invalid-input error", raw, err)
			}
		} else {
			since, e1 := time.Parse(time.DateOnly, q.Since)
			until, e2 := time.Parse(time.DateOnly, q.Until)
			if e1 != nil || e2 != nil || since.After(until) || until.Sub(since) > reports.MaxDays*24*time.Hour {
				t.Fatalf("%q: accepted %s to %s", raw, q.Since, q.Until)
			}
		}
		if _, err := reports.ParseDrill(v.Get); err != nil && plaudit.ErrorCode(err) != plaudit.EInvalid {
			t.Fatalf("%q: drill %v", raw, err)
		}
	})
}
