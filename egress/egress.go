// Package egress is the one HTTP client for every outgoing call (helpdesk
// APIs, response callbacks, photo fetches). It refuses, at dial time, to
// connect to loopback, private, link-local, multicast, reserved,
// documentation and cloud metadata addresses, and to the host's own
// interface addresses, so that a tenant who configures a URL cannot make
// Plaudit reach into the network it runs in (SSRF). Checking at dial time,
// after DNS resolution, also defeats names that resolve to such addresses.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a call would reach a refused address.
var ErrForbiddenAddress = errors.New("egress: destination address not allowed")

// Options configure the client.
type Options struct {
	// AllowPrivate lets calls reach loopback and private addresses
	// (PLAUDIT_ALLOW_PRIVATE_EGRESS, for tests and local development).
	AllowPrivate bool
	// Timeout bounds a whole request; 0 means 15 seconds.
	Timeout time.Duration

	// ownAddrs lists the host's interface addresses; nil means
	// net.InterfaceAddrs. Tests replace it to give the host a public one.
	ownAddrs func() ([]net.Addr, error)
}

// NewClient returns an *http.Client whose dialer enforces the address policy.
func NewClient(o Options) *http.Client {
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	dialer := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   o.control,
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial on our behalf and bypass the check
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
	}
	return &http.Client{
		Timeout:   o.Timeout,
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("egress: too many redirects")
			}
			return nil
		},
	}
}

// control is the dialer's check of the address it is about to connect to.
func (o Options) control(_, address string, _ syscall.RawConn) error {
	if o.AllowPrivate {
		return nil
	}
	return o.checkAddress(address)
}

func (o Options) checkAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForbiddenAddress, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", ErrForbiddenAddress, host)
	}
	if !Allowed(ip) || o.isOwn(ip) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
	}
	return nil
}

// isOwn reports whether ip is one of the host's interface addresses or
// the broadcast address of one of its IPv4 networks: a public address of
// the host itself would let a tenant reach services that listen on all
// interfaces but are meant for the host alone. The list is read at every
// dial, since addresses come and go (DHCP, cloud re-attachment), and dials
// are few (connections are kept alive). When it cannot be read, every
// address counts as the host's own: a refused call is retried or
// reported, a wrong one cannot be taken back.
func (o Options) isOwn(ip netip.Addr) bool {
	list := o.ownAddrs
	if list == nil {
		list = net.InterfaceAddrs
	}
	addrs, err := list()
	if err != nil {
		return true
	}
	ip = ip.Unmap()
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if own, ok := netip.AddrFromSlice(n.IP); ok && own.Unmap() == ip {
			return true
		}
		if b, ok := broadcast(n); ok && b == ip {
			return true
		}
	}
	return false
}

// broadcast is the directed broadcast address of an IPv4 network.
func broadcast(n *net.IPNet) (netip.Addr, bool) {
	v4, mask := n.IP.To4(), n.Mask
	if len(mask) == net.IPv6len {
		mask = mask[net.IPv6len-net.IPv4len:]
	}
	if v4 == nil || len(mask) != net.IPv4len {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i := range b {
		b[i] = v4[i] | ^mask[i]
	}
	return netip.AddrFrom4(b), true
}

// refused lists ranges that are no public destination and are not covered
// by the private, link-local and multicast checks: cloud metadata
// services, special-purpose and documentation ranges (which a network may
// route internally), and the reserved and broadcast block.
var refused = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT (Alibaba metadata 100.100.100.200)
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS IPv6 metadata (also in fc00::/7)
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("2001:db8::/32"),   // IPv6 documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and 255.255.255.255 (broadcast)
}

// Allowed reports whether ip is a public unicast address.
func Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range refused {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// DialContext is exposed for callers that need a raw dialer with the same
// policy (SMTP).
func DialContext(allowPrivate bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: Options{AllowPrivate: allowPrivate}.control}
	return d.DialContext
}
