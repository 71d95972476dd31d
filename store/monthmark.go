package store

import (
	"context"
	"database/sql"
	"errors"
)

// markMonthIn is markMonth for a transaction, without the lock that makes
// every writer of a busy month wait for the others.
//
// markMonth's upsert locks the month's row even when the month is dirty
// already and nothing is written, until the transaction ends; so every
// transaction that changes a request of a tenant's month (each send, each
// delivery report) queued behind the one before it, commit included
// (measured: 150 ms a statement, 1,000 sends a second at most, on
// PostgreSQL; docs/benchmarks.md). A month marked dirty already needs only
// to stay dirty until this transaction commits: a share lock on the row
// holds off a rebuild (which clears the mark first, taking the row
// exclusively) while letting other writers through. Rows locked
// exclusively, by a rebuild or by a writer marking the month, are skipped
// (SKIP LOCKED) rather than waited for, and then the upsert runs as
// before, so a share lock is never upgraded and no two writers deadlock.
//
// lock is the engine's clause for that (dialect.shareLockSkip); without
// one (SQLite, whose writers take turns anyway) this is markMonth.
func markMonthIn(ctx context.Context, tx queryer, lock, tenantID, day string) error {
	if lock != "" {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM report_months WHERE tenant_id = $1 AND month = $2 AND dirty = $3`+lock,
			tenantID, day[:7], true).Scan(&one)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return markMonth(ctx, tx, tenantID, day)
}
