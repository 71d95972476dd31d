package server

import (
	"errors"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func sortStrings(s []string) { sort.Strings(s) }

// audit records an event; a failure to record is logged, not returned, so
// that the action the caller asked for is not reported as failed after it
// happened.
func (s *Server) audit(c *fiber.Ctx, tenantID, who, action, target, detail string) {
	e := plaudit.AuditEvent{TenantID: tenantID, Actor: who, Action: action, Target: target, Detail: detail}
	if err := s.cfg.Store.AddAudit(c.UserContext(), &e); err != nil {
		s.log.Error("audit event not recorded", "action", action, "err", err)
	}
}
