package inbound

import (
	"crypto/hmac"
	"hash"
)

// HMAC is the HMAC (made with newHash) of the concatenated parts under
// secret: what a helpdesk signs a delivery with.
func HMAC(newHash func() hash.Hash, secret []byte, parts ...[]byte) []byte {
	mac := hmac.New(newHash, secret)
	for _, p := range parts {
		mac.Write(p)
	}
	return mac.Sum(nil)
}

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
		// No early return: every secret is tried, so the time taken does
		// not tell which one matched.
		if hmac.Equal(got, HMAC(newHash, s, parts...)) {
			ok = true
		}
	}
	return ok
}
