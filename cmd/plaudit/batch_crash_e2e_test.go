package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestKilledWithBatchesInFlightLosesAndDoublesNothing posts many webhooks
// at once, so that their interactions share tasks and their decisions
// share transactions, kills the process with SIGKILL right after the last
// acknowledgement (the sends wait two seconds), restarts it, and expects
// every customer to be asked exactly once.
func TestKilledWithBatchesInFlightLosesAndDoublesNothing(t *testing.T) {
	c := setUpCrash(t, nil)
	p := startProcess(t, c.env)
	tenant := c.g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{
		"name": "Busy", "settings": map[string]any{"delay_seconds": 2, "suppression_days": 0}})
	c.key = str(tenant["api_key"])
	c.connector = str(c.g.must(201, "POST", "/api/v1/connectors", c.key, map[string]any{"kind": "zendesk",
		"config": map[string]any{"subdomain": "x", "base_url": c.zd.URL, "email": "a@x.example", "api_token": "t", "signing_secret": zendeskSecret}})["id"])
	c.g.must(201, "POST", "/api/v1/agents", c.key, map[string]any{"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber",
		"approved": true, "external_ids": map[string]string{"zendesk": "38417722455"}})

	const n = 48
	base := string(fixture(t, "zendesk-trigger.json"))
	var wg sync.WaitGroup
	for i := range n {
		body := strings.NewReplacer(`"73021"`, fmt.Sprintf(`"%d"`, 90000+i),
			"anna.schneider@example.org", fmt.Sprintf("customer%d@example.org", i)).Replace(base)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.g.do("POST", "/hooks/"+c.connector, "", []byte(body), zendeskHeaders(zendeskSecret, []byte(body), time.Now()))
			if r.Status/100 != 2 {
				t.Errorf("webhook %d: %d %s", i, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	p.kill()
	if sent := len(c.sg.Mails()); sent != 0 {
		t.Logf("%d emails went out before the kill", sent)
	}
	p = startProcess(t, c.env)
	waitFor(t, p, 120*time.Second, fmt.Sprintf("%d emails after the restart", n), func() bool { return len(c.sg.Mails()) >= n })
	time.Sleep(2 * time.Second) // anything doubled would arrive now
	perCustomer := map[string]int{}
	for _, m := range c.sg.Mails() {
		perCustomer[recipientOf(m)]++
	}
	for i := range n {
		if got := perCustomer[fmt.Sprintf("customer%d@example.org", i)]; got != 1 {
			t.Errorf("customer%d got %d emails, want 1", i, got)
		}
	}
	if len(c.sg.Mails()) != n {
		t.Errorf("%d emails for %d acknowledged webhooks", len(c.sg.Mails()), n)
	}
}

// recipientOf is the address a SendGrid v3 mail/send body is for.
func recipientOf(m map[string]any) string {
	ps, _ := m["personalizations"].([]any)
	if len(ps) == 0 {
		return ""
	}
	p, _ := ps[0].(map[string]any)
	to, _ := p["to"].([]any)
	if len(to) == 0 {
		return ""
	}
	first, _ := to[0].(map[string]any)
	email, _ := first["email"].(string)
	return email
}
