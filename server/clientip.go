package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/realclientip/realclientip-go"
)

// ParseTrustedProxies reads PLAUDIT_TRUSTED_PROXIES: addresses and CIDR
// ranges, separated by commas or spaces.
func ParseTrustedProxies(s string) ([]net.IPNet, error) {
	return realclientip.AddressesAndRangesToIPNets(strings.Fields(strings.ReplaceAll(s, ",", " "))...)
}

// clientIP is the address that per-client limits count against: the
// peer's, unless the peer is a trusted proxy. Then it is the rightmost
// X-Forwarded-For address that is not itself a trusted proxy: every proxy
// appends the address it saw, so everything left of that was written by
// the client and may be forged. (Fiber's own ProxyHeader takes the
// leftmost address, which a client chooses; hence realclientip here.)
func (s *Server) clientIP(c *fiber.Ctx) string {
	return s.clientAddr(c.Context().RemoteIP(), c.Request().Header.PeekAll(fiber.HeaderXForwardedFor))
}

// clientAddr is clientIP from the peer's address and the X-Forwarded-For
// header lines, in order.
func (s *Server) clientAddr(peer net.IP, forwardedFor [][]byte) string {
	if s.xff == nil || !inRanges(peer, s.cfg.TrustedProxies) {
		return peer.String()
	}
	h := http.Header{}
	for _, v := range forwardedFor {
		h.Add(fiber.HeaderXForwardedFor, string(v))
	}
	if ip := s.xff.ClientIP(h, ""); ip != "" {
		// Without a zone ("fe80::1%eth0"), which is free text: one key
		// per address, however it is written.
		addr, _ := realclientip.SplitHostZone(ip)
		return addr
	}
	return peer.String() // no header, or only proxies in it
}

func inRanges(ip net.IP, ranges []net.IPNet) bool {
	for _, r := range ranges {
		if r.Contains(ip) {
			return true
		}
	}
	return false
}
