package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var agentPageLink = regexp.MustCompile(`<a href="/console/agents/(agt_[A-Za-z0-9_-]+)">Max Muster</a>`)

// An admin adds an agent and uploads the photo in the console; the agent
// changes their own bio, which waits until their lead approves it; leads
// cannot add agents.
func TestConsoleAgentsAndApprovalQueue(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin",
		"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	admin.get("/console/agents")
	p := admin.post("/console/agents", url.Values{"name": {"Max Muster"}, "team": {"Berlin"}})
	if p.status != 400 || !strings.Contains(p.body, `id="e-email"`) || !strings.Contains(p.body, `value="Max Muster"`) {
		t.Fatalf("an agent without email: %d %s", p.status, p.body)
	}
	p = admin.post("/console/agents", url.Values{"email": {"max@nordlicht.example"}, "name": {"Max Muster"},
		"team": {"Berlin"}, "bio": {"Here to help."}, "external_ids": {"zendesk=372201"}})
	if p.status != 303 {
		t.Fatalf("add agent: %d %s", p.status, p.body)
	}
	list := admin.get("/console/agents")
	m := agentPageLink.FindStringSubmatch(list.body)
	if m == nil || !strings.Contains(list.body, "Max Muster</strong> (max@nordlicht.example) is not approved") {
		t.Fatalf("the list lacks the new, unapproved agent: %s", list.body)
	}
	id := m[1]
	admin.get("/console/agents/" + id)
	if p := admin.upload("/console/agents/"+id+"/photo", "photo", "notes.txt", []byte("just text")); p.status != 400 || !strings.Contains(p.body, `id="e-photo"`) {
		t.Fatalf("a text file as photo: %d %s", p.status, p.body)
	}
	if p := admin.upload("/console/agents/"+id+"/photo", "photo", "max.jpg", photoWithMetadata(t)); p.status != 303 {
		t.Fatalf("photo upload: %d %s", p.status, p.body)
	}
	if p := admin.get("/console/agents/" + id); !strings.Contains(p.body, `<img class="photo" src="/agent-photos/`) {
		t.Fatalf("the agent page shows no photo: %s", p.body)
	}

	lead := site.browser()
	lead.signIn("lea@nordlicht.example")
	lead.get("/console/agents")
	if p := lead.post("/console/agents", url.Values{"email": {"x@nordlicht.example"}, "name": {"X"}}); p.status != 403 {
		t.Fatalf("a lead adding an agent: %d", p.status)
	}
	if p := lead.post("/console/agents/"+id, url.Values{"approved": {"true"}, "back": {"list"}}); p.status != 303 {
		t.Fatalf("the lead approving: %d %s", p.status, p.body)
	}

	agent := site.browser()
	agent.signIn("max@nordlicht.example")
	if p := agent.get("/console/agents"); p.status != 303 || p.location != "/console/profile" {
		t.Fatalf("an agent at the agents page: %d to %q", p.status, p.location)
	}
	agent.get("/console/profile")
	if p := agent.post("/console/profile", url.Values{"name": {"Max Muster"}, "bio": {strings.Repeat("x", 141)}}); p.status != 400 || !strings.Contains(p.body, `id="e-bio"`) {
		t.Fatalf("a bio too long: %d %s", p.status, p.body)
	}
	if p := agent.post("/console/profile", url.Values{"name": {"Max Muster"}, "bio": {"Ask me about fjords."}, "hometown": {"Bergen"}}); p.status != 303 {
		t.Fatalf("the agent's change: %d %s", p.status, p.body)
	}
	if p := agent.get("/console/profile?pending=1"); !strings.Contains(p.body, "Sent for approval") || !strings.Contains(p.body, "“Ask me about fjords.”") {
		t.Fatalf("the profile does not show the waiting change: %s", p.body)
	}
	queue := lead.get("/console/agents")
	approve := regexp.MustCompile(`action="(/console/agent-changes/chg_[A-Za-z0-9_-]+/approve)"`).FindStringSubmatch(queue.body)
	if approve == nil {
		t.Fatalf("the lead's queue lacks the change: %s", queue.body)
	}
	if p := lead.post(approve[1], url.Values{}); p.status != 303 {
		t.Fatalf("approve: %d %s", p.status, p.body)
	}
	if p := admin.get("/console/agents/" + id); !strings.Contains(p.body, "Ask me about fjords.") || !strings.Contains(p.body, `value="Bergen"`) {
		t.Fatalf("after approval the agent is: %s", p.body)
	}
}
