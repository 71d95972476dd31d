package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// Outcomes of a delivery attempt.
const (
	// DeliveryDelivered: the other side accepted the response.
	DeliveryDelivered = "delivered"
	// DeliveryRetrying: the attempt failed and the worker will try again.
	DeliveryRetrying = "retrying"
	// DeliveryFailed: the attempt failed and no retry follows; the
	// response's writeback_status is failed.
	DeliveryFailed = "failed"
)

// DeliveryRetention is how long the delivery log keeps an attempt. The
// log is for seeing what happened lately (is the receiver up, why did the
// helpdesk refuse), not an archive.
const DeliveryRetention = 30 * 24 * time.Hour

// MaxDeliveryError is the longest error text kept, in characters.
const MaxDeliveryError = 500

// DeliveryAttempt is one attempt to write a response back through a
// connector: a signed callback (standard), a ticket note (zendesk), a
// CaseComment (salesforce). It holds no personal data: Error is built from
// providers' status lines and error codes, never from what they echo.
type DeliveryAttempt struct {
	ID          string `json:"id"`
	TenantID    string `json:"-"`
	ConnectorID string `json:"connector_id,omitempty"`
	// TeamID is set instead of ConnectorID for a team's notifications
	// (praise, alerts, digests), whose ResponseID is "" for a digest.
	TeamID     string `json:"team_id,omitempty"`
	ResponseID string `json:"response_id"`
	// Version is the response version the attempt was for; a comment
	// added after the score is version 2, and so on.
	Version   int    `json:"version"`
	EventType string `json:"event_type"`
	// Attempt counts the tries of one version, from 1.
	Attempt int `json:"attempt"`
	// StatusCode is the HTTP status the other side answered; 0 (left out
	// of JSON) when no answer came (timeout, refused connection) or the
	// connector kind does not report it.
	StatusCode int       `json:"status_code,omitempty"`
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// deliveryCols are the columns of a delivery log; owner is the column of
// what the log belongs to (connector_id, team_id).
func deliveryCols(owner string) string {
	return `id, tenant_id, ` + owner + `, response_id, version, event_type, attempt, status_code, outcome, error, created_at`
}

// A delivery log: its table, and the column naming its owner.
type deliveryLog struct{ table, owner, thing string }

var (
	connectorLog = deliveryLog{"callback_deliveries", "connector_id", "connector"}
	teamLog      = deliveryLog{"team_deliveries", "team_id", "team"}
)

// RecordDelivery adds an attempt to its connector's delivery log and
// prunes that connector's attempts older than DeliveryRetention, so that
// the log needs no sweep of its own. d.ID and d.CreatedAt are set; an
// error text over MaxDeliveryError characters is cut. A connector that no
// longer exists is a not-found error.
func (s *Store) RecordDelivery(ctx context.Context, d *DeliveryAttempt) error {
	return s.recordAttempt(ctx, connectorLog, d.ConnectorID, d)
}

// RecordTeamDelivery adds an attempt to a team's notification log, as
// RecordDelivery does for a connector's.
func (s *Store) RecordTeamDelivery(ctx context.Context, d *DeliveryAttempt) error {
	return s.recordAttempt(ctx, teamLog, d.TeamID, d)
}

func (s *Store) recordAttempt(ctx context.Context, log deliveryLog, owner string, d *DeliveryAttempt) error {
	switch d.Outcome {
	case DeliveryDelivered, DeliveryRetrying, DeliveryFailed:
	default:
		return plaudit.Errorf(plaudit.EInvalid, "unknown delivery outcome %q", d.Outcome)
	}
	if d.Attempt < 1 {
		d.Attempt = 1
	}
	if d.ID == "" {
		d.ID = keyring.ID("dlv")
	}
	d.Error = cutRunes(d.Error, MaxDeliveryError)
	d.CreatedAt = s.clock()
	var status any
	if d.StatusCode != 0 {
		status = d.StatusCode
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO `+log.table+` (`+deliveryCols(log.owner)+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			d.ID, d.TenantID, owner, d.ResponseID, d.Version, d.EventType, d.Attempt, status, d.Outcome, d.Error,
			s.ts(d.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`DELETE FROM `+log.table+` WHERE tenant_id = $1 AND `+log.owner+` = $2 AND created_at < $3`,
			d.TenantID, owner, s.ts(d.CreatedAt.Add(-DeliveryRetention)))
		return err
	})
	switch {
	case s.d.isUnique(err):
		return plaudit.Errorf(plaudit.EConflict, "delivery attempt with this id exists")
	case s.d.isForeignKey(err):
		return notFound(log.thing)
	case err != nil:
		return fmt.Errorf("store: record delivery: %w", err)
	}
	return nil
}

// ListDeliveries returns one connector's delivery log, newest first.
// limit defaults to 100 and is at most 1000.
func (s *Store) ListDeliveries(ctx context.Context, tenantID, connectorID string, limit int) ([]DeliveryAttempt, error) {
	return s.listAttempts(ctx, connectorLog, tenantID, connectorID, limit)
}

// ListTeamDeliveries returns one team's notification log, newest first.
func (s *Store) ListTeamDeliveries(ctx context.Context, tenantID, teamID string, limit int) ([]DeliveryAttempt, error) {
	return s.listAttempts(ctx, teamLog, tenantID, teamID, limit)
}

func (s *Store) listAttempts(ctx context.Context, log deliveryLog, tenantID, owner string, limit int) ([]DeliveryAttempt, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+deliveryCols(log.owner)+` FROM `+log.table+`
		 WHERE tenant_id = $1 AND `+log.owner+` = $2
		 ORDER BY created_at DESC, attempt DESC, id DESC LIMIT $3`,
		tenantID, owner, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	defer rows.Close()
	out := []DeliveryAttempt{}
	for rows.Next() {
		var (
			d      DeliveryAttempt
			status sql.NullInt64
		)
		ownerDest := &d.ConnectorID
		if log.owner == teamLog.owner {
			ownerDest = &d.TeamID
		}
		if err := rows.Scan(&d.ID, &d.TenantID, ownerDest, &d.ResponseID, &d.Version, &d.EventType, &d.Attempt,
			&status, &d.Outcome, &d.Error, timeDest{&d.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: list deliveries: %w", err)
		}
		d.StatusCode = int(status.Int64)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	return out, nil
}

// cutRunes returns s cut to at most n characters.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
