package feedback

import (
	"context"

	"github.com/plaudit/plaudit"
)

// replyLanguages are the languages a reply's words are read in: the
// customer's, the tenant's default, and English (reply.Score).
func (s *Service) replyLanguages(ctx context.Context, req plaudit.FeedbackRequest) []string {
	langs := []string{req.Language, "en"}
	if t, err := s.Store.GetTenant(ctx, req.TenantID); err == nil {
		langs = append(langs, t.Settings.DefaultLanguage)
	}
	return langs
}
