package notify

import (
	"strings"
	"testing"
)

func TestGSM7Segments(t *testing.T) {
	cases := []struct {
		name string
		s    string
		want int
	}{
		{"empty", "", 0},
		{"short", "Hello", 1},
		{"160 basic", strings.Repeat("a", 160), 1},
		{"161 basic", strings.Repeat("a", 161), 2},
		{"306 basic", strings.Repeat("a", 306), 2},
		{"307 basic", strings.Repeat("a", 307), 3},
		{"umlauts are basic", strings.Repeat("äöüßÄÖÜé", 20), 1},
		{"extension counts twice", strings.Repeat("€", 80), 1},
		{"extension over", strings.Repeat("€", 81), 2},
		// 152 septets, then an escape pair that must not be split
		{"extension not split", strings.Repeat("a", 152) + "{" + strings.Repeat("a", 152), 3},
		{"en dash is UCS-2", "Reply 1–5", 1},
		{"70 UCS-2", "–" + strings.Repeat("a", 69), 1},
		{"71 UCS-2", "–" + strings.Repeat("a", 70), 2},
		{"134 UCS-2", "–" + strings.Repeat("a", 133), 2},
		{"135 UCS-2", "–" + strings.Repeat("a", 134), 3},
		{"curly quote", "don’t", 1},
		{"emoji is two units", strings.Repeat("😀", 35), 1},
		{"emoji over", strings.Repeat("😀", 36), 2},
	}
	for _, tc := range cases {
		if got := GSM7Segments(tc.s); got != tc.want {
			t.Errorf("%s: GSM7Segments = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestIsGSM7(t *testing.T) {
	for _, s := range []string{"Acme: How did Max do? Reply 1-5 (5=great)", "Grüße, Jürgen! ¿Qué?", "[{~^|}]€\\", "@£$¥"} {
		if !IsGSM7(s) {
			t.Errorf("%q should be GSM-7", s)
		}
	}
	for _, s := range []string{"1–5", "“quoted”", "don’t", "Zoë", "Łukasz", "…"} {
		if IsGSM7(s) {
			t.Errorf("%q should not be GSM-7", s)
		}
	}
}
