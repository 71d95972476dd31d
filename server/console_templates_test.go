package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// The templates page previews the email, its text part and the SMS with
// its length, per language and with branding not yet saved; saving it
// goes through the settings' checks.
func TestConsoleTemplatesPreview(t *testing.T) {
	site := newConsoleSite(t)
	key, _ := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": "max@nordlicht.example", "name": "Max Muster"}}, 201)
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	p := b.get("/console/templates?lang=de&settings.brand_name=Nordlicht+Reisen")
	if p.status != 200 || !strings.Contains(p.body, "<pre>") || !strings.Contains(p.body, "Max") || !strings.Contains(p.body, "GSM-7") {
		t.Fatalf("preview: %d %s", p.status, p.body)
	}
	if !strings.Contains(p.body, `src="/console/templates/email?lang=de&amp;settings.brand_name=Nordlicht&#43;Reisen"`) {
		t.Errorf("the email frame does not preview the same values: %s", p.body)
	}
	if !strings.Contains(p.body, `characters, GSM-7, 1 segment`) {
		t.Errorf("the SMS length is not shown: %s", p.body)
	}
	frame := b.get("/console/templates/email?lang=de&settings.brand_name=Nordlicht+Reisen")
	if frame.status != 200 || !strings.Contains(frame.body, "Nordlicht Reisen") || !strings.Contains(frame.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("the email frame: %d %s", frame.status, frame.body)
	}
	en := b.get("/console/templates/email?lang=en")
	if en.body == frame.body {
		t.Error("German and English previews are the same")
	}
	if p := b.get("/console/templates?settings.brand_color=red"); p.status != 400 || !strings.Contains(p.body, `id="e-settings.brand_color"`) {
		t.Fatalf("a bad colour: %d", p.status)
	}
	b.get("/console/templates")
	if p := b.post("/console/settings", url.Values{"back": {"templates"}, "settings.brand_name": {"Nordlicht"}, "settings.brand_color": {"#0b6e4f"}}); p.status != 303 || p.location != "/console/templates?saved=1" {
		t.Fatalf("save: %d %q", p.status, p.location)
	}
	if p := b.get("/console/templates"); !strings.Contains(p.body, `value="#0b6e4f"`) {
		t.Fatalf("the saved colour is not shown")
	}
}
