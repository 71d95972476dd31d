package feedback_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
)

// TestLeadUsersGetAlertsAndDigests: console users with the role lead in
// a team get its alerts and digests beside the team's lead_emails, each
// address once; leads of other teams and admins do not.
func TestLeadUsersGetAlertsAndDigests(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	for _, u := range []plaudit.User{
		{Email: "Lead@Nordlicht.example", Role: plaudit.UserLead, Team: "Support EU"}, // also in lead_emails
		{Email: "carla@nordlicht.example", Role: plaudit.UserLead, Team: "Support EU"},
		{Email: "other@nordlicht.example", Role: plaudit.UserLead, Team: "Support US"},
		{Email: "ada@nordlicht.example", Role: plaudit.UserAdmin},
	} {
		u.TenantID = w.tenant.ID
		u.Normalize()
		must(t, w.st.CreateUser(ctx, &u))
	}
	resp := w.answer(t, w.request(t, "4720"), 1, "Nobody called me back.", false)
	if got := w.tasks.take(); len(got) != 1 || got[0] != "alert.email "+resp.ID {
		t.Fatalf("queued %v, want one alert", got)
	}
	must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, resp.ID, feedback.NoticeAlertEmail, feedback.Try{Attempt: 1}))
	want := []string{"lead@nordlicht.example", "deputy@nordlicht.example", "carla@nordlicht.example"}
	if got := recipients(w); !slices.Equal(got, want) {
		t.Fatalf("alert went to %v, want %v", got, want)
	}

	w.mail.list = nil
	w.now = time.Date(2026, 3, 16, 7, 0, 0, 0, time.UTC) // Monday, 07:00 in the tenant's UTC
	must(t, w.svc.QueueDigests(ctx))
	must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, w.team.ID, feedback.NoticeDigestEmail, feedback.Try{Attempt: 1}))
	if got := recipients(w); !slices.Equal(got, want) {
		t.Fatalf("digest went to %v, want %v", got, want)
	}
}

// TestLeadUsersAloneAreLeads: a team without lead_emails whose lead is a
// console user gets its alerts and digests too.
func TestLeadUsersAloneAreLeads(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	w.team.LeadEmails = []string{}
	must(t, w.st.UpdateTeam(ctx, w.team))
	resp := w.answer(t, w.request(t, "4721"), 2, "", false)
	if got := w.tasks.take(); len(got) != 0 {
		t.Fatalf("a team without leads queued %v", got)
	}
	must(t, w.st.CreateUser(ctx, &plaudit.User{TenantID: w.tenant.ID, Email: "carla@nordlicht.example", Role: plaudit.UserLead, Team: "Support EU"}))
	resp = w.answer(t, w.request(t, "4722"), 2, "", false)
	if got := w.tasks.take(); len(got) != 1 || got[0] != "alert.email "+resp.ID {
		t.Fatalf("queued %v, want the alert for the lead user", got)
	}
	must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, resp.ID, feedback.NoticeAlertEmail, feedback.Try{Attempt: 1}))
	if got := recipients(w); !slices.Equal(got, []string{"carla@nordlicht.example"}) {
		t.Fatalf("alert went to %v", got)
	}
	w.now = time.Date(2026, 3, 16, 7, 0, 0, 0, time.UTC)
	must(t, w.svc.QueueDigests(ctx))
	if got := w.tasks.take(); len(got) != 1 || got[0] != "digest.email "+w.team.ID+"@2026-03-16" {
		t.Fatalf("queued %v, want the digest", got)
	}
}

func recipients(w *teamWorld) []string {
	w.mail.mu.Lock()
	defer w.mail.mu.Unlock()
	var out []string
	for _, m := range w.mail.list {
		out = append(out, m.To)
	}
	return out
}

// TestDigestAtSevenInEachTimeZone: with the scheduler's look every 15
// minutes, each tenant's digest is queued once, at 07:00 on Monday in the
// tenant's time zone: Berlin (UTC+1 in March), New York (UTC−4 after its
// change to summer time on 8 March 2026) and Kolkata (UTC+5:30).
func TestDigestAtSevenInEachTimeZone(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	zones := map[string]time.Time{
		"Europe/Berlin":    time.Date(2026, 3, 16, 6, 0, 0, 0, time.UTC),
		"America/New_York": time.Date(2026, 3, 16, 11, 0, 0, 0, time.UTC),
		"Asia/Kolkata":     time.Date(2026, 3, 16, 1, 30, 0, 0, time.UTC),
	}
	teamZone := map[string]string{}
	for zone := range zones {
		tn := plaudit.Tenant{Name: zone, Settings: plaudit.DefaultSettings()}
		tn.Settings.Timezone = zone
		must(t, w.st.CreateTenant(ctx, &tn))
		team := plaudit.NewTeam(tn.ID, "Support")
		team.LeadEmails = []string{"lead@example.com"}
		must(t, w.st.CreateTeam(ctx, &team))
		teamZone[team.ID] = zone
	}
	queued := map[string][]time.Time{}
	// From Saturday to Wednesday, UTC, as the scheduler ticks.
	for now := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC); now.Before(time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)); now = now.Add(15 * time.Minute) {
		w.now = now
		must(t, w.svc.QueueDigests(ctx))
		for _, task := range w.tasks.take() {
			ref := strings.TrimPrefix(task, "digest.email ")
			id, week, _ := strings.Cut(ref, "@")
			if week != "2026-03-16" {
				t.Errorf("at %v queued %q: want the week of Monday 2026-03-16", now, task)
			}
			queued[id] = append(queued[id], now)
		}
	}
	for id, zone := range teamZone {
		if got := queued[id]; len(got) != 1 || !got[0].Equal(zones[zone]) {
			t.Errorf("%s: digest queued at %v, want once at %v (07:00 local)", zone, got, zones[zone])
		}
	}
	// The world's own tenant is in UTC.
	if got := queued[w.team.ID]; len(got) != 1 || !got[0].Equal(time.Date(2026, 3, 16, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("UTC: digest queued at %v", got)
	}
}

// TestDigestMissedAtSevenIsMadeUp: a scheduler that was down at 07:00
// queues the digest at its next look that Monday, and not on Tuesday.
func TestDigestMissedAtSevenIsMadeUp(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	w.now = time.Date(2026, 3, 16, 6, 45, 0, 0, time.UTC)
	must(t, w.svc.QueueDigests(ctx))
	if got := w.tasks.take(); len(got) != 0 {
		t.Fatalf("queued before 07:00: %v", got)
	}
	w.now = time.Date(2026, 3, 16, 13, 15, 0, 0, time.UTC)
	must(t, w.svc.QueueDigests(ctx))
	if got := w.tasks.take(); len(got) != 1 {
		t.Fatalf("queued %v after a missed 07:00, want the digest", got)
	}
	w.now = time.Date(2026, 3, 17, 7, 0, 0, 0, time.UTC)
	must(t, w.svc.QueueDigests(ctx))
	if got := w.tasks.take(); len(got) != 0 {
		t.Fatalf("queued on Tuesday: %v", got)
	}
}
