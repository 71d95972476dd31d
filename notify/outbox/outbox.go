// Package outbox keeps the emails and texts Plaudit would have sent, in
// memory, when no provider is configured (the embedded mode of a laptop
// run), so that every message can be looked at locally.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// DefaultMax is how many messages an outbox keeps when New is given no
// positive max.
const DefaultMax = 1000

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

// tenantID is the tenant that sent the message.
func (m Message) tenantID() string {
	if m.Email != nil {
		return m.Email.TenantID
	}
	if m.SMS != nil {
		return m.SMS.TenantID
	}
	return ""
}

// copy returns m with its own Email or SMS, so that callers cannot change
// what the outbox holds.
func (m Message) copy() Message {
	if m.Email != nil {
		e := *m.Email
		m.Email = &e
	}
	if m.SMS != nil {
		s := *m.SMS
		m.SMS = &s
	}
	return m
}

// Outbox is a ring of the last max messages. It implements
// notify.EmailSender and notify.SMSSender and is safe for concurrent use.
type Outbox struct {
	logger      *slog.Logger
	previewBase string
	now         func() time.Time

	mu   sync.Mutex
	max  int
	msgs []Message // oldest first
}

var (
	_ notify.EmailSender = (*Outbox)(nil)
	_ notify.SMSSender   = (*Outbox)(nil)
)

// New returns an outbox that keeps the last max messages (DefaultMax when
// max < 1). Each stored message is logged with its preview link,
// previewBase + "/" + id; logger nil means slog.Default().
func New(max int, logger *slog.Logger, previewBase string) *Outbox {
	if max < 1 {
		max = DefaultMax
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Outbox{
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
	return o.store(ctx, Message{Channel: plaudit.ChannelEmail, Email: &m}, m.TenantID, m.RequestID)
}

// SendSMS stores m and returns its outbox id.
func (o *Outbox) SendSMS(ctx context.Context, m notify.SMS) (string, error) {
	if m.To == "" {
		return "", plaudit.Permanent("outbox: no recipient", nil)
	}
	return o.store(ctx, Message{Channel: plaudit.ChannelSMS, SMS: &m}, m.TenantID, m.RequestID)
}

func (o *Outbox) store(ctx context.Context, m Message, tenantID, requestID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("outbox: id: %w", err)
	}
	m.ID = "ob_" + hex.EncodeToString(b[:])
	m.CreatedAt = o.now().UTC()

	o.mu.Lock()
	o.msgs = append(o.msgs, m)
	if over := len(o.msgs) - o.max; over > 0 {
		// Drop the oldest, and clear the slots left behind so that the
		// backing array keeps no stale copy reachable (erasure relies on
		// that).
		n := copy(o.msgs, o.msgs[over:])
		clear(o.msgs[n:])
		o.msgs = o.msgs[:n]
	}
	o.mu.Unlock()

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
func (o *Outbox) List() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, 0, len(o.msgs))
	for i := len(o.msgs) - 1; i >= 0; i-- {
		out = append(out, o.msgs[i].copy())
	}
	return out
}

// Get returns the message with id.
func (o *Outbox) Get(id string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range o.msgs {
		if m.ID == id {
			return m.copy(), true
		}
	}
	return Message{}, false
}

// Purge removes every message to address (an email address, compared
// without regard to case, or an E.164 number) and returns how many it
// removed, whichever tenant sent them.
func (o *Outbox) Purge(address string) int {
	address = strings.TrimSpace(address)
	if address == "" {
		return 0
	}
	return o.remove(func(m Message) bool { return strings.EqualFold(strings.TrimSpace(m.recipient()), address) })
}

// PurgeTenant removes the messages one tenant sent to address, or all of
// the tenant's messages when address is "", and returns how many it
// removed. Erasure requests and tenant deletion call it so that no copy
// stays in memory, without touching what other tenants sent.
func (o *Outbox) PurgeTenant(tenantID, address string) int {
	address = strings.TrimSpace(address)
	if tenantID == "" {
		return 0
	}
	return o.remove(func(m Message) bool {
		return m.tenantID() == tenantID && (address == "" || strings.EqualFold(strings.TrimSpace(m.recipient()), address))
	})
}

// remove drops the messages drop selects and clears the slots left behind,
// so that the backing array keeps no copy reachable.
func (o *Outbox) remove(drop func(Message) bool) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	kept := o.msgs[:0]
	for _, m := range o.msgs {
		if drop(m) {
			continue
		}
		kept = append(kept, m)
	}
	n := len(o.msgs) - len(kept)
	clear(o.msgs[len(kept):])
	o.msgs = kept
	return n
}
