package reports

import (
	"strconv"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// Query is what a report is asked for. Since and Until are days
// (yyyy-mm-dd) in the tenant's time zone, both included.
type Query struct {
	Since, Until string
	// By groups rows by agent, team, channel or connector ("" for none);
	// Interval by day, week (ISO), month or year ("" for none).
	By, Interval string
	AgentID      string
	Team         string
	Channel      string
	ConnectorID  string
	// Test reports on test requests only (what a test key sees).
	Test bool
	// Compare adds the previous period of the same length.
	Compare bool
}

// Bounds of a query.
const (
	// DefaultDays is the range when since is not given: the last 30 days
	// up to today.
	DefaultDays = 30
	// MaxDays is the longest range one report covers.
	MaxDays = 3 * 366
)

const dayLayout = "2006-01-02"

// ParseQuery reads a query from named parameters (get returns "" for a
// missing one): since, until, by, interval, agent, team, channel,
// connector, compare. today is the tenant's today. Errors name the
// parameter.
func ParseQuery(get func(string) string, today time.Time) (Query, error) {
	q := Query{By: get("by"), Interval: get("interval"), AgentID: get("agent"), Team: get("team"),
		Channel: get("channel"), ConnectorID: get("connector")}
	until, err := parseDay("until", get("until"), today)
	if err != nil {
		return q, err
	}
	since, err := parseDay("since", get("since"), until.AddDate(0, 0, -(DefaultDays-1)))
	if err != nil {
		return q, err
	}
	switch days := int(until.Sub(since).Hours()/24) + 1; {
	case days < 1:
		return q, plaudit.Errorf(plaudit.EInvalid, "since must not be after until")
	case days > MaxDays:
		return q, plaudit.Errorf(plaudit.EInvalid, "since: a report covers at most %d days", MaxDays)
	}
	q.Since, q.Until = since.Format(dayLayout), until.Format(dayLayout)
	if err := q.checkGrouping(); err != nil {
		return q, err
	}
	if c := get("compare"); c != "" {
		if q.Compare, err = strconv.ParseBool(c); err != nil {
			return q, plaudit.Errorf(plaudit.EInvalid, "compare must be true or false")
		}
	}
	for _, f := range []struct{ name, v string }{{"agent", q.AgentID}, {"team", q.Team}, {"channel", q.Channel}, {"connector", q.ConnectorID}} {
		if len(f.v) > 200 || !plaudit.PlainText(f.v, 200) {
			return q, plaudit.Errorf(plaudit.EInvalid, "%s must be at most 200 characters of plain text", f.name)
		}
	}
	return q, nil
}

func (q Query) checkGrouping() error {
	switch q.By {
	case "", store.ByAgent, store.ByTeam, store.ByChannel, store.ByConnector:
	default:
		return plaudit.Errorf(plaudit.EInvalid, "by must be agent, team, channel or connector")
	}
	switch q.Interval {
	case "", store.IntervalDay, store.IntervalWeek, store.IntervalMonth, store.IntervalYear:
	default:
		return plaudit.Errorf(plaudit.EInvalid, "interval must be day, week, month or year")
	}
	return nil
}

// parseDay reads a day (yyyy-mm-dd, or an RFC 3339 time, whose date
// counts); "" gives def.
func parseDay(name, v string, def time.Time) (time.Time, error) {
	if v == "" {
		return truncDay(def), nil
	}
	if t, err := time.Parse(dayLayout, v); err == nil {
		return t, nil
	}
	if _, err := time.Parse(time.RFC3339, v); err == nil {
		return time.Parse(dayLayout, v[:10])
	}
	return time.Time{}, plaudit.Errorf(plaudit.EInvalid, "%s must be a date such as 2026-03-01", name)
}

// truncDay is t's calendar day (in t's location) as a UTC midnight, so
// that days count as whole days however the clocks change.
func truncDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// previous is the period of the same length just before q's: for whole
// calendar months, as many whole months before (April → March); for any
// other range, as many days before.
func (q Query) previous() Query {
	since, _ := time.Parse(dayLayout, q.Since)
	until, _ := time.Parse(dayLayout, q.Until)
	p := q
	p.Until = since.AddDate(0, 0, -1).Format(dayLayout)
	if months, ok := wholeMonths(since, until); ok {
		p.Since = since.AddDate(0, -months, 0).Format(dayLayout)
		return p
	}
	days := int(until.Sub(since).Hours()/24) + 1
	p.Since = since.AddDate(0, 0, -days).Format(dayLayout)
	return p
}

// wholeMonths reports whether since..until are whole calendar months, and
// how many.
func wholeMonths(since, until time.Time) (int, bool) {
	if since.Day() != 1 || until.AddDate(0, 0, 1).Day() != 1 {
		return 0, false
	}
	return (until.Year()-since.Year())*12 + int(until.Month()-since.Month()) + 1, true
}

// Today is the tenant's today, in its time zone.
func Today(now time.Time, t plaudit.Tenant) time.Time { return now.In(t.Settings.Location()) }
