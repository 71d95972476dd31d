package inbound

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"strings"
	"testing"
)

func TestMatchHMAC(t *testing.T) {
	mac := hmac.New(sha256.New, []byte("new"))
	mac.Write([]byte("123:"))
	mac.Write([]byte(`{"a":1}`))
	sum := mac.Sum(nil)
	parts := [][]byte{[]byte("123:"), []byte(`{"a":1}`)}
	if !hmac.Equal(HMAC(sha256.New, []byte("new"), parts...), sum) {
		t.Error("HMAC is not the HMAC of the parts")
	}
	if !MatchHMAC(sha256.New, [][]byte{[]byte("new")}, sum, parts...) {
		t.Error("current secret did not match")
	}
	if !MatchHMAC(sha256.New, [][]byte{[]byte("other"), []byte("new")}, sum, parts...) {
		t.Error("previous secret did not match")
	}
	if MatchHMAC(sha256.New, [][]byte{[]byte("other"), nil}, sum, parts...) {
		t.Error("a wrong secret matched")
	}
	if MatchHMAC(sha1.New, [][]byte{[]byte("new")}, sum, parts...) {
		t.Error("another hash matched")
	}
	if MatchHMAC(sha256.New, [][]byte{nil, {}}, nil) {
		t.Error("empty secrets matched an empty signature")
	}
}

func TestCut(t *testing.T) {
	if got := Cut("Größe", 3); got != "Grö" {
		t.Errorf("Cut = %q", got)
	}
	if got := Cut("abc", 5); got != "abc" {
		t.Errorf("Cut = %q", got)
	}
}

func TestToken(t *testing.T) {
	for s, want := range map[string]bool{"abc_DEF-09": true, "": false, "a/b": false, "a b": false, "ä": false} {
		if Token(s) != want {
			t.Errorf("Token(%q) != %v", s, want)
		}
	}
}

func TestKeepTag(t *testing.T) {
	var tags []string
	for _, s := range []String{" vip ", "", String(strings.Repeat("x", MaxTag+1)), "billing"} {
		tags = KeepTag(tags, s)
	}
	if len(tags) != 2 || tags[0] != "vip" || tags[1] != "billing" {
		t.Errorf("tags %q", tags)
	}
	full := make([]string, MaxTags)
	if got := KeepTag(full, "one more"); len(got) != MaxTags {
		t.Errorf("%d tags", len(got))
	}
}
