package plaudit

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channels on which a feedback request is sent.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Agent is a support agent, shown to customers with photo, name and bio.
type Agent struct {
	ID          string            `json:"id"`
	TenantID    string            `json:"-"`
	Email       string            `json:"email"`
	Name        string            `json:"name"`
	Bio         string            `json:"bio"`
	PhotoURL    string            `json:"photo_url"`
	Hometown    string            `json:"hometown"`
	Approved    bool              `json:"approved"`
	ExternalIDs map[string]string `json:"external_ids"`
	// Team is the name of the agent's team ("" for none): its leads see
	// the agent.
	Team      string    `json:"team"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxBioLength is the longest bio an agent may have, in characters.
const MaxBioLength = 140

// DisplayName is the name customers see: first name and last initial
// ("Max M."), so that agents are not fully named to strangers.
func (a Agent) DisplayName() string {
	parts := strings.Fields(a.Name)
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	last, _ := utf8.DecodeRuneInString(parts[len(parts)-1])
	return parts[0] + " " + string(unicode.ToUpper(last)) + "."
}

// FirstName is the agent's first name, for SMS texts.
func (a Agent) FirstName() string {
	if f := strings.Fields(a.Name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// Interaction events.
const (
	EventSolved   = "solved"
	EventReopened = "reopened"
	EventOther    = "other"
)

// Interaction statuses.
const (
	InteractionReceived  = "received"
	InteractionProcessed = "processed"
)

// Customer is the person who asked for help.
type Customer struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Language string `json:"language,omitempty"`
	Country  string `json:"country,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
}

// AgentRef is how a helpdesk names the agent who solved the ticket.
type AgentRef struct {
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
	Name       string `json:"name,omitempty"`
}

// Interaction is one ticket event from a helpdesk or the trigger API.
type Interaction struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"-"`
	ConnectorID string    `json:"connector_id,omitempty"`
	Source      string    `json:"source"` // connector kind, or "api"
	DedupKey    string    `json:"-"`
	ExternalID  string    `json:"ext_interaction_id"` // ticket or case id
	Event       string    `json:"event"`
	Channel     string    `json:"channel,omitempty"`
	Customer    Customer  `json:"customer"`
	Agent       AgentRef  `json:"agent"`
	DoNotSend   bool      `json:"do_not_send"`
	Tags        []string  `json:"tags,omitempty"`
	Brand       string    `json:"brand,omitempty"`
	Test        bool      `json:"test"`
	NeedsEnrich bool      `json:"-"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
}

// Feedback request statuses.
const (
	RequestScheduled = "scheduled"
	RequestSending   = "sending"
	RequestSent      = "sent"
	RequestDelivered = "delivered"
	RequestBounced   = "bounced"
	RequestFailed    = "failed"
	RequestCanceled  = "canceled"
	RequestSkipped   = "skipped"
	RequestResponded = "responded"
)

// RequestStatuses lists every status a feedback request can have.
var RequestStatuses = []string{
	RequestScheduled, RequestSending, RequestSent, RequestDelivered, RequestBounced,
	RequestFailed, RequestCanceled, RequestSkipped, RequestResponded,
}

// OpenStatuses are the statuses of a request the customer may answer
// (within AnswerWindow of sending).
var OpenStatuses = []string{RequestSent, RequestDelivered, RequestResponded}

// AskedStatuses are the statuses of a request that went out or is about
// to: the ones that count for suppression_days.
var AskedStatuses = []string{RequestScheduled, RequestSending, RequestSent, RequestDelivered, RequestResponded}

// KnownRequestStatus reports whether status is one of RequestStatuses.
func KnownRequestStatus(status string) bool { return slices.Contains(RequestStatuses, status) }

// Transition is a guarded change of a request's status: it happens only
// while the request is in one of From, checked by the store in the same
// statement that writes To, so that two callers who read the same row can
// never both move it.
type Transition struct {
	From   []string
	To     string
	Reason string
	// DueAt is the new due time when To is RequestScheduled (a retry, the
	// end of quiet hours); it is left as it is otherwise.
	DueAt time.Time
}

// The transitions of a request after it was created. The send claim
// (scheduled → sending) and its mark (sending → sent) are the store's
// ClaimRequest and MarkRequestSent, which also record the attempt, the
// provider's id and the sending time.
var (
	// Answered: the customer's first answer.
	Answered = Transition{From: []string{RequestSent, RequestDelivered}, To: RequestResponded}
	// Delivered: the provider delivered the message.
	Delivered = Transition{From: []string{RequestSent}, To: RequestDelivered}
)

// Cancel ends a request that a worker has claimed but will not send.
func Cancel(reason string) Transition {
	return Transition{From: []string{RequestSending}, To: RequestCanceled, Reason: reason}
}

// Reschedule gives a claimed request back to the schedule, due at due (a
// retry after a provider failure, the end of quiet hours).
func Reschedule(due time.Time) Transition {
	return Transition{From: []string{RequestSending}, To: RequestScheduled, DueAt: due}
}

// Skip ends a claimed request that nothing can send after all (its
// channel lost its provider since it was scheduled).
func Skip(reason string) Transition {
	return Transition{From: []string{RequestSending}, To: RequestSkipped, Reason: reason}
}

// SendFailed ends a claimed request whose send failed for good.
func SendFailed(reason string) Transition {
	return Transition{From: []string{RequestSending}, To: RequestFailed, Reason: reason}
}

// Undeliverable records a provider's report that a message did not
// arrive (to is RequestFailed or RequestBounced). An answered request
// stays answered.
func Undeliverable(to, reason string) Transition {
	return Transition{From: []string{RequestSending, RequestSent, RequestDelivered}, To: to, Reason: reason}
}

// FeedbackRequest is one request for feedback to one customer about one
// interaction, or the record of a decision not to send one (status
// skipped, with Reason).
type FeedbackRequest struct {
	ID            string `json:"id"`
	TenantID      string `json:"-"`
	InteractionID string `json:"interaction_id"`
	ConnectorID   string `json:"connector_id,omitempty"`
	AgentID       string `json:"agent_id,omitempty"`
	TicketID      string `json:"ticket_id"`
	// Team is the agent's team when the request was made: like the
	// agent, it is fixed then and never recomputed.
	Team          string     `json:"team,omitempty"`
	Token         string     `json:"-"`
	Channel       string     `json:"channel,omitempty"`
	Recipient     string     `json:"-"` // email or E.164 phone: personal data
	RecipientHash string     `json:"-"` // keyed hash, for suppression look-ups
	Language      string     `json:"language"`
	Status        string     `json:"status"`
	Reason        string     `json:"reason,omitempty"`
	Test          bool       `json:"test"`
	DueAt         time.Time  `json:"due_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	ProviderID    string     `json:"provider_id,omitempty"`
	Attempts      int        `json:"attempts"`
	// Sender is the number or Messaging Service SID an SMS went out from;
	// replies are matched by it.
	Sender string `json:"-"`
	// ReminderStatus is "" until the one reminder is claimed (Reminder*
	// constants); RemindedAt is when it went out, or when it was claimed,
	// failed or skipped.
	ReminderStatus string     `json:"reminder_status,omitempty"`
	RemindedAt     *time.Time `json:"reminded_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// AbandonedAt is set on the row a claim returns (of the first message
	// or of the reminder) when that claim took over one a dead worker left
	// behind: the time of the abandoned claim, from which the provider may
	// have taken the message. Zero for a fresh claim and everywhere else.
	AbandonedAt time.Time `json:"-"`
}

// Reminder statuses of a feedback request. A request gets at most one
// reminder: nothing moves a reminder back from ReminderSent.
const (
	ReminderSending = "sending"
	ReminderSent    = "sent"
	ReminderFailed  = "failed"
	ReminderSkipped = "skipped"
)

// Open reports whether a customer may still answer the request.
func (r FeedbackRequest) Open() bool { return slices.Contains(OpenStatuses, r.Status) }

// Response sources.
const (
	SourcePage  = "page"
	SourceSMS   = "sms"
	SourceEmail = "email"
)

// Writeback statuses.
const (
	WritebackPending = "pending"
	WritebackDone    = "done"
	WritebackFailed  = "failed"
	WritebackNone    = "none" // no connector to write to (trigger API without callback)
)

// Response is a customer's answer to a feedback request.
type Response struct {
	ID          string   `json:"id"`
	TenantID    string   `json:"-"`
	RequestID   string   `json:"request_id"`
	AgentID     string   `json:"agent_id,omitempty"`
	TicketID    string   `json:"ticket_id"`
	Score       int      `json:"score"`
	Comment     string   `json:"comment,omitempty"`
	Excellence  []string `json:"excellence,omitempty"`
	Improvement []string `json:"improvement,omitempty"`
	Reward      bool     `json:"reward"`
	Source      string   `json:"source"`
	Automated   bool     `json:"likely_automated"`
	Test        bool     `json:"test"`
	// Version grows with each change; WrittenVersion is the version last
	// written back, so each change is written back once.
	Version        int `json:"version"`
	WrittenVersion int `json:"written_version"`
	// WritingVersion is the version a worker has claimed to write back;
	// no claim is held when it is not above WrittenVersion.
	WritingVersion  int    `json:"-"`
	WritebackStatus string `json:"writeback_status"`
	WritebackError  string `json:"writeback_error,omitempty"`
	// Exclusion, when set, keeps the response out of the agent's figures.
	Exclusion *Exclusion `json:"exclusion,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Areas a customer can pick on the feedback page.
var (
	ExcellenceAreas  = []string{"friendly", "fast", "knowledgeable", "clear", "went_extra_mile"}
	ImprovementAreas = []string{"speed", "clarity", "knowledge", "friendliness", "solution"}
)

// Suppression keeps a customer address from getting requests. Only a keyed
// hash of the address is kept, so an opt-out survives erasure.
type Suppression struct {
	TenantID    string `json:"-"`
	AddressHash string `json:"address_hash"`
	// Reason says who asked: the customer (SuppressUnsubscribe,
	// SuppressEmailReply, "sms_stop", "sms_opted_out"), the provider
	// ("email_bounced", "email_dropped", "email_spam_report") or an admin
	// (SuppressAdmin).
	Reason string `json:"reason"`
	// Channel is the kind of address: ChannelEmail or ChannelSMS ("" for
	// suppressions recorded before it was kept).
	Channel   string     `json:"channel"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Reasons of the suppressions that Plaudit itself records for a customer's
// objection (besides SMS STOP) and for an admin.
const (
	SuppressUnsubscribe = "unsubscribe" // the unsubscribe page, or a mail provider's one-click POST
	SuppressEmailReply  = "email_reply" // an email reply that says STOP, unsubscribe, abmelden, …
	SuppressAdmin       = "admin"       // POST /api/v1/suppressions
)

// CustomerMayUndo reports whether the customer may lift a suppression
// themselves on the unsubscribe page: only the ones they made there or by
// email. STOP is lifted by START (the carrier blocks the number until
// then); bounces, spam reports and an admin's entries are not theirs to
// lift.
func (s Suppression) CustomerMayUndo() bool {
	return s.Reason == SuppressUnsubscribe || s.Reason == SuppressEmailReply
}

// AddressChannel is the channel an address belongs to: ChannelEmail for an
// email address, ChannelSMS for anything else (an E.164 number).
func AddressChannel(address string) string {
	if strings.Contains(address, "@") {
		return ChannelEmail
	}
	return ChannelSMS
}

// AuditEvent records who did what, when, on what. It never holds personal
// data in clear: addresses appear as keyed hashes.
type AuditEvent struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	Actor     string    `json:"actor"` // "key:<id>" or "operator"
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Detail    string    `json:"detail,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// AnswerWindow is how long after sending a customer may still answer.
const AnswerWindow = 30 * 24 * time.Hour

// Answerable reports whether the customer may answer the request now: it
// was sent, and not longer ago than AnswerWindow.
func (r FeedbackRequest) Answerable(now time.Time) bool {
	return r.Open() && r.SentAt != nil && now.Sub(*r.SentAt) <= AnswerWindow
}
