package server

import (
	"bytes"
	"net/mail"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify/outbox"
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
	msgs, err := s.cfg.Outbox.List(c.UserContext())
	if err != nil {
		return err
	}
	items := make([]outboxItem, 0, len(msgs))
	for _, m := range msgs {
		it := outboxItem{ID: m.ID, Channel: m.Channel, CreatedAt: m.CreatedAt}
		if m.Email != nil {
			it.Summary = m.Email.To + " · " + m.Email.Subject
		} else if m.SMS != nil {
			it.Summary = m.SMS.To
		}
		items = append(items, it)
	}
	return s.outboxPage(c, "outbox", fiber.Map{"Messages": items})
}

// outboxShow shows one message as it would have gone out: an email's
// header fields (Reply-To and List-Unsubscribe among them), its HTML part
// as the customer sees it and its text part; an SMS's sender, recipient
// and text. ?format=html and ?format=text give one part on its own.
func (s *Server) outboxShow(c *fiber.Ctx) error {
	m, err := s.cfg.Outbox.Get(c.UserContext(), c.Params("id"))
	if plaudit.IsNotFound(err) {
		return plaudit.Errorf(plaudit.ENotFound, "no such message in the outbox (it keeps the newest %d)", outbox.DefaultMax)
	}
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	if m.Email != nil {
		switch c.Query("format") {
		case "text":
			c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
			return c.SendString(m.Email.Text)
		case "html":
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.SendString(m.Email.HTML)
		}
	}
	return s.outboxPage(c, "outbox_message", outboxView(m))
}

func (s *Server) outboxPage(c *fiber.Ctx, name string, data any) error {
	var buf bytes.Buffer
	if err := s.templates().ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// outboxView is what the page of one message shows.
func outboxView(m outbox.Message) fiber.Map {
	v := fiber.Map{"ID": m.ID, "Channel": m.Channel, "CreatedAt": m.CreatedAt}
	if m.SMS != nil {
		v["Headers"] = [][2]string{{"From", m.SMS.From}, {"To", m.SMS.To}, {"Status callback", m.SMS.StatusCallback}}
		v["Text"] = m.SMS.Body
		return v
	}
	e := m.Email
	h := [][2]string{
		{"From", (&mail.Address{Name: e.FromName, Address: e.From}).String()},
		{"To", e.To},
	}
	if e.ReplyTo != "" {
		h = append(h, [2]string{"Reply-To", e.ReplyTo})
	}
	h = append(h, [2]string{"Subject", e.Subject})
	for _, u := range e.ListUnsubscribe() {
		h = append(h, [2]string{u.Name, u.Value})
	}
	v["Headers"] = h
	v["Text"] = e.Text
	// Links in the message open in the whole tab, as in a mail client.
	v["HTML"] = `<base target="_top">` + e.HTML
	return v
}
