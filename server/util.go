package server

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// audit records an event; a failure to record is logged, not returned, so
// that the action the caller asked for is not reported as failed after it
// happened.
func (s *Server) audit(c *fiber.Ctx, tenantID, who, action, target, detail string) {
	s.record(c.UserContext(), tenantID, who, action, target, detail)
}

// auditAs records an event of the caller's tenant, by the caller.
func (s *Server) auditAs(ctx context.Context, w caller, action, target, detail string) {
	s.record(ctx, w.TenantID, w.Actor, action, target, detail)
}

func (s *Server) record(ctx context.Context, tenantID, who, action, target, detail string) {
	e := plaudit.AuditEvent{TenantID: tenantID, Actor: who, Action: action, Target: target, Detail: detail}
	if err := s.cfg.Store.AddAudit(ctx, &e); err != nil {
		s.log.Error("audit event not recorded", "action", action, "err", err)
	}
}

// bodyKeys lists the top-level field names of a JSON object, sorted and
// comma-separated, for audit details: which fields a change touched,
// without their values.
func bodyKeys(raw []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}
