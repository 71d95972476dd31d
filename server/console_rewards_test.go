package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// earn stores a response of agent on ticket made while the agent was in
// team, whose customer offered a reward, as the feedback page records it.
func (s *consoleSite) earn(tenantID, agentID, team, ticket string) plaudit.Reward {
	s.t.Helper()
	ctx := s.t.Context()
	in := plaudit.Interaction{TenantID: tenantID, Source: "api", DedupKey: ticket, ExternalID: ticket, Event: plaudit.EventSolved}
	if _, err := s.store.InsertInteraction(ctx, &in); err != nil {
		s.t.Fatal(err)
	}
	req := plaudit.FeedbackRequest{TenantID: tenantID, InteractionID: in.ID, AgentID: agentID, Team: team, TicketID: ticket,
		Channel: plaudit.ChannelEmail, Recipient: "anna@example.org", Language: "en", Status: plaudit.RequestScheduled,
		DueAt: time.Now(), Token: keyring.Token(24)}
	if _, err := s.store.CreateRequest(ctx, &req); err != nil {
		s.t.Fatal(err)
	}
	r := plaudit.Response{TenantID: tenantID, RequestID: req.ID, AgentID: agentID, TicketID: ticket, Score: 5, Source: "page"}
	if _, err := s.store.CreateResponse(ctx, &r); err != nil {
		s.t.Fatal(err)
	}
	w, _, err := s.store.EarnReward(ctx, r)
	if err != nil {
		s.t.Fatal(err)
	}
	return w
}

// A lead sees their team's rewards (not another team's) and marks one
// fulfilled, audited as through the API; another team's reward is not
// theirs to fulfil; an agent user has no rewards page.
func TestConsoleRewards(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin",
		"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	agent := func(email, name, team string) string {
		var a struct{ ID string }
		site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": email, "name": name, "team": team}}, 201).decode(t, &a)
		return a.ID
	}
	berlin, hamburg := agent("max@nordlicht.example", "Max Berlin", "Berlin"), agent("olaf@nordlicht.example", "Olaf Hamburg", "Hamburg")
	ours := site.earn(tn.ID, berlin, "Berlin", "T-1")
	theirs := site.earn(tn.ID, hamburg, "Hamburg", "T-2")

	lea := site.browser()
	lea.signIn("lea@nordlicht.example")
	p := lea.get("/console/rewards")
	if p.status != 200 || !strings.Contains(p.body, "Max Berlin") || strings.Contains(p.body, "Olaf Hamburg") ||
		!strings.Contains(p.body, `action="/console/rewards/`+ours.ID+`/fulfil"`) {
		t.Fatalf("the lead's rewards: %d %s", p.status, p.body)
	}
	if p := lea.post("/console/rewards/"+theirs.ID+"/fulfil", url.Values{}); p.status != 404 {
		t.Fatalf("a lead fulfilling another team's reward: %d", p.status)
	}
	if p := lea.post("/console/rewards/"+ours.ID+"/fulfil", url.Values{}); p.status != 303 || p.location != "/console/rewards?fulfilled=1" {
		t.Fatalf("fulfil: %d %s", p.status, p.body)
	}
	if p := lea.post("/console/rewards/"+ours.ID+"/fulfil", url.Values{}); p.status != 409 || !strings.Contains(p.body, "fulfilled already") {
		t.Fatalf("fulfilling twice: %d %s", p.status, p.body)
	}
	if p := lea.get("/console/rewards?status=fulfilled"); !regexp.MustCompile(`Max Berlin</td><td>Berlin</td>(?s:.*)badge ok">fulfilled`).MatchString(p.body) {
		t.Fatalf("the fulfilled reward: %s", p.body)
	}
	if p := lea.get("/console/teams"); p.status != 403 {
		t.Errorf("a lead at the teams page: %d", p.status)
	}

	// Through the API: fulfilled by the lead, audited as reward.fulfil;
	// Hamburg's is still earned.
	var list struct{ Data []plaudit.Reward }
	site.do(call{method: "GET", path: "/api/v1/rewards", key: key}, 200).decode(t, &list)
	status := map[string]string{}
	for _, w := range list.Data {
		status[w.ID] = w.Status + " " + w.FulfilledBy
	}
	if !strings.HasPrefix(status[ours.ID], "fulfilled user:") || status[theirs.ID] != "earned " {
		t.Fatalf("rewards through the API: %v", status)
	}
	var audit struct{ Data []plaudit.AuditEvent }
	site.do(call{method: "GET", path: "/api/v1/audit-events", key: key}, 200).decode(t, &audit)
	if a := audit.Data[0]; a.Action != "reward.fulfil" || a.Target != ours.ID || a.Detail != "agent="+berlin || !strings.HasPrefix(a.Actor, "user:") {
		t.Errorf("audit %+v", a)
	}

	max := site.browser()
	max.signIn("max@nordlicht.example")
	if p := max.get("/console/rewards"); p.status != 403 {
		t.Errorf("an agent at the rewards page: %d", p.status)
	}
	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	if p := admin.get("/console/rewards"); p.status != 200 || !strings.Contains(p.body, "Olaf Hamburg") || !strings.Contains(p.body, "Max Berlin") {
		t.Errorf("the admin's rewards: %d %s", p.status, p.body)
	}
}

// Through the API with a console session, a lead lists their own team's
// rewards only and is refused another team's filter; an agent user is
// refused.
func TestRewardsAPILeadScope(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	var a struct{ ID string }
	site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": "olaf@nordlicht.example", "name": "Olaf", "team": "Hamburg"}}, 201).decode(t, &a)
	site.earn(tn.ID, a.ID, "Hamburg", "T-1")
	lea := site.browser()
	lea.signIn("lea@nordlicht.example")
	if p := lea.api("GET", "/api/v1/rewards", ""); p.status != 200 || strings.TrimSpace(p.body) != `{"data":[]}` {
		t.Errorf("a lead's rewards: %d %s", p.status, p.body)
	}
	if p := lea.api("GET", "/api/v1/rewards?team=Hamburg", ""); p.status != 403 {
		t.Errorf("a lead asking for another team: %d", p.status)
	}
	max := site.browser()
	max.signIn("max@nordlicht.example")
	if p := max.api("GET", "/api/v1/rewards", ""); p.status != 403 {
		t.Errorf("an agent user's rewards: %d", p.status)
	}
}
