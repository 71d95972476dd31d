package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
)

// The queue page lists the tenant's own tasks by state (never another
// tenant's), shows dead ones on the overview, and runs one again.
func TestConsoleQueue(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	other := site.newTenantKey("Other")
	trigger := func(k, id string) {
		site.do(call{method: "POST", path: "/api/v1/interactions", key: k, json: map[string]any{"ext_interaction_id": id,
			"customer": map[string]any{"email": "anna@example.org"}, "employee": map[string]any{"email": "max@example.org"}}}, 202)
	}
	trigger(key, "T-1")
	trigger(key, "T-2")
	trigger(other, "OTHER-1")
	insp := asynq.NewInspector(site.redisOpt)
	defer insp.Close()
	pending, err := insp.ListPendingTasks("critical")
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending tasks: %d (%v)", len(pending), err)
	}
	var dead, others string
	for _, p := range pending {
		switch {
		case !strings.Contains(string(p.Payload), tn.ID):
			others = p.ID
		case dead == "":
			dead = p.ID
		}
	}
	if err := insp.ArchiveTask("critical", dead); err != nil {
		t.Fatal(err)
	}

	b := site.browser()
	b.signIn("ada@nordlicht.example")
	if p := b.get("/console/"); !strings.Contains(p.body, "Tasks out of retries: 1") {
		t.Fatalf("the overview does not show the dead task: %s", p.body)
	}
	p := b.get("/console/queue")
	if p.status != 200 || !strings.Contains(p.body, "Pending (1)") || !strings.Contains(p.body, "Dead (out of retries) (1)") {
		t.Fatalf("queue page: %d %s", p.status, p.body)
	}
	if n := strings.Count(p.body, "interaction:process"); n != 3 { // the pending row, the dead row and its button
		t.Fatalf("the page shows %d tasks of this type: another tenant's?", n)
	}
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(p.body)
	if id == nil || id[1] != dead {
		t.Fatalf("no run-now button for the dead task")
	}
	if p := b.post("/console/queue/retry", url.Values{"queue": {"critical"}, "id": {others}}); p.status != 404 {
		t.Fatalf("running another tenant's task: %d", p.status)
	}
	if p := b.post("/console/queue/retry", url.Values{"queue": {"critical"}, "id": {dead}}); p.status != 303 {
		t.Fatalf("run now: %d %s", p.status, p.body)
	}
	if p := b.get("/console/queue"); !strings.Contains(p.body, "Pending (2)") || !strings.Contains(p.body, "Dead (out of retries) (0)") {
		t.Fatalf("after run now: %s", p.body)
	}
}
