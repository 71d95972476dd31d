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
