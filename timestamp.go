package plaudit

import (
	"fmt"
	"time"
)

// CheckTimestamp refuses a signed timestamp more than window away from
// now: a replayed delivery, or a sender whose clock is off. The error says
// by how much, the window and the server's time, so that whoever reads it
// can tell a wrong clock from an old delivery (a timestamp carries no
// personal data).
func CheckTimestamp(what string, at, now time.Time, window time.Duration) error {
	d := now.Sub(at)
	if d <= window && d >= -window {
		return nil
	}
	dir := "behind"
	if d < 0 {
		dir, d = "ahead of", -d
	}
	return Errorf(EUnauthorized, "%s is stale: %s %s the server's time (%s); at most %s either way is accepted. "+
		"Check the sending system's clock, or send a fresh delivery",
		what, d.Round(time.Second), dir, now.UTC().Format(time.RFC3339), span(window))
}

// span says a duration in words: "5 minutes", else as Go writes it.
func span(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
