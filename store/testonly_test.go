package store

import (
	"testing"

	"github.com/plaudit/plaudit"
)

// testTestOnlyLists: a test key's view of requests and responses holds
// test rows only, on every engine.
func testTestOnlyLists(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	var live, test plaudit.FeedbackRequest
	for _, isTest := range []bool{false, true} {
		in := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.Test = isTest })
		r := newRequest(t, s, in, func(r *plaudit.FeedbackRequest) { r.Test = isTest })
		resp := plaudit.Response{TenantID: a.ID, RequestID: r.ID, AgentID: r.AgentID, Score: 5, Source: plaudit.SourcePage, Test: isTest}
		_, err := s.CreateResponse(ctx, &resp)
		must(t, err)
		if isTest {
			test = r
		} else {
			live = r
		}
	}
	reqs, err := s.ListRequests(ctx, a.ID, RequestFilter{TestOnly: true})
	must(t, err)
	if len(reqs) != 1 || reqs[0].ID != test.ID {
		t.Errorf("ListRequests(TestOnly) = %+v, want the test request alone", reqs)
	}
	if all, _ := s.ListRequests(ctx, a.ID, RequestFilter{}); len(all) != 2 {
		t.Errorf("ListRequests() = %d requests, want both", len(all))
	}
	for _, f := range []ResponseFilter{{TestOnly: true}, {TestOnly: true, IncludeTest: true}} {
		resps, err := s.ListResponses(ctx, a.ID, f)
		must(t, err)
		if len(resps) != 1 || resps[0].RequestID != test.ID {
			t.Errorf("ListResponses(%+v) = %+v, want the test response alone", f, resps)
		}
	}
	resps, err := s.ListResponses(ctx, a.ID, ResponseFilter{})
	must(t, err)
	if len(resps) != 1 || resps[0].RequestID != live.ID {
		t.Errorf("ListResponses() = %+v, want the live response alone", resps)
	}
}
