package server

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// createInteraction is the direct trigger API. It is idempotent on
// ext_interaction_id: a repeat answers 200 with the first interaction's id.
func (s *Server) createInteraction(c *fiber.Ctx) error {
	in, err := plaudit.ParseTrigger(c.Body())
	if err != nil {
		return err
	}
	w := who(c)
	in.TenantID, in.Source, in.DedupKey = w.TenantID, "api", in.ExternalID
	if in.Event == plaudit.EventReopened {
		// A reopen is a new event about the same interaction: were it
		// deduplicated against the solve, it could not cancel the request.
		in.DedupKey = plaudit.EventReopened + ":" + in.ExternalID
	}
	in.Test = w.Test
	if in.Test {
		// Test and live interactions with the same id are different.
		in.DedupKey = "test:" + in.DedupKey
	}
	created, err := s.fb.Ingest(c.UserContext(), &in)
	if err != nil {
		return err
	}
	status := fiber.StatusAccepted
	if !created {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(fiber.Map{
		"id": in.ID, "ext_interaction_id": in.ExternalID, "status": in.Status, "duplicate": !created, "test": in.Test,
	})
}

func parseSince(c *fiber.Ctx) (time.Time, error) {
	v := c.Query("since")
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, plaudit.Errorf(plaudit.EInvalid, "since must be a date (2026-01-31) or an RFC 3339 time")
}

// parsePage reads a list's since and limit.
func parsePage(c *fiber.Ctx) (since time.Time, limit int, err error) {
	if since, err = parseSince(c); err != nil {
		return since, 0, err
	}
	limit, err = parseLimit(c)
	return since, limit, err
}

func parseLimit(c *fiber.Ctx) (int, error) {
	if c.Query("limit") == "" {
		return 100, nil
	}
	n := c.QueryInt("limit", -1)
	if n < 1 || n > 1000 {
		return 0, plaudit.Errorf(plaudit.EInvalid, "limit must be between 1 and 1000")
	}
	return n, nil
}

func (s *Server) listRequests(c *fiber.Ctx) error {
	since, limit, err := parsePage(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !plaudit.KnownRequestStatus(status) {
		return plaudit.Errorf(plaudit.EInvalid, "status must be one of: %s", strings.Join(plaudit.RequestStatuses, ", "))
	}
	scope, err := s.agentScope(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	reqs, err := s.cfg.Store.ListRequests(c.UserContext(), tenantID(c), store.RequestFilter{
		AgentID: c.Query("agent"), AgentIDs: scope, Status: status, TicketID: c.Query("ticket"), Since: since, Limit: limit,
		TestOnly: testKey(c),
	})
	if err != nil {
		return err
	}
	if reqs == nil {
		reqs = []plaudit.FeedbackRequest{}
	}
	return c.JSON(fiber.Map{"data": reqs})
}

func (s *Server) listResponses(c *fiber.Ctx) error {
	since, limit, err := parsePage(c)
	if err != nil {
		return err
	}
	scope, err := s.agentScope(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	resps, err := s.cfg.Store.ListResponses(c.UserContext(), tenantID(c), store.ResponseFilter{
		AgentID: c.Query("agent"), AgentIDs: scope, TicketID: c.Query("ticket"), Since: since, Limit: limit,
		IncludeTest: c.QueryBool("include_test", false), TestOnly: testKey(c),
	})
	if err != nil {
		return err
	}
	if resps == nil {
		resps = []plaudit.Response{}
	}
	return c.JSON(fiber.Map{"data": resps})
}
