package store

import (
	"context"
	"database/sql"
	"errors"
)

// markMonthIn is markMonth for a transaction, without the row lock that
// made every writer of a busy month wait for the others.
//
// markMonth's upsert locks the month's row even when the month is dirty
// already and nothing is written, until the transaction ends; so every
// transaction that changed a request of a tenant's month (each send, each
// delivery report) queued behind the one before it, commit included
// (measured on PostgreSQL: 45–150 ms a statement under load, the largest
// cost of a send; docs/benchmarks.md). A month marked dirty already only
// has to stay dirty until this transaction commits. So a writer first
// takes the month's lock shared (monthLockShared: writers do not wait for
// each other), and a rebuild takes it exclusively before it clears the
// mark (rebuildMonth): a rebuild waits for the writers in flight, whose
// changes its sums then include, and a writer that comes during a rebuild
// waits for it and then finds the mark cleared and sets it again. Under
// the shared lock, a month found dirty is left as it is; one that is not
// is marked with markMonth's upsert.
//
// On an engine without such locks (SQLite, whose writers take turns
// anyway) this is markMonth.
func markMonthIn(ctx context.Context, tx queryer, d *dialect, tenantID, day string) error {
	if d.monthLockShared == "" {
		return markMonth(ctx, tx, tenantID, day)
	}
	month := day[:7]
	if _, err := tx.ExecContext(ctx, d.monthLockShared, tenantID, month); err != nil {
		return err
	}
	// A statement of its own, after the lock: its snapshot must be
	// taken once any rebuild it waited for has committed.
	var dirty bool
	err := tx.QueryRowContext(ctx, `SELECT dirty FROM report_months WHERE tenant_id = $1 AND month = $2`,
		tenantID, month).Scan(&dirty)
	switch {
	case err == nil && dirty:
		return nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return markMonth(ctx, tx, tenantID, day)
}

// lockMonth takes a month's lock exclusively, for a rebuild of its sums
// (see markMonthIn); nothing on an engine without such locks.
func lockMonth(ctx context.Context, tx queryer, d *dialect, tenantID, month string) error {
	if d.monthLock == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, d.monthLock, tenantID, month)
	return err
}
