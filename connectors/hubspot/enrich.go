package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// apiTicket is the part of a CRM ticket that Enrich reads. HubSpot gives
// every property as a string or null.
type apiTicket struct {
	Properties struct {
		Stage  inbound.String `json:"hs_pipeline_stage"`
		Owner  inbound.String `json:"hubspot_owner_id"`
		Source inbound.String `json:"source_type"`
	} `json:"properties"`
	Associations struct {
		Contacts struct {
			Results []struct {
				ID inbound.String `json:"id"`
			} `json:"results"`
		} `json:"contacts"`
	} `json:"associations"`
}

// apiContact is the part of a CRM contact that Enrich reads.
type apiContact struct {
	Properties struct {
		FirstName inbound.String `json:"firstname"`
		LastName  inbound.String `json:"lastname"`
		Email     inbound.String `json:"email"`
		Phone     inbound.String `json:"phone"`
		Mobile    inbound.String `json:"mobilephone"`
		Language  inbound.String `json:"hs_language"`
		TimeZone  inbound.String `json:"hs_timezone"`
	} `json:"properties"`
}

// apiOwner is a CRM owner: the HubSpot user a ticket is assigned to.
type apiOwner struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

// Paths and the properties read.
const (
	ticketPath    = "/crm/v3/objects/tickets/"
	contactPath   = "/crm/v3/objects/contacts/"
	ownerPath     = "/crm/v3/owners/"
	ticketQuery   = "?properties=hs_pipeline_stage,hubspot_owner_id,source_type&associations=contacts"
	contactQuery  = "?properties=firstname,lastname,email,phone,mobilephone,hs_language,hs_timezone"
	maxText       = 200
	maxEmail      = 320
	maxPhone      = 40
	maxLanguageID = 35
)

// Enrich completes an interaction from a webhook event, which names the
// ticket only: it reads the ticket (its current stage, owner, source and
// contact), then the contact and the owner. The current stage decides the
// event, so a ticket reopened since the event is not taken for a solve.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !inbound.Digits(id) {
		return plaudit.Permanent("hubspot: ticket id is not valid", fmt.Errorf("hubspot: enrich: ticket id is not a number"))
	}
	var t apiTicket
	if _, err := c.call(ctx, http.MethodGet, ticketPath+id+ticketQuery, nil, &t, "read ticket", "ticket"); err != nil {
		return err
	}
	if stage := t.Properties.Stage.Trim(); stage != "" {
		in.Event = stageEvent(stage, c.closed)
	}
	in.NeedsEnrich = false
	if in.Event != plaudit.EventSolved {
		return nil
	}
	if ch := channel(t.Properties.Source.Trim()); ch != "" {
		in.Channel = ch
	}
	for _, r := range t.Associations.Contacts.Results {
		if cid := r.ID.Trim(); inbound.Digits(cid) {
			if err := c.readContact(ctx, cid, &in.Customer); err != nil {
				return err
			}
			break
		}
	}
	in.Agent = plaudit.AgentRef{}
	if oid := t.Properties.Owner.Trim(); inbound.Digits(oid) {
		in.Agent.ExternalID = oid
		return c.readOwner(ctx, oid, &in.Agent)
	}
	return nil
}

// readContact fills the customer from the ticket's contact. A contact
// deleted since leaves the customer as it is: the rules then record that
// there is no address to ask.
func (c *Client) readContact(ctx context.Context, id string, cu *plaudit.Customer) error {
	var ct apiContact
	status, err := c.call(ctx, http.MethodGet, contactPath+id+contactQuery, nil, &ct, "read contact", "contact")
	if status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	p := ct.Properties
	cu.Name = inbound.Cut(strings.TrimSpace(p.FirstName.Trim()+" "+p.LastName.Trim()), maxText)
	cu.Email = inbound.Cut(p.Email.Trim(), maxEmail)
	// The mobile number first: it is the one an SMS reaches.
	cu.Phone = inbound.Cut(p.Mobile.Trim(), maxPhone)
	if cu.Phone == "" {
		cu.Phone = inbound.Cut(p.Phone.Trim(), maxPhone)
	}
	if l := p.Language.Trim(); l != "" {
		cu.Language = inbound.Cut(l, maxLanguageID)
	}
	if tz := timeZone(p.TimeZone.Trim()); tz != "" {
		cu.TimeZone = tz
	}
	return nil
}

// readOwner adds the owner's name and email. An owner removed since keeps
// the agent known by id only.
func (c *Client) readOwner(ctx context.Context, id string, a *plaudit.AgentRef) error {
	var o apiOwner
	status, err := c.call(ctx, http.MethodGet, ownerPath+id, nil, &o, "read owner", "owner")
	if status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	a.Email = inbound.Cut(strings.TrimSpace(o.Email), maxEmail)
	a.Name = inbound.Cut(strings.TrimSpace(strings.TrimSpace(o.FirstName)+" "+strings.TrimSpace(o.LastName)), maxText)
	return nil
}

// channel maps a ticket's source_type (EMAIL, CHAT, PHONE, FORM, …) to a
// rules channel. A form leaves an email address, so it counts as email.
func channel(source string) string {
	if strings.EqualFold(source, "FORM") {
		return plaudit.ChannelEmail
	}
	return inbound.Channel(source)
}

// timeZone reads HubSpot's hs_timezone, an IANA name spelled as an
// option value ("europe_slash_berlin", "america_slash_new_york"), back
// into the IANA name, and keeps it only when Go knows the zone.
func timeZone(v string) string {
	if v == "" || len(v) > 80 {
		return ""
	}
	parts := strings.Split(v, "_slash_")
	for i, p := range parts {
		words := strings.Split(p, "_")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	tz := strings.Join(parts, "/")
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" || !strings.Contains(tz, "/") {
		return ""
	}
	return tz
}
