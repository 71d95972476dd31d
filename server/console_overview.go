package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// overview is what needs attention: failing or disabled connectors, and
// agents waiting for approval (within the caller's scope).
type overview struct {
	Admin      bool
	Connectors []connectorState
	Waiting    []plaudit.Agent
	Agents     int
	Responses  []plaudit.Response
	// Dead counts the tenant's tasks out of retries (the queue page).
	Dead int
}

// connectorState is a connector with its last writeback attempt.
type connectorState struct {
	connectorView
	Last    *store.DeliveryAttempt
	Failing bool
}

func (s *Server) consoleOverview(c *fiber.Ctx) error {
	ctx, w := c.UserContext(), who(c)
	if w.Role == plaudit.UserAgent {
		// An agent lands on their own stream: their responses as they
		// come, under the 30 days' summary.
		return s.consoleStream(c)
	}
	var o overview
	agents, err := s.visibleAgents(ctx, w)
	if err != nil {
		return err
	}
	o.Agents = len(agents)
	for _, a := range agents {
		if !a.Approved {
			o.Waiting = append(o.Waiting, a)
		}
	}
	if w.can(needAdmin) {
		o.Admin = true
		if o.Connectors, err = s.connectorStates(c); err != nil {
			return err
		}
		if s.cfg.Queue != nil {
			// The overview shows what it can: a queue that does not
			// answer is the queue page's to report.
			dead, _ := s.cfg.Queue.TenantTasks(w.TenantID, "archived", 100)
			o.Dead = len(dead)
		}
	}
	scope, err := s.agentScope(ctx, w)
	if err != nil {
		return err
	}
	if o.Responses, err = s.cfg.Store.ListResponses(ctx, w.TenantID, store.ResponseFilter{AgentIDs: scope, Limit: 5}); err != nil {
		return err
	}
	v := s.view(c, "Overview")
	v.Data = o
	return s.renderConsole(c, 0, "overview", v)
}

// connectorStates lists the tenant's connectors with their last delivery.
func (s *Server) connectorStates(c *fiber.Ctx) ([]connectorState, error) {
	ctx := c.UserContext()
	cons, err := s.cfg.Store.ListConnectors(ctx, tenantID(c))
	if err != nil {
		return nil, err
	}
	out := make([]connectorState, 0, len(cons))
	for _, con := range cons {
		st := connectorState{connectorView: s.viewConnector(con)}
		last, err := s.cfg.Store.ListDeliveries(ctx, con.TenantID, con.ID, 1)
		if err != nil {
			return nil, err
		}
		if len(last) > 0 {
			st.Last = &last[0]
			st.Failing = last[0].Outcome != store.DeliveryDelivered
		}
		out = append(out, st)
	}
	return out, nil
}
