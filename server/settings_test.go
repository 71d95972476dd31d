package server_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// A tenant admin's settings are bounded and plain: a list of 20,000
// suppression tags, a brand name with a line break (a From header of the
// admin's making) or a test recipient that is no address are refused
// with the field named, and the settings stay as they were.
func TestTenantSettingsAreBoundedAndPlain(t *testing.T) {
	h := newAPIHarness(t)
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, valid: true, json: map[string]any{
		"name": "Nordlicht Reisen", "settings": map[string]any{"brand_name": "Nordlicht", "default_region": "DE"}}}, 201)
	var created struct {
		APIKey string `json:"api_key"`
	}
	r.decode(t, &created)
	admin := created.APIKey
	settings := func() []byte {
		t.Helper()
		return h.do(call{method: "GET", path: "/api/v1/tenant", key: admin}, 200).body
	}
	before := settings()

	manyTags := make([]string, 20000)
	for i := range manyTags {
		manyTags[i] = fmt.Sprintf("tag_%d", i)
	}
	for _, tc := range []struct {
		field string
		value any
	}{
		{"suppression_tags", manyTags},
		{"suppression_tags", []string{"no_survey", "vip\r\nX-Injected: 1"}},
		{"suppression_tags", []string{""}},
		{"suppression_tags", []string{strings.Repeat("t", 101)}},
		{"channels", []string{"email", "sms", "email"}},
		{"brand_name", "Nordlicht\r\nBcc: all@victims.example"},
		{"brand_name", strings.Repeat("N", 101)},
		{"brand_name", "Nordlicht\u202egnp.exe"},
		{"from_name", "Nordlicht\nReisen"},
		{"from_name", "Nord\x00licht"},
		{"test_recipient", "not an address"},
		{"test_recipient", "https://evil.example/claim"},
		{"test_recipient", strings.Repeat("a", 250) + "@example.org"},
		{"logo_url", "https://nordlicht.example/" + strings.Repeat("l", 2048)},
		{"privacy_url", "https://nordlicht.example/" + strings.Repeat("p", 2048)},
		{"from_email", "Nordlicht <feedback@nordlicht.example>"},
	} {
		r := h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin,
			json: map[string]any{"settings": map[string]any{tc.field: tc.value}}}, 400)
		wantMessage(t, r, "settings."+tc.field)
	}
	r = h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, json: map[string]any{"name": "Nordlicht\r\nReisen"}}, 400)
	wantMessage(t, r, "name")
	if after := settings(); !bytes.Equal(after, before) {
		t.Errorf("refused changes changed the tenant:\n%s\n%s", before, after)
	}

	// Within the bounds: 100 tags, 100 characters (not bytes) of a name,
	// a test recipient by email or by phone (national, in default_region).
	tags := manyTags[:plaudit.MaxSuppressionTags]
	for _, v := range []map[string]any{
		{"suppression_tags": tags, "brand_name": strings.Repeat("Ü", 100), "test_recipient": "qa@nordlicht.example"},
		{"test_recipient": "030 901820", "from_name": "Nordlicht Reisen – Kundendienst"},
		{"test_recipient": "+4930901820", "from_email": "feedback@nordlicht.example"},
	} {
		h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, valid: true, json: map[string]any{"settings": v}}, 200)
	}
}

// openapi.json states the bounds that Settings.Validate enforces, so a
// client that validates against the document is refused nothing more.
func TestOpenAPIStatesTheSettingsBounds(t *testing.T) {
	props := loadOpenAPI(t).Components.Schemas["SettingsInput"].Value.Properties
	maxLen := func(field string) uint64 {
		if m := props[field].Value.MaxLength; m != nil {
			return *m
		}
		return 0
	}
	for field, want := range map[string]int{
		"brand_name": plaudit.MaxSettingName, "from_name": plaudit.MaxSettingName,
		"logo_url": plaudit.MaxSettingURL, "privacy_url": plaudit.MaxSettingURL,
		"from_email": plaudit.MaxSettingAddress, "test_recipient": plaudit.MaxSettingAddress,
	} {
		if got := maxLen(field); got != uint64(want) {
			t.Errorf("%s: maxLength %d, want %d", field, got, want)
		}
	}
	tags := props["suppression_tags"].Value
	if m := tags.MaxItems; m == nil || *m != plaudit.MaxSuppressionTags {
		t.Errorf("suppression_tags: maxItems %v, want %d", m, plaudit.MaxSuppressionTags)
	}
	if m := tags.Items.Value.MaxLength; m == nil || *m != plaudit.MaxSuppressionTag {
		t.Errorf("suppression_tags: items' maxLength %v, want %d", m, plaudit.MaxSuppressionTag)
	}
	if ch := props["channels"].Value; !ch.UniqueItems || ch.MaxItems == nil || *ch.MaxItems != 2 {
		t.Errorf("channels: uniqueItems %v, maxItems %v", ch.UniqueItems, ch.MaxItems)
	}
}
