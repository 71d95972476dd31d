package server

import (
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// initials are the agent's initials as the page shows them in place of a
// photo that cannot be fetched: the first letters of the first and the
// last name, in capitals.
func initials(name string) string {
	parts := strings.Fields(name)
	var b strings.Builder
	for i, p := range parts {
		if i != 0 && i != len(parts)-1 {
			continue
		}
		r, _ := utf8.DecodeRuneInString(p)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// sendInitials answers a photo request whose image cannot be had with a
// picture of the initials, so that the page shows them rather than a
// broken image, with or without scripts. It is kept briefly: a photo that
// comes back shows again soon.
func sendInitials(c *fiber.Ctx, name string) error {
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" role="img" aria-label="%[1]s">`+
		`<circle cx="48" cy="48" r="48" fill="#4b5563"/>`+
		`<text x="48" y="48" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="36" font-weight="700" fill="#ffffff">%[1]s</text></svg>`,
		html.EscapeString(initials(name)))
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set("Cache-Control", "private, max-age=300")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "default-src 'none'")
	return c.SendString(svg)
}
