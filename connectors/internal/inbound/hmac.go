package inbound

import (
	"crypto/hmac"
	"hash"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// MatchHMAC reports whether got is the HMAC (made with newHash) of the
// concatenated parts under any of the secrets, compared in constant time.
// Several secrets carry a rotation: the current one and the previous one
// both verify until the previous one is dropped. Empty secrets are
// skipped, so that an unset previous secret verifies nothing.
func MatchHMAC(newHash func() hash.Hash, secrets [][]byte, got []byte, parts ...[]byte) bool {
	ok := false
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		mac := hmac.New(newHash, s)
		for _, p := range parts {
			mac.Write(p)
		}
		// No early return: every secret is tried, so the time taken does
		// not tell which one matched.
		if hmac.Equal(got, mac.Sum(nil)) {
			ok = true
		}
	}
	return ok
}

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

// ReceivedAt is the receiving clock of a delivery, or now when the
// delivery does not say (tools that call a driver directly).
func ReceivedAt(d plaudit.Delivery) time.Time {
	if d.Now.IsZero() {
		return time.Now()
	}
	return d.Now
}
