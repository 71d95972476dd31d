package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

func testUsers(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	u := plaudit.User{TenantID: a.ID, Email: "lea@example.com", Name: "Lea", Role: plaudit.UserLead, Team: "Berlin"}
	must(t, s.CreateUser(ctx, &u))
	wantCode(t, s.CreateUser(ctx, &plaudit.User{TenantID: a.ID, Email: "lea@example.com", Role: plaudit.UserAdmin}), plaudit.EConflict)
	// The same person in another tenant is another user.
	ub := plaudit.User{TenantID: b.ID, Email: "lea@example.com", Role: plaudit.UserAdmin}
	must(t, s.CreateUser(ctx, &ub))

	got, err := s.GetUser(ctx, a.ID, u.ID)
	must(t, err)
	deepEqual(t, "GetUser", got, u)
	_, err = s.GetUser(ctx, b.ID, u.ID)
	wantNotFound(t, "GetUser from another tenant", err)
	byEmail, err := s.UsersByEmail(ctx, "lea@example.com")
	must(t, err)
	if len(byEmail) != 2 {
		t.Fatalf("UsersByEmail found %d users, want 2", len(byEmail))
	}

	u.Role, u.Team = plaudit.UserAdmin, ""
	must(t, s.UpdateUser(ctx, u))
	got, err = s.UserByEmail(ctx, a.ID, "lea@example.com")
	must(t, err)
	if got.Role != plaudit.UserAdmin || got.Team != "" {
		t.Fatalf("UpdateUser kept %+v", got)
	}
	wantNotFound(t, "UpdateUser in another tenant", s.UpdateUser(ctx, plaudit.User{TenantID: b.ID, ID: u.ID}))
	wantNotFound(t, "DeleteUser from another tenant", s.DeleteUser(ctx, b.ID, u.ID))
	must(t, s.DeleteUser(ctx, a.ID, u.ID))
	list, err := s.ListUsers(ctx, a.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("ListUsers after delete: %+v", list)
	}
}

func testSessions(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	u := plaudit.User{TenantID: a.ID, Email: "ada@example.com", Role: plaudit.UserAdmin}
	must(t, s.CreateUser(ctx, &u))

	// A sign-in link works once, and not after it expired.
	link := keyring.SecretHash("link")
	must(t, s.CreateLoginToken(ctx, link, a.ID, u.ID, base.Add(time.Hour)))
	tid, uid, err := s.UseLoginToken(ctx, link, base)
	must(t, err)
	if tid != a.ID || uid != u.ID {
		t.Fatalf("UseLoginToken = %s, %s", tid, uid)
	}
	_, _, err = s.UseLoginToken(ctx, link, base)
	wantNotFound(t, "a used link", err)
	must(t, s.CreateLoginToken(ctx, link, a.ID, u.ID, base.Add(time.Minute)))
	_, _, err = s.UseLoginToken(ctx, link, base.Add(2*time.Minute))
	wantNotFound(t, "an expired link", err)

	one, two, op := keyring.SecretHash("one"), keyring.SecretHash("two"), keyring.SecretHash("op")
	s1 := Session{TenantID: a.ID, UserID: u.ID}
	must(t, s.CreateSession(ctx, one, &s1, base.Add(-time.Hour)))
	must(t, s.CreateSession(ctx, two, &Session{TenantID: a.ID, UserID: u.ID}, base.Add(-time.Hour)))
	must(t, s.CreateSession(ctx, op, &Session{}, base.Add(-time.Hour)))
	got, err := s.SessionByHash(ctx, one)
	must(t, err)
	if got.ID != s1.ID || got.TenantID != a.ID || got.UserID != u.ID {
		t.Fatalf("SessionByHash = %+v, want %+v", got, s1)
	}
	opSess, err := s.SessionByHash(ctx, op)
	must(t, err)
	if opSess.TenantID != "" || opSess.UserID != "" {
		t.Fatalf("operator session = %+v", opSess)
	}
	later := clk.Now().Add(time.Hour)
	must(t, s.TouchSession(ctx, s1.ID, later))
	got, err = s.SessionByHash(ctx, one)
	must(t, err)
	if !got.LastSeenAt.Equal(later) {
		t.Fatalf("TouchSession: last seen %s, want %s", got.LastSeenAt, later)
	}

	// Signing out everywhere ends the user's sessions, not the operator's.
	n, err := s.DeleteSessionsOf(ctx, a.ID, u.ID)
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteSessionsOf ended %d sessions, want 2", n)
	}
	_, err = s.SessionByHash(ctx, one)
	wantNotFound(t, "a session after sign-out everywhere", err)
	_, err = s.SessionByHash(ctx, op)
	must(t, err)

	// Sessions not seen since staleBefore go when the next one is made.
	must(t, s.CreateSession(ctx, one, &Session{}, clk.Now().Add(time.Hour)))
	_, err = s.SessionByHash(ctx, op)
	wantNotFound(t, "a stale session", err)

	// Deleting the user ends their sessions and links.
	must(t, s.CreateSession(ctx, two, &Session{TenantID: a.ID, UserID: u.ID}, base))
	must(t, s.CreateLoginToken(ctx, link, a.ID, u.ID, later.Add(time.Hour)))
	must(t, s.DeleteUser(ctx, a.ID, u.ID))
	_, err = s.SessionByHash(ctx, two)
	wantNotFound(t, "a deleted user's session", err)
	_, _, err = s.UseLoginToken(ctx, link, later)
	wantNotFound(t, "a deleted user's link", err)
}

func testOIDC(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	_, err := s.GetOIDC(ctx, a.ID)
	wantNotFound(t, "GetOIDC before it is set", err)
	o := plaudit.OIDCConfig{Issuer: "https://id.example", ClientID: "plaudit", ClientSecret: "s3cret-value"}
	must(t, s.SetOIDC(ctx, a.ID, o))
	o.ClientSecret = "rotated-value"
	must(t, s.SetOIDC(ctx, a.ID, o))
	got, err := s.GetOIDC(ctx, a.ID)
	must(t, err)
	deepEqual(t, "GetOIDC", got, o)
	_, err = s.GetOIDC(ctx, b.ID)
	wantNotFound(t, "another tenant's GetOIDC", err)
	if bytes := fileBytes(t, s); bytes != nil && strings.Contains(string(bytes), "rotated-value") {
		t.Fatal("the client secret is in the database file in clear")
	}
	must(t, s.DeleteOIDC(ctx, a.ID))
	_, err = s.GetOIDC(ctx, a.ID)
	wantNotFound(t, "GetOIDC after delete", err)
}

// AgentIDs keeps the responses of the agents a lead or agent may see.
func testResponsesByAgents(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	in1 := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.ExternalID = "T-1" })
	in2 := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.ExternalID = "T-2" })
	newResponse(t, s, newRequest(t, s, in1, func(r *plaudit.FeedbackRequest) { r.AgentID = "agt_1" }), nil)
	newResponse(t, s, newRequest(t, s, in2, func(r *plaudit.FeedbackRequest) { r.AgentID = "agt_2" }), nil)
	for _, tc := range []struct {
		ids  []string
		want int
	}{{nil, 2}, {[]string{}, 0}, {[]string{"agt_1"}, 1}, {[]string{"agt_1", "agt_2"}, 2}} {
		got, err := s.ListResponses(ctx, a.ID, ResponseFilter{AgentIDs: tc.ids})
		must(t, err)
		if len(got) != tc.want {
			t.Errorf("AgentIDs %v: %d responses, want %d", tc.ids, len(got), tc.want)
		}
		reqs, err := s.ListRequests(ctx, a.ID, RequestFilter{AgentIDs: tc.ids})
		must(t, err)
		if len(reqs) != tc.want {
			t.Errorf("AgentIDs %v: %d requests, want %d", tc.ids, len(reqs), tc.want)
		}
	}
}

// An uploaded photo is served by its key; a new upload gets a new key, and
// deleting the agent deletes the photo and the changes waiting for them.
func testAgentPhotos(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	ag := plaudit.Agent{TenantID: a.ID, Email: "max@example.com", Name: "Max"}
	must(t, s.CreateAgent(ctx, &ag))
	first := AgentPhoto{TenantID: a.ID, AgentID: ag.ID, ContentType: "image/jpeg", Body: []byte("PHOTO-BYTES-ONE")}
	must(t, s.SetAgentPhoto(ctx, &first))
	got, err := s.AgentPhotoByKey(ctx, first.Key)
	must(t, err)
	if string(got.Body) != "PHOTO-BYTES-ONE" || got.AgentID != ag.ID || got.TenantID != a.ID {
		t.Fatalf("AgentPhotoByKey = %+v", got)
	}
	second := AgentPhoto{TenantID: a.ID, AgentID: ag.ID, ContentType: "image/jpeg", Body: []byte("PHOTO-BYTES-TWO")}
	must(t, s.SetAgentPhoto(ctx, &second))
	_, err = s.AgentPhotoByKey(ctx, first.Key)
	wantNotFound(t, "the replaced photo", err)

	ch := AgentChange{TenantID: a.ID, AgentID: ag.ID, UserID: "usr_1", Fields: []byte(`{"bio":"CHANGE-BIO"}`), Photo: []byte("PENDING-PHOTO")}
	must(t, s.CreateAgentChange(ctx, &ch))
	list, err := s.ListAgentChanges(ctx, a.ID, nil)
	must(t, err)
	if len(list) != 1 || !list[0].HasPhoto || string(list[0].Fields) != `{"bio":"CHANGE-BIO"}` {
		t.Fatalf("ListAgentChanges = %+v", list)
	}
	if none, _ := s.ListAgentChanges(ctx, a.ID, []string{}); len(none) != 0 {
		t.Fatalf("an empty scope lists %d changes", len(none))
	}
	must(t, s.DeleteAgent(ctx, a.ID, ag.ID))
	_, err = s.AgentPhotoByKey(ctx, second.Key)
	wantNotFound(t, "a deleted agent's photo", err)
	_, err = s.GetAgentChange(ctx, a.ID, ch.ID)
	wantNotFound(t, "a deleted agent's change", err)
	if b := fileBytes(t, s); b != nil {
		for _, gone := range []string{"PHOTO-BYTES-TWO", "PENDING-PHOTO", "CHANGE-BIO"} {
			if strings.Contains(string(b), gone) {
				t.Errorf("%s is still in the database file", gone)
			}
		}
	}
}

// Responses page newest first through a cursor: each page starts after
// the last of the one before, nothing twice, nothing left out.
func testResponsesPaging(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	want := map[string]bool{}
	for range 7 {
		_, _, r := chain(t, s, a.ID, "anna@example.org", "")
		want[r.ID] = true
	}
	seen := map[string]bool{}
	var cur *Cursor
	for pages := 0; ; pages++ {
		list, err := s.ListResponses(ctx, a.ID, ResponseFilter{Limit: 3, Before: cur})
		must(t, err)
		for _, r := range list {
			if seen[r.ID] {
				t.Fatalf("%s listed twice", r.ID)
			}
			seen[r.ID] = true
		}
		if len(list) < 3 {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
		last := list[len(list)-1]
		cur = &Cursor{At: last.CreatedAt, ID: last.ID}
	}
	if len(seen) != len(want) {
		t.Fatalf("paged through %d of %d responses", len(seen), len(want))
	}
}

// The audit log pages newest first through a cursor, events of the same
// instant included: each page starts after the last of the one before,
// nothing twice, nothing left out, no other tenant's.
func testAuditPaging(t *testing.T, s *Store, c *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var order []string // newest first
	for i := range 8 {
		// Pairs share an instant: the id decides their order.
		c.Set(at.Add(time.Duration(i/2) * time.Second))
		e := plaudit.AuditEvent{TenantID: a.ID, Actor: "key:k", Action: "agent.update", Target: fmt.Sprint(i)}
		must(t, s.AddAudit(ctx, &e))
		order = append(order, e.ID)
	}
	must(t, s.AddAudit(ctx, &plaudit.AuditEvent{TenantID: b.ID, Actor: "key:k", Action: "agent.update"}))
	var got []string
	var cur *Cursor
	for range 10 {
		list, err := s.ListAuditPage(ctx, a.ID, cur, 3)
		must(t, err)
		for _, e := range list {
			got = append(got, e.ID)
		}
		if len(list) < 3 {
			break
		}
		last := list[len(list)-1]
		cur = &Cursor{At: last.CreatedAt, ID: last.ID}
	}
	if len(got) != len(order) {
		t.Fatalf("paged through %d events, want %d: %v", len(got), len(order), got)
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s listed twice", id)
		}
		seen[id] = true
	}
	for _, id := range order {
		if !seen[id] {
			t.Fatalf("%s left out", id)
		}
	}
	all, err := s.ListAuditPage(ctx, a.ID, nil, 100)
	must(t, err)
	for i := range all {
		if all[i].ID != got[i] {
			t.Fatalf("page order %v differs from the whole list's at %d", got, i)
		}
		if i > 0 && (all[i].CreatedAt.After(all[i-1].CreatedAt) ||
			all[i].CreatedAt.Equal(all[i-1].CreatedAt) && all[i].ID > all[i-1].ID) {
			t.Fatalf("not newest first at %d", i)
		}
	}
}
