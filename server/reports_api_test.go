package server_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/server"
)

// TestTeamsAPI: teams are created, shown with their webhooks redacted,
// named by agents, and refused with the field named when wrong.
func TestTeamsAPI(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	const hook = "https://hooks.slack.com/services/T0001/B0001/very-secret-token"
	r := h.do(call{method: "POST", path: "/api/v1/teams", key: w.admin, valid: true, json: map[string]any{
		"name": "Support EU", "slack_webhook_url": hook, "lead_emails": []string{"Lead@Nordlicht.example"}}}, 201)
	var team struct {
		ID              string   `json:"id"`
		SlackWebhookURL string   `json:"slack_webhook_url"`
		LeadEmails      []string `json:"lead_emails"`
		PraiseMinScore  int      `json:"praise_min_score"`
		AlertMaxScore   int      `json:"alert_max_score"`
	}
	r.decode(t, &team)
	if strings.Contains(string(r.body), "very-secret-token") || team.SlackWebhookURL != "https://hooks.slack.com/…" ||
		team.PraiseMinScore != 5 || team.AlertMaxScore != 2 || team.LeadEmails[0] != "lead@nordlicht.example" {
		t.Errorf("created team %s", r.body)
	}
	h.do(call{method: "POST", path: "/api/v1/teams", key: w.admin, valid: true, json: map[string]any{"name": "Support EU"}}, 409)
	for field, body := range map[string]map[string]any{
		"name":              {"name": ""},
		"slack_webhook_url": {"name": "X", "slack_webhook_url": "ftp://hooks.example/x"},
		"lead_emails[0]":    {"name": "X", "lead_emails": []string{"not an address"}},
		"praise_min_score":  {"name": "X", "praise_min_score": 9},
		"alert_max_score":   {"name": "X", "alert_max_score": -1},
	} {
		wantMessage(t, h.do(call{method: "POST", path: "/api/v1/teams", key: w.admin, json: body}, 400), field)
	}
	wantMessage(t, h.do(call{method: "PATCH", path: "/api/v1/agents/" + w.agent, key: w.admin, json: map[string]any{"team": "Nobody"}}, 400), "team")
	h.do(call{method: "PATCH", path: "/api/v1/agents/" + w.agent, key: w.admin, valid: true, json: map[string]any{"team": "Support EU"}}, 200)
	h.do(call{method: "PATCH", path: "/api/v1/teams/" + team.ID, key: w.admin, valid: true, json: map[string]any{"name": "EMEA"}}, 200)
	var ag plaudit.Agent
	h.do(call{method: "GET", path: "/api/v1/agents/" + w.agent, key: w.admin}, 200).decode(t, &ag)
	if ag.Team != "EMEA" {
		t.Errorf("agent's team after the rename: %q", ag.Team)
	}
	h.do(call{method: "GET", path: "/api/v1/teams", key: w.admin}, 200)
	h.do(call{method: "GET", path: "/api/v1/teams/" + team.ID, key: w.admin}, 200)
	h.do(call{method: "GET", path: "/api/v1/teams/" + team.ID + "/deliveries", key: w.admin}, 200)
	h.do(call{method: "PATCH", path: "/api/v1/teams/team_nosuch", key: w.admin, json: map[string]any{"name": "Y"}}, 404)
	h.do(call{method: "DELETE", path: "/api/v1/teams/" + team.ID, key: w.admin}, 204)
	h.do(call{method: "GET", path: "/api/v1/teams/" + team.ID, key: w.admin}, 404)
	var audit struct{ Data []plaudit.AuditEvent }
	h.do(call{method: "GET", path: "/api/v1/audit-events", key: w.admin}, 200).decode(t, &audit)
	if !strings.Contains(fmt.Sprint(audit.Data), "team.create") || strings.Contains(fmt.Sprint(audit.Data), "very-secret") {
		t.Errorf("audit %+v", audit.Data)
	}
}

// TestExclusionLeavesTheAgentsFigures: an excluded response leaves the
// figures, stays listed with its reason, and the change is audited; the
// CSV of a report says what its JSON says.
func TestExclusionLeavesTheAgentsFigures(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	csat := func() (n, excluded int) {
		var r struct {
			Totals struct{ Responses, Excluded int }
		}
		h.do(call{method: "GET", path: "/api/v1/reports/csat?by=agent&compare=true", key: w.reader, valid: true}, 200).decode(t, &r)
		return r.Totals.Responses, r.Totals.Excluded
	}
	if n, x := csat(); n != 1 || x != 0 {
		t.Fatalf("before: n %d, excluded %d", n, x)
	}
	path := "/api/v1/responses/" + w.response + "/exclusion"
	wantMessage(t, h.do(call{method: "POST", path: path, key: w.admin, json: map[string]any{"reason": "bad luck"}}, 400), "reason")
	h.do(call{method: "POST", path: path, key: w.reader, json: map[string]any{"reason": "wrong_agent"}}, 403)
	h.do(call{method: "POST", path: "/api/v1/responses/rsp_nosuch/exclusion", key: w.admin, json: map[string]any{"reason": "wrong_agent"}}, 404)
	h.do(call{method: "POST", path: path, key: w.admin, valid: true, json: map[string]any{"reason": "not_about_agent", "note": "about the ferry timetable"}}, 200)
	if n, x := csat(); n != 0 || x != 1 {
		t.Errorf("after the exclusion: n %d, excluded %d, want 0 and 1", n, x)
	}
	var list struct{ Data []plaudit.Response }
	h.do(call{method: "GET", path: "/api/v1/responses", key: w.reader}, 200).decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Exclusion == nil || list.Data[0].Exclusion.Reason != "not_about_agent" ||
		list.Data[0].Exclusion.Note != "about the ferry timetable" {
		t.Errorf("the response as listed: %+v", list.Data)
	}
	r := h.do(call{method: "GET", path: "/api/v1/reports/responses?excluded=excluded", key: w.reader, valid: true}, 200)
	if !strings.Contains(string(r.body), "about the ferry timetable") {
		t.Errorf("drill-down of the excluded: %s", r.body)
	}
	var audit struct{ Data []plaudit.AuditEvent }
	h.do(call{method: "GET", path: "/api/v1/audit-events", key: w.admin}, 200).decode(t, &audit)
	if a := audit.Data[0]; a.Action != "response.exclude" || a.Target != w.response || a.Detail != "reason=not_about_agent" {
		t.Errorf("audit %+v", a)
	}
	h.do(call{method: "DELETE", path: path, key: w.admin}, 200)
	if n, _ := csat(); n != 1 {
		t.Errorf("included again: n %d", n)
	}
	checkCSVMatchesJSON(t, h, w.reader, "/api/v1/reports/csat?by=agent&compare=true")
	checkCSVMatchesJSON(t, h, w.reader, "/api/v1/reports/response-rate?by=channel")
	checkCSVMatchesJSON(t, h, w.reader, "/api/v1/reports/leaderboard")
	checkCSVMatchesJSON(t, h, w.reader, "/api/v1/reports/responses")
	wantMessage(t, h.do(call{method: "GET", path: "/api/v1/reports/csat?interval=fortnight", key: w.reader}, 400), "interval")
}

// checkCSVMatchesJSON asks for path as JSON and as CSV: the CSV has a
// line per data row, and each row's score-like fields agree.
func checkCSVMatchesJSON(t *testing.T, h *apiHarness, key, path string) {
	t.Helper()
	var js struct{ Data []map[string]any }
	h.do(call{method: "GET", path: path, key: key}, 200).decode(t, &js)
	r := h.do(call{method: "GET", path: path, key: key, header: map[string]string{"Accept": "text/csv"}}, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	lines, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(lines) != len(js.Data)+1 {
		t.Fatalf("%s: %d CSV lines for %d rows (%v)", path, len(lines), len(js.Data), err)
	}
	for i, row := range js.Data {
		for col, name := range lines[0] {
			v, ok := row[name]
			if !ok || strings.Contains(name, ".") {
				continue // nested: checked in reports' own test
			}
			want := fmt.Sprint(v)
			switch x := v.(type) {
			case nil:
				want = ""
			case float64:
				b, _ := json.Marshal(x)
				want = string(b)
			case []any:
				parts := make([]string, len(x))
				for j, e := range x {
					parts[j] = fmt.Sprint(e)
				}
				want = strings.Join(parts, "; ")
			}
			if lines[i+1][col] != want {
				t.Errorf("%s row %d %s: CSV %q, JSON %q", path, i, name, lines[i+1][col], want)
			}
		}
	}
}

// TestRewardFulfilment: the reward the customer offered is listed, a
// lead (here an admin key) marks it fulfilled once, audited.
func TestRewardFulfilment(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	h.do(call{method: "POST", path: "/f/" + w.token, form: url.Values{"step": {"more"}, "reward": {"yes"}}}, 303)
	var list struct{ Data []plaudit.Reward }
	h.do(call{method: "GET", path: "/api/v1/rewards?status=earned", key: w.reader, valid: true}, 200).decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].AgentID != w.agent || list.Data[0].ResponseID != w.response {
		t.Fatalf("rewards %+v", list.Data)
	}
	id := list.Data[0].ID
	h.do(call{method: "POST", path: "/api/v1/rewards/" + id + "/fulfil", key: w.reader}, 403)
	h.do(call{method: "POST", path: "/api/v1/rewards/" + id + "/fulfil", key: w.admin, valid: true}, 200)
	h.do(call{method: "POST", path: "/api/v1/rewards/" + id + "/fulfil", key: w.admin}, 409)
	h.do(call{method: "GET", path: "/api/v1/rewards?status=given", key: w.reader}, 400)
	var audit struct{ Data []plaudit.AuditEvent }
	h.do(call{method: "GET", path: "/api/v1/audit-events", key: w.admin}, 200).decode(t, &audit)
	if a := audit.Data[0]; a.Action != "reward.fulfil" || a.Target != id {
		t.Errorf("audit %+v", audit.Data[0])
	}
}

// TestStreamSendsNewResponses: the stream sends a response when it comes
// in or changes, to callers whose filter it passes, and no one else.
func TestStreamSendsNewResponses(t *testing.T) {
	h := newAPIHarness(t, func(c *server.Config) { c.StreamMax = 1500 * time.Millisecond })
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	addr := h.listen()
	open := func(query string) <-chan string {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", "http://"+addr+"/api/v1/stream"+query, nil)
		req.Header.Set("Authorization", "Bearer "+w.reader)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		events := make(chan string, 10)
		go func() {
			defer resp.Body.Close()
			defer close(events)
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<16), 1<<20)
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					events <- data
				}
			}
		}()
		return events
	}
	mine, others := open("?agent="+w.agent), open("?agent=agt_someone_else")
	time.Sleep(100 * time.Millisecond)
	h.do(call{method: "POST", path: "/f/" + w.token, form: url.Values{"step": {"more"}, "comment": {"Danke, Jonas!"}}}, 303)
	var got plaudit.Response
	select {
	case data := <-mine:
		if err := json.Unmarshal([]byte(data), &got); err != nil || got.ID != w.response || got.Comment != "Danke, Jonas!" {
			t.Errorf("event %s", data)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no event for the agent's new comment")
	}
	for data := range others {
		t.Errorf("another agent's stream got %s", data)
	}
	var sum struct {
		Responses int      `json:"responses"`
		CSAT      *float64 `json:"csat"`
		Sent      int      `json:"sent"`
	}
	h.do(call{method: "GET", path: "/api/v1/stream/summary?agent=" + w.agent, key: w.reader, valid: true}, 200).decode(t, &sum)
	if sum.Responses != 1 || sum.CSAT == nil {
		t.Errorf("summary %+v", sum)
	}
	h.do(call{method: "GET", path: "/api/v1/stream", key: w.reader, header: map[string]string{"Last-Event-ID": "soon"}}, 400)
}

// TestShutdownEndsOpenStreams: a replica that shuts down does not wait for
// its open streams' five minutes; they end, and the browser reconnects
// elsewhere.
func TestShutdownEndsOpenStreams(t *testing.T) {
	h := newAPIHarness(t, func(c *server.Config) { c.StreamMax = time.Hour })
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	addr := h.listen()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", "http://"+addr+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+w.reader)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stream open: %v", err)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream is still open after the shutdown")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("shutdown took %s", d)
	}
}
