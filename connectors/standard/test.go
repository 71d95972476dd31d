package standard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/probe"
	"github.com/plaudit/plaudit/keyring"
)

// EventConnectorTest is the type of the signed event that a connector
// test sends to callback_url. Receivers answer it with a 2xx and need do
// nothing else, as for any event type they do not handle.
const EventConnectorTest = "connector.test"

// callbackWords says what a test delivery to callback_url found.
var callbackWords = probe.Words{
	System:       "the callback receiver",
	Address:      "config.callback_url",
	Unauthorized: "the callback receiver refused the signed test event (401): check that it verifies signatures with config.callback_secret",
	Forbidden:    "the callback receiver refused the signed test event (403): check that it verifies signatures with config.callback_secret",
	NotFound:     "nothing takes the test event at config.callback_url (404): check the URL",
}

// Test sends a signed "connector.test" event to callback_url, as a
// response would be sent, and passes when the receiver answers 2xx. A
// connector without a callback_url calls nothing: its inbound deliveries
// are checked by their signature as they arrive, so there is nothing to
// test, and Test says so (*plaudit.NothingToTest).
func (c *Client) Test(ctx context.Context) error {
	if c.p.callbackURL == "" {
		return &plaudit.NothingToTest{Reason: "this connector has no callback_url, so Plaudit calls nothing with its settings; " +
			"inbound webhooks are checked against signing_secret as they arrive (a wrong signature is answered 401)"}
	}
	now := c.now().UTC().Truncate(time.Second)
	body, err := json.Marshal(map[string]any{"type": EventConnectorTest, "timestamp": now.Format(time.RFC3339), "data": map[string]bool{"test": true}})
	if err != nil {
		return fmt.Errorf("standard: test event: %w", err)
	}
	status, _, err := c.deliver(ctx, "test_"+keyring.Token(12), now, body)
	switch {
	case err != nil:
		return callbackWords.Unreachable(err)
	case status >= 300 && status < 400:
		return plaudit.Errorf(plaudit.EInvalid, "config.callback_url redirects (%d), and Plaudit does not follow redirects: set the address it leads to", status)
	case status >= 400 && status < 500 && status != http.StatusUnauthorized && status != http.StatusForbidden &&
		status != http.StatusNotFound && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout:
		return plaudit.Errorf(plaudit.EInvalid, "the callback receiver refused the signed test event (%d): it must answer 2xx, "+
			"also to event types it does not handle", status)
	}
	return callbackWords.Answer(status)
}
