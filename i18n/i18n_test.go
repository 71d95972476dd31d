package i18n

import (
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// messages parses each embedded locales/*.toml on its own: language, then
// id, then message.
func messages() (map[string]map[string]*goi18n.Message, error) {
	files, err := fs.Glob(locales, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]*goi18n.Message{}
	for _, f := range files {
		b, err := locales.ReadFile(f)
		if err != nil {
			return nil, err
		}
		mf, err := goi18n.ParseMessageFileBytes(b, f, map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal})
		if err != nil {
			return nil, err
		}
		byID := map[string]*goi18n.Message{}
		for _, m := range mf.Messages {
			byID[m.ID] = m
		}
		out[mf.Tag.String()] = byID
	}
	return out, nil
}

// ids lists the ids of lang's file, sorted.
func ids(lang string) ([]string, error) {
	all, err := messages()
	if err != nil {
		return nil, err
	}
	var out []string
	for id := range all[lang] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

func mustMessages(t *testing.T) map[string]map[string]*goi18n.Message {
	t.Helper()
	all, err := messages()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestFilesParse: every file parses into a bundle, is named by a language
// tag, and every text has its "other" form.
func TestFilesParse(t *testing.T) {
	if _, err := load(locales); err != nil {
		t.Fatal(err)
	}
	all := mustMessages(t)
	if len(all) < 2 {
		t.Fatalf("%d language files, want en and at least one more", len(all))
	}
	files, _ := fs.Glob(locales, "locales/*.toml")
	for _, f := range files {
		if lang := strings.TrimSuffix(path.Base(f), ".toml"); all[lang] == nil {
			t.Errorf("%s: the file name is not a language tag (parsed as %v)", f, slices.Sorted(maps.Keys(all)))
		}
	}
	for lang, msgs := range all {
		if len(msgs) == 0 {
			t.Errorf("%s: no texts", lang)
		}
		for id, m := range msgs {
			if strings.TrimSpace(m.Other) == "" {
				t.Errorf("%s: %s has no text (other)", lang, id)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// placeholders lists the template data a message uses, in all its forms.
func placeholders(m *goi18n.Message) []string {
	var out []string
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, p := range placeholder.FindAllStringSubmatch(s, -1) {
			if !slices.Contains(out, p[1]) {
				out = append(out, p[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestNoDrift: every language has exactly the ids English has, and each
// text fills in the same data, so that no channel falls back to English or
// loses the brand in one language.
func TestNoDrift(t *testing.T) {
	all := mustMessages(t)
	en := all[Default]
	for lang, msgs := range all {
		if lang == Default {
			continue
		}
		for id, m := range en {
			tr, ok := msgs[id]
			if !ok {
				t.Errorf("%s lacks %s", lang, id)
				continue
			}
			if got, want := placeholders(tr), placeholders(m); !slices.Equal(got, want) {
				t.Errorf("%s: %s fills in %v, en fills in %v", lang, id, got, want)
			}
		}
		for id := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %s, which en lacks", lang, id)
			}
		}
	}
}

// TestScoreWordsAgree: the texts that explain the scale name score 1 and
// score 5 by their labels, so that "5 = great" under the buttons is the
// "Great" on the button.
func TestScoreWordsAgree(t *testing.T) {
	for _, lang := range Languages() {
		worst, best := strings.ToLower(T(lang, "score.1", nil)), strings.ToLower(T(lang, "score.5", nil))
		for _, id := range []string{"email.scale", "page.scale", "sms.unparsed"} {
			s := strings.ToLower(T(lang, id, nil))
			if !strings.Contains(s, worst) || !strings.Contains(s, best) {
				t.Errorf("%s: %s = %q does not name score 1 (%q) and 5 (%q)", lang, id, s, worst, best)
			}
		}
		for _, id := range []string{"sms.tail.1", "sms.tail.2"} {
			if s := strings.ToLower(T(lang, id, map[string]any{"Link": "L"})); !strings.Contains(s, "5="+best) {
				t.Errorf("%s: %s = %q does not say 5=%s", lang, id, s, best)
			}
		}
	}
}

func TestLanguages(t *testing.T) {
	got := Languages()
	if len(got) < 2 || got[0] != Default || !slices.Contains(got, "de") {
		t.Errorf("Languages() = %v, want en first, then de and any others", got)
	}
}

// testBundle is a catalog in which German lacks a text.
func testBundle(t *testing.T) *goi18n.Bundle {
	t.Helper()
	b, err := load(fstest.MapFS{
		"locales/en.toml": {Data: []byte(`
only_en = "Only in English"
greeting = "Hi {{.Name}}"

[files]
one = "{{.Count}} file"
other = "{{.Count}} files"
`)},
		"locales/de.toml": {Data: []byte(`
greeting = "Hallo {{.Name}}"

[files]
one = "{{.Count}} Datei"
other = "{{.Count}} Dateien"
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFallback: a language without a file and a text missing from a
// language's file come out in English; a locale finds its language; an id
// that no file has is returned as is.
func TestFallback(t *testing.T) {
	for _, lang := range []string{"xx", "", "ja", "not a tag"} {
		if got, want := T(lang, "score.5", nil), T("en", "score.5", nil); got != want {
			t.Errorf("T(%q, score.5) = %q, want English %q", lang, got, want)
		}
	}
	if got, want := T("de-AT", "score.5", nil), T("de", "score.5", nil); got != want || got == T("en", "score.5", nil) {
		t.Errorf("T(de-AT, score.5) = %q, want German %q", got, want)
	}
	for _, lang := range []string{"en", "de", "xx"} {
		if got := T(lang, "no.such.text", nil); got != "no.such.text" {
			t.Errorf("T(%q, unknown id) = %q, want the id", lang, got)
		}
	}
	b := testBundle(t)
	if got := localize(b, "de", "only_en", nil); got != "Only in English" {
		t.Errorf("text missing in de = %q, want the English text", got)
	}
	if got := localize(b, "de", "greeting", map[string]any{"Name": "Anna"}); got != "Hallo Anna" {
		t.Errorf("greeting = %q", got)
	}
}

// TestPlural: a Count in the data picks the language's plural form.
func TestPlural(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		lang  string
		count any
		want  string
	}{
		{"en", 1, "1 file"}, {"en", 2, "2 files"}, {"en", 0, "0 files"},
		{"de", 1, "1 Datei"}, {"de", 5, "5 Dateien"},
	} {
		if got := localize(b, tc.lang, "files", map[string]any{"Count": tc.count}); got != tc.want {
			t.Errorf("%s, Count %v: %q, want %q", tc.lang, tc.count, got, tc.want)
		}
	}
}
