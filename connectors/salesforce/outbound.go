package salesforce

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/xml"
	"strings"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// XML namespaces of an Outbound Message.
const (
	nsSOAP     = "http://schemas.xmlsoap.org/soap/envelope/"
	nsOutbound = "http://soap.sforce.com/2005/09/outbound"
)

// MaxNotifications is the most notifications Salesforce puts into one
// Outbound Message.
const MaxNotifications = 100

// OutboundMessage is a parsed Outbound Message.
type OutboundMessage struct {
	OrganizationID string
	ActionID       string
	Notifications  []Notification
}

// Notification is one record change in an Outbound Message.
type Notification struct {
	// ID is the notification's id: Salesforce repeats it when it
	// redelivers the same notification.
	ID string
	// Type is the sObject's xsi:type without prefix ("Case").
	Type string
	// Fields are the sObject's fields by API name. A field sent as
	// xsi:nil is present with an empty value.
	Fields map[string]string
}

type soapEnvelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Notifications *soapNotifications `xml:"http://soap.sforce.com/2005/09/outbound notifications"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type soapNotifications struct {
	OrganizationID string             `xml:"OrganizationId"`
	ActionID       string             `xml:"ActionId"`
	Notifications  []soapNotification `xml:"Notification"`
}

type soapNotification struct {
	ID      string `xml:"Id"`
	SObject *struct {
		Type   string      `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
		Fields []soapField `xml:",any"`
	} `xml:"sObject"`
}

type soapField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// ParseOutbound parses the SOAP envelope of an Outbound Message. It
// refuses documents with a DTD (encoding/xml would not expand entities
// anyway; refusing them keeps the parser's behaviour obvious), more than
// MaxNotifications notifications, and notifications without ids. Errors
// are EInvalid *plaudit.Error.
func ParseOutbound(body []byte) (*OutboundMessage, error) {
	if bytes.Contains(bytes.ToUpper(body), []byte("<!DOCTYPE")) || bytes.Contains(body, []byte("<!ENTITY")) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "body must not contain a DTD")
	}
	var env soapEnvelope
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "body is not a valid SOAP message")
	}
	n := env.Body.Notifications
	if n == nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "notifications element is missing (namespace %s)", nsOutbound)
	}
	if len(n.Notifications) == 0 {
		return nil, plaudit.Errorf(plaudit.EInvalid, "notifications holds no Notification")
	}
	if len(n.Notifications) > MaxNotifications {
		return nil, plaudit.Errorf(plaudit.EInvalid, "too many notifications: at most %d per message", MaxNotifications)
	}
	msg := &OutboundMessage{
		OrganizationID: strings.TrimSpace(n.OrganizationID),
		ActionID:       strings.TrimSpace(n.ActionID),
		Notifications:  make([]Notification, 0, len(n.Notifications)),
	}
	if msg.OrganizationID == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "OrganizationId is required")
	}
	for i, sn := range n.Notifications {
		id := strings.TrimSpace(sn.ID)
		if id == "" || len(id) > 40 || !utf8.ValidString(id) {
			return nil, plaudit.Errorf(plaudit.EInvalid, "Notification[%d].Id is required", i)
		}
		if sn.SObject == nil {
			return nil, plaudit.Errorf(plaudit.EInvalid, "Notification[%d].sObject is required", i)
		}
		typ := sn.SObject.Type
		if j := strings.IndexByte(typ, ':'); j >= 0 {
			typ = typ[j+1:]
		}
		fields := make(map[string]string, len(sn.SObject.Fields))
		for _, f := range sn.SObject.Fields {
			if _, dup := fields[f.XMLName.Local]; !dup {
				fields[f.XMLName.Local] = strings.TrimSpace(f.Value)
			}
		}
		msg.Notifications = append(msg.Notifications, Notification{ID: id, Type: typ, Fields: fields})
	}
	return msg, nil
}

// Receive checks that the Outbound Message comes from the connector's
// organization and turns each Case notification into an event. Outbound
// Messages carry no signature: the organization id, TLS and the secrecy of
// the webhook URL are what Salesforce offers.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	msg, err := ParseOutbound(d.Body)
	if err != nil {
		return nil, err
	}
	if !SameOrg(msg.OrganizationID, c.cfg.OrgID) {
		return nil, plaudit.Errorf(plaudit.EUnauthorized, "OrganizationId does not match this connector")
	}
	events := make([]plaudit.Event, 0, len(msg.Notifications))
	for i, n := range msg.Notifications {
		in, err := c.interaction(i, n)
		if err != nil {
			return nil, err
		}
		in.DedupKey = n.ID
		events = append(events, plaudit.Event{DedupKey: n.ID, Interaction: in})
	}
	return events, nil
}

// SameOrg compares organization ids by their first 15 characters, so that
// the 15- and 18-character forms of one id match. The 15-character form
// is case-sensitive; the 3 extra characters only encode its case.
func SameOrg(a, b string) bool {
	if len(a) < 15 || len(b) < 15 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(a[:15]), []byte(b[:15])) == 1
}

// closedStatuses are Case statuses that mean the case is done, for orgs
// whose Outbound Message leaves out IsClosed.
var closedStatuses = map[string]bool{"closed": true, "solved": true, "resolved": true}

// interaction maps a Case notification through the field map.
func (c *Client) interaction(i int, n Notification) (plaudit.Interaction, error) {
	caseID := n.Fields["Id"]
	if caseID == "" {
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "Notification[%d].sObject.Id is required", i)
	}
	if !idRE.MatchString(caseID) {
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "Notification[%d].sObject.Id is not a Salesforce id", i)
	}
	fm := c.cfg.FieldMap
	get := func(names ...string) string {
		for _, name := range names {
			if v := n.Fields[name]; name != "" && v != "" {
				return v
			}
		}
		return ""
	}
	pick := func(configured string, defaults ...string) string {
		if configured != "" {
			return get(configured)
		}
		return get(defaults...)
	}

	event := plaudit.EventOther
	closedField := or(fm.Closed, "IsClosed")
	statusField := or(fm.Status, "Status")
	if v, ok := n.Fields[closedField]; ok && v != "" {
		if strings.EqualFold(v, "true") || v == "1" {
			event = plaudit.EventSolved
		} else {
			event = plaudit.EventReopened
		}
	} else if s := strings.ToLower(n.Fields[statusField]); s != "" {
		if closedStatuses[s] {
			event = plaudit.EventSolved
		} else {
			event = plaudit.EventReopened
		}
	}

	in := plaudit.Interaction{
		Source:     Name,
		ExternalID: caseID,
		Event:      event,
		Channel:    inbound.Channel(cut(n.Fields["Origin"], 100)),
		Customer: plaudit.Customer{
			Name:  cut(pick(fm.CustomerName, "SuppliedName"), 200),
			Email: cut(pick(fm.CustomerEmail, "ContactEmail", "SuppliedEmail"), 320),
			Phone: cut(pick(fm.CustomerPhone, "ContactMobile", "SuppliedPhone"), 40),
		},
		Agent: plaudit.AgentRef{ExternalID: cut(pick(fm.AgentID, "OwnerId"), 200)},
	}
	if fm.AgentEmail != "" {
		in.Agent.Email = plaudit.NormalizeEmail(cut(get(fm.AgentEmail), 320))
	}
	// Case.Language holds a locale such as "de" or "en_US"; plaudit.Language
	// maps it when the request is made.
	in.Customer.Language = cut(pick(fm.Language, "Language"), 35)
	return in, nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Ack is the answer Salesforce needs to stop redelivering the message.
func (c *Client) Ack() (string, []byte) {
	return "text/xml; charset=utf-8", []byte(xml.Header +
		`<soapenv:Envelope xmlns:soapenv="` + nsSOAP + `"><soapenv:Body>` +
		`<notificationsResponse xmlns="` + nsOutbound + `"><Ack>true</Ack></notificationsResponse>` +
		`</soapenv:Body></soapenv:Envelope>`)
}

// Fault is a SOAP 1.1 fault: soapenv:Client when the message itself is
// wrong (Salesforce should not expect a redelivery to fare better),
// soapenv:Server otherwise. The fault string is the error's public
// message, never internal details.
func (c *Client) Fault(err error) (string, []byte) {
	code := "soapenv:Server"
	switch plaudit.ErrorCode(err) {
	case plaudit.EInvalid, plaudit.EUnauthorized, plaudit.ETooLarge:
		code = "soapenv:Client"
	}
	var msg bytes.Buffer
	_ = xml.EscapeText(&msg, []byte(plaudit.ErrorMessage(err)))
	return "text/xml; charset=utf-8", []byte(xml.Header +
		`<soapenv:Envelope xmlns:soapenv="` + nsSOAP + `"><soapenv:Body><soapenv:Fault>` +
		`<faultcode>` + code + `</faultcode><faultstring>` + msg.String() + `</faultstring>` +
		`</soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
}
