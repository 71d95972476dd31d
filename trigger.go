package plaudit

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on the direct trigger body. They are generous for real helpdesk
// data and keep one request from filling the store with junk.
const (
	MaxTriggerBody    = 64 << 10
	maxTriggerID      = 200
	maxTriggerEmail   = 320
	maxTriggerName    = 200
	maxTriggerPhone   = 40
	maxTriggerLang    = 35
	maxTriggerChannel = 50
	maxTriggerTags    = 50
	maxTriggerTag     = 100
)

// triggerBody is the direct trigger body (docs/trigger-api.md). Ids
// and phone numbers may come as JSON numbers: helpdesk templates often
// leave them unquoted.
type triggerBody struct {
	ExtInteractionID scalar           `json:"ext_interaction_id"`
	Channel          string           `json:"channel"`
	Customer         *triggerCustomer `json:"customer"`
	Employee         *triggerEmployee `json:"employee"`
	DoNotSend        bool             `json:"do_not_send"`
	Tags             []string         `json:"tags"`
	Event            string           `json:"event"`
}

type triggerCustomer struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    scalar `json:"phone"`
	Language string `json:"language"`
	Country  string `json:"country"`
}

type triggerEmployee struct {
	Email    string `json:"email"`
	CustomID scalar `json:"custom_id"`
}

// scalar is a JSON string, number or null, read as a string.
type scalar string

func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = scalar(v)
		return nil
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		// A number: keep its digits as written (no float rounding of
		// long ids).
		if _, err := strconv.ParseFloat(string(b), 64); err != nil {
			return err
		}
		*s = scalar(b)
		return nil
	}
	return &json.UnmarshalTypeError{Value: "non-scalar", Type: scalarType}
}

var scalarType = reflect.TypeOf(scalar(""))

// ParseTrigger parses a direct trigger body (POST /api/v1/interactions and
// the standard connector) into an Interaction with Source "api". Every
// error is an *Error with code EInvalid (ETooLarge for an oversized body)
// whose message names the field; messages never repeat the values sent.
// Languages are kept as sent: plaudit.Language maps them when a request is
// made.
func ParseTrigger(body []byte) (Interaction, error) {
	if len(body) > MaxTriggerBody {
		return Interaction{}, Errorf(ETooLarge, "body is too large (at most %d bytes)", MaxTriggerBody)
	}
	var t triggerBody
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&t); err != nil {
		if where := JSONWhere(err, body); where != "" {
			return Interaction{}, Errorf(EInvalid, "body is not valid JSON: %s", where)
		}
		return Interaction{}, JSONError(err, "body", "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Interaction{}, Errorf(EInvalid, "body is not valid JSON")
	}
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return Interaction{}, Errorf(EInvalid, "body must be a JSON object")
	}

	in := Interaction{Source: "api", DoNotSend: t.DoNotSend}
	var err error
	if in.ExternalID, in.Event, in.Channel, err = t.ticket(); err != nil {
		return Interaction{}, err
	}
	if in.Customer, err = t.Customer.parse(); err != nil {
		return Interaction{}, err
	}
	if in.Agent, err = t.Employee.parse(); err != nil {
		return Interaction{}, err
	}
	if in.Tags, err = parseTags(t.Tags); err != nil {
		return Interaction{}, err
	}
	return in, nil
}

// ticket reads the ticket's id, event and channel.
func (t triggerBody) ticket() (id, event, channel string, err error) {
	id = strings.TrimSpace(string(t.ExtInteractionID))
	if id == "" {
		return "", "", "", Errorf(EInvalid, "ext_interaction_id is required")
	}
	if err := checkText("ext_interaction_id", id, maxTriggerID); err != nil {
		return "", "", "", err
	}
	switch ev := strings.ToLower(strings.TrimSpace(t.Event)); ev {
	case "", EventSolved:
		event = EventSolved
	case EventReopened:
		event = EventReopened
	default:
		return "", "", "", Errorf(EInvalid, `event must be "solved" or "reopened"`)
	}
	if ch := strings.ToLower(strings.TrimSpace(t.Channel)); ch != "" {
		if utf8.RuneCountInString(ch) > maxTriggerChannel || !isWord(ch) {
			return "", "", "", Errorf(EInvalid, `channel must be a word such as "email", "chat", "phone" or "sms"`)
		}
		channel = ch
	}
	return id, event, channel, nil
}

func (c *triggerCustomer) parse() (Customer, error) {
	if c == nil {
		return Customer{}, Errorf(EInvalid, "customer: email or phone is required")
	}
	out := Customer{Name: strings.TrimSpace(c.Name)}
	if err := checkText("customer.name", out.Name, maxTriggerName); err != nil {
		return Customer{}, err
	}
	if email := strings.TrimSpace(c.Email); email != "" {
		if err := checkText("customer.email", email, maxTriggerEmail); err != nil {
			return Customer{}, err
		}
		if out.Email = NormalizeEmail(email); out.Email == "" {
			return Customer{}, Errorf(EInvalid, "customer.email is not an email address")
		}
	}
	if phone := strings.TrimSpace(string(c.Phone)); phone != "" {
		if utf8.RuneCountInString(phone) > maxTriggerPhone || !looksLikePhone(phone) {
			return Customer{}, Errorf(EInvalid, "customer.phone is not a phone number")
		}
		out.Phone = phone
	}
	if out.Email == "" && out.Phone == "" {
		return Customer{}, Errorf(EInvalid, "customer: email or phone is required")
	}
	out.Language = strings.TrimSpace(c.Language)
	if err := checkText("customer.language", out.Language, maxTriggerLang); err != nil {
		return Customer{}, err
	}
	if country := strings.TrimSpace(c.Country); country != "" {
		if len(country) != 2 || !isASCIILetters(country) {
			return Customer{}, Errorf(EInvalid, `customer.country must be a two-letter country code such as "DE"`)
		}
		out.Country = strings.ToUpper(country)
	}
	return out, nil
}

func (e *triggerEmployee) parse() (AgentRef, error) {
	if e == nil {
		return AgentRef{}, Errorf(EInvalid, "employee: email or custom_id is required")
	}
	var out AgentRef
	if email := strings.TrimSpace(e.Email); email != "" {
		if err := checkText("employee.email", email, maxTriggerEmail); err != nil {
			return AgentRef{}, err
		}
		if out.Email = NormalizeEmail(email); out.Email == "" {
			return AgentRef{}, Errorf(EInvalid, "employee.email is not an email address")
		}
	}
	out.ExternalID = strings.TrimSpace(string(e.CustomID))
	if err := checkText("employee.custom_id", out.ExternalID, maxTriggerID); err != nil {
		return AgentRef{}, err
	}
	if out.Email == "" && out.ExternalID == "" {
		return AgentRef{}, Errorf(EInvalid, "employee: email or custom_id is required")
	}
	return out, nil
}

func parseTags(tags []string) ([]string, error) {
	if len(tags) > maxTriggerTags {
		return nil, Errorf(EInvalid, "tags: at most %d tags are allowed", maxTriggerTags)
	}
	var out []string
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		if err := checkText("tags", tag, maxTriggerTag); err != nil {
			return nil, err
		}
		out = append(out, tag)
	}
	return out, nil
}

// checkText enforces a length limit in characters and refuses control
// characters, which have no place in ids, names or tags and would let a
// sender forge lines in logs and notes.
func checkText(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return Errorf(EInvalid, "%s must be at most %d characters", field, max)
	}
	return CheckText(field, s)
}

func isWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return s != ""
}

func isASCIILetters(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// looksLikePhone accepts the ways people write numbers ("+49 30 901820",
// "(030) 901-820", "030/901820"); NormalizePhone decides later whether the
// number is real, with the customer's country.
func looksLikePhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '/':
		default:
			return false
		}
	}
	return digits >= 3 && digits <= 17
}
