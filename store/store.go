// Package store keeps Plaudit's state in SQLite (one process on a laptop) or
// PostgreSQL (replicas in production) behind one Store type on database/sql.
//
// The SQL is written once, with $n placeholders, RETURNING and ON CONFLICT,
// which both engines accept; what differs between them (column types, time
// encoding, error codes, locking, WAL housekeeping) lives in sqlite.go and
// postgres.go. Tenant-scoped methods take the tenant id and filter on it in
// the statement itself, so no query crosses tenants by accident.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// Store is the source of truth for tenants, connectors, agents,
// interactions, feedback requests, responses and the records around them.
// It is safe for concurrent use.
type Store struct {
	// db is for reads, w for writes. On PostgreSQL they are one pool. On
	// SQLite, which allows one writer at a time, w is a single connection:
	// writers queue in database/sql, in order, instead of polling the file
	// lock in busy_timeout sleeps, and the WAL checkpoint after an erasure
	// does not compete with other writers for the lock.
	db *sql.DB
	w  *sql.DB
	d  *dialect
	kr *keyring.Keyring
	// path is the SQLite database file ("" on PostgreSQL), kept so that
	// erasure can be verified against the bytes on disk.
	path string
	// now is the clock for timestamps the caller does not pass; tests
	// replace it.
	now func() time.Time
	// claimTimeout is how long a claim on a send lasts (SetClaimTimeout);
	// zero means DefaultClaimTimeout.
	claimTimeout time.Duration
	// counter counts what is sent to the database (count.go).
	counter *sqlCounter
	// dir caches tenants and agents for the decisions (directory.go).
	dir directoryCache
	// inserts batches the ingest path's interaction inserts.
	inserts *groupCommit
	// pageKeyVal keys the hashes of page tokens (tokens.go), read once.
	pageKeyMu  sync.Mutex
	pageKeyVal []byte
}

// dialect is everything that differs between the engines. Each engine fills
// one in its own file; nothing else in the package asks which engine it is.
type dialect struct {
	name string
	// migrations is the directory under migrations/ holding this engine's
	// versioned schema files.
	migrations string
	// bootstrap creates the schema_migrations table.
	bootstrap string
	// lockMigrations, when set, runs first in every migration transaction
	// so that concurrent processes apply each version once.
	lockMigrations string
	// timeArg turns a normalized UTC instant into the value bound for a
	// timestamp column.
	timeArg func(time.Time) any
	// isUnique and isForeignKey classify constraint violations.
	isUnique     func(error) bool
	isForeignKey func(error) bool
	// insertLanes is how many interaction batches may be written at
	// once; insertInteractions writes a batch in one statement or
	// transaction, setting each call's created and err, or fails as a
	// whole (nil: one commit per row).
	insertLanes        int
	insertInteractions func(ctx context.Context, s *Store, batch []*insertCall) error
	// monthLockShared and monthLock take a tenant's month ($1, $2) lock
	// for the rest of the transaction, shared (a writer marking the month)
	// or exclusive (a rebuild of its sums): markMonthIn. "" on an engine
	// whose writers take turns.
	monthLockShared, monthLock string
	// afterErase runs after personal data was deleted, to push the deleted
	// bytes out of journals; nil when the engine needs nothing.
	afterErase func(ctx context.Context, db *sql.DB) error
	// isoWeek is SQL naming the ISO week ("2026-W09") of the yyyy-mm-dd
	// text in col.
	isoWeek func(col string) string
}

// Open opens (and for SQLite creates) the database: url "" or "sqlite:" path
// forms → SQLite file, "postgres://…" / "postgresql://…" → PostgreSQL. It does
// NOT migrate; call Migrate.
//
// With "" or a bare "sqlite:" the file is <dataDir>/plaudit.db;
// "sqlite:/abs/path.db", "sqlite:///abs/path.db" and "sqlite:rel/path.db"
// name the file directly.
func Open(ctx context.Context, databaseURL string, dataDir string, kr *keyring.Keyring) (*Store, error) {
	if kr == nil {
		return nil, errors.New("store: open: keyring is required")
	}
	var (
		s   *Store
		err error
	)
	switch {
	case databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:"):
		s, err = openSQLite(databaseURL, dataDir)
	case strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://"):
		s, err = openPostgres(databaseURL)
	default:
		scheme, _, _ := strings.Cut(databaseURL, ":")
		return nil, plaudit.Errorf(plaudit.EInvalid, "DATABASE_URL: unsupported scheme %q (use postgres:// or sqlite:)", scheme)
	}
	if err != nil {
		return nil, err
	}
	s.kr = kr
	s.now = time.Now
	s.inserts = newGroupCommit(max(s.d.insertLanes, 1), maxInsertBatch, s.writeInteractions)
	// The writer first: on a new SQLite file it is the one that switches
	// the journal to WAL.
	if err := s.pingBoth(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", s.d.name, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.w != s.db {
		if werr := s.w.Close(); err == nil {
			err = werr
		}
	}
	return err
}

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pingBoth(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *Store) pingBoth(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return err
	}
	return s.db.PingContext(ctx)
}

// Engine names the engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.d.name }

// clock returns the current time as the store keeps it.
func (s *Store) clock() time.Time { return dbTime(s.now()) }

// queryer is what both *sql.DB and *sql.Tx offer, so that helpers run
// inside or outside a transaction.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// queryAll runs query and scans every row with scan. The result is an
// empty slice, never nil, when no row matches.
func queryAll[T any](ctx context.Context, q queryer, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// inTx runs fn in one transaction. On SQLite the transaction begins
// IMMEDIATE (see sqlite.go), so it holds the write lock from the start and
// never fails half-way with SQLITE_BUSY.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// notFound is the error every lookup returns for a missing row.
func notFound(thing string) error {
	return plaudit.Errorf(plaudit.ENotFound, "%s not found", thing)
}

// one maps sql.ErrNoRows to a not-found error and wraps anything else.
func one(err error, thing string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(thing)
	}
	return fmt.Errorf("store: get %s: %w", thing, err)
}

// mustAffect turns "no row changed" into a not-found error.
func mustAffect(res sql.Result, thing string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", thing, err)
	}
	if n == 0 {
		return notFound(thing)
	}
	return nil
}

// Limits of list methods: callers page through history in bounded chunks.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// where builds a WHERE clause with numbered placeholders, for filters
// whose fields are optional.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; "?" in cond stands for the next placeholder.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1))
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

// next is the placeholder after the current arguments, for LIMIT.
func (w *where) next(arg any) string {
	w.args = append(w.args, arg)
	return fmt.Sprintf("$%d", len(w.args))
}

// before keeps the rows listed after a cursor in a list ordered by
// created_at DESC, id DESC: older, or as old with a smaller id. The plain
// "created_at <= at" is what the (tenant_id, created_at) index can start
// from: without it PostgreSQL reads every newer row to reach the cursor.
func (w *where) before(at any, id string) {
	a, i := w.next(at), w.next(id)
	w.conds = append(w.conds, "created_at <= "+a, "(created_at < "+a+" OR (created_at = "+a+" AND id < "+i+"))")
}

// agents narrows to the agents a caller may see: nil leaves all, an empty
// list keeps nothing.
func (w *where) agents(ids []string) {
	switch {
	case ids == nil:
	case len(ids) == 0:
		w.conds = append(w.conds, "1 = 0")
	default:
		w.in("agent_id", ids)
	}
}

// in appends "col IN (…)" with one placeholder per value.
func (w *where) in(col string, values []string) {
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = w.next(v)
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ph, ", ")+")")
}
