// Package outbox keeps the emails and texts Plaudit would have sent, while
// PLAUDIT_OUTBOX is on (the default of a laptop run without providers), so
// that every message can be looked at at /dev/outbox.
//
// The messages are kept in the store, not in memory: with `plaudit api`
// and `plaudit worker` in separate processes, what the worker kept is
// shown by the api, and the preview link in the worker's log works.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// DefaultMax is how many messages an outbox keeps when New is given no
// positive max.
const DefaultMax = 1000

// Store keeps the outbox's messages (store.Store), sealed.
type Store interface {
	AddOutbox(ctx context.Context, e plaudit.OutboxEntry, keep int) error
	ListOutbox(ctx context.Context, tenantID string, limit int) ([]plaudit.OutboxEntry, error)
	GetOutbox(ctx context.Context, id string) (plaudit.OutboxEntry, error)
	DeleteOutbox(ctx context.Context, ids []string) (int, error)
}

// Message is one stored message; exactly one of Email and SMS is set.
type Message struct {
	ID        string        `json:"id"`
	Channel   string        `json:"channel"` // plaudit.ChannelEmail or plaudit.ChannelSMS
	Email     *notify.Email `json:"email,omitempty"`
	SMS       *notify.SMS   `json:"sms,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

// recipient is the address the message went to.
func (m Message) recipient() string {
	if m.Email != nil {
		return m.Email.To
	}
	if m.SMS != nil {
		return m.SMS.To
	}
	return ""
}

// Outbox keeps the last max messages in its store. It implements
// notify.EmailSender and notify.SMSSender and is safe for concurrent use.
type Outbox struct {
	store       Store
	logger      *slog.Logger
	previewBase string
	now         func() time.Time
	max         int
}

var (
	_ notify.EmailSender = (*Outbox)(nil)
	_ notify.SMSSender   = (*Outbox)(nil)
)

// New returns an outbox that keeps the last max messages (DefaultMax when
// max < 1) in st. Each stored message is logged with its preview link,
// previewBase + "/" + id; logger nil means slog.Default().
func New(st Store, max int, logger *slog.Logger, previewBase string) *Outbox {
	if max < 1 {
		max = DefaultMax
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Outbox{
		store:       st,
		logger:      logger,
		previewBase: strings.TrimRight(previewBase, "/"),
		now:         time.Now,
		max:         max,
	}
}

// SendEmail stores m and returns its outbox id.
func (o *Outbox) SendEmail(ctx context.Context, m notify.Email) (string, error) {
	if m.To == "" {
		return "", plaudit.Permanent("outbox: no recipient", nil)
	}
	return o.keep(ctx, Message{Channel: plaudit.ChannelEmail, Email: &m}, m.TenantID, m.RequestID)
}

// SendSMS stores m and returns its outbox id.
func (o *Outbox) SendSMS(ctx context.Context, m notify.SMS) (string, error) {
	if m.To == "" {
		return "", plaudit.Permanent("outbox: no recipient", nil)
	}
	return o.keep(ctx, Message{Channel: plaudit.ChannelSMS, SMS: &m}, m.TenantID, m.RequestID)
}

func (o *Outbox) keep(ctx context.Context, m Message, tenantID, requestID string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("outbox: id: %w", err)
	}
	m.ID = "ob_" + hex.EncodeToString(b[:])
	m.CreatedAt = o.now().UTC()
	raw, err := json.Marshal(m)
	if err != nil {
		return "", plaudit.Permanent("outbox: encode", err)
	}
	e := plaudit.OutboxEntry{ID: m.ID, TenantID: tenantID, Channel: m.Channel, Message: raw, CreatedAt: m.CreatedAt}
	if err := o.store.AddOutbox(ctx, e, o.max); err != nil {
		return "", err // the store may take it on a retry
	}
	// Ids and a link only: the message itself is personal data.
	o.logger.InfoContext(ctx, "outbox: message stored",
		"channel", m.Channel,
		"id", m.ID,
		"tenant_id", tenantID,
		"request_id", requestID,
		"preview", o.previewBase+"/"+m.ID)
	return m.ID, nil
}

// List returns the stored messages, newest first.
func (o *Outbox) List(ctx context.Context) ([]Message, error) {
	return o.list(ctx, "")
}

func (o *Outbox) list(ctx context.Context, tenantID string) ([]Message, error) {
	entries, err := o.store.ListOutbox(ctx, tenantID, o.max)
	if err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(entries))
	for _, e := range entries {
		m, err := decode(e)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Get returns the message with id; an unknown id is a not-found error.
func (o *Outbox) Get(ctx context.Context, id string) (Message, error) {
	e, err := o.store.GetOutbox(ctx, id)
	if err != nil {
		return Message{}, err
	}
	return decode(e)
}

func decode(e plaudit.OutboxEntry) (Message, error) {
	var m Message
	if err := json.Unmarshal(e.Message, &m); err != nil {
		return m, fmt.Errorf("outbox: message %s: %w", e.ID, err)
	}
	return m, nil
}

// PurgeTenant removes the messages one tenant sent to address (an email
// address, compared without regard to case, or an E.164 number), or all
// of the tenant's messages when address is "", and returns how many it
// removed. Erasure requests call it so that no copy stays, without
// touching what other tenants sent.
func (o *Outbox) PurgeTenant(ctx context.Context, tenantID, address string) (int, error) {
	address = strings.TrimSpace(address)
	if tenantID == "" {
		return 0, nil
	}
	msgs, err := o.list(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var ids []string
	for _, m := range msgs {
		if address == "" || strings.EqualFold(strings.TrimSpace(m.recipient()), address) {
			ids = append(ids, m.ID)
		}
	}
	return o.store.DeleteOutbox(ctx, ids)
}
