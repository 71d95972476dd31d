package plaudit

import "time"

// OutboxEntry is a message the outbox kept instead of sending it
// (PLAUDIT_OUTBOX). It is kept in the store, so that a worker's messages
// can be looked at through any api process, and Message (the message as
// JSON: addresses, names, text) is sealed there, being personal data.
type OutboxEntry struct {
	ID, TenantID, Channel string
	Message               []byte
	CreatedAt             time.Time
}
