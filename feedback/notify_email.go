package feedback

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/reports"
)

// alert mails a low rating to each of the team's leads, once per lead:
// the agent's display name, the score, the areas to improve, the comment
// and the ticket; never the customer's name or address.
func (s *Service) alert(ctx context.Context, tenantID, responseID string) (plaudit.Team, error) {
	resp, team, agent, err := s.noticeTeam(ctx, tenantID, responseID)
	if err != nil || team.ID == "" {
		return team, err
	}
	tenant, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return plaudit.Team{}, ignoreNotFound(err)
	}
	subject := fmt.Sprintf("Low rating for %s: %d/5", agentName(agent), resp.Score)
	var b strings.Builder
	fmt.Fprintf(&b, "%s (team %s) was rated %d/5 on ticket %s.\n", agentName(agent), team.Name, resp.Score, resp.TicketID)
	if len(resp.Improvement) > 0 {
		fmt.Fprintf(&b, "To improve: %s\n", strings.Join(resp.Improvement, ", "))
	}
	if resp.Comment != "" {
		fmt.Fprintf(&b, "Comment: “%s”\n", resp.Comment)
	}
	fmt.Fprintf(&b, "\nThe response: %s/console/responses?id=%s\n", s.PublicURL, resp.ID)
	return team, s.mailLeads(ctx, tenant, team, "alert:"+resp.ID, subject, b.String())
}

// mailLeads sends one email to each of the team's leads, each once for
// key: a retry after one lead's failure does not mail the others again.
func (s *Service) mailLeads(ctx context.Context, tenant plaudit.Tenant, team plaudit.Team, key, subject, text string) error {
	if s.Email == nil {
		return plaudit.Permanent("no email provider", nil)
	}
	from := tenant.Settings.FromEmail
	if from == "" {
		from = s.FromEmail
	}
	body := "<pre style=\"font-family:sans-serif;white-space:pre-wrap\">" + html.EscapeString(text) + "</pre>"
	leads, err := s.leads(ctx, team)
	if err != nil {
		return err
	}
	for _, lead := range leads {
		err := s.once(ctx, "mail:"+key+":"+leadKey(lead), func() error {
			_, err := s.Email.SendEmail(ctx, notify.Email{To: lead, From: from, FromName: tenant.Settings.BrandName,
				Subject: subject, Text: text, HTML: body, TenantID: tenant.ID})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// DigestDays is the span of the weekly digest.
const DigestDays = 7

// digest mails the team's last seven days to its leads: CSAT with average
// and n, the response rate, each against the seven days before, and the
// team's top agents on the leaderboard.
//
// ref is the team's id and the Monday the digest is for ("tm_1@2026-03-16",
// as QueueDigests names it), so that a retry on a later day still sends
// that week, and each week's task is a task of its own; a bare team id
// (queued before weeks were named) takes the week up to yesterday.
func (s *Service) digest(ctx context.Context, tenantID, ref string) (plaudit.Team, error) {
	teamID, week, _ := strings.Cut(ref, "@")
	team, err := s.Store.GetTeam(ctx, tenantID, teamID)
	if err != nil {
		return plaudit.Team{}, ignoreNotFound(err)
	}
	tenant, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return plaudit.Team{}, ignoreNotFound(err)
	}
	until := reports.Today(s.now(), tenant).AddDate(0, 0, -1)
	if week != "" {
		monday, err := time.Parse(time.DateOnly, week)
		if err != nil {
			return plaudit.Team{}, plaudit.Permanent("digest: malformed week "+week, nil)
		}
		until = monday.AddDate(0, 0, -1)
	}
	q := reports.Query{Since: until.AddDate(0, 0, -(DigestDays - 1)).Format(time.DateOnly), Until: until.Format(time.DateOnly), Compare: true}
	rs := &reports.Service{Store: s.Store, Now: s.Now}
	sc := reports.TeamScope(tenantID, team.Name)
	csat, err := rs.CSAT(ctx, sc, q)
	if err != nil {
		return team, err
	}
	rate, err := rs.ResponseRate(ctx, sc, q)
	if err != nil {
		return team, err
	}
	board, err := rs.Leaderboard(ctx, sc, q)
	if err != nil {
		return team, err
	}
	subject := fmt.Sprintf("Team %s: the week of %s", team.Name, q.Since)
	return team, s.mailLeads(ctx, tenant, team, "digest:"+team.ID+":"+q.Since, subject, digestText(team, q, csat, rate, board))
}

func digestText(team plaudit.Team, q reports.Query, csat reports.CSATReport, rate reports.RateReport, board reports.Leaderboard) string {
	var b strings.Builder
	t, p := csat.Totals.Scores, csat.Totals.Previous
	fmt.Fprintf(&b, "Team %s, %s to %s.\n\n", team.Name, q.Since, q.Until)
	fmt.Fprintf(&b, "CSAT: %s (average %s, n = %d); the week before: %s (n = %d)\n",
		percent(t.CSAT), number(t.Average), t.Responses, percent(p.CSAT), p.Responses)
	r, rp := rate.Totals.Sends, rate.Totals.Previous
	fmt.Fprintf(&b, "Response rate: %s (%d answered of %d delivered); the week before: %s\n",
		percent(r.ResponseRate), r.Answered, r.Delivered, percent(rp.ResponseRate))
	fmt.Fprintf(&b, "Set aside from the figures: %d\n\nLeaderboard (ranked from %d responses):\n", t.Excluded, board.MinResponses)
	shown := 0
	for _, row := range board.Data {
		if row.Rank == nil || shown == 3 {
			break
		}
		fmt.Fprintf(&b, "%d. %s: %s (n = %d)\n", *row.Rank, row.AgentName, percent(row.CSAT), row.N)
		shown++
	}
	if shown == 0 {
		b.WriteString("nobody has enough responses yet\n")
	}
	return b.String()
}

func percent(v *float64) string {
	if v == nil {
		return "no figure"
	}
	return fmt.Sprintf("%.1f %%", *v*100)
}

func number(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *v)
}

// DigestHour is the hour of Monday, in each tenant's time zone, from
// which its weekly digests go out.
const DigestHour = 7

// digestDue reports whether the tenant's weekly digests are due at now
// (Monday from DigestHour on, in its time zone), and names the week (its
// Monday's date) so that each goes out once.
func digestDue(now time.Time, t plaudit.Tenant) (string, bool) {
	local := now.In(t.Settings.Location())
	return local.Format(time.DateOnly), local.Weekday() == time.Monday && local.Hour() >= DigestHour
}

// QueueDigests queues the weekly digest of every team with leads in each
// tenant whose Monday DigestHour has come (the scheduler calls it every
// quarter of an hour, so that each time zone, half and quarter hours
// included, gets it on time). A team's digest is queued once a week,
// however often this runs; a run missed at 07:00 is made up later that
// Monday.
func (s *Service) QueueDigests(ctx context.Context) error {
	tenants, err := s.Store.ListTenants(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	var errs []error
	for _, t := range tenants {
		week, due := digestDue(now, t)
		if !due {
			continue
		}
		teams, err := s.Store.ListTeams(ctx, t.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, team := range teams {
			leads, err := s.leads(ctx, team)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if len(leads) == 0 {
				continue
			}
			errs = append(errs, s.once(ctx, "digest:"+team.ID+":"+week, func() error {
				return s.Tasks.TeamNotice(ctx, t.ID, team.ID+"@"+week, NoticeDigestEmail)
			}))
		}
	}
	return errors.Join(errs...)
}
