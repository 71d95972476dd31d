package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
	"github.com/plaudit/plaudit/web"
)

// Teams in the console: the same use cases as /api/v1/teams (addTeam,
// changeTeam, removeTeam, teamDeliveries), admins only. The webhook URLs
// are credentials: once saved they are shown as the API shows them
// (viewTeam), and an edit leaves them as they are unless a new one is
// typed or the box to remove one is ticked.

var teamFields = []string{"name", "lead_emails", "slack_webhook_url", "teams_webhook_url", "praise_min_score", "alert_max_score"}

// teamDeliveriesShown is how many notification attempts a team's page lists.
const teamDeliveriesShown = 50

// teamsPage is the data of the teams page and of one team's page (Team
// set): the forms share their fields (layout's team-fields).
type teamsPage struct {
	Teams      []teamView
	Team       *teamView
	Deliveries []store.DeliveryAttempt
	// SlackHint and TeamsHint say what a webhook field does, and on a
	// team's page whether one is set (redacted, as the API shows it).
	SlackHint, TeamsHint string
}

// webhookHint is a webhook field's hint: what it is for, and the saved
// one redacted.
func webhookHint(what, saved string) string {
	if saved == "" {
		return what
	}
	return what + " Set: " + saved + " (leave empty to keep it)."
}

const (
	slackHint = "A Slack incoming webhook: praise is posted there."
	teamsHint = "A Microsoft Teams workflow webhook: praise is posted there."
)

func (s *Server) consoleTeams(c *fiber.Ctx) error {
	v := s.view(c, "Teams")
	switch {
	case c.Query("added") != "":
		v.Flash = "Team added."
	case c.Query("deleted") != "":
		v.Flash = "Team deleted."
	}
	v.Form["praise_min_score"] = strconv.Itoa(plaudit.DefaultPraiseMinScore)
	v.Form["alert_max_score"] = strconv.Itoa(plaudit.DefaultAlertMaxScore)
	return s.showTeams(c, v, 0)
}

func (s *Server) showTeams(c *fiber.Ctx, v web.View, status int) error {
	teams, err := s.cfg.Store.ListTeams(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	page := teamsPage{Teams: make([]teamView, 0, len(teams)), SlackHint: slackHint, TeamsHint: teamsHint}
	for _, t := range teams {
		page.Teams = append(page.Teams, viewTeam(t))
	}
	v.Data = page
	return s.renderConsole(c, status, "teams", v)
}

// teamForm reads the team form as the API's body: a field left out of
// the form is left alone; an empty webhook URL too, unless its "clear_"
// box is ticked. Lead addresses are one per line or comma-separated.
func teamForm(c *fiber.Ctx) (teamBody, error) {
	b := teamBody{Name: optional(c, "name")}
	for _, u := range []struct {
		name string
		dst  **string
	}{{"slack_webhook_url", &b.SlackWebhookURL}, {"teams_webhook_url", &b.TeamsWebhookURL}} {
		switch v := strings.TrimSpace(c.FormValue(u.name)); {
		case v != "":
			*u.dst = &v
		case c.FormValue("clear_"+u.name) != "":
			*u.dst = new(string)
		}
	}
	if formHas(c, "lead_emails") {
		emails := strings.FieldsFunc(c.FormValue("lead_emails"), func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
		list := []string{}
		for _, e := range emails {
			if e = strings.TrimSpace(e); e != "" {
				list = append(list, e)
			}
		}
		b.LeadEmails = &list
	}
	for _, n := range []struct {
		name string
		dst  **int
	}{{"praise_min_score", &b.PraiseMinScore}, {"alert_max_score", &b.AlertMaxScore}} {
		if !formHas(c, n.name) {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(c.FormValue(n.name)))
		if err != nil {
			return b, plaudit.Errorf(plaudit.EInvalid, "%s must be a whole number", n.name)
		}
		*n.dst = &v
	}
	return b, nil
}

// teamFormFields names the fields a team form changed, for the audit
// log as the API names a PATCH's keys.
func teamFormFields(b teamBody) string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"alert_max_score", b.AlertMaxScore != nil}, {"lead_emails", b.LeadEmails != nil}, {"name", b.Name != nil},
		{"praise_min_score", b.PraiseMinScore != nil}, {"slack_webhook_url", b.SlackWebhookURL != nil}, {"teams_webhook_url", b.TeamsWebhookURL != nil}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return strings.Join(out, ",")
}

func (s *Server) consoleCreateTeam(c *fiber.Ctx) error {
	b, err := teamForm(c)
	if err == nil {
		_, err = s.addTeam(c, b)
	}
	if err != nil {
		v := s.view(c, "Teams")
		keepForm(c, &v, "name", "lead_emails", "praise_min_score", "alert_max_score")
		formErrors(&v, err, teamFields...)
		return s.showTeams(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/teams?added=1", fiber.StatusSeeOther)
}

func (s *Server) consoleTeam(c *fiber.Ctx) error {
	v := s.view(c, "Team")
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	return s.showTeam(c, v, 0, true)
}

// showTeam renders a team's page; fill puts the stored values in the form
// (not after a refused post, which keeps what was typed).
func (s *Server) showTeam(c *fiber.Ctx, v web.View, status int, fill bool) error {
	t, deliveries, err := s.teamDeliveries(c.UserContext(), tenantID(c), c.Params("id"), teamDeliveriesShown)
	if err != nil {
		return err
	}
	if fill {
		v.Form["name"] = t.Name
		v.Form["lead_emails"] = strings.Join(t.LeadEmails, "\n")
		v.Form["praise_min_score"] = strconv.Itoa(t.PraiseMinScore)
		v.Form["alert_max_score"] = strconv.Itoa(t.AlertMaxScore)
	}
	v.Title = t.Name
	view := viewTeam(t)
	v.Data = teamsPage{Team: &view, Deliveries: deliveries,
		SlackHint: webhookHint(slackHint, view.SlackWebhookURL), TeamsHint: webhookHint(teamsHint, view.TeamsWebhookURL)}
	return s.renderConsole(c, status, "team", v)
}

func (s *Server) consoleUpdateTeam(c *fiber.Ctx) error {
	b, err := teamForm(c)
	if err == nil {
		_, err = s.changeTeam(c, c.Params("id"), b, teamFormFields(b))
	}
	if plaudit.IsNotFound(err) {
		return err
	}
	if err != nil {
		v := s.view(c, "Team")
		keepForm(c, &v, "name", "lead_emails", "praise_min_score", "alert_max_score")
		formErrors(&v, err, teamFields...)
		return s.showTeam(c, v, statusOf(c, err), false)
	}
	return c.Redirect("/console/teams/"+c.Params("id")+"?saved=1", fiber.StatusSeeOther)
}

func (s *Server) consoleDeleteTeam(c *fiber.Ctx) error {
	if err := s.removeTeam(c, c.Params("id")); err != nil {
		if plaudit.IsNotFound(err) {
			return err
		}
		v := s.view(c, "Teams")
		formErrors(&v, err)
		return s.showTeams(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/teams?deleted=1", fiber.StatusSeeOther)
}
