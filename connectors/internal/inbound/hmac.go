package inbound

import (
	"crypto/hmac"
	"hash"
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
