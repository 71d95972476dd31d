// Package egress is the one HTTP client for every outgoing call (helpdesk
// APIs, response callbacks, photo fetches). It refuses, at dial time, to
// connect to loopback, private, link-local, multicast and cloud metadata
// addresses, so that a tenant who configures a URL cannot make Plaudit
// reach into the network it runs in (SSRF). Checking at dial time, after
// DNS resolution, also defeats names that resolve to private addresses.
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
}

// NewClient returns an *http.Client whose dialer enforces the address policy.
func NewClient(o Options) *http.Client {
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	dialer := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if o.AllowPrivate {
				return nil
			}
			return checkAddress(address)
		},
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

func checkAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForbiddenAddress, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", ErrForbiddenAddress, host)
	}
	if !Allowed(ip) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
	}
	return nil
}

// metadata lists addresses of cloud metadata services that are not covered
// by the private and link-local ranges.
var metadata = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT (Alibaba metadata 100.100.100.200)
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS IPv6 metadata (also in fc00::/7)
	netip.MustParsePrefix("0.0.0.0/8"),
}

// Allowed reports whether ip is a public unicast address.
func Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range metadata {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// DialContext is exposed for callers that need a raw dialer with the same
// policy (SMTP).
func DialContext(allowPrivate bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		return checkAddress(address)
	}}
	return d.DialContext
}
