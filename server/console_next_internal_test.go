package server

import "testing"

// safeNext keeps console paths of this site only: no other host, scheme,
// protocol-relative or backslash trick, dot segment, control character,
// or sign-in page (which would loop).
func TestSafeNext(t *testing.T) {
	for raw, want := range map[string]string{
		"/console/responses/rsp_1":           "/console/responses/rsp_1",
		"/console/responses?agent=a&since=x": "/console/responses?agent=a&since=x",
		"/console/":                          "/console/",
		"":                                   "",
		"/console":                           "",
		"https://evil.example/console/":      "",
		"//evil.example/console/":            "",
		"/console//evil.example":             "",
		"/\\evil.example/console/":           "",
		"/console/\\evil.example":            "",
		"javascript:alert(1)":                "",
		"/console/../admin":                  "",
		"/console/./agents":                  "",
		"/console/x\r\nLocation: //evil":     "",
		"/console/x\x00":                     "",
		" /console/agents":                   "",
		"/console/login":                     "",
		"/console/login/link/tok":            "",
		"/console/sso/ten_1":                 "",
		"/console/logout":                    "",
		"/api/v1/tenant":                     "",
		"/console/agents#frag":               "/console/agents#frag",
	} {
		if got := safeNext(raw); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", raw, got, want)
		}
	}
}
