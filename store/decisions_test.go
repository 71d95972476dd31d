package store

import (
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// testDecisions covers what a batch of decisions reads and writes: the
// interactions by id, the screen of many addresses, the requests of a
// batch in one transaction (a second time: the stored ones), each within
// its tenant only.
func testDecisions(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	a1, a2, a3 := newInteraction(t, s, a.ID, nil), newInteraction(t, s, a.ID, nil), newInteraction(t, s, a.ID, nil)
	b1 := newInteraction(t, s, b.ID, nil)

	got, err := s.InteractionsByID(ctx, a.ID, []string{a1.ID, a2.ID, b1.ID, "int_missing"})
	must(t, err)
	deepEqual(t, "interactions of A", sorted(interactionIDs(got)...), sorted(a1.ID, a2.ID))

	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: "h:sup", Reason: "unsubscribed"}))
	expired := clk.Now().Add(-time.Minute)
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: "h:old", Reason: "bounce", ExpiresAt: &expired}))
	scheduled := &plaudit.FeedbackRequest{TenantID: a.ID, InteractionID: a1.ID, Channel: plaudit.ChannelEmail,
		Recipient: "ada@example.com", RecipientHash: "h:asked", Status: plaudit.RequestScheduled, DueAt: base}
	skipped := &plaudit.FeedbackRequest{TenantID: a.ID, InteractionID: a2.ID, Status: plaudit.RequestSkipped,
		Reason: plaudit.ReasonNoAgent, DueAt: base}
	created, err := s.CreateRequests(ctx, a.ID, []*plaudit.FeedbackRequest{scheduled, skipped}, []string{a1.ID, a2.ID})
	must(t, err)
	deepEqual(t, "created", created, []bool{true, true})
	if scheduled.ID == "" || scheduled.Token == "" || skipped.ID == "" {
		t.Fatalf("requests not filled in: %+v %+v", scheduled, skipped)
	}
	for _, id := range []string{a1.ID, a2.ID} {
		in, err := s.GetInteraction(ctx, a.ID, id)
		must(t, err)
		if in.Status != plaudit.InteractionProcessed {
			t.Errorf("interaction %s is %s, want processed", id, in.Status)
		}
	}
	if in, _ := s.GetInteraction(ctx, a.ID, a3.ID); in.Status != plaudit.InteractionReceived {
		t.Errorf("interaction outside the batch is %s, want received", in.Status)
	}
	if n := count(t, s, "request_facts", a.ID); n != 2 {
		t.Errorf("%d request facts, want 2", n)
	}
	if r, err := s.RequestByToken(ctx, scheduled.Token); err != nil || r.ID != scheduled.ID {
		t.Errorf("page token does not find its request: %v", err)
	}

	hashes := []string{"h:sup", "h:old", "h:asked", "h:new"}
	screen, err := s.ScreenAddresses(ctx, a.ID, hashes, clk.Now(), clk.Now().Add(-time.Hour))
	must(t, err)
	deepEqual(t, "suppressed", screen.Suppressed, map[string]bool{"h:sup": true})
	deepEqual(t, "asked", screen.Asked, map[string]bool{"h:asked": true})
	screen, err = s.ScreenAddresses(ctx, a.ID, hashes, clk.Now(), clk.Now().Add(time.Hour))
	must(t, err)
	deepEqual(t, "asked since a later time", screen.Asked, map[string]bool{})
	screen, err = s.ScreenAddresses(ctx, b.ID, hashes, clk.Now(), clk.Now().Add(-time.Hour))
	must(t, err)
	if len(screen.Suppressed)+len(screen.Asked) != 0 {
		t.Errorf("tenant B sees A's addresses: %+v", screen)
	}

	// The same batch again: nothing new, each gets the stored request.
	again := []*plaudit.FeedbackRequest{
		{TenantID: a.ID, InteractionID: a1.ID, Status: plaudit.RequestScheduled, RecipientHash: "h:other", DueAt: base},
		{TenantID: a.ID, InteractionID: a2.ID, Status: plaudit.RequestScheduled, DueAt: base},
	}
	created, err = s.CreateRequests(ctx, a.ID, again, []string{a1.ID, a2.ID})
	must(t, err)
	deepEqual(t, "created again", created, []bool{false, false})
	if again[0].ID != scheduled.ID || again[0].RecipientHash != "h:asked" || again[1].Status != plaudit.RequestSkipped {
		t.Errorf("second batch not given the stored requests: %+v", again)
	}
	if n := count(t, s, "feedback_requests", a.ID); n != 2 {
		t.Errorf("%d requests after the second batch, want 2", n)
	}

	// A batch with an interaction that is gone fails whole: nothing of it
	// is kept, a3 stays received.
	gone := []*plaudit.FeedbackRequest{
		{TenantID: a.ID, InteractionID: a3.ID, Status: plaudit.RequestSkipped, DueAt: base},
		{TenantID: a.ID, InteractionID: "int_gone", Status: plaudit.RequestSkipped, DueAt: base},
	}
	if _, err := s.CreateRequests(ctx, a.ID, gone, []string{a3.ID}); !plaudit.IsNotFound(err) {
		t.Errorf("batch with a missing interaction: %v, want not found", err)
	}
	if in, _ := s.GetInteraction(ctx, a.ID, a3.ID); in.Status != plaudit.InteractionReceived {
		t.Errorf("after a failed batch the interaction is %s, want received", in.Status)
	}
	if n := count(t, s, "feedback_requests", a.ID); n != 2 {
		t.Errorf("%d requests after a failed batch, want 2", n)
	}
	// Another tenant's request is refused before anything is written.
	other := []*plaudit.FeedbackRequest{{TenantID: b.ID, InteractionID: b1.ID, Status: plaudit.RequestSkipped, DueAt: base}}
	if _, err := s.CreateRequests(ctx, a.ID, other, nil); plaudit.ErrorCode(err) != plaudit.EInvalid {
		t.Errorf("request of tenant B in A's batch: %v, want invalid", err)
	}

	reqs, err := s.RequestsOfInteractions(ctx, a.ID, []string{a1.ID, a2.ID, a3.ID, b1.ID})
	must(t, err)
	ids := []string{reqs[0].InteractionID}
	if len(reqs) == 2 {
		ids = append(ids, reqs[1].InteractionID)
	}
	slices.Sort(ids)
	deepEqual(t, "requests of A's interactions", ids, sorted(a1.ID, a2.ID))
}

// testMonthMarksUnderLoad sends many of a month's requests at once while
// that month's sums are rebuilt again and again: however the writers and
// the rebuilds interleave (on PostgreSQL a writer finding the month dirty
// only share-locks its mark), the monthly sums end up agreeing with the
// rows.
func testMonthMarksUnderLoad(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	const n = 40
	var reqs []plaudit.FeedbackRequest
	for range n {
		reqs = append(reqs, newRequest(t, s, newInteraction(t, s, a.ID, nil), nil))
	}
	month := clk.Now().UTC().Format("2006-01")
	f := ReportFilter{TenantID: a.ID, Since: month + "-01", Until: month + "-31"}
	if _, err := s.SendFigures(ctx, f, "", ""); err != nil { // the month's sums, built once
		t.Fatal(err)
	}
	stop := make(chan struct{})
	rebuilt := make(chan error, 1)
	go func() {
		var err error
		for err == nil {
			select {
			case <-stop:
				rebuilt <- nil
				return
			default:
			}
			err = s.rebuildMonth(ctx, a.ID, month)
		}
		rebuilt <- err
	}()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, clk.Now()); err != nil || !ok {
				errs <- fmt.Errorf("claim %s: %v %v", r.ID, ok, err)
				return
			}
			errs <- s.MarkRequestSent(ctx, a.ID, r.ID, "msg-"+r.ID, clk.Now())
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-rebuilt; err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sums, err := s.SendFigures(ctx, f, "", "")
	must(t, err)
	if len(sums) != 1 || sums[0].Sent != n {
		t.Errorf("monthly sums after concurrent sends and rebuilds: %+v, want %d sent", sums, n)
	}
}

// testMonthMarkHoldsOffARebuild holds a transaction that changed a fact of
// a month already dirty, and starts a rebuild of that month meanwhile: the
// rebuild must wait for the transaction, so that the sums it writes count
// the change (had it summed before the commit and cleared the mark, the
// month would stay wrong until its next change).
func testMonthMarkHoldsOffARebuild(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	r := newRequest(t, s, newInteraction(t, s, a.ID, nil), nil)
	month := clk.Now().UTC().Format("2006-01")
	must(t, markMonth(ctx, s.w, a.ID, clk.Now().UTC().Format(dayLayout)))

	written, commit := make(chan struct{}), make(chan struct{})
	txDone := make(chan error, 1)
	go func() {
		txDone <- s.inTx(ctx, func(tx *sql.Tx) error {
			sent := r
			at := clk.Now()
			sent.Status, sent.SentAt = plaudit.RequestSent, &at
			if err := s.factWriter(tx).write(ctx, sent); err != nil {
				return err
			}
			close(written)
			<-commit
			return nil
		})
	}()
	<-written
	rebuilt := make(chan error, 1)
	go func() { rebuilt <- s.rebuildMonth(ctx, a.ID, month) }()
	var rebuildErr error
	select {
	case rebuildErr = <-rebuilt:
		t.Errorf("the rebuild ran while a change to the month was not committed (err %v)", rebuildErr)
		close(commit)
	case <-time.After(300 * time.Millisecond):
		close(commit)
		rebuildErr = <-rebuilt
	}
	must(t, <-txDone)
	must(t, rebuildErr)
	sums, err := s.SendFigures(ctx, ReportFilter{TenantID: a.ID, Since: month + "-01", Until: month + "-31"}, "", "")
	must(t, err)
	if len(sums) != 1 || sums[0].Sent != 1 {
		t.Errorf("monthly sums after the rebuild: %+v, want the send counted", sums)
	}
}
