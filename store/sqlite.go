package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteReadConns bounds the read pool: WAL lets readers run beside the one
// writer.
const sqliteReadConns = 8

// checkpointPatience bounds how long erasure waits for a quiet moment to
// truncate the WAL.
const checkpointPatience = 15 * time.Second

func sqliteDialect() *dialect {
	return &dialect{
		name:       "sqlite",
		migrations: "sqlite",
		bootstrap: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		) STRICT`,
		// Transactions begin IMMEDIATE (_txlock in the DSN), which already
		// serializes migrations across processes.
		lockMigrations: "",
		timeArg:        func(t time.Time) any { return t.Format(sqliteTimeLayout) },
		isUnique: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
		isForeignKey: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
		},
		afterErase:         sqliteCheckpoint,
		insertLanes:        1, // one writer
		isoWeek:            func(col string) string { return "strftime('%G-W%V', " + col + ")" },
		insertInteractions: sqliteInsertInteractions,
	}
}

// sqliteInsertInteractions writes a batch as one transaction of one-row
// inserts: statements run in-process, so what the batch saves is the
// commits. A row that breaks a constraint is undone alone (SQLite rolls
// back the statement, not the transaction) and fails alone.
func sqliteInsertInteractions(ctx context.Context, s *Store, batch []*insertCall) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range batch {
		res, err := tx.ExecContext(ctx, insertInteractionSQL, c.row.args(s)...)
		c.created, c.err = s.inserted(res, err)
		if c.err != nil && !s.d.isUnique(err) && !s.d.isForeignKey(err) {
			return err // not this row's fault: write them one by one
		}
	}
	return tx.Commit()
}

// sqlitePath resolves the file a "" or "sqlite:…" URL names.
func sqlitePath(databaseURL, dataDir string) (string, error) {
	p := strings.TrimPrefix(databaseURL, "sqlite:")
	p = strings.TrimPrefix(p, "//") // sqlite:///abs/x.db → /abs/x.db
	if p == "" {
		if dataDir == "" {
			dataDir = "."
		}
		p = filepath.Join(dataDir, "plaudit.db")
	}
	if p == ":memory:" || strings.HasPrefix(p, "file:") {
		// Each pooled connection would get its own empty database.
		return "", fmt.Errorf("store: sqlite %q is not supported: give a file path", p)
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("store: sqlite path %q must not contain '?' or '#'", p)
	}
	return p, nil
}

func openSQLite(databaseURL, dataDir string) (*Store, error) {
	path, err := sqlitePath(databaseURL, dataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	// Create the file owner-only before SQLite does: it holds personal
	// data, and SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: create sqlite file: %w", err)
	}
	f.Close()

	// The pragmas are set through the DSN so that every pooled connection
	// gets them, not just the first one:
	//   - busy_timeout first, so that the others wait rather than fail when
	//     another connection holds the lock;
	//   - WAL, so that readers never block the writer;
	//   - foreign_keys, off by default in SQLite, for the cascades in the
	//     schema;
	//   - synchronous NORMAL, durable enough in WAL mode at a fraction of
	//     FULL's fsyncs;
	//   - secure_delete, so that erased personal data is overwritten with
	//     zeros instead of lingering in free pages.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "secure_delete(ON)"} {
		q.Add("_pragma", p)
	}
	// BEGIN IMMEDIATE takes the write lock when a transaction starts, so a
	// transaction that reads and then writes cannot deadlock against a
	// writer in another process (which SQLite reports as SQLITE_BUSY at
	// once, without waiting for busy_timeout).
	q.Set("_txlock", "immediate")
	wc, err := sqlite.NewConnector(path + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	counter := &sqlCounter{}
	w := sql.OpenDB(countingConnector{stmtConnector{wc}, counter})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)

	// Readers are query_only, so that a write sent to the wrong pool fails
	// loudly instead of competing with the writer.
	q.Add("_pragma", "query_only(1)")
	rc, err := sqlite.NewConnector(path + "?" + q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	r := sql.OpenDB(countingConnector{rc, counter})
	r.SetMaxOpenConns(sqliteReadConns)
	r.SetMaxIdleConns(sqliteReadConns)
	return &Store{db: r, w: w, d: sqliteDialect(), path: path, counter: counter}, nil
}

// sqliteCheckpoint copies the WAL into the database file and truncates the
// WAL to zero bytes, so that the pages of deleted rows (zeroed by
// secure_delete) replace the old ones and no copy stays in the log. A
// reader holding an old snapshot makes the checkpoint incomplete (each
// attempt already waits up to busy_timeout); it is retried for a while,
// then reported.
func sqliteCheckpoint(ctx context.Context, db *sql.DB) error {
	var busy, logFrames, done int
	for deadline := time.Now().Add(checkpointPatience); time.Now().Before(deadline); {
		if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			return fmt.Errorf("store: wal checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("store: wal checkpoint incomplete: readers kept the log busy; erased bytes may remain in the WAL until the next checkpoint")
}

// stmtCacheSize bounds the statements one writer connection keeps.
const stmtCacheSize = 64

// stmtConnector opens writer connections that keep their write statements
// prepared (stmtConn).
type stmtConnector struct{ driver.Connector }

func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	_, ok1 := conn.(driver.ConnBeginTx)
	_, ok2 := conn.(driver.ConnPrepareContext)
	_, ok3 := conn.(driver.ExecerContext)
	_, ok4 := conn.(driver.QueryerContext)
	_, ok5 := conn.(driver.Pinger)
	_, ok6 := conn.(driver.SessionResetter)
	_, ok7 := conn.(driver.Validator)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return conn, nil // a driver that changed: run it as it is
	}
	return &stmtConn{Conn: conn, stmts: map[string]driver.Stmt{}}, nil
}

// stmtConn is a SQLite connection that keeps the INSERT, UPDATE and DELETE
// statements it executes prepared, so that running one again binds and
// steps it without parsing and planning it again: that was a fifth of an
// interaction insert, on the one writer connection every write waits
// for. The driver resets a statement after each execution, so a kept
// statement holds no lock and no snapshot. database/sql uses a connection
// from one goroutine at a time, so the map needs no lock. Every optional
// interface of the driver's connections is passed through (see
// sqlite.NewConnector), with Unwrap for the driver's own helpers.
type stmtConn struct {
	driver.Conn
	stmts map[string]driver.Stmt
}

var (
	_ driver.ConnBeginTx        = (*stmtConn)(nil)
	_ driver.ConnPrepareContext = (*stmtConn)(nil)
	_ driver.ExecerContext      = (*stmtConn)(nil)
	_ driver.QueryerContext     = (*stmtConn)(nil)
	_ driver.Pinger             = (*stmtConn)(nil)
	_ driver.SessionResetter    = (*stmtConn)(nil)
	_ driver.Validator          = (*stmtConn)(nil)
)

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, ok := c.stmts[query]
	if !ok {
		if len(c.stmts) >= stmtCacheSize || !keepable(query) {
			return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
		}
		s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		se, ok := s.(driver.StmtExecContext)
		if !ok {
			s.Close()
			return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
		}
		c.stmts[query] = s
		return se.ExecContext(ctx, args)
	}
	return st.(driver.StmtExecContext).ExecContext(ctx, args)
}

// keepable reports whether query is one INSERT, UPDATE or DELETE: the
// statements the application runs again and again. Schema changes and
// scripts of several statements are run as they come.
func keepable(query string) bool {
	q := strings.TrimSpace(query)
	if i := strings.IndexByte(q, ';'); i >= 0 && i != len(q)-1 {
		return false
	}
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

func (c *stmtConn) Close() error {
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = nil
	return c.Conn.Close()
}

func (c *stmtConn) Unwrap() driver.Conn { return c.Conn }

func (c *stmtConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *stmtConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *stmtConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *stmtConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *stmtConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }
