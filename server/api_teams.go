package server

import (
	"context"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// reportRoutes are the Reports section's endpoints (docs/reports.md).
func (s *Server) reportRoutes(api fiber.Router) {
	// Console users: these figures are the whole tenant's, so only admins
	// (needReadTenant).
	admin, read := s.requireKey(plaudit.RoleAdmin), s.authorize(needReadTenant, true)
	api.Post("/teams", admin, s.createTeam)
	api.Get("/teams", admin, s.listTeams)
	api.Get("/teams/:id", admin, s.getTeam)
	api.Patch("/teams/:id", admin, s.patchTeam)
	api.Delete("/teams/:id", admin, s.deleteTeam)
	api.Get("/teams/:id/deliveries", admin, s.listTeamDeliveries)

	api.Get("/reports/csat", read, s.reportCSAT)
	api.Get("/reports/response-rate", read, s.reportRate)
	api.Get("/reports/leaderboard", read, s.reportLeaderboard)
	api.Get("/reports/responses", read, s.reportResponses)

	api.Post("/responses/:id/exclusion", admin, s.excludeResponse)
	api.Delete("/responses/:id/exclusion", admin, s.includeResponse)
	// Rewards: leads too, their team's (rewardsFor, fulfil).
	api.Get("/rewards", s.authorize(needRead, false), s.listRewards)
	api.Post("/rewards/:id/fulfil", s.authorize(needApprove, false), s.fulfilReward)

	// The stream and its summary are narrowed to each user's scope
	// (reportScope): every role may follow them.
	scoped := s.authorize(needRead, true)
	api.Get("/stream", scoped, s.stream)
	api.Get("/stream/summary", scoped, s.streamSummary)
}

// teamBody is the team JSON; pointers tell PATCH which fields came.
type teamBody struct {
	Name            *string   `json:"name"`
	SlackWebhookURL *string   `json:"slack_webhook_url"`
	TeamsWebhookURL *string   `json:"teams_webhook_url"`
	LeadEmails      *[]string `json:"lead_emails"`
	PraiseMinScore  *int      `json:"praise_min_score"`
	AlertMaxScore   *int      `json:"alert_max_score"`
}

func (b teamBody) apply(t *plaudit.Team) {
	for _, f := range []struct{ dst, src *string }{{&t.Name, b.Name}, {&t.SlackWebhookURL, b.SlackWebhookURL}, {&t.TeamsWebhookURL, b.TeamsWebhookURL}} {
		if f.src != nil {
			*f.dst = strings.TrimSpace(*f.src)
		}
	}
	if b.LeadEmails != nil {
		t.LeadEmails = []string{}
		for _, e := range *b.LeadEmails {
			t.LeadEmails = append(t.LeadEmails, strings.ToLower(strings.TrimSpace(e)))
		}
	}
	if b.PraiseMinScore != nil {
		t.PraiseMinScore = *b.PraiseMinScore
	}
	if b.AlertMaxScore != nil {
		t.AlertMaxScore = *b.AlertMaxScore
	}
}

// teamView is a team as the API shows it: the webhook URLs are
// credentials, so only their scheme and host are shown.
type teamView struct {
	plaudit.Team
	SlackWebhookURL string `json:"slack_webhook_url"`
	TeamsWebhookURL string `json:"teams_webhook_url"`
}

func viewTeam(t plaudit.Team) teamView {
	if t.LeadEmails == nil {
		// The store keeps no list as nil; the document promises a list.
		t.LeadEmails = []string{}
	}
	return teamView{Team: t, SlackWebhookURL: redactURL(t.SlackWebhookURL), TeamsWebhookURL: redactURL(t.TeamsWebhookURL)}
}

// redactURL keeps a URL's scheme and host: enough to recognise it, not to
// use it.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/…"
}

func (s *Server) createTeam(c *fiber.Ctx) error {
	var b teamBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	t, err := s.addTeam(c, b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(viewTeam(t))
}

// addTeam creates a team of the caller's tenant from b, audited: the
// API's POST and the console's form.
func (s *Server) addTeam(c *fiber.Ctx, b teamBody) (plaudit.Team, error) {
	t := plaudit.NewTeam(tenantID(c), "")
	b.apply(&t)
	if err := t.Validate(); err != nil {
		return t, err
	}
	if err := s.cfg.Store.CreateTeam(c.UserContext(), &t); err != nil {
		return t, err
	}
	s.audit(c, t.TenantID, actor(c), "team.create", t.ID, "")
	return t, nil
}

func (s *Server) listTeams(c *fiber.Ctx) error {
	teams, err := s.cfg.Store.ListTeams(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	out := make([]teamView, 0, len(teams))
	for _, t := range teams {
		out = append(out, viewTeam(t))
	}
	return c.JSON(fiber.Map{"data": out})
}

func (s *Server) getTeam(c *fiber.Ctx) error {
	t, err := s.cfg.Store.GetTeam(c.UserContext(), tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(viewTeam(t))
}

func (s *Server) patchTeam(c *fiber.Ctx) error {
	var b teamBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	t, err := s.changeTeam(c, c.Params("id"), b, bodyKeys(c.Body()))
	if err != nil {
		return err
	}
	return c.JSON(viewTeam(t))
}

// changeTeam applies b to the team id of the caller's tenant, audited
// with the names of the fields sent (never their values: the webhook URLs
// are credentials): the API's PATCH and the console's form.
func (s *Server) changeTeam(c *fiber.Ctx, id string, b teamBody, fields string) (plaudit.Team, error) {
	ctx := c.UserContext()
	t, err := s.cfg.Store.GetTeam(ctx, tenantID(c), id)
	if err != nil {
		return t, err
	}
	b.apply(&t)
	if err := t.Validate(); err != nil {
		return t, err
	}
	if err := s.cfg.Store.UpdateTeam(ctx, t); err != nil {
		return t, err
	}
	s.audit(c, t.TenantID, actor(c), "team.update", t.ID, "fields="+fields)
	return t, nil
}

func (s *Server) deleteTeam(c *fiber.Ctx) error {
	if err := s.removeTeam(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// removeTeam deletes the team id of the caller's tenant, audited.
func (s *Server) removeTeam(c *fiber.Ctx, id string) error {
	if err := s.cfg.Store.DeleteTeam(c.UserContext(), tenantID(c), id); err != nil {
		return err
	}
	s.audit(c, tenantID(c), actor(c), "team.delete", id, "")
	return nil
}

// listTeamDeliveries is GET /api/v1/teams/{id}/deliveries: the team's
// notifications (praise, alerts, digests), retried ones included.
func (s *Server) listTeamDeliveries(c *fiber.Ctx) error {
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	_, out, err := s.teamDeliveries(c.UserContext(), tenantID(c), c.Params("id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": out})
}

// teamDeliveries is one team of the tenant and its newest notification
// attempts (never nil): the API's list and the console's team page.
func (s *Server) teamDeliveries(ctx context.Context, tenant, id string, limit int) (plaudit.Team, []store.DeliveryAttempt, error) {
	t, err := s.cfg.Store.GetTeam(ctx, tenant, id)
	if err != nil {
		return t, nil, err
	}
	out, err := s.cfg.Store.ListTeamDeliveries(ctx, t.TenantID, t.ID, limit)
	if err != nil {
		return t, nil, err
	}
	if out == nil {
		out = []store.DeliveryAttempt{}
	}
	return t, out, nil
}
