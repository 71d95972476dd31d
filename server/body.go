package server

import (
	"io"

	"github.com/gofiber/fiber/v2"
)

// MaxDrain bounds how much of an over-large body is read and thrown away
// before the 413 is sent. Most HTTP clients (Go's net/http among them)
// write the whole body before they read the answer; a server that answers
// and closes early leaves them a reset connection instead of a 413 they
// can read. Reverse proxies drain the same way (nginx's lingering close).
const MaxDrain = 16 << 20

// boundBody keeps every request body to MaxBody. The server streams bodies
// (fiber.Config.StreamRequestBody): a small one arrives in memory; a
// larger or chunked one is read here, up to MaxBody, and handed on in
// memory. One over MaxBody is read to its end (up to MaxDrain, then the
// connection is closed) and answered 413, so the sender reads the answer.
func (s *Server) boundBody(c *fiber.Ctx) error {
	stream := c.Context().RequestBodyStream()
	if stream == nil {
		return c.Next()
	}
	if c.Request().Header.ContentLength() > MaxBody {
		return tooLarge(c, stream)
	}
	body, err := io.ReadAll(io.LimitReader(stream, MaxBody+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return fiber.NewError(fiber.StatusBadRequest, "the request body could not be read to its end")
	}
	if len(body) > MaxBody {
		return tooLarge(c, stream)
	}
	c.Request().SetBody(body)
	return c.Next()
}

func tooLarge(c *fiber.Ctx, rest io.Reader) error {
	_, _ = io.CopyN(io.Discard, rest, MaxDrain)
	c.Context().SetConnectionClose()
	return fiber.ErrRequestEntityTooLarge
}
