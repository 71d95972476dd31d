package plaudit

import "time"

// What email and SMS providers tell Plaudit about messages: the fate of a
// message it sent (a delivery event) and a customer's message back (an
// inbound reply). The provider packages (notify/sendgrid, notify/twilio)
// parse their wire formats into these; the feedback service applies them.

// Delivery outcomes: what happened to a message Plaudit sent.
const (
	OutcomeDelivered = "delivered"
	OutcomeBounced   = "bounced"   // hard bounce: the address does not work
	OutcomeFailed    = "failed"    // soft failure: blocked, dropped, undelivered
	OutcomeComplaint = "complaint" // spam report: the message stays as it was
)

// DeliveryEvent is one provider event about one message Plaudit sent.
type DeliveryEvent struct {
	// Provider names who reported it ("sendgrid", "twilio").
	Provider string
	// EventID identifies the event across the provider's redeliveries;
	// "" when the provider gives none.
	EventID string
	// TenantID and RequestID name the request, from the custom args or the
	// callback URL set when sending; both "" when the provider did not
	// carry them, and ProviderID is then used to find the request.
	TenantID, RequestID string
	// ProviderID is the provider's id of the message, as it answered the
	// send.
	ProviderID string
	// Event is the provider's own name of what happened (SendGrid's
	// event, Twilio's MessageStatus), kept as evidence that the provider
	// took the message (ProviderMessage).
	Event string
	// Outcome is one of the Outcome constants, or "" for an event that
	// changes nothing (processed, queued, open, …).
	Outcome string
	// Reminder marks the events of a reminder: they leave the request as
	// its first message left it.
	Reminder bool
	// Reason is a short, data-free text kept on a failed request
	// ("sendgrid: bounce", "twilio: undelivered 30003").
	Reason string
	// Suppress, when not "", is the reason the address must get no more
	// requests ("email_bounced", "sms_opted_out").
	Suppress string
	// Address is the recipient as the provider reported it, for when the
	// request no longer holds it. Personal data: never logged.
	Address string
}

// ProviderMessage is a provider's word that it took one message Plaudit
// sent: its answer to the send (EventAccepted) or an event it reported
// about the message. It is the evidence that keeps a message whose sender
// died before recording it from being sent twice. Ids only.
type ProviderMessage struct {
	TenantID, RequestID string
	// Reminder marks the request's reminder rather than its first message.
	Reminder bool
	Channel  string
	// ProviderID is the provider's id of the message.
	ProviderID string
	// Event is EventAccepted or the provider's name of the event
	// ("processed", "delivered", "sent", …).
	Event string
	At    time.Time
}

// EventAccepted is the event of a provider's answer to the send itself.
const EventAccepted = "accepted"

// InboundReply is a customer's message to Plaudit: an SMS, or an email
// reply to a feedback request.
type InboundReply struct {
	// Channel is ChannelSMS or ChannelEmail.
	Channel string
	// MessageID identifies the message across the provider's
	// redeliveries; "" when the provider gives none.
	MessageID string
	// From is the sender: an E.164 number or an email address. Personal
	// data: never logged.
	From string
	// To holds where it was sent: for SMS the number (or Messaging Service
	// SID) it reached, for email the recipient addresses.
	To []string
	// Text is what the customer wrote, as UTF-8 plain text (for email, the
	// body with quoted text and signatures still in; see reply.EmailText).
	Text string
	// HTML is an email's HTML body, when it had one.
	HTML string
	// Subject is an email's subject: "unsubscribe" there (a mail client's
	// List-Unsubscribe mailto:) opts out like the word in the body.
	Subject string
}

// Clean drops what the store cannot keep (NUL, invalid UTF-8) and other
// control characters from what a provider reported: refusing the event
// would have the provider retry it for ever over a character nobody sees.
func (e *DeliveryEvent) Clean() {
	for _, f := range []*string{&e.Provider, &e.EventID, &e.TenantID, &e.RequestID, &e.ProviderID,
		&e.Event, &e.Outcome, &e.Reason, &e.Suppress, &e.Address} {
		*f = CleanText(*f)
	}
}

// Clean drops what the store cannot keep, and control characters but line
// breaks and tabs from the text, as DeliveryEvent.Clean does.
func (m *InboundReply) Clean() {
	m.Channel, m.MessageID, m.From, m.Subject = CleanText(m.Channel), CleanText(m.MessageID), CleanText(m.From), CleanText(m.Subject)
	for i := range m.To {
		m.To[i] = CleanText(m.To[i])
	}
	m.Text, m.HTML = CleanMultiline(m.Text), CleanMultiline(m.HTML)
}
