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

// respond stores a response of score to agent on ticket, as if the
// customer had answered.
func (s *consoleSite) respond(tenantID, agentID, ticket string, score int, comment string) plaudit.Response {
	s.t.Helper()
	ctx := s.t.Context()
	in := plaudit.Interaction{TenantID: tenantID, Source: "api", DedupKey: ticket, ExternalID: ticket, Event: plaudit.EventSolved}
	if _, err := s.store.InsertInteraction(ctx, &in); err != nil {
		s.t.Fatal(err)
	}
	req := plaudit.FeedbackRequest{TenantID: tenantID, InteractionID: in.ID, AgentID: agentID, TicketID: ticket,
		Channel: plaudit.ChannelEmail, Recipient: "anna@example.org", Language: "en", Status: plaudit.RequestScheduled,
		DueAt: time.Now(), Token: keyring.Token(24)}
	if _, err := s.store.CreateRequest(ctx, &req); err != nil {
		s.t.Fatal(err)
	}
	r := plaudit.Response{TenantID: tenantID, RequestID: req.ID, AgentID: agentID, TicketID: ticket, Score: score, Comment: comment, Source: "page"}
	if _, err := s.store.CreateResponse(ctx, &r); err != nil {
		s.t.Fatal(err)
	}
	return r
}

// Responses in the console: a lead sees their team's, filters narrow the
// list, and an admin excludes one from its agent's figures with a reason
// and a note (the API's exclusion, audited), and counts it again.
func TestConsoleResponses(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin", "lea@nordlicht.example": "lead:Berlin"})
	agent := func(email, team string) string {
		var a struct{ ID string }
		site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": email, "name": email[:4], "team": team}}, 201).decode(t, &a)
		return a.ID
	}
	berlin, hamburg := agent("max@nordlicht.example", "Berlin"), agent("olaf@nordlicht.example", "Hamburg")
	r1 := site.respond(tn.ID, berlin, "T-1", 2, "The product broke, not his fault")
	site.respond(tn.ID, berlin, "T-2", 5, "Quick and kind")
	r3 := site.respond(tn.ID, hamburg, "T-3", 4, "Fine from Hamburg")

	lead := site.browser()
	lead.signIn("lea@nordlicht.example")
	p := lead.get("/console/responses")
	if p.status != 200 || !strings.Contains(p.body, "Quick and kind") || strings.Contains(p.body, "Fine from Hamburg") || strings.Contains(p.body, "Reason to exclude") {
		t.Fatalf("the lead's responses: %d %s", p.status, p.body)
	}
	// The link in a helpdesk's note opens one response, in the reader's scope.
	if p := lead.get("/console/responses/" + r1.ID); p.status != 200 || !strings.Contains(p.body, "The product broke") || strings.Contains(p.body, "Quick and kind") {
		t.Fatalf("the lead's own team's response: %d %s", p.status, p.body)
	}
	if p := lead.get("/console/responses/" + r3.ID); p.status != 404 || strings.Contains(p.body, "Fine from Hamburg") {
		t.Fatalf("another team's response: %d", p.status)
	}
	if p := site.browser().get("/console/responses/" + r1.ID); p.status != 303 || !strings.HasPrefix(p.location, "/console/login") {
		t.Fatalf("signed out: %d %q", p.status, p.location)
	}
	if p := lead.post("/console/responses/"+r1.ID+"/exclusion", url.Values{"reason": {plaudit.ExcludeOther}}); p.status != 403 {
		t.Fatalf("a lead excluding: %d", p.status)
	}

	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	if p := admin.get("/console/responses?ticket=T-3"); !strings.Contains(p.body, "Fine from Hamburg") || strings.Contains(p.body, "Quick and kind") {
		t.Fatalf("filtered by ticket: %s", p.body)
	}
	if p := admin.get("/console/responses?since=yesterday"); p.status != 400 || !strings.Contains(p.body, `id="e-since"`) {
		t.Fatalf("a bad date: %d", p.status)
	}
	admin.get("/console/responses")
	if p := admin.post("/console/responses/"+r1.ID+"/exclusion", url.Values{"reason": {" "}}); p.status != 400 || !strings.Contains(p.body, "reason must be one of") {
		t.Fatalf("excluding without a reason: %d %s", p.status, p.body)
	}
	if p := admin.post("/console/responses/"+r1.ID+"/exclusion", url.Values{"reason": {plaudit.ExcludeNotAboutAgent}, "note": {"About the product"}}); p.status != 303 {
		t.Fatalf("exclude: %d %s", p.status, p.body)
	}
	var list struct {
		Data []struct {
			ID        string
			Exclusion *plaudit.Exclusion
		}
	}
	site.do(call{method: "GET", path: "/api/v1/responses?ticket=T-1", key: key}, 200).decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Exclusion == nil || list.Data[0].Exclusion.Reason != plaudit.ExcludeNotAboutAgent || list.Data[0].Exclusion.Note != "About the product" {
		t.Fatalf("the API shows %+v", list.Data)
	}
	if p := admin.get("/console/responses?ticket=T-1"); !strings.Contains(p.body, "About the product") {
		t.Fatalf("the console does not show the exclusion's note: %s", p.body)
	}
	if p := admin.get("/console/audit"); !regexp.MustCompile(`response\.exclude</td><td><code>`+r1.ID).MatchString(p.body) || strings.Contains(p.body, "About the product") {
		t.Fatalf("the exclusion is not audited, or its text is in the audit log")
	}
	admin.get("/console/responses")
	if p := admin.post("/console/responses/"+r1.ID+"/exclusion", url.Values{"include": {"1"}}); p.status != 303 {
		t.Fatalf("include: %d", p.status)
	}
	list.Data = nil
	site.do(call{method: "GET", path: "/api/v1/responses?ticket=T-1", key: key}, 200).decode(t, &list)
	if list.Data[0].Exclusion != nil {
		t.Fatalf("still excluded: %+v", list.Data)
	}
}
