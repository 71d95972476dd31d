package reply

import (
	"strings"
	"testing"
)

func TestTokenFromAddress(t *testing.T) {
	const domain = "reply.nordlicht.example"
	tests := []struct {
		addr, domain, token string
		ok                  bool
	}{
		{"reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example", domain, "Q2xJc1pWbG9wZ2ZXcGxOQQ", true},
		{"reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@Reply.Nordlicht.EXAMPLE", domain, "Q2xJc1pWbG9wZ2ZXcGxOQQ", true},
		{"reply+abc-_123@reply.nordlicht.example", "REPLY.nordlicht.example", "abc-_123", true},
		{"REPLY+Tok@reply.nordlicht.example", domain, "Tok", true},
		{"Nordlicht Reisen <reply+Tok@reply.nordlicht.example>", domain, "Tok", true},
		{" reply+Tok@reply.nordlicht.example ", "@reply.nordlicht.example", "Tok", true},
		{"reply+Tok@reply.nordlicht.example.", domain, "Tok", true},
		{"reply+Tok@reply.nordlicht.example", domain + ".", "Tok", true},

		{"reply+Tok@nordlicht.example", domain, "", false},
		{"reply+Tok@evil.reply.nordlicht.example", domain, "", false},
		{"reply+Tok@reply.nordlicht.example.evil", domain, "", false},
		{"reply+@reply.nordlicht.example", domain, "", false},
		{"reply@reply.nordlicht.example", domain, "", false},
		{"feedback+Tok@reply.nordlicht.example", domain, "", false},
		{"noreply+Tok@reply.nordlicht.example", domain, "", false},
		{"reply+a+b@reply.nordlicht.example", domain, "", false},
		{"reply+a.b@reply.nordlicht.example", domain, "", false},
		{"reply+tök@reply.nordlicht.example", domain, "", false},
		{`"reply+Tok"@reply.nordlicht.example`, domain, "Tok", true}, // the same address, quoted
		{"reply+Tok@reply.nordlicht.example", "", "", false},
		{"reply+Tok", domain, "", false},
		{"", domain, "", false},
		{"reply+" + strings.Repeat("a", 65) + "@reply.nordlicht.example", domain, "", false},
		{"Nordlicht <reply+Tok@reply.nordlicht.example", domain, "", false},
	}
	for _, tt := range tests {
		token, ok := TokenFromAddress(tt.addr, tt.domain)
		if token != tt.token || ok != tt.ok {
			t.Errorf("TokenFromAddress(%q, %q) = %q, %v; want %q, %v", tt.addr, tt.domain, token, ok, tt.token, tt.ok)
		}
	}
}
