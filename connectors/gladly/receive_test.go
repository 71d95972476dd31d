package gladly

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestReceiveAuthentication(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "gladly-conversation-closed.json")
	ctx := context.Background()
	if _, err := c.Receive(ctx, delivery(body, hookUser, hookPassword)); err != nil {
		t.Fatalf("right credentials: %v", err)
	}
	for _, cred := range [][2]string{
		{hookUser, "fxdUfTcejVxVs9bQ8DizKccQ"},
		{hookUser, hookPassword[:20]},
		{"someone-else", hookPassword},
		{"", ""},
	} {
		_, err := c.Receive(ctx, delivery(body, cred[0], cred[1]))
		wantError(t, err, plaudit.EUnauthorized, "webhook credentials do not match")
	}
	d := delivery(body, hookUser, hookPassword)
	d.Header.Del("Authorization")
	_, err := c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "webhook credentials are missing")
	d.Header.Set("Authorization", "Bearer "+hookPassword)
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "webhook credentials are missing")

	// Refused before the body is looked at.
	_, err = c.Receive(ctx, delivery([]byte("not json"), hookUser, "wrong"))
	wantError(t, err, plaudit.EUnauthorized, "")
}

func TestReceiveRotation(t *testing.T) {
	c, err := NewClient(plaudit.Connector{Kind: Name,
		Config:  []byte(`{"base_url":"https://nordlicht.gladly.com","api_user":"` + testUser + `","webhook_username":"` + hookUser + `"}`),
		Secrets: map[string]string{SecretAPIToken: testToken, SecretWebhookPassword: "the-new-password-0001", SecretWebhookPasswordPrevious: hookPassword},
	}, plaudit.DriverDeps{HTTP: http.DefaultClient})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"the-new-password-0001", hookPassword} {
		if _, err := c.Receive(context.Background(), delivery(fixture(t, "gladly-conversation-closed.json"), hookUser, p)); err != nil {
			t.Errorf("password %q during rotation: %v", p, err)
		}
	}
}

func TestReceiveClosed(t *testing.T) {
	events, err := newClient(t, "", nil).Receive(context.Background(),
		delivery(fixture(t, "gladly-conversation-closed.json"), hookUser, hookPassword))
	if err != nil {
		t.Fatal(err)
	}
	want := []plaudit.Event{{DedupKey: "yHaHXjD4SR-moMR9LbULDb", Interaction: plaudit.Interaction{
		Source: "gladly", ExternalID: conversation, Event: plaudit.EventSolved,
		Agent:    plaudit.AgentRef{ExternalID: agent},
		DedupKey: "yHaHXjD4SR-moMR9LbULDb", NeedsEnrich: true,
	}}}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events\n got %+v\nwant %+v", events, want)
	}
}

func TestReceiveReopenedAndOthers(t *testing.T) {
	events, err := Parse(fixture(t, "gladly-conversation-reopened.json"))
	if err != nil || len(events) != 1 {
		t.Fatalf("%v %v", events, err)
	}
	in := events[0].Interaction
	if in.Event != plaudit.EventReopened || in.ExternalID != conversation || in.NeedsEnrich || in.Agent.ExternalID != "" ||
		events[0].DedupKey != "pQ3rXjD4SR-moMR9LbU7Tw" {
		t.Errorf("reopened: %+v", events[0])
	}
	// The agent who closed it, when the context has no assignee.
	events, _ = Parse([]byte(`{"id":"e1","type":"CONVERSATION/CLOSED","initiator":{"id":"` + agent + `","type":"AGENT"},
		"content":{"customerId":"` + customer + `","conversationId":"` + conversation + `","context":{"assignee":{"inboxId":"x"}}}}`))
	if events[0].Interaction.Agent.ExternalID != agent {
		t.Errorf("closing agent: %+v", events[0].Interaction.Agent)
	}
	for _, body := range []string{
		string(fixture(t, "gladly-ping.json")),
		`{"id":"e2","type":"CONVERSATION/NOTE_CREATED","content":{"conversationId":"` + conversation + `"}}`,
		`{"id":"e3","type":"TASK/CLOSED","content":{"taskId":"t","customerId":"c"}}`,
		`{"id":"e4","type":"CONVERSATION_STATUS/UPDATED","content":{"conversationId":"` + conversation + `"}}`,
	} {
		if events, err := Parse([]byte(body)); err != nil || len(events) != 0 {
			t.Errorf("%s: %v %v, want no event", body, events, err)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for body, msg := range map[string]string{
		`not json`: "body is not valid JSON",
		`[]`:       "body must be a JSON object",
		`null`:     "type is required",
		`{"id":"e","content":{"conversationId":"c"}}`:                                    "type is required",
		`{"type":"CONVERSATION/CLOSED","content":{"conversationId":"c"}}`:                "id is required",
		`{"id":"e","type":"CONVERSATION/CLOSED"}`:                                        "content.conversationId is required",
		`{"id":"e","type":"CONVERSATION/CLOSED","content":{}}`:                           "content.conversationId is required",
		`{"id":"e","type":"CONVERSATION/CLOSED","content":{"conversationId":"../../x"}}`: "content.conversationId must be a Gladly id",
		`{"id":"e","type":"CONVERSATION/CLOSED","content":"c"}`:                          "content must be an object",
		`{"id":{"a":1},"type":"CONVERSATION/CLOSED"}`:                                    "id must be a string",
	} {
		_, err := Parse([]byte(body))
		wantError(t, err, plaudit.EInvalid, msg)
	}
}

func TestHandshakePing(t *testing.T) {
	c := newClient(t, "", nil)
	ctx := context.Background()
	ping := fixture(t, "gladly-ping.json")
	a, handled, err := c.Handshake(ctx, http.MethodPost, delivery(ping, hookUser, hookPassword))
	if err != nil || !handled || a.Status != 200 || a.ContentType != "application/json" || string(a.Body) != `{"ok":true}` {
		t.Errorf("PING: %+v %v %v", a, handled, err)
	}
	// A PING without the credentials is refused: the webhook's URL alone
	// proves nothing.
	_, handled, err = c.Handshake(ctx, http.MethodPost, delivery(ping, hookUser, "wrong-password-00000"))
	if !handled {
		t.Error("forged PING not handled")
	}
	wantError(t, err, plaudit.EUnauthorized, "webhook credentials do not match")
	// Events and other methods are not handshakes.
	for method, body := range map[string][]byte{
		http.MethodPost: fixture(t, "gladly-conversation-closed.json"),
		http.MethodGet:  ping,
		http.MethodHead: nil,
	} {
		if _, handled, err := c.Handshake(ctx, method, delivery(body, hookUser, hookPassword)); handled || err != nil {
			t.Errorf("%s %s: handled %v, err %v", method, body, handled, err)
		}
	}
	// Without the handshake, a PING that reaches Receive gives no event.
	if events, err := c.Receive(ctx, delivery(ping, hookUser, hookPassword)); err != nil || len(events) != 0 {
		t.Errorf("PING through Receive: %v %v", events, err)
	}
}
