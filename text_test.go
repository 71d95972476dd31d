package plaudit

import (
	"strings"
	"testing"
)

func TestCheckAndCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"Anna Schneider": "Anna Schneider",
		"Anna\x00":       "Anna",
		"A\x07n\x1bna":   "Anna",
		"Ann\xffa":       "Anna",
		"Anna\u0085":     "Anna", // C1 NEL
		"Zoë ✓":          "Zoë ✓",
		"two\nlines":     "twolines",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
		if err := CheckText("customer.name", in); (err == nil) != (in == want) {
			t.Errorf("CheckText(%q) = %v", in, err)
		} else if err != nil && !strings.HasPrefix(ErrorMessage(err), "customer.name ") {
			t.Errorf("CheckText(%q): %q does not name the field", in, ErrorMessage(err))
		}
	}
	if got := CleanMultiline("Danke!\r\n\tSehr gut\x00\xfe"); got != "Danke!\r\n\tSehr gut" {
		t.Errorf("CleanMultiline kept %q", got)
	}
	if err := CheckMultiline("comment", "line one\nline two\ttab"); err != nil {
		t.Errorf("CheckMultiline refused line breaks: %v", err)
	}
	if err := CheckMultiline("comment", "x\x00"); ErrorCode(err) != EInvalid || !strings.HasPrefix(ErrorMessage(err), "comment ") {
		t.Errorf("CheckMultiline of a NUL: %v", err)
	}
}

func TestInteractionClean(t *testing.T) {
	in := Interaction{
		DedupKey: "k\x00", ExternalID: "73\x0021", Brand: "Nord\x00licht",
		Customer: Customer{Name: "Anna\x00", Email: "anna@example.org\x00"},
		Agent:    AgentRef{Name: "Jonas\x1b[31m"},
		Tags:     []string{"vip\x00", "\x00", "billing"},
	}
	in.Clean()
	if in.DedupKey != "k" || in.ExternalID != "7321" || in.Brand != "Nordlicht" || in.Customer.Name != "Anna" ||
		in.Customer.Email != "anna@example.org" || in.Agent.Name != "Jonas[31m" ||
		strings.Join(in.Tags, ",") != "vip,billing" {
		t.Errorf("cleaned: %+v", in)
	}
}

// FuzzCleanText checks that cleaned text is always accepted, that clean
// text is left as it is, and that cleaning twice changes nothing.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "Anna", "A\x00", "\xff\xfe", "a\nb\tc\r", "\u0085\u200b", "\x1b[0m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, m := CleanText(s), CleanMultiline(s)
		if CheckText("f", c) != nil || CheckMultiline("f", m) != nil {
			t.Fatalf("cleaned text refused: %q, %q", c, m)
		}
		if CleanText(c) != c || CleanMultiline(m) != m {
			t.Fatalf("cleaning is not idempotent: %q", s)
		}
		if CheckText("f", s) == nil && c != s {
			t.Fatalf("clean text changed: %q → %q", s, c)
		}
		if CheckMultiline("f", s) == nil && m != s {
			t.Fatalf("clean multi-line text changed: %q → %q", s, m)
		}
	})
}
