package twilio

// Twilio's side of the webhooks: the signature on its posts, the form of an
// inbound SMS and of a status callback, and the TwiML answer. Plain
// functions of their input: the HTTP server reads the request and calls
// them.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"maps"
	"slices"
	"strings"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/plaudit/plaudit"
)

// Provider names Twilio in delivery events.
const Provider = "twilio"

// SignatureHeader carries Twilio's signature on every webhook post.
const SignatureHeader = "X-Twilio-Signature"

// VerifyRequest checks signature (the X-Twilio-Signature header) over url
// and the posted form params, with twilio-go's own validator. url is the
// URL Twilio called, query included: behind a reverse proxy that is
// PLAUDIT_PUBLIC_URL + path, exactly as configured in Twilio, not what the
// server saw.
//
// The error is a *plaudit.Error: EForbidden without an auth token or when
// the signature does not match, EUnauthorized without a signature.
func VerifyRequest(authToken, url string, params map[string]string, signature string) error {
	if authToken == "" {
		return plaudit.Errorf(plaudit.EForbidden, "Twilio is not configured")
	}
	if signature == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "missing %s", SignatureHeader)
	}
	v := twclient.NewRequestValidator(authToken)
	if !v.Validate(url, params, signature) {
		return plaudit.Errorf(plaudit.EForbidden, "%s does not match", SignatureHeader)
	}
	return nil
}

// Sign computes the X-Twilio-Signature Twilio sends with a post of params
// to url: base64 of HMAC-SHA1, keyed with the auth token, over the URL and
// each parameter's name and value in the order of the names. It exists
// for tools that simulate Twilio (plaudit simulate twilio); VerifyRequest
// checks it with twilio-go's own validator.
func Sign(authToken, url string, params map[string]string) string {
	var b strings.Builder
	b.WriteString(url)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		b.WriteString(k + params[k])
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseSMS reads the form Twilio posts for an inbound SMS. From becomes
// E.164 (a number without country code is read as a US one); To holds the number the message reached and,
// when it reached a Messaging Service, the service's SID, in that order.
// MessageID is the MessageSid.
//
// The only error is a *plaudit.Error (EInvalid) for a From that is no
// phone number; it does not quote the value.
func ParseSMS(params map[string]string) (plaudit.InboundReply, error) {
	from, err := plaudit.NormalizePhone(params["From"], "", "US")
	if err != nil {
		return plaudit.InboundReply{}, plaudit.Errorf(plaudit.EInvalid, "From is not a phone number")
	}
	var to []string
	for _, v := range []string{params["To"], params["MessagingServiceSid"]} {
		if v != "" {
			to = append(to, v)
		}
	}
	return plaudit.InboundReply{
		Channel:   plaudit.ChannelSMS,
		MessageID: params["MessageSid"],
		From:      from,
		To:        to,
		Text:      params["Body"],
	}, nil
}

// ParseStatus reads the form of a status callback. ProviderID is the
// MessageSid; Event the MessageStatus; EventID is MessageSid and MessageStatus together (Twilio
// calls once per status of a message, and again when it got no answer),
// "" when either is missing.
//
// delivered is OutcomeDelivered; undelivered and failed are
// OutcomeFailed, with the status and ErrorCode as the reason, and error
// 21610 (the recipient has replied STOP to the sender) also suppresses the
// number as "sms_opted_out". Every other status (queued, sending, sent, …)
// is on the way and leaves Outcome "": there is nothing to apply.
//
// TenantID, RequestID and Reminder are not in the form but in the callback
// URL that Plaudit set when sending; the caller fills them in.
func ParseStatus(params map[string]string) plaudit.DeliveryEvent {
	sid, status := params["MessageSid"], params["MessageStatus"]
	e := plaudit.DeliveryEvent{Provider: Provider, ProviderID: sid, Event: status}
	if sid != "" && status != "" {
		e.EventID = sid + ":" + status
	}
	switch status {
	case "delivered":
		e.Outcome = plaudit.OutcomeDelivered
	case "undelivered", "failed":
		code := params["ErrorCode"]
		e.Outcome = plaudit.OutcomeFailed
		e.Reason = Provider + ": " + status + " " + code
		if code == "21610" {
			e.Suppress = "sms_opted_out"
		}
	}
	return e
}

// TwiMLContentType is the content type of TwiML.
const TwiMLContentType = "text/xml; charset=utf-8"

// TwiML is the answer to an inbound SMS that replies with text, or with
// nothing when text is "".
func TwiML(text string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response>`)
	if text != "" {
		b.WriteString("<Message>")
		_ = xml.EscapeText(&b, []byte(text))
		b.WriteString("</Message>")
	}
	b.WriteString("</Response>")
	return b.Bytes()
}
