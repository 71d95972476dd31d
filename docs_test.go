package plaudit_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// privacySections returns docs/privacy.md's English and German parts.
func privacySections(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("docs/privacy.md")
	if err != nil {
		t.Fatal(err)
	}
	en, de, ok := strings.Cut(string(b), "\n# Datenschutz und Datenlebenszyklus\n")
	if !ok {
		t.Fatal("docs/privacy.md has no German section (# Datenschutz und Datenlebenszyklus)")
	}
	return map[string]string{"en": en, "de": de}
}

// tableColumn is a `table.column` at the start of a markdown table row.
var tableColumn = regexp.MustCompile("(?m)^\\| `([a-z_]+\\.[a-z_]+)` \\|")

// TestPrivacyDocListsThePersonalData: both languages list exactly the
// columns store.PersonalData names, no more and no fewer, so that the
// page stays true when a column is added or removed.
func TestPrivacyDocListsThePersonalData(t *testing.T) {
	var want []string
	for _, f := range store.PersonalData {
		want = append(want, f.Table+"."+f.Column)
	}
	slices.Sort(want)
	for lang, text := range privacySections(t) {
		var got []string
		for _, m := range tableColumn.FindAllStringSubmatch(text, -1) {
			got = append(got, m[1])
		}
		slices.Sort(got)
		for _, c := range want {
			if !slices.Contains(got, c) {
				t.Errorf("%s: docs/privacy.md does not list %s, which holds personal data", lang, c)
			}
		}
		for _, c := range got {
			if !slices.Contains(want, c) {
				t.Errorf("%s: docs/privacy.md lists %s, which store.PersonalData does not", lang, c)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d rows for %d columns (listed twice?)", lang, len(got), len(want))
		}
	}
}

// TestPrivacyDocFacts: the retention default, the sub-processors and the
// endpoints the page tells people to use are the ones the code has.
func TestPrivacyDocFacts(t *testing.T) {
	days := plaudit.DefaultSettings().RetentionDays
	s := privacySections(t)
	for lang, want := range map[string][]string{
		"en": {fmt.Sprintf("(default: %d days)", days)},
		"de": {fmt.Sprintf("(Voreinstellung: %d Tage)", days)},
	} {
		for _, w := range append(want, "`retention_days`", "SendGrid", "Twilio", "Zendesk", "Salesforce", "`callback_url`",
			"/api/v1/data-subjects?email=", "/api/v1/data-subjects?phone=", "-X DELETE", "/api/v1/audit-events",
			"/api/v1/tenants/{id}", "keep_aggregates=true", "/api/v1/reports/scores", "audit: tenant deleted",
			"no-referrer", "secure_delete", "data_subject.erase", "Art. 21", "/u/{token}", "List-Unsubscribe-Post",
			"/api/v1/suppressions", "address_suppressed", "email_reply") {
			if !strings.Contains(s[lang], w) {
				t.Errorf("%s: docs/privacy.md does not say %q", lang, w)
			}
		}
	}
}
