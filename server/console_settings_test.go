package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// An admin changes settings and sending rules in the console, through the
// same checks as PATCH /api/v1/tenant; a wrong value is named next to its
// field and nothing is saved.
func TestConsoleSettings(t *testing.T) {
	site := newConsoleSite(t)
	key, _ := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin", "lea@nordlicht.example": "lead:Berlin"})
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	page := b.get("/console/settings")
	if page.status != 200 || !strings.Contains(page.body, `value="3600"`) {
		t.Fatalf("settings: %d %s", page.status, page.body)
	}
	p := b.post("/console/settings", url.Values{"name": {"Nordlicht"}, "settings.brand_color": {"blue-ish"}, "settings.brand_name": {"Nordlicht"}})
	if p.status != 400 || !strings.Contains(p.body, `id="e-settings.brand_color"`) || !strings.Contains(p.body, `value="blue-ish"`) {
		t.Fatalf("a bad colour: %d %s", p.status, p.body)
	}
	p = b.post("/console/settings", url.Values{"settings.delay_seconds": {"60"}, "settings.quiet_hours.start": {"25:00"},
		"settings.quiet_hours.end": {"07:00"}, "channels_sent": {"1"}, "settings.channels": {"email"}})
	if p.status != 400 || !strings.Contains(p.body, `id="e-settings.quiet_hours.start"`) {
		t.Fatalf("bad quiet hours: %d %s", p.status, p.body)
	}
	p = b.post("/console/settings", url.Values{"settings.delay_seconds": {"60"}, "settings.quiet_hours.start": {"22:00"},
		"settings.quiet_hours.end": {"07:00"}, "channels_sent": {"1"}, "settings.channels": {"email"},
		"settings.suppression_tags": {"no_survey, vip"}})
	if p.status != 303 {
		t.Fatalf("save rules: %d %s", p.status, p.body)
	}
	var tn struct {
		Name     string
		Settings struct {
			Delay      int    `json:"delay_seconds"`
			BrandColor string `json:"brand_color"`
			Channels   []string
			Tags       []string                    `json:"suppression_tags"`
			Quiet      struct{ Start, End string } `json:"quiet_hours"`
		}
	}
	site.do(call{method: "GET", path: "/api/v1/tenant", key: key}, 200).decode(t, &tn)
	if tn.Name != "Nordlicht Reisen" || tn.Settings.Delay != 60 || tn.Settings.BrandColor != "#2f6fed" ||
		strings.Join(tn.Settings.Channels, ",") != "email" || strings.Join(tn.Settings.Tags, ",") != "no_survey,vip" || tn.Settings.Quiet.Start != "22:00" {
		t.Fatalf("after the console's changes the API shows %+v", tn)
	}
	if p := b.post("/console/settings", url.Values{"oidc.issuer": {"http://id.example"}, "oidc.client_id": {"x"}, "oidc.client_secret": {"y"}}); p.status != 400 || !strings.Contains(p.body, `id="e-oidc.issuer"`) {
		t.Fatalf("an http issuer: %d %s", p.status, p.body)
	}
	lead := site.browser()
	lead.signIn("lea@nordlicht.example")
	if p := lead.get("/console/settings"); p.status != 403 {
		t.Fatalf("a lead at settings: %d", p.status)
	}
}
