package server

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// responseView is a response as the API lists it: with the reason it is
// left out of its agent's figures, when it is.
type responseView struct {
	plaudit.Response
	ExcludedReason string `json:"excluded_reason,omitempty"`
}

// viewResponses adds the exclusions to responses.
func (s *Server) viewResponses(ctx context.Context, tenantID string, list []plaudit.Response) ([]responseView, error) {
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	excl, err := s.cfg.Store.Exclusions(ctx, tenantID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]responseView, len(list))
	for i, r := range list {
		out[i] = responseView{Response: r, ExcludedReason: excl[r.ID]}
	}
	return out, nil
}

// excludeResponse takes a response out of its agent's figures (it stays
// listed). The reason is required; the audit log names the response, not
// the reason's text.
func (s *Server) excludeResponse(ctx context.Context, w caller, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || !plaudit.PlainText(reason, 500) {
		return plaudit.Errorf(plaudit.EInvalid, "reason is required (at most 500 characters, one line)")
	}
	if err := s.cfg.Store.ExcludeResponse(ctx, w.TenantID, id, reason); err != nil {
		return err
	}
	s.auditAs(ctx, w, "response.exclude", id, "")
	return nil
}

// includeResponse counts an excluded response again.
func (s *Server) includeResponse(ctx context.Context, w caller, id string) error {
	if err := s.cfg.Store.IncludeResponse(ctx, w.TenantID, id); err != nil {
		return err
	}
	s.auditAs(ctx, w, "response.include", id, "")
	return nil
}

func (s *Server) postExclusion(c *fiber.Ctx) error {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	if err := s.excludeResponse(c.UserContext(), who(c), c.Params("id"), b.Reason); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": c.Params("id"), "excluded_reason": strings.TrimSpace(b.Reason)})
}

func (s *Server) deleteExclusion(c *fiber.Ctx) error {
	if err := s.includeResponse(c.UserContext(), who(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
