package store

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// aggregateKeys returns the response ids the tenant's aggregate rows are
// keyed by.
func aggregateKeys(t *testing.T, s *Store, tenantID string) []string {
	t.Helper()
	ids, err := queryIDs(t.Context(), s.db, `SELECT response_id FROM aggregates WHERE tenant_id = $1 ORDER BY response_id`, tenantID)
	must(t, err)
	return ids
}

// testAggregatesOutliveResponses: the sweep, erasure and a tenant's
// deletion with keepAggregates never take an answer out of the reports,
// and what stays cannot be linked back to the response.
func testAggregatesOutliveResponses(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	a.Settings.Timezone = "Europe/Berlin"
	must(t, s.UpdateTenant(ctx, a))

	// Late in the evening in UTC is the next day in Berlin.
	late := time.Date(2025, 3, 14, 23, 30, 0, 0, time.UTC)
	clk.Set(late)
	_, _, lost := chain(t, s, a.ID, "no-aggregate@example.org", "") // RecordAggregate failed for it
	_, _, kept := chain(t, s, a.ID, "aggregate@example.org", "")
	must(t, s.RecordAggregate(ctx, kept, plaudit.ChannelEmail, late))
	clk.Set(late.Add(72 * time.Hour))
	_, _, fresh := chain(t, s, a.ID, "fresh@example.org", "")
	must(t, s.RecordAggregate(ctx, fresh, plaudit.ChannelEmail, late.Add(72*time.Hour)))

	n, err := s.SweepRetention(ctx, a.ID, late.Add(time.Hour))
	must(t, err)
	if n != 6 {
		t.Fatalf("SweepRetention = %d rows, want 6", n)
	}
	rows, err := s.AggregateScores(ctx, a.ID, late.AddDate(0, 0, -1))
	must(t, err)
	want := []AggregateRow{
		{Day: "2025-03-14", AgentID: kept.AgentID, Channel: "email", Score: 5, Excellence: []string{"fast"}},
		{Day: "2025-03-15", AgentID: lost.AgentID, Channel: "email", Score: 5, Excellence: []string{"fast"}},
		{Day: "2025-03-17", AgentID: fresh.AgentID, Channel: "email", Score: 5, Excellence: []string{"fast"}},
	}
	deepEqual(t, "aggregates after the sweep", rows, want)
	keys := aggregateKeys(t, s, a.ID)
	for _, gone := range []string{lost.ID, kept.ID} {
		if slices.Contains(keys, gone) {
			t.Errorf("aggregate still keyed by the swept response %s", gone)
		}
	}
	if !slices.Contains(keys, fresh.ID) {
		t.Errorf("aggregate of a kept response lost its key: %v", keys)
	}

	// Erasure unlinks the aggregate it finds and makes none.
	b := newTenant(t, s, "B")
	_, _, withAgg := chain(t, s, b.ID, "erase-me@example.org", "")
	must(t, s.RecordAggregate(ctx, withAgg, plaudit.ChannelEmail, late))
	chain(t, s, b.ID, "erase-me@example.org", "")
	if _, err := s.EraseSubject(ctx, b.ID, "erase-me@example.org", ""); err != nil {
		t.Fatal(err)
	}
	keys = aggregateKeys(t, s, b.ID)
	if len(keys) != 1 || keys[0] == withAgg.ID {
		t.Errorf("aggregates after erasure keyed %v, want one, not keyed by %s", keys, withAgg.ID)
	}

	// Leaving with keepAggregates: every answer is counted, none linked.
	c := newTenant(t, s, "C")
	_, _, c1 := chain(t, s, c.ID, "c1@example.org", "")
	_, _, c2 := chain(t, s, c.ID, "c2@example.org", "")
	must(t, s.RecordAggregate(ctx, c1, plaudit.ChannelEmail, late))
	must(t, s.DeleteTenant(ctx, c.ID, true))
	keys = aggregateKeys(t, s, c.ID)
	if len(keys) != 2 || slices.Contains(keys, c1.ID) || slices.Contains(keys, c2.ID) {
		t.Errorf("aggregates of a deleted tenant keyed %v, want two unlinked", keys)
	}
	d := newTenant(t, s, "D")
	_, _, d1 := chain(t, s, d.ID, "d1@example.org", "")
	must(t, s.RecordAggregate(ctx, d1, plaudit.ChannelEmail, late))
	must(t, s.DeleteTenant(ctx, d.ID, false))
	if keys := aggregateKeys(t, s, d.ID); len(keys) != 0 {
		t.Errorf("aggregates of a tenant deleted without keepAggregates: %v", keys)
	}
}

// testDeleteAgentErases: deleting an agent removes the agent's details and
// the helpdesk's copies of them, and leaves ids and aggregates working.
func testDeleteAgentErases(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	const (
		agentName  = "Maximilian Agentenname-93b1"
		agentEmail = "max.agent-93b1@support.example"
		agentBio   = "Bio that must go 93b1"
	)
	ag := plaudit.Agent{TenantID: a.ID, Email: agentEmail, Name: agentName, Bio: agentBio, Hometown: "Kiel",
		PhotoURL: "https://cdn.example/max-93b1.jpg", Approved: true, ExternalIDs: map[string]string{"zendesk": "9931"}}
	must(t, s.CreateAgent(ctx, &ag))
	other := plaudit.Agent{TenantID: a.ID, Email: "other@support.example", Name: "Other Agent", Approved: true}
	must(t, s.CreateAgent(ctx, &other))

	ref := plaudit.AgentRef{ExternalID: "9931", Email: agentEmail, Name: agentName}
	matched := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.Source, in.Agent = "zendesk", ref })
	req := newRequest(t, s, matched, func(r *plaudit.FeedbackRequest) { r.AgentID = ag.ID })
	rsp := newResponse(t, s, req, nil)
	must(t, s.RecordAggregate(ctx, rsp, plaudit.ChannelEmail, base))
	// Not processed yet, named by the helpdesk's id only.
	pending := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) {
		in.Source, in.Agent = "zendesk", plaudit.AgentRef{ExternalID: "9931", Name: agentName}
	})
	others := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) {
		in.Source, in.Agent = "zendesk", plaudit.AgentRef{ExternalID: "1", Email: other.Email, Name: other.Name}
	})

	must(t, s.DeleteAgent(ctx, a.ID, ag.ID))
	_, err := s.GetAgent(ctx, a.ID, ag.ID)
	wantNotFound(t, "deleted agent", err)
	wantNotFound(t, "second delete", s.DeleteAgent(ctx, a.ID, ag.ID))
	for _, id := range []string{matched.ID, pending.ID} {
		in, err := s.GetInteraction(ctx, a.ID, id)
		must(t, err)
		if in.Agent != (plaudit.AgentRef{}) {
			t.Errorf("interaction %s keeps the deleted agent's details: %+v", id, in.Agent)
		}
	}
	if in, _ := s.GetInteraction(ctx, a.ID, others.ID); in.Agent.Name != other.Name {
		t.Errorf("another agent's details went too: %+v", in.Agent)
	}
	if r, err := s.GetRequest(ctx, a.ID, req.ID); err != nil || r.AgentID != ag.ID {
		t.Errorf("request after agent deletion: %+v, %v", r, err)
	}
	if r, err := s.GetResponse(ctx, a.ID, rsp.ID); err != nil || r.AgentID != ag.ID {
		t.Errorf("response after agent deletion: %+v, %v", r, err)
	}
	if rows, _ := s.AggregateScores(ctx, a.ID, base.AddDate(0, 0, -1)); len(rows) != 1 || rows[0].AgentID != ag.ID {
		t.Errorf("aggregates after agent deletion: %+v", rows)
	}
	if s.Engine() == "sqlite" {
		raw := fileBytes(t, s)
		for _, needle := range []string{agentName, agentEmail, agentBio, "max-93b1.jpg"} {
			if bytes.Contains(raw, []byte(needle)) {
				t.Errorf("%q still in the database files after the agent was deleted", needle)
			}
		}
		if !bytes.Contains(raw, []byte(other.Email)) {
			t.Error("the other agent is gone from the file: the check above proves nothing")
		}
	}
}

// testPersonalDataColumns: every column the list names exists, and each
// is removed by operations that delete its rows.
func testPersonalDataColumns(t *testing.T, s *Store, _ *clock) {
	// The tables each operation deletes rows of, or (agent deletion)
	// clears columns in.
	removes := map[string][]string{
		ByErasure:        {"interactions", "feedback_requests", "responses"},
		ByRetention:      {"interactions", "feedback_requests", "responses"},
		ByAgentDeletion:  {"agents", "interactions", "agent_photos", "agent_changes"},
		ByUserDeletion:   {"users"},
		ByTenantDeletion: {"interactions", "feedback_requests", "responses", "agents", "teams", "agent_photos", "agent_changes", "users"},
	}
	seen := map[string]bool{}
	for _, f := range PersonalData {
		key := f.Table + "." + f.Column
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if _, err := s.db.ExecContext(t.Context(), `SELECT `+f.Column+` FROM `+f.Table+` WHERE 1 = 0`); err != nil {
			t.Errorf("%s: not in the schema: %v", key, err)
		}
		if f.Subject != "customer" && f.Subject != "agent" && f.Subject != "user" {
			t.Errorf("%s: subject %q", key, f.Subject)
		}
		if len(f.Removed) == 0 {
			t.Errorf("%s: nothing removes it", key)
		}
		for _, op := range f.Removed {
			if !slices.Contains(removes[op], f.Table) {
				t.Errorf("%s: %q does not touch table %s", key, op, f.Table)
			}
		}
		if f.Table == "interactions" && strings.HasPrefix(f.Column, "agent_") && !slices.Contains(f.Removed, ByAgentDeletion) {
			t.Errorf("%s: agent deletion clears it (DeleteAgent)", key)
		}
	}
	// Reports keep none of it.
	for _, f := range PersonalData {
		if f.Table == "aggregates" {
			t.Errorf("aggregates hold personal data: %s", f.Column)
		}
	}
}

// testSubjectByFormattedPhone: interactions keep the number as the
// helpdesk wrote it; a data-subject request by phone finds and erases it
// in every spelling that means the same number, and no other number.
func testSubjectByFormattedPhone(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	a.Settings.DefaultRegion = "DE"
	must(t, s.UpdateTenant(ctx, a))
	const e164 = "+4930901820"
	mk := func(phone, country string) plaudit.Interaction {
		return newInteraction(t, s, a.ID, func(in *plaudit.Interaction) {
			in.Customer = plaudit.Customer{Name: "Phone Person " + phone, Phone: phone, Country: country}
		})
	}
	spaced := mk("+49 30 901820", "")
	national := mk("(030) 901-820", "")
	dialled := mk("0049 30/901820", "de")
	skip := newRequest(t, s, national, func(r *plaudit.FeedbackRequest) {
		r.Status, r.Channel, r.Recipient, r.RecipientHash = plaudit.RequestSkipped, "", "", ""
	})
	austria := mk("+43 30 901820", "")
	otherRegion := mk("030 901820", "AT") // an Austrian number written nationally

	got, err := s.ExportSubject(ctx, a.ID, "", e164)
	must(t, err)
	deepEqual(t, "interactions found by phone", interactionIDs(got.Interactions), sorted(spaced.ID, national.ID, dialled.ID))
	if len(got.Requests) != 1 || got.Requests[0].ID != skip.ID {
		t.Errorf("requests found by phone: %+v, want the skip record of an interaction found by phone", got.Requests)
	}
	n, err := s.EraseSubject(ctx, a.ID, "", e164)
	must(t, err)
	if n != 4 {
		t.Errorf("EraseSubject by phone = %d rows, want 4", n)
	}
	for _, in := range []plaudit.Interaction{austria, otherRegion} {
		if _, err := s.GetInteraction(ctx, a.ID, in.ID); err != nil {
			t.Errorf("another number's interaction went: %v", err)
		}
	}
	if s.Engine() == "sqlite" {
		raw := fileBytes(t, s)
		for _, needle := range []string{"+49 30 901820", "(030) 901-820", "0049 30/901820"} {
			if bytes.Contains(raw, []byte(needle)) {
				t.Errorf("%q still in the database files", needle)
			}
		}
	}
}

// testRetentionWithoutKeys: the sweep needs no secret: a tenant whose hash
// key cannot be opened (a key rotation half done) is still listed and
// swept.
func testRetentionWithoutKeys(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	chain(t, s, a.ID, "old@example.org", "")
	_, err := s.w.ExecContext(ctx, `UPDATE tenants SET hash_key = $1 WHERE id = $2`, "0badc0de:AAAA", a.ID)
	must(t, err)
	if _, err := s.GetTenant(ctx, a.ID); err == nil {
		t.Fatal("the hash key still opens: the test proves nothing")
	}
	list, err := s.ListTenants(ctx)
	must(t, err)
	if len(list) != 1 || list[0].ID != a.ID || list[0].Settings.RetentionDays != 90 {
		t.Fatalf("ListTenants = %+v, %v", list, err)
	}
	clk.Set(base.AddDate(0, 0, 100))
	n, err := s.SweepRetention(ctx, a.ID, clk.Now().AddDate(0, 0, -90))
	must(t, err)
	if n != 3 {
		t.Errorf("SweepRetention = %d, want 3", n)
	}
}
