package main

import (
	"strings"
	"testing"
	"time"
)

func TestClaimTimeoutConfig(t *testing.T) {
	load := func(v string) (Config, error) {
		return LoadConfig(func(k string) string {
			if k == "PLAUDIT_CLAIM_TIMEOUT" {
				return v
			}
			return ""
		})
	}
	for v, want := range map[string]time.Duration{"": 10 * time.Minute, "90s": 90 * time.Second, " 2m ": 2 * time.Minute} {
		c, err := load(v)
		if err != nil || c.ClaimTimeout != want {
			t.Errorf("PLAUDIT_CLAIM_TIMEOUT=%q: %v, %v; want %v", v, c.ClaimTimeout, err, want)
		}
	}
	for _, v := range []string{"0", "0s", "-1m", "10", "ten minutes"} {
		if _, err := load(v); err == nil || !strings.Contains(err.Error(), "PLAUDIT_CLAIM_TIMEOUT must be a positive duration") {
			t.Errorf("PLAUDIT_CLAIM_TIMEOUT=%q: err = %v, want one naming the variable", v, err)
		}
	}
}

func TestTrustedProxiesConfig(t *testing.T) {
	load := func(v string) (Config, error) {
		return LoadConfig(func(k string) string {
			if k == "PLAUDIT_TRUSTED_PROXIES" {
				return v
			}
			return ""
		})
	}
	c, err := load("10.0.0.0/8, 192.168.1.7 fd00::/8")
	if err != nil || len(c.TrustedProxies) != 3 || c.TrustedProxies[1].String() != "192.168.1.7/32" {
		t.Errorf("three proxies: %v, %v", c.TrustedProxies, err)
	}
	if c, err := load(""); err != nil || len(c.TrustedProxies) != 0 {
		t.Errorf("unset: %v, %v", c.TrustedProxies, err)
	}
	for _, v := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1%eth0"} {
		if _, err := load(v); err == nil || !strings.Contains(err.Error(), "PLAUDIT_TRUSTED_PROXIES") {
			t.Errorf("PLAUDIT_TRUSTED_PROXIES=%q: err = %v, want one naming the variable", v, err)
		}
	}
}
