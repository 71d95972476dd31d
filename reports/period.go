package reports

import (
	"fmt"
	"time"
)

// PeriodDays is the first and last day (yyyy-mm-dd) of a row's period as
// the store names it for interval: a day, an ISO week ("2026-W09"), a
// month ("2026-03") or a year ("2026"). ok is false for a name that is
// none of these: a drill-down from the row then keeps the report's days.
func PeriodDays(interval, period string) (since, until string, ok bool) {
	var first, last time.Time
	switch interval {
	case "day":
		d, err := time.Parse(dayLayout, period)
		if err != nil {
			return "", "", false
		}
		first, last = d, d
	case "week":
		var year, week int
		if n, err := fmt.Sscanf(period, "%4d-W%2d", &year, &week); n != 2 || err != nil || week < 1 || week > 53 {
			return "", "", false
		}
		// ISO week 1 holds 4 January; weeks start on Monday.
		jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
		first = monday.AddDate(0, 0, 7*(week-1))
		last = first.AddDate(0, 0, 6)
	case "month":
		m, err := time.Parse("2006-01", period)
		if err != nil {
			return "", "", false
		}
		first, last = m, m.AddDate(0, 1, -1)
	case "year":
		y, err := time.Parse("2006", period)
		if err != nil {
			return "", "", false
		}
		first, last = y, y.AddDate(1, 0, -1)
	default:
		return "", "", false
	}
	return first.Format(dayLayout), last.Format(dayLayout), true
}
