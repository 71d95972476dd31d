package server

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// fuzzRanges are the proxies FuzzClientIP may trust: bit i of its mask
// trusts fuzzRanges[i].
var fuzzRanges = []string{"127.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16", "203.0.113.0/24",
	"::1/128", "fd00::/8", "2001:db8::/32", "fe80::/10"}

// FuzzClientIP reads X-Forwarded-For as a trusted proxy passes it on. The
// address that per-client limits count against is a plain address (one
// key per client, whatever the spelling); it is the peer's unless the peer
// is a trusted proxy; otherwise it is an untrusted address of the chain
// with only trusted proxies right of it. And whatever a client writes into
// the header, the address its proxy appends is the one counted. Seeds:
// testdata/fuzz/FuzzClientIP.
func FuzzClientIP(f *testing.F) {
	servers := map[uint8]*Server{}
	f.Fuzz(func(t *testing.T, peerText string, mask uint8, forged, appended string) {
		peer := net.ParseIP(peerText)
		if peer == nil || strings.ContainsAny(forged+appended, "\r\n") {
			return // not a peer; a header line cannot hold a line break
		}
		s := servers[mask]
		if s == nil {
			var trusted []string
			for i, r := range fuzzRanges {
				if mask&(1<<i) != 0 {
					trusted = append(trusted, r)
				}
			}
			ranges, err := ParseTrustedProxies(strings.Join(trusted, ","))
			if err != nil {
				t.Fatal(err)
			}
			s = New(Config{TrustedProxies: ranges, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			servers[mask] = s
		}
		trusted := func(ip net.IP) bool { return inRanges(ip, s.cfg.TrustedProxies) }

		chain := [][]byte{[]byte(forged)}
		got := s.clientAddr(peer, chain)
		ip := net.ParseIP(got)
		if ip == nil || ip.String() != got {
			t.Fatalf("client of %s via %q: %q is no plain address", peer, forged, got)
		}
		if !trusted(peer) && !ip.Equal(peer) {
			t.Fatalf("an untrusted peer %s counted as %s", peer, got)
		}
		if !ip.Equal(peer) && !chosenFromChain(ip, forged, trusted) {
			t.Fatalf("client of %s via %q: %s is not the rightmost untrusted address", peer, forged, got)
		}

		// The proxy appends the address it saw: the client cannot choose
		// another, on the same header line or the next.
		real := net.ParseIP(appended)
		if !trusted(peer) || real == nil || real.IsUnspecified() || trusted(real) {
			return
		}
		for _, lines := range [][][]byte{{[]byte(forged + "," + appended)}, {[]byte(forged), []byte(appended)}} {
			if got := s.clientAddr(peer, lines); got != real.String() {
				t.Fatalf("client behind %s writing %q, appended %s: counted as %q", peer, forged, appended, got)
			}
		}
	})
}

// chosenFromChain reports whether ip is written in the X-Forwarded-For
// value chain, untrusted, with only trusted addresses right of it.
func chosenFromChain(ip net.IP, chain string, trusted func(net.IP) bool) bool {
	if trusted(ip) {
		return false
	}
	items := strings.Split(chain, ",")
	for i := len(items) - 1; i >= 0; i-- {
		item := parseChainItem(items[i])
		if item != nil && item.Equal(ip) {
			return true
		}
		if item == nil || !trusted(item) {
			return false
		}
	}
	return false
}

// parseChainItem reads one X-Forwarded-For entry: an address, perhaps
// with a port, brackets or a zone.
func parseChainItem(s string) net.IP {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if i := strings.LastIndexByte(s, '%'); i > 0 {
		s = s[:i]
	}
	return net.ParseIP(s)
}
