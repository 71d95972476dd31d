package egress

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestAllowed(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false,
		"192.168.1.1": false, "169.254.169.254": false, "fe80::1": false, "0.0.0.0": false,
		"100.100.100.200": false, "::ffff:127.0.0.1": false, "fd00:ec2::254": false,
		// Documentation ranges, reserved and broadcast.
		"192.0.2.10": false, "198.51.100.7": false, "203.0.113.99": false, "2001:db8::1": false,
		"240.0.0.1": false, "250.1.2.3": false, "255.255.255.255": false, "::ffff:203.0.113.5": false,
		"192.0.3.1": true, "203.0.114.1": true, "239.255.255.250": false, "223.255.255.1": true,
	} {
		if got := Allowed(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Allowed(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestClientRefusesLoopbackUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	_, err := NewClient(Options{}).Get(srv.URL)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("call to %s: err = %v, want ErrForbiddenAddress", srv.URL, err)
	}
	resp, err := NewClient(Options{AllowPrivate: true}).Get(srv.URL)
	if err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
	resp.Body.Close()
}

// The host's own public address is as much the host as 127.0.0.1: a
// tenant must not reach services on it, nor the broadcast address of its
// network. Other addresses of that network (another machine) are public.
func TestClientRefusesTheHostsOwnAddresses(t *testing.T) {
	_, network, _ := net.ParseCIDR("8.8.4.0/24")
	own := func() ([]net.Addr, error) {
		return []net.Addr{&net.IPNet{IP: net.ParseIP("8.8.4.4"), Mask: network.Mask},
			&net.IPNet{IP: net.ParseIP("2606:4700::6810:1"), Mask: net.CIDRMask(64, 128)}}, nil
	}
	o := Options{ownAddrs: own}
	for addr, want := range map[string]bool{
		"8.8.4.4:22": false, "8.8.4.255:80": false, "[::ffff:8.8.4.4]:443": false, "[2606:4700::6810:1]:443": false,
		"8.8.4.5:443": true, "1.1.1.1:443": true, "[2606:4700::6810:2]:443": true,
	} {
		err := o.checkAddress(addr)
		if got := err == nil; got != want {
			t.Errorf("dial %s: err = %v, want allowed %v", addr, err, want)
		}
		if err != nil && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("dial %s: err = %v, want ErrForbiddenAddress", addr, err)
		}
	}
	failing := Options{ownAddrs: func() ([]net.Addr, error) { return nil, errors.New("netlink: permission denied") }}
	if err := failing.checkAddress("1.1.1.1:443"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("interfaces unreadable: err = %v, want refused", err)
	}
}
