package store

import (
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// testProviderMessages: what providers said about a message is kept per
// request and per message (first or reminder), once per event, found by
// the provider's id, and goes with its request.
func testProviderMessages(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	r := newRequest(t, s, newInteraction(t, s, a.ID, nil), nil)
	at := base.Add(time.Minute)
	ev := func(event, id string, reminder bool, at time.Time) plaudit.ProviderMessage {
		return plaudit.ProviderMessage{TenantID: a.ID, RequestID: r.ID, Reminder: reminder, Channel: plaudit.ChannelEmail,
			ProviderID: id, Event: event, At: at}
	}

	got, err := s.ProviderMessages(ctx, a.ID, r.ID, false)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("evidence before any event: %+v", got)
	}
	// An event that came while the request is still being sent.
	must(t, s.RecordProviderMessage(ctx, ev("delivered", "sg-1", false, at.Add(time.Second))))
	must(t, s.RecordProviderMessage(ctx, ev("processed", "sg-1", false, at)))
	must(t, s.RecordProviderMessage(ctx, ev("processed", "sg-1", false, at.Add(time.Hour)))) // a repeat
	must(t, s.RecordProviderMessage(ctx, ev("processed", "sg-r", true, at.Add(2*time.Hour))))
	// No provider id or no event: no evidence, nothing kept.
	must(t, s.RecordProviderMessage(ctx, ev("processed", "", false, at)))
	must(t, s.RecordProviderMessage(ctx, ev("", "sg-1", false, at)))

	got, err = s.ProviderMessages(ctx, a.ID, r.ID, false)
	must(t, err)
	if len(got) != 2 || got[0].Event != "processed" || !got[0].At.Equal(at) || got[1].Event != "delivered" ||
		got[0].ProviderID != "sg-1" || got[0].Channel != plaudit.ChannelEmail || got[0].Reminder {
		t.Fatalf("first message's evidence: %+v", got)
	}
	rem, err := s.ProviderMessages(ctx, a.ID, r.ID, true)
	must(t, err)
	if len(rem) != 1 || rem[0].ProviderID != "sg-r" || !rem[0].Reminder {
		t.Fatalf("reminder's evidence: %+v", rem)
	}
	// Another tenant sees none of it, and cannot record against it.
	other, err := s.ProviderMessages(ctx, b.ID, r.ID, false)
	must(t, err)
	if len(other) != 0 {
		t.Fatalf("another tenant's view: %+v", other)
	}
	wantNotFound(t, "RecordProviderMessage other tenant",
		s.RecordProviderMessage(ctx, plaudit.ProviderMessage{TenantID: b.ID, RequestID: r.ID, ProviderID: "x", Event: "processed", At: at}))
	wantNotFound(t, "RecordProviderMessage missing request",
		s.RecordProviderMessage(ctx, plaudit.ProviderMessage{TenantID: a.ID, RequestID: "req_missing", ProviderID: "x", Event: "processed", At: at}))

	m, err := s.MessageByProviderID(ctx, "sg-r")
	must(t, err)
	if m.TenantID != a.ID || m.RequestID != r.ID || !m.Reminder {
		t.Fatalf("MessageByProviderID(reminder) = %+v", m)
	}

	// The reminder's own send answer is kept with its provider id.
	_, err = s.TransitionRequest(ctx, a.ID, r.ID, plaudit.Transition{From: []string{plaudit.RequestScheduled}, To: plaudit.RequestSending})
	must(t, err)
	must(t, s.MarkRequestSent(ctx, a.ID, r.ID, "sg-1", at))
	now := at.Add(25 * time.Hour)
	if _, ok, err := s.ClaimReminder(ctx, a.ID, r.ID, now, now, at.Add(-time.Hour)); err != nil || !ok {
		t.Fatalf("claim reminder: %v %v", ok, err)
	}
	must(t, s.MarkReminderSent(ctx, a.ID, r.ID, "sg-r2", now))
	m, err = s.MessageByProviderID(ctx, "sg-r2")
	must(t, err)
	if m.RequestID != r.ID || !m.Reminder || m.Event != plaudit.EventAccepted || m.Channel != plaudit.ChannelEmail {
		t.Fatalf("reminder's accepted message: %+v", m)
	}

	// Erasure of the request takes its provider messages.
	_, err = s.EraseSubject(ctx, a.ID, "ada@example.com", "")
	must(t, err)
	_, err = s.MessageByProviderID(ctx, "sg-1")
	wantNotFound(t, "provider message of an erased request", err)
}

// testReturnClaims: a retake's claim can be handed back to the abandoned
// claim it took over (to wait for a provider's word), only while it holds
// it; the next retake then finds the same abandoned claim.
func testReturnClaims(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	r := newRequest(t, s, newInteraction(t, s, a.ID, nil), nil)
	first, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, base)
	must(t, err)
	if !ok {
		t.Fatal("not claimed")
	}
	wantCode(t, s.ReturnSendClaim(ctx, first), plaudit.EInvalid) // a fresh claim has nothing to return to
	later := base.Add(11 * time.Minute)
	retake, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, later)
	must(t, err)
	if !ok || !retake.AbandonedAt.Equal(dbTime(base)) || retake.Attempts != 2 {
		t.Fatalf("retake: %v %+v", ok, retake)
	}
	must(t, s.ReturnSendClaim(ctx, retake))
	got, err := s.GetRequest(ctx, a.ID, r.ID)
	must(t, err)
	if got.Status != plaudit.RequestSending || got.Attempts != 1 || !got.UpdatedAt.Equal(dbTime(base)) {
		t.Fatalf("after the claim went back: %+v", got)
	}
	wantCode(t, s.ReturnSendClaim(ctx, retake), plaudit.EConflict) // held no more
	// Abandoned still: the next retake takes it, and says so again.
	again, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, later.Add(time.Second))
	must(t, err)
	if !ok || !again.AbandonedAt.Equal(dbTime(base)) || again.Attempts != 2 {
		t.Fatalf("retake after the return: %v %+v", ok, again)
	}
	must(t, s.MarkRequestSent(ctx, a.ID, r.ID, "sg-1", later.Add(2*time.Second)))
	wantCode(t, s.ReturnSendClaim(ctx, again), plaudit.EConflict) // sent meanwhile

	// The same for a reminder.
	sent := later.Add(2 * time.Second)
	claimAt := sent.Add(25 * time.Hour)
	if _, ok, err := s.ClaimReminder(ctx, a.ID, r.ID, claimAt, claimAt, sent.Add(-time.Hour)); err != nil || !ok {
		t.Fatalf("claim reminder: %v %v", ok, err)
	}
	retakeAt := claimAt.Add(11 * time.Minute)
	rem, ok, err := s.ClaimReminder(ctx, a.ID, r.ID, retakeAt, retakeAt, sent.Add(-time.Hour))
	must(t, err)
	if !ok || !rem.AbandonedAt.Equal(dbTime(claimAt)) {
		t.Fatalf("reminder retake: %v %+v", ok, rem)
	}
	must(t, s.ReturnReminderClaim(ctx, rem))
	got, err = s.GetRequest(ctx, a.ID, r.ID)
	must(t, err)
	if got.ReminderStatus != plaudit.ReminderSending || got.RemindedAt == nil || !got.RemindedAt.Equal(dbTime(claimAt)) {
		t.Fatalf("reminder after the claim went back: %+v", got)
	}
	wantCode(t, s.ReturnReminderClaim(ctx, rem), plaudit.EConflict)
	ab, err := s.AbandonedReminders(ctx, retakeAt, 10)
	must(t, err)
	if len(ab) != 1 || ab[0].ID != r.ID {
		t.Fatalf("returned reminder claim not abandoned: %+v", ab)
	}
}
