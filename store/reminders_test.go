package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// sentRequest stores a request that went out at sent.
func sentRequest(t *testing.T, s *Store, tenantID string, sent time.Time, mod func(*plaudit.FeedbackRequest)) plaudit.FeedbackRequest {
	t.Helper()
	return newRequest(t, s, newInteraction(t, s, tenantID, nil), func(r *plaudit.FeedbackRequest) {
		r.Status, r.SentAt, r.DueAt, r.ProviderID = plaudit.RequestSent, &sent, sent, "p-"+sent.String()
		if mod != nil {
			mod(r)
		}
	})
}

func reqIDs(l []plaudit.FeedbackRequest) []string {
	out := []string{}
	for _, r := range l {
		out = append(out, r.ID)
	}
	return out
}

// testReminders: which requests are due a reminder, and that a claimed
// reminder is sent at most once.
func testReminders(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	now := base.Add(100 * time.Hour)
	sentBy, sentAfter := now.Add(-24*time.Hour), now.Add(-plaudit.AnswerWindow)

	due := sentRequest(t, s, a.ID, base, nil)
	delivered := sentRequest(t, s, a.ID, base.Add(time.Minute), func(r *plaudit.FeedbackRequest) { r.Status = plaudit.RequestDelivered })
	sentRequest(t, s, a.ID, now.Add(-23*time.Hour), nil)                                                    // too recent
	sentRequest(t, s, a.ID, now.Add(-plaudit.AnswerWindow-time.Hour), nil)                                  // window closed
	sentRequest(t, s, a.ID, base, func(r *plaudit.FeedbackRequest) { r.Test = true })                       // test key
	sentRequest(t, s, a.ID, base, func(r *plaudit.FeedbackRequest) { r.Status = plaudit.RequestResponded }) // answered
	sentRequest(t, s, a.ID, base, func(r *plaudit.FeedbackRequest) { r.Status = plaudit.RequestBounced })   // bounced
	newRequest(t, s, newInteraction(t, s, a.ID, nil), nil)                                                  // never sent
	answered := sentRequest(t, s, a.ID, base, nil)                                                          // response stored, status not yet
	newResponse(t, s, answered, nil)
	other := sentRequest(t, s, b.ID, base, nil)

	got, err := s.DueReminders(ctx, a.ID, sentBy, sentAfter, 100)
	must(t, err)
	deepEqual(t, "due reminders of A", reqIDs(got), []string{due.ID, delivered.ID})
	got, err = s.DueReminders(ctx, b.ID, sentBy, sentAfter, 100)
	must(t, err)
	deepEqual(t, "due reminders of B", reqIDs(got), []string{other.ID})
	// Paging by sent_at.
	got, err = s.DueReminders(ctx, a.ID, sentBy, base, 100)
	must(t, err)
	deepEqual(t, "due reminders after the first", reqIDs(got), []string{delivered.ID})

	// Not due yet, another tenant's, answered: no claim.
	if _, ok, err := s.ClaimReminder(ctx, a.ID, due.ID, now, base.Add(-time.Second), sentAfter); err != nil || ok {
		t.Fatalf("claimed before due: %v %v", ok, err)
	}
	if _, ok, err := s.ClaimReminder(ctx, b.ID, due.ID, now, sentBy, sentAfter); ok || !plaudit.IsNotFound(err) {
		t.Fatalf("claimed through another tenant: %v %v", ok, err)
	}
	if _, ok, err := s.ClaimReminder(ctx, a.ID, answered.ID, now, sentBy, sentAfter); err != nil || ok {
		t.Fatalf("claimed an answered request: %v %v", ok, err)
	}

	r, ok, err := s.ClaimReminder(ctx, a.ID, due.ID, now, sentBy, sentAfter)
	must(t, err)
	if !ok || r.ReminderStatus != plaudit.ReminderSending || r.RemindedAt == nil || !r.RemindedAt.Equal(dbTime(now)) {
		t.Fatalf("claim: %v %+v", ok, r)
	}
	if _, ok, _ := s.ClaimReminder(ctx, a.ID, due.ID, now.Add(time.Minute), sentBy, sentAfter); ok {
		t.Fatal("claimed twice within the claim timeout")
	}
	got, err = s.DueReminders(ctx, a.ID, sentBy, sentAfter, 100)
	must(t, err)
	deepEqual(t, "due after a claim", reqIDs(got), []string{delivered.ID})

	// A worker that died mid-send: abandoned after the claim timeout, and
	// claimed again then.
	ab, err := s.AbandonedReminders(ctx, now.Add(9*time.Minute), 100)
	must(t, err)
	deepEqual(t, "abandoned within the claim timeout", reqIDs(ab), []string{})
	later := now.Add(11 * time.Minute)
	ab, err = s.AbandonedReminders(ctx, later, 100)
	must(t, err)
	deepEqual(t, "abandoned after the claim timeout", reqIDs(ab), []string{due.ID})
	if _, ok, err := s.ClaimReminder(ctx, a.ID, due.ID, later, sentBy, sentAfter); err != nil || !ok {
		t.Fatalf("abandoned claim not taken again: %v %v", ok, err)
	}

	// Sent: never claimed again, never abandoned, shown with its time.
	must(t, s.MarkReminderSent(ctx, a.ID, due.ID, "rem-1", later.Add(time.Second)))
	r, err = s.GetRequest(ctx, a.ID, due.ID)
	must(t, err)
	if r.ReminderStatus != plaudit.ReminderSent || r.RemindedAt == nil || !r.RemindedAt.Equal(dbTime(later.Add(time.Second))) ||
		r.Status != plaudit.RequestSent || r.ProviderID != due.ProviderID || !r.SentAt.Equal(*due.SentAt) {
		t.Fatalf("after the reminder: %+v", r)
	}
	for _, at := range []time.Time{later, later.Add(time.Hour), later.Add(24 * time.Hour)} {
		if _, ok, _ := s.ClaimReminder(ctx, a.ID, due.ID, at, at, sentAfter); ok {
			t.Fatalf("a reminded request was claimed again at %s", at)
		}
	}
	ab, err = s.AbandonedReminders(ctx, later.Add(time.Hour), 100)
	must(t, err)
	deepEqual(t, "abandoned after sent", reqIDs(ab), []string{})
	wantCode(t, s.ReleaseReminder(ctx, a.ID, due.ID), plaudit.EConflict)
	wantCode(t, s.SkipReminder(ctx, a.ID, due.ID, plaudit.ReminderFailed, later), plaudit.EConflict)
	wantCode(t, s.MarkReminderSent(ctx, a.ID, due.ID, "rem-2", later), plaudit.EConflict)
	list, err := s.ListRequests(ctx, a.ID, RequestFilter{})
	must(t, err)
	if r := findReq(list, due.ID); r.ReminderStatus != plaudit.ReminderSent || r.RemindedAt == nil {
		t.Fatalf("listed without its reminder: %+v", r)
	}

	// A released claim is due again; a skipped one is not.
	r, ok, err = s.ClaimReminder(ctx, a.ID, delivered.ID, now, sentBy, sentAfter)
	must(t, err)
	if !ok {
		t.Fatal("delivered request not claimed")
	}
	must(t, s.ReleaseReminder(ctx, a.ID, delivered.ID))
	r, err = s.GetRequest(ctx, a.ID, delivered.ID)
	must(t, err)
	if r.ReminderStatus != "" || r.RemindedAt != nil {
		t.Fatalf("after release: %+v", r)
	}
	must(t, s.SkipReminder(ctx, a.ID, delivered.ID, plaudit.ReminderSkipped, now))
	got, err = s.DueReminders(ctx, a.ID, sentBy, sentAfter, 100)
	must(t, err)
	deepEqual(t, "due after skip", reqIDs(got), []string{})
	if _, ok, _ := s.ClaimReminder(ctx, a.ID, delivered.ID, now, sentBy, sentAfter); ok {
		t.Fatal("skipped reminder claimed")
	}
	wantCode(t, s.SkipReminder(ctx, a.ID, delivered.ID, "bogus", now), plaudit.EInvalid)
	wantNotFound(t, "MarkReminderSent missing", s.MarkReminderSent(ctx, a.ID, "req_missing", "rem-3", now))
}

// testClaimReminderConcurrent: workers racing for one reminder, one wins.
func testClaimReminderConcurrent(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	now := base.Add(48 * time.Hour)
	for round := range 3 {
		r := sentRequest(t, s, a.ID, base, nil)
		var (
			wg    sync.WaitGroup
			won   atomic.Int32
			start = make(chan struct{})
			errs  = make(chan error, 20)
		)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, ok, err := s.ClaimReminder(ctx, a.ID, r.ID, now, now.Add(-24*time.Hour), now.Add(-plaudit.AnswerWindow))
				if err != nil {
					errs <- err
					return
				}
				if ok {
					won.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		if n := won.Load(); n != 1 {
			t.Fatalf("round %d: %d goroutines claimed the reminder, want exactly 1", round, n)
		}
	}
}
