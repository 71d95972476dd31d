package inbound

import "unicode/utf8"

// Cut shortens s to at most n characters (runes).
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Token reports whether s is a non-empty run of ASCII letters, digits,
// '_' and '-': the shape of vendors' client ids and resource ids.
func Token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Limits on the tags kept from a delivery: helpdesks' own limits are far
// below them; they only bound what a broken body can put into the store.
const (
	MaxTags = 200
	MaxTag  = 100
)

// KeepTag appends tag to tags, trimmed, unless it is empty, longer than
// MaxTag characters, or tags already holds MaxTags.
func KeepTag(tags []string, tag String) []string {
	t := tag.Trim()
	if t == "" || utf8.RuneCountInString(t) > MaxTag || len(tags) >= MaxTags {
		return tags
	}
	return append(tags, t)
}
