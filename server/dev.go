package server

import (
	"bytes"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"
)

type outboxItem struct {
	ID, Channel, Summary string
	CreatedAt            time.Time
}

// outboxList is /dev/outbox: the messages kept instead of sent. It shows
// every tenant's recipients and live page links, so it is routed only
// while the outbox is on (PLAUDIT_OUTBOX) and answers only loopback or
// the operator token.
func (s *Server) outboxList(c *fiber.Ctx) error {
	msgs := s.cfg.Outbox.List()
	items := make([]outboxItem, 0, len(msgs))
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		it := outboxItem{ID: m.ID, Channel: m.Channel, CreatedAt: m.CreatedAt}
		if m.Email != nil {
			it.Summary = m.Email.To + " · " + m.Email.Subject
		} else if m.SMS != nil {
			it.Summary = m.SMS.To
		}
		items = append(items, it)
	}
	var buf bytes.Buffer
	if err := s.templates().ExecuteTemplate(&buf, "outbox", fiber.Map{"Messages": items}); err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// outboxShow shows one message as the customer would see it: the email's
// HTML itself, or the SMS text.
func (s *Server) outboxShow(c *fiber.Ctx) error {
	m, ok := s.cfg.Outbox.Get(c.Params("id"))
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if m.Email != nil {
		if c.Query("format") == "text" {
			c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
			return c.SendString(m.Email.Text)
		}
		return c.SendString(m.Email.HTML)
	}
	return c.SendString(`<!doctype html><meta charset="utf-8"><title>SMS</title><pre style="font:18px/1.4 sans-serif;white-space:pre-wrap;max-width:30em">` +
		template.HTMLEscapeString(m.SMS.Body) + `</pre>`)
}
