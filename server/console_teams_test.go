package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

const slackHook = "https://hooks.slack.com/services/T000/B000/s3cretPart"

// An admin adds, edits and deletes a team in the console and the API sees
// each change; a bad webhook URL is refused next to its field and saves
// nothing; a saved webhook URL is never shown back in full; a lead cannot
// open the teams pages.
func TestConsoleTeams(t *testing.T) {
	site := newConsoleSite(t)
	key, _ := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin", "lea@nordlicht.example": "lead:Berlin"})
	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	admin.get("/console/teams")
	form := url.Values{"name": {"München"}, "lead_emails": {"lea@nordlicht.example\nmia@nordlicht.example"},
		"slack_webhook_url": {"ftp://hooks.example/x"}, "teams_webhook_url": {""}, "praise_min_score": {"4"}, "alert_max_score": {"1"}}
	p := admin.post("/console/teams", form)
	if p.status != 400 || !regexp.MustCompile(`id="e-slack_webhook_url"><strong>Error:</strong> slack_webhook_url must be an http\(s\) URL`).MatchString(p.body) {
		t.Fatalf("a bad webhook URL: %d %s", p.status, p.body)
	}
	if !strings.Contains(p.body, "mia@nordlicht.example") {
		t.Errorf("the refused form lost what was typed: %s", p.body)
	}
	if len(apiTeams(site, key)) != 2 {
		t.Fatalf("a refused team was saved: %+v", apiTeams(site, key))
	}
	form.Set("slack_webhook_url", slackHook)
	if p := admin.post("/console/teams", form); p.status != 303 || p.location != "/console/teams?added=1" {
		t.Fatalf("add team: %d %s", p.status, p.body)
	}
	mu := apiTeam(site, key, "München")
	if mu.SlackWebhookURL != "https://hooks.slack.com/…" || mu.TeamsWebhookURL != "" || mu.PraiseMinScore != 4 || mu.AlertMaxScore != 1 ||
		strings.Join(mu.LeadEmails, ",") != "lea@nordlicht.example,mia@nordlicht.example" {
		t.Fatalf("the team through the API: %+v", mu)
	}
	for _, path := range []string{"/console/teams", "/console/teams/" + mu.ID} {
		if p := admin.get(path); p.status != 200 || !strings.Contains(p.body, "München") || strings.Contains(p.body, "s3cretPart") {
			t.Fatalf("%s shows the saved webhook URL or not the team: %d %s", path, p.status, p.body)
		}
	}

	// An edit that leaves the webhook empty keeps it; a new name and
	// thresholds are saved.
	edit := url.Values{"name": {"Munich"}, "lead_emails": {"mia@nordlicht.example"}, "slack_webhook_url": {""}, "teams_webhook_url": {""},
		"praise_min_score": {"5"}, "alert_max_score": {"2"}}
	if p := admin.post("/console/teams/"+mu.ID, edit); p.status != 303 {
		t.Fatalf("edit: %d %s", p.status, p.body)
	}
	mu = apiTeam(site, key, "Munich")
	if mu.SlackWebhookURL != "https://hooks.slack.com/…" || strings.Join(mu.LeadEmails, ",") != "mia@nordlicht.example" || mu.PraiseMinScore != 5 {
		t.Fatalf("after the edit: %+v", mu)
	}
	edit.Set("alert_max_score", "9")
	edit.Set("clear_slack_webhook_url", "yes")
	if p := admin.post("/console/teams/"+mu.ID, edit); p.status != 400 || !strings.Contains(p.body, `id="e-alert_max_score"`) {
		t.Fatalf("a bad threshold: %d %s", p.status, p.body)
	}
	if apiTeam(site, key, "Munich").SlackWebhookURL == "" {
		t.Fatal("a refused edit removed the webhook")
	}
	edit.Set("alert_max_score", "2")
	if p := admin.post("/console/teams/"+mu.ID, edit); p.status != 303 {
		t.Fatalf("remove the webhook: %d %s", p.status, p.body)
	}
	if got := apiTeam(site, key, "Munich").SlackWebhookURL; got != "" {
		t.Fatalf("the webhook after ticking remove: %q", got)
	}

	lea := site.browser()
	lea.signIn("lea@nordlicht.example")
	for _, path := range []string{"/console/teams", "/console/teams/" + mu.ID} {
		if p := lea.get(path); p.status != 403 {
			t.Errorf("a lead at %s: %d", path, p.status)
		}
	}
	if p := lea.post("/console/teams/"+mu.ID+"/delete", url.Values{}); p.status != 403 {
		t.Errorf("a lead deleting a team: %d", p.status)
	}

	if p := admin.post("/console/teams/"+mu.ID+"/delete", url.Values{}); p.status != 303 {
		t.Fatalf("delete: %d %s", p.status, p.body)
	}
	site.do(call{method: "GET", path: "/api/v1/teams/" + mu.ID, key: key}, 404)
	var audit struct{ Data []plaudit.AuditEvent }
	site.do(call{method: "GET", path: "/api/v1/audit-events", key: key}, 200).decode(t, &audit)
	var actions []string
	for _, a := range audit.Data {
		if a.Target == mu.ID {
			actions = append(actions, a.Action+" "+a.Detail)
		}
	}
	if got := strings.Join(actions, "; "); !strings.Contains(got, "team.delete") || !strings.Contains(got, "team.update fields=alert_max_score,lead_emails,name,praise_min_score,slack_webhook_url") ||
		!strings.Contains(got, "team.create") || strings.Contains(got, "s3cret") {
		t.Errorf("audit of the team: %s", got)
	}
}

type apiTeamView struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	SlackWebhookURL string   `json:"slack_webhook_url"`
	TeamsWebhookURL string   `json:"teams_webhook_url"`
	LeadEmails      []string `json:"lead_emails"`
	PraiseMinScore  int      `json:"praise_min_score"`
	AlertMaxScore   int      `json:"alert_max_score"`
}

func apiTeams(site *consoleSite, key string) []apiTeamView {
	var list struct{ Data []apiTeamView }
	site.do(call{method: "GET", path: "/api/v1/teams", key: key}, 200).decode(site.t, &list)
	return list.Data
}

func apiTeam(site *consoleSite, key, name string) apiTeamView {
	site.t.Helper()
	for _, tm := range apiTeams(site, key) {
		if tm.Name == name {
			return tm
		}
	}
	site.t.Fatalf("no team %q through the API", name)
	return apiTeamView{}
}
