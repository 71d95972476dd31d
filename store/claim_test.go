package store

import (
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// testClaimTimeout: PLAUDIT_CLAIM_TIMEOUT sets when a claim on a send is
// abandoned, both for the worker that claims it again and for the
// reconciler that finds it.
func testClaimTimeout(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	s.SetClaimTimeout(3 * time.Second)
	a := newTenant(t, s, "A")
	r := newRequest(t, s, newInteraction(t, s, a.ID, nil), func(r *plaudit.FeedbackRequest) { r.DueAt = base })
	if _, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, base); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	stuck := func(now time.Time) bool {
		due, err := s.DueRequests(ctx, now, now, 100)
		must(t, err)
		for _, d := range due {
			if d.ID == r.ID {
				return true
			}
		}
		return false
	}
	if stuck(base.Add(2 * time.Second)) {
		t.Error("a claim 2s old is abandoned with a 3s claim timeout")
	}
	if _, ok, _ := s.ClaimRequest(ctx, a.ID, r.ID, base.Add(2*time.Second)); ok {
		t.Error("claimed again within the claim timeout")
	}
	if !stuck(base.Add(4 * time.Second)) {
		t.Error("a claim 4s old is not abandoned with a 3s claim timeout")
	}
	got, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, base.Add(4*time.Second))
	must(t, err)
	if !ok || got.Attempts != 2 {
		t.Errorf("not claimed again after the claim timeout: %v %+v", ok, got)
	}

	// Zero keeps the default of ten minutes.
	s.SetClaimTimeout(0)
	if stuck(base.Add(9 * time.Minute)) {
		t.Error("claim abandoned within the default ten minutes")
	}
	if !stuck(base.Add(11 * time.Minute)) {
		t.Error("claim not abandoned after the default ten minutes")
	}
}
