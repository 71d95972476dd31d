package server

import (
	"context"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
)

// answer is what a customer said (feedback.Answer).
type answer = feedback.Answer

// record stores an answer (feedback.Service.Record).
func (s *Server) record(ctx context.Context, req plaudit.FeedbackRequest, a answer) (plaudit.Response, error) {
	return s.fb.Record(ctx, req, a)
}

// transition applies a provider's or a customer's word to a request. A
// request no longer in a state the transition starts from (answered before
// the delivery report came, a report repeated) keeps its status: that is
// the guard doing its work, not an error.
func transition(ctx context.Context, st Store, req plaudit.FeedbackRequest, t plaudit.Transition) error {
	_, err := st.TransitionRequest(ctx, req.TenantID, req.ID, t)
	if plaudit.ErrorCode(err) == plaudit.EConflict {
		return nil
	}
	return err
}
