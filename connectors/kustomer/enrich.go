package kustomer

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// apiCustomer is the part of a customer resource that Enrich reads.
type apiCustomer struct {
	Data struct {
		Attributes struct {
			Name        inbound.String `json:"name"`
			DisplayName inbound.String `json:"displayName"`
			Locale      inbound.String `json:"locale"`
			Emails      []struct {
				Email inbound.String `json:"email"`
			} `json:"emails"`
			Phones []struct {
				Type  inbound.String `json:"type"`
				Phone inbound.String `json:"phone"`
			} `json:"phones"`
		} `json:"attributes"`
	} `json:"data"`
}

// apiUser is the part of a user (an agent) that Enrich reads.
type apiUser struct {
	Data struct {
		Attributes struct {
			Name        inbound.String `json:"name"`
			DisplayName inbound.String `json:"displayName"`
			Email       inbound.String `json:"email"`
		} `json:"attributes"`
	} `json:"data"`
}

const (
	conversationPath = "/v1/conversations/"
	maxEmail         = 320
	maxPhone         = 40
	maxLanguage      = 35
)

// Enrich completes an interaction from a webhook event, which names the
// customer and the agent by id only: it reads the conversation (its
// current status and customer), then the customer and the agent. The
// current status decides the event, so a conversation reopened since the
// event is not taken for a solve.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !idRE.MatchString(id) {
		return plaudit.Permanent("kustomer: conversation id is not valid", fmt.Errorf("kustomer: enrich: conversation id is not valid"))
	}
	var cr struct {
		Data conversation `json:"data"`
	}
	if _, err := c.call(ctx, http.MethodGet, conversationPath+id, nil, &cr, "read conversation", "conversation"); err != nil {
		return err
	}
	cv := cr.Data
	if st := strings.ToLower(cv.Attributes.Status.Trim()); st != "" {
		in.Event = plaudit.EventReopened
		if st == statusDone {
			in.Event = plaudit.EventSolved
		}
	}
	in.NeedsEnrich = false
	if in.Event != plaudit.EventSolved {
		return nil
	}
	cv.fill(in)
	if cid := cv.Relationships.Customer.Data.ID.Trim(); idRE.MatchString(cid) {
		if err := c.readCustomer(ctx, cid, &in.Customer); err != nil {
			return err
		}
	}
	if in.Agent.ExternalID != "" {
		return c.readUser(ctx, in.Agent.ExternalID, &in.Agent)
	}
	return nil
}

// readCustomer fills the customer. A customer deleted since leaves it as
// it is: the rules then record that there is no address to ask.
func (c *Client) readCustomer(ctx context.Context, id string, cu *plaudit.Customer) error {
	var r apiCustomer
	status, err := c.call(ctx, http.MethodGet, "/v1/customers/"+id, nil, &r, "read customer", "customer")
	if status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	a := r.Data.Attributes
	cu.Name = inbound.Cut(firstOf(a.DisplayName.Trim(), a.Name.Trim()), maxText)
	for _, e := range a.Emails {
		if v := e.Email.Trim(); v != "" {
			cu.Email = inbound.Cut(v, maxEmail)
			break
		}
	}
	// A mobile number first: it is the one an SMS reaches.
	phone := ""
	for _, p := range a.Phones {
		v := p.Phone.Trim()
		if v == "" {
			continue
		}
		if phone == "" || strings.EqualFold(p.Type.Trim(), "mobile") {
			phone = v
		}
		if strings.EqualFold(p.Type.Trim(), "mobile") {
			break
		}
	}
	cu.Phone = inbound.Cut(phone, maxPhone)
	if l := a.Locale.Trim(); l != "" {
		cu.Language = inbound.Cut(l, maxLanguage)
	}
	return nil
}

// readUser adds the agent's name and email. A user removed since keeps
// the agent known by id only.
func (c *Client) readUser(ctx context.Context, id string, a *plaudit.AgentRef) error {
	var r apiUser
	status, err := c.call(ctx, http.MethodGet, "/v1/users/"+id, nil, &r, "read user", "user")
	if status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	u := r.Data.Attributes
	a.Email = inbound.Cut(u.Email.Trim(), maxEmail)
	a.Name = inbound.Cut(firstOf(u.Name.Trim(), u.DisplayName.Trim()), maxText)
	return nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
