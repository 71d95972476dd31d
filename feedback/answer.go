package feedback

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// Answer is what a customer said, from the page, an SMS or an email. Nil
// fields were not given and keep their value.
type Answer struct {
	Score       *int
	Comment     *string
	Excellence  []string
	Improvement []string
	Reward      *bool
	Source      string
}

// MaxComment is the longest comment kept, in characters.
const MaxComment = 2000

// Record stores an answer to req, whichever channel it came by: the first
// answer creates the response (it needs a score), later ones update it,
// and the store gives each change its version. Each change is queued for
// writeback once; if the queue is away the reconciler picks it up, so the
// customer never sees an error for it.
func (s *Service) Record(ctx context.Context, req plaudit.FeedbackRequest, a Answer) (plaudit.Response, error) {
	now := s.now()
	if !req.Answerable(now) {
		return plaudit.Response{}, plaudit.Errorf(plaudit.EGone, "this feedback request is closed")
	}
	a, err := a.clean()
	if err != nil {
		return plaudit.Response{}, err
	}
	resp, err := s.Store.ResponseByRequest(ctx, req.TenantID, req.ID)
	switch {
	case plaudit.IsNotFound(err):
		if resp, err = s.firstAnswer(ctx, req, a, now); err != nil {
			return plaudit.Response{}, err
		}
	case err != nil:
		return plaudit.Response{}, err
	default:
		if !a.changes(resp) {
			return resp, nil // the same answer twice has one effect
		}
		a.applyTo(&resp)
		if err := s.Store.UpdateResponse(ctx, &resp); err != nil {
			return plaudit.Response{}, err
		}
	}
	// Reports count an answer on its day in the tenant's time zone, as the
	// retention sweep does for an answer whose aggregate is missing.
	day := now
	t, terr := s.Store.GetTenant(ctx, req.TenantID)
	if terr == nil {
		day = now.In(t.Settings.Location())
	}
	if err := s.Store.RecordAggregate(ctx, resp, req.Channel, day); err != nil {
		s.log().Error("aggregate not recorded", "response", resp.ID, "err", err)
	}
	if terr == nil {
		s.teamNews(ctx, t, req, resp)
	}
	if resp.WritebackStatus != plaudit.WritebackNone {
		if err := s.Tasks.Writeback(context.WithoutCancel(ctx), resp.TenantID, resp.ID, resp.Version); err != nil {
			s.log().Warn("writeback not queued now; the reconciler will", "response", resp.ID, "err", err)
		}
	}
	return resp, nil
}

// clean checks an answer's values and puts them in their canonical form:
// a trimmed comment, known areas once each.
func (a Answer) clean() (Answer, error) {
	if a.Score != nil && (*a.Score < 1 || *a.Score > 5) {
		return a, plaudit.Errorf(plaudit.EInvalid, "score must be between 1 and 5")
	}
	if a.Comment != nil {
		c := strings.TrimSpace(*a.Comment)
		if a.Source == plaudit.SourcePage {
			if err := plaudit.CheckMultiline("comment", c); err != nil {
				return a, err
			}
		}
		// An SMS or an email reply loses what the store cannot keep
		// (NUL, invalid UTF-8): refusing it would lose the answer.
		c = strings.TrimSpace(plaudit.CleanMultiline(c))
		if utf8.RuneCountInString(c) > MaxComment {
			return a, plaudit.Errorf(plaudit.EInvalid, "comment must be at most %d characters", MaxComment)
		}
		a.Comment = &c
	}
	a.Excellence = onlyKnown(a.Excellence, plaudit.ExcellenceAreas)
	a.Improvement = onlyKnown(a.Improvement, plaudit.ImprovementAreas)
	return a, nil
}

// firstAnswer creates the response to req, which needs a score, and marks
// the request answered.
func (s *Service) firstAnswer(ctx context.Context, req plaudit.FeedbackRequest, a Answer, now time.Time) (plaudit.Response, error) {
	if a.Score == nil {
		return plaudit.Response{}, plaudit.Errorf(plaudit.EInvalid, "score is required")
	}
	// Only the page can be answered by a machine (mail scanners and link
	// previews follow its links); an SMS or an email reply was written by
	// someone, however soon it came.
	automated := a.Source == plaudit.SourcePage && plaudit.LikelyAutomated(req.SentAt, now)
	resp := plaudit.Response{
		TenantID: req.TenantID, RequestID: req.ID, AgentID: req.AgentID, TicketID: req.TicketID,
		Source: a.Source, Automated: automated, Test: req.Test,
		WritebackStatus: plaudit.WritebackPending,
	}
	if req.ConnectorID == "" {
		resp.WritebackStatus = plaudit.WritebackNone
	}
	a.applyTo(&resp)
	created, err := s.Store.CreateResponse(ctx, &resp)
	if err != nil {
		return plaudit.Response{}, err
	}
	if !created { // a concurrent first answer won: apply ours on top
		a.applyTo(&resp)
		if err := s.Store.UpdateResponse(ctx, &resp); err != nil {
			return plaudit.Response{}, err
		}
	}
	// A second answer finds the request responded already: the
	// transition's conflict is that, not an error.
	if _, err := s.Store.TransitionRequest(ctx, req.TenantID, req.ID, plaudit.Answered); err != nil &&
		plaudit.ErrorCode(err) != plaudit.EConflict {
		return plaudit.Response{}, err
	}
	if s.Metrics != nil && created { // one count per response, not per copy
		s.Metrics.Responses.WithLabelValues(a.Source).Inc()
	}
	return resp, nil
}

func (a Answer) applyTo(r *plaudit.Response) {
	if a.Score != nil {
		r.Score = *a.Score
	}
	if a.Comment != nil && *a.Comment != "" {
		r.Comment = *a.Comment
	}
	if a.Excellence != nil {
		r.Excellence = a.Excellence
	}
	if a.Improvement != nil {
		r.Improvement = a.Improvement
	}
	if a.Reward != nil {
		r.Reward = *a.Reward
	}
}

// changes reports whether applying a would change r.
func (a Answer) changes(r plaudit.Response) bool {
	next := r
	a.applyTo(&next)
	return next.Score != r.Score || next.Comment != r.Comment || next.Reward != r.Reward ||
		strings.Join(next.Excellence, ",") != strings.Join(r.Excellence, ",") ||
		strings.Join(next.Improvement, ",") != strings.Join(r.Improvement, ",")
}

// onlyKnown keeps the areas that exist, once each, in their canonical
// order; nil stays nil (not given).
func onlyKnown(given, known []string) []string {
	if given == nil {
		return nil
	}
	out := []string{}
	for _, k := range known {
		for _, g := range given {
			if g == k {
				out = append(out, k)
				break
			}
		}
	}
	return out
}
