package feedback

import (
	"context"
	"slices"
	"strings"

	"github.com/plaudit/plaudit"
)

// leads are the addresses that get a team's low-rating alerts and weekly
// digest: the team's lead_emails, then the console users with the role
// lead in that team. An address in both, or twice, gets one email: the
// addresses are compared in lower case.
func (s *Service) leads(ctx context.Context, team plaudit.Team) ([]string, error) {
	users, err := s.Store.ListUsers(ctx, team.TenantID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	add := func(email string) {
		if e := strings.ToLower(strings.TrimSpace(email)); e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, e := range team.LeadEmails {
		add(e)
	}
	for _, u := range users {
		if u.Role == plaudit.UserLead && u.Team == team.Name {
			add(u.Email)
		}
	}
	return out, nil
}
