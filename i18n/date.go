package i18n

import (
	"strconv"
	"time"
)

// Date writes the day of t in lang: "March 5, 2026", "5. März 2026",
// "5 marca 2026". The order and the month's name (with its grammatical case,
// as Polish and others need after a day) are texts of the catalog
// (date.format, date.month.1 to date.month.12), so that a translator fixes
// a date without touching Go code and no language's date is built by
// joining English pieces. t is written in its own location: callers pass
// it in the time zone the reader is in.
func Date(lang string, t time.Time) string {
	month := T(lang, "date.month."+strconv.Itoa(int(t.Month())), nil)
	return T(lang, "date.format", map[string]any{"Day": t.Day(), "Month": month, "Year": t.Year()})
}
