package kustomer

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// Webhook signature headers: Kustomer's documentation names the first;
// older outbound webhooks send the second.
const (
	HeaderSignature       = "X-Kustomer-Webhook-Signature"
	HeaderSignatureLegacy = "X-Kustomer-Signature"
)

// Kustomer's signature covers the body only, with no timestamp of its
// own. The body's createdAt is signed with it: a delivery whose event is
// older than MaxAge (Kustomer retries for about an hour), or more than
// Skew in the future, is refused as a replay.
const (
	MaxAge = 24 * time.Hour
	Skew   = 5 * time.Minute
)

// The event this connector acts on, and the statuses it looks at.
const (
	eventUpdate  = "kustomer.conversation.update"
	statusDone   = "done"
	maxText      = 200
	maxTags      = 100
	maxTagLength = 100
)

// Receive verifies the signature over the raw body and parses the event.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	now := inbound.ReceivedAt(d)
	sig := d.Header.Get(HeaderSignature)
	if strings.TrimSpace(sig) == "" {
		sig = d.Header.Get(HeaderSignatureLegacy)
	}
	if err := Verify(c.webhookSecret, sig, d.Body); err != nil {
		return nil, err
	}
	env, err := parseEnvelope(d.Body)
	if err != nil {
		return nil, err
	}
	if at, err := time.Parse(time.RFC3339, env.CreatedAt.Trim()); err == nil {
		if age := now.Sub(at); age > MaxAge || age < -Skew {
			return nil, plaudit.Errorf(plaudit.EUnauthorized, "delivery is stale")
		}
	}
	return env.events()
}

// Verify checks a Kustomer signature: hex(HMAC-SHA256(webhook token,
// body)).
func Verify(secret []byte, signature string, body []byte) error {
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature header is missing")
	}
	got, err := hex.DecodeString(signature)
	if err != nil || !hmac.Equal(got, inbound.HMAC(sha256.New, secret, body)) {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	return nil
}

// Sign computes the signature Kustomer sends. It exists for tests and
// tools that simulate Kustomer.
func Sign(secret, body []byte) string {
	return hex.EncodeToString(inbound.HMAC(sha256.New, secret, body))
}

// envelope is a Kustomer event: {id, name, org, data (the resource as the
// API returns it), changes, createdAt}.
type envelope struct {
	ID        inbound.String `json:"id"`
	Name      inbound.String `json:"name"`
	CreatedAt inbound.String `json:"createdAt"`
	Data      conversation   `json:"data"`
	Changes   struct {
		Attributes struct {
			Status *struct {
				Before inbound.String `json:"before"`
				After  inbound.String `json:"after"`
			} `json:"status"`
		} `json:"attributes"`
	} `json:"changes"`
}

// conversation is the part of a conversation resource that Plaudit reads,
// in events and in GET /v1/conversations/{id} alike.
type conversation struct {
	Type       inbound.String `json:"type"`
	ID         inbound.String `json:"id"`
	Attributes struct {
		Status        inbound.String   `json:"status"`
		Channels      []inbound.String `json:"channels"`
		Tags          []inbound.String `json:"tags"`
		AssignedUsers []inbound.String `json:"assignedUsers"`
		LastDone      struct {
			CreatedBy inbound.String `json:"createdBy"`
		} `json:"lastDone"`
	} `json:"attributes"`
	Relationships struct {
		Customer struct {
			Data struct {
				ID inbound.String `json:"id"`
			} `json:"data"`
		} `json:"customer"`
	} `json:"relationships"`
}

// Parse parses a verified webhook body. A conversation update whose
// changes move the status to done is a solve; one that moves it from done
// to open or snoozed is a reopening (which cancels a request not yet
// sent). Other events, and updates that leave the status as it was, give
// no events.
func Parse(body []byte) ([]plaudit.Event, error) {
	env, err := parseEnvelope(body)
	if err != nil {
		return nil, err
	}
	return env.events()
}

// parseEnvelope decodes a body: first its name, then, for the one event
// Plaudit reads, the whole of it, so that the resources of other events
// (customers, messages…) are never held to a conversation's shape.
func parseEnvelope(body []byte) (envelope, error) {
	var env envelope
	var probe struct {
		ID        inbound.String `json:"id"`
		Name      inbound.String `json:"name"`
		CreatedAt inbound.String `json:"createdAt"`
	}
	if err := json.Unmarshal(body, &probe); err != nil || bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil || obj == nil {
			if json.Valid(body) {
				return env, plaudit.Errorf(plaudit.EInvalid, "body must be a JSON object")
			}
			return env, plaudit.Errorf(plaudit.EInvalid, "body is not valid JSON")
		}
		return env, inbound.JSONError(err)
	}
	if probe.Name.Trim() != eventUpdate {
		env.ID, env.Name, env.CreatedAt = probe.ID, probe.Name, probe.CreatedAt
		return env, nil
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return env, inbound.JSONError(err)
	}
	return env, nil
}

// events makes the interaction of a conversation update, if it is one.
func (env envelope) events() ([]plaudit.Event, error) {
	if env.Name.Trim() != eventUpdate {
		return nil, nil
	}
	id := env.ID.Trim()
	switch {
	case id == "":
		return nil, plaudit.Errorf(plaudit.EInvalid, "id is required")
	case len(id) > maxText:
		return nil, plaudit.Errorf(plaudit.EInvalid, "id is too long")
	}
	convID := env.Data.ID.Trim()
	if !idRE.MatchString(convID) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "data.id must be a conversation id")
	}
	st := env.Changes.Attributes.Status
	if st == nil {
		return nil, nil
	}
	event := statusEvent(st.Before.Trim(), st.After.Trim())
	if event == "" {
		return nil, nil
	}
	in := plaudit.Interaction{
		Source:     Name,
		ExternalID: convID,
		Event:      event,
		DedupKey:   id,
	}
	env.Data.fill(&in)
	// The event names the customer and the agent by id only: the worker
	// reads them through the API (Enrich) before deciding.
	in.NeedsEnrich = event == plaudit.EventSolved
	return []plaudit.Event{{DedupKey: id, Interaction: in}}, nil
}

// statusEvent maps a change of a conversation's status: into done is a
// solve, out of done a reopening, anything else no event ("").
func statusEvent(before, after string) string {
	before, after = strings.ToLower(before), strings.ToLower(after)
	switch {
	case after == statusDone && before != statusDone:
		return plaudit.EventSolved
	case before == statusDone && after != "" && after != statusDone:
		return plaudit.EventReopened
	}
	return ""
}

// fill sets what a conversation says about its channel, tags and agent.
// Its tags are tag ids: Kustomer names tags in its API by id.
func (cv conversation) fill(in *plaudit.Interaction) {
	a := cv.Attributes
	if len(a.Channels) > 0 {
		in.Channel = inbound.Channel(inbound.Cut(a.Channels[0].Trim(), maxText))
	}
	in.Tags = nil
	for _, t := range a.Tags {
		if s := t.Trim(); s != "" && utf8.RuneCountInString(s) <= maxTagLength && len(in.Tags) < maxTags {
			in.Tags = append(in.Tags, s)
		}
	}
	// The agent is the first assigned user, else who marked it done.
	in.Agent = plaudit.AgentRef{}
	candidates := make([]inbound.String, 0, len(a.AssignedUsers)+1)
	for _, u := range append(append(candidates, a.AssignedUsers...), a.LastDone.CreatedBy) {
		if s := u.Trim(); idRE.MatchString(s) {
			in.Agent.ExternalID = s
			break
		}
	}
}
