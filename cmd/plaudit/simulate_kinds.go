package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/plaudit/plaudit/connectors/zendesk"
	"github.com/plaudit/plaudit/notify/twilio"
)

// customerFlags are the flags of the customer and the agent of a
// simulated ticket.
type customerFlags struct {
	ticket, name, email, phone, language, agentID, agentEmail, agentName *string
}

func ticketFlags(fs *flag.FlagSet, language string) customerFlags {
	return customerFlags{
		ticket:     fs.String("ticket", "", ticketHelp),
		name:       fs.String("customer-name", "Erika Mustermann", "the customer's name"),
		email:      fs.String("customer-email", "erika@example.com", "the customer's email"),
		phone:      fs.String("customer-phone", "", "the customer's phone (E.164, +49…); with it and no email the request goes by SMS"),
		language:   fs.String("language", language, "the customer's language"),
		agentID:    fs.String("agent-id", "1001", "the agent's id in the helpdesk (the agent's external_ids)"),
		agentEmail: fs.String("agent-email", "max@example.com", "the agent's email"),
		agentName:  fs.String("agent-name", "Max Mustermann", "the agent's name"),
	}
}

func (c customerFlags) ticketID() string {
	if *c.ticket == "" {
		*c.ticket = newTicketID()
	}
	return *c.ticket
}

func zendeskSim(fs *flag.FlagSet, _ func(string) string) func(context.Context, string) (*http.Request, string, error) {
	connector := fs.String("connector", "", "connector id (from POST /api/v1/connectors); required")
	secret := fs.String("secret", "", "the connector's signing_secret; required")
	status := fs.String("status", "Solved", "ticket status as Zendesk shows it (Solved; Open for a reopened ticket)")
	c := ticketFlags(fs, "English")
	return func(ctx context.Context, base string) (*http.Request, string, error) {
		if *connector == "" || *secret == "" {
			return nil, "", errors.New("-connector and -secret are required")
		}
		body, err := json.Marshal(map[string]any{
			"ticket": map[string]string{"id": c.ticketID(), "status": *status, "via": "Web Form", "tags": "",
				"brand": "", "updated_at": time.Now().UTC().Format(time.RFC3339)},
			"requester": map[string]string{"id": "2002", "name": *c.name, "email": *c.email, "phone": *c.phone, "language": *c.language},
			"assignee":  map[string]string{"id": *c.agentID, "name": *c.agentName, "email": *c.agentEmail},
		})
		if err != nil {
			return nil, "", err
		}
		req, err := jsonPost(ctx, base+"/hooks/"+*connector, body)
		if err != nil {
			return nil, "", err
		}
		ts := time.Now().UTC().Format(time.RFC3339)
		req.Header.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
		req.Header.Set("X-Zendesk-Webhook-Signature", zendesk.Sign([]byte(*secret), ts, body))
		return req, "ticket " + *c.ticket + ", " + *status, nil
	}
}

func standardSim(fs *flag.FlagSet, _ func(string) string) func(context.Context, string) (*http.Request, string, error) {
	connector := fs.String("connector", "", "connector id (from POST /api/v1/connectors); required")
	secret := fs.String("secret", "", "the connector's signing_secret (whsec_…); required")
	event := fs.String("event", "solved", "solved, or reopened")
	channel := fs.String("channel", "email", "the channel the ticket came by (email, chat, phone, sms…)")
	c := ticketFlags(fs, "en")
	return func(ctx context.Context, base string) (*http.Request, string, error) {
		if *connector == "" || *secret == "" {
			return nil, "", errors.New("-connector and -secret are required")
		}
		wh, err := standardwebhooks.NewWebhook(*secret)
		if err != nil {
			return nil, "", errors.New("-secret must be the connector's signing_secret, whsec_ and base64")
		}
		body, err := json.Marshal(map[string]any{
			"ext_interaction_id": c.ticketID(), "event": *event, "channel": *channel,
			"customer": map[string]string{"name": *c.name, "email": *c.email, "phone": *c.phone, "language": *c.language},
			"employee": map[string]string{"email": *c.agentEmail, "custom_id": *c.agentID},
		})
		if err != nil {
			return nil, "", err
		}
		id, at := randomID("msg_"), time.Now()
		sig, err := wh.Sign(id, at, body)
		if err != nil {
			return nil, "", err
		}
		req, err := jsonPost(ctx, base+"/hooks/"+*connector, body)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set(standardwebhooks.HeaderWebhookID, id)
		req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
		req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
		return req, "ticket " + *c.ticket + ", " + *event, nil
	}
}

func twilioSim(fs *flag.FlagSet, getenv func(string) string) func(context.Context, string) (*http.Request, string, error) {
	from := fs.String("from", "", "the customer's phone, E.164 (+4915112345678): the number the request went to; required")
	to := fs.String("to", getenv("TWILIO_FROM"), "the number the reply reached: the tenant's sms_from, else TWILIO_FROM")
	service := fs.String("messaging-service", getenv("TWILIO_MESSAGING_SERVICE_SID"), "the Messaging Service the reply reached (MG…), if one")
	body := fs.String("body", "5", "the customer's text: a score, a comment, STOP, START or HELP")
	token := fs.String("auth-token", getenv("TWILIO_AUTH_TOKEN"), "Twilio's auth token, as plaudit has it (TWILIO_AUTH_TOKEN)")
	return func(ctx context.Context, base string) (*http.Request, string, error) {
		if *from == "" || *token == "" {
			return nil, "", errors.New("-from and the auth token (-auth-token or TWILIO_AUTH_TOKEN) are required")
		}
		params := map[string]string{"From": *from, "To": *to, "Body": *body, "MessageSid": randomID("SM"),
			"AccountSid": "AC" + strings.Repeat("0", 32), "NumMedia": "0"}
		if *service != "" {
			params["MessagingServiceSid"] = *service
		}
		u := base + "/hooks/twilio/sms"
		form := url.Values{}
		for k, v := range params {
			form.Set(k, v)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(*token, u, params))
		return req, "SMS to " + cmp.Or(*to, "-"), nil
	}
}

func sendgridInboundSim(fs *flag.FlagSet, getenv func(string) string) func(context.Context, string) (*http.Request, string, error) {
	to := fs.String("to", "", "the reply address, reply+…@your-domain: the Reply-To of the email in the outbox; required")
	from := fs.String("from", "erika@example.com", "the customer's email")
	text := fs.String("text", "5\nThank you, Max was a great help.", "the reply's text: a score, and a comment")
	subject := fs.String("subject", "Re: How did we do?", "the reply's subject")
	token := fs.String("token", getenv("SENDGRID_INBOUND_TOKEN"), "the Inbound Parse password, as plaudit has it (SENDGRID_INBOUND_TOKEN); none when unset")
	return func(ctx context.Context, base string) (*http.Request, string, error) {
		if *to == "" {
			return nil, "", errors.New("-to is required: the Reply-To the outbox shows for the email (needs PLAUDIT_INBOUND_EMAIL_DOMAIN)")
		}
		envelope, _ := json.Marshal(map[string]any{"to": []string{*to}, "from": *from})
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, f := range [][2]string{
			{"headers", "From: " + *from + "\nTo: " + *to + "\nSubject: " + *subject + "\nMessage-ID: <" + randomID("sim") + "@example.com>\n"},
			{"from", *from}, {"to", *to}, {"subject", *subject}, {"text", *text},
			{"envelope", string(envelope)}, {"charsets", `{"to":"UTF-8","from":"UTF-8","subject":"UTF-8","text":"UTF-8"}`},
			{"SPF", "pass"},
		} {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				return nil, "", err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, "", err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/hooks/sendgrid/inbound", &body)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if *token != "" {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("parse:"+*token)))
		}
		return req, fmt.Sprintf("email reply of %d characters", len([]rune(*text))), nil
	}
}

// jsonPost is a POST of body as JSON.
func jsonPost(ctx context.Context, url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, err
}
