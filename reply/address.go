package reply

import (
	"net/mail"
	"strings"
)

// TokenFromAddress returns the token of a reply address, "reply+{token}@"
// the inbound domain, and whether addr is one. The domain compares without
// regard to case (as DNS does); the token keeps its case, and must be made
// of the characters of URL-safe base64 (letters, digits, "-", "_"), so that
// nothing else a customer or a relay might write there passes for one.
// addr may carry a display name: "Nordlicht <reply+tok@reply.example>".
func TokenFromAddress(addr, domain string) (string, bool) {
	addr = strings.TrimSpace(addr)
	if strings.ContainsAny(addr, "<\"") {
		a, err := mail.ParseAddress(addr)
		if err != nil {
			return "", false
		}
		addr = a.Address
	}
	domain = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(domain), "@"), ".")
	at := strings.LastIndexByte(addr, '@')
	if domain == "" || at < 0 {
		return "", false
	}
	local, host := addr[:at], strings.TrimSuffix(addr[at+1:], ".")
	if !strings.EqualFold(host, domain) {
		return "", false
	}
	const prefix = "reply+"
	if len(local) <= len(prefix) || !strings.EqualFold(local[:len(prefix)], prefix) {
		return "", false
	}
	token := local[len(prefix):]
	if len(token) > maxToken || strings.IndexFunc(token, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		return "", false
	}
	return token, true
}

// maxToken bounds a token: Plaudit's are far shorter, and the limit of a
// local part is 64 octets anyway.
const maxToken = 64
