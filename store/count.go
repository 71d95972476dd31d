package store

import (
	"context"
	"database/sql/driver"
	"strings"
	"sync/atomic"
)

// SQLCounts is what a Store has sent to its database since it was opened:
// statements (each one a round trip), transactions begun, and commits
// (explicit ones, and each INSERT, UPDATE or DELETE run outside a
// transaction, which the database commits by itself). The worker's cost
// per interaction is mostly these round trips and commits
// (docs/benchmarks.md), so tests and cmd/plaudit-load read them to keep
// that cost from creeping back.
type SQLCounts struct {
	Statements   int64
	Transactions int64
	Commits      int64
}

// Sub is the difference c − o: what ran between two readings.
func (c SQLCounts) Sub(o SQLCounts) SQLCounts {
	return SQLCounts{Statements: c.Statements - o.Statements, Transactions: c.Transactions - o.Transactions,
		Commits: c.Commits - o.Commits}
}

// SQLCounts returns the counts so far.
func (s *Store) SQLCounts() SQLCounts {
	return SQLCounts{Statements: s.counter.statements.Load(), Transactions: s.counter.transactions.Load(),
		Commits: s.counter.commits.Load()}
}

// sqlCounter counts for a store, and tells the directory cache when a
// tenant or an agent may have changed: any write that names those tables
// clears it, once the write is committed.
type sqlCounter struct {
	statements, transactions, commits atomic.Int64
	// directoryWrites counts committed writes that named the tenants or
	// agents table (directory.go).
	directoryWrites atomic.Uint64
}

// countingConnector wraps a driver's connector so that every connection
// it opens is counted.
type countingConnector struct {
	driver.Connector
	c *sqlCounter
}

func (cc countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := cc.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: cc.c}, nil
}

// countingConn passes every call on to the driver's connection, counting
// statements, transactions and commits on the way. It implements each
// optional interface database/sql looks for, and answers as database/sql
// would for one the driver's connection lacks.
type countingConn struct {
	driver.Conn
	c *sqlCounter
	// tx is the transaction open on this connection, if any; dirTx says
	// whether it wrote to the directory tables.
	tx    bool
	dirTx bool
}

var (
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
)

// ran counts one statement that was sent, and what it committed.
func (c *countingConn) ran(query string, err error) {
	c.c.statements.Add(1)
	if !isWrite(query) {
		return
	}
	dir := namesDirectory(query)
	switch {
	case c.tx:
		c.dirTx = c.dirTx || dir
	case err == nil:
		c.c.commits.Add(1)
		if dir {
			c.c.directoryWrites.Add(1)
		}
	}
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.ran(query, err)
	}
	return res, err
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.ran(query, err)
	}
	return rows, err
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, conn: c, query: query}, nil
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var (
		tx  driver.Tx
		err error
	)
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = c.Conn.Begin() //nolint:staticcheck // the driver offers nothing else
	}
	if err != nil {
		return nil, err
	}
	c.c.transactions.Add(1)
	c.tx, c.dirTx = true, false
	return &countingTx{Tx: tx, conn: c}, nil
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

// Unwrap gives the driver's own connection, for its helpers.
func (c *countingConn) Unwrap() driver.Conn { return c.Conn }

// countingTx counts the commit of a transaction.
type countingTx struct {
	driver.Tx
	conn *countingConn
}

func (t *countingTx) Commit() error {
	err := t.Tx.Commit()
	c := t.conn
	if err == nil {
		c.c.commits.Add(1)
		if c.dirTx {
			c.c.directoryWrites.Add(1)
		}
	}
	c.tx, c.dirTx = false, false
	return err
}

func (t *countingTx) Rollback() error {
	t.conn.tx, t.conn.dirTx = false, false
	return t.Tx.Rollback()
}

// countingStmt counts the executions of a prepared statement.
type countingStmt struct {
	driver.Stmt
	conn  *countingConn
	query string
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, args)
	s.conn.ran(s.query, err)
	return res, err
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, args)
	s.conn.ran(s.query, err)
	return rows, err
}

// isWrite reports whether query changes rows (and so, outside a
// transaction, commits).
func isWrite(query string) bool {
	q := strings.TrimSpace(query)
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// namesDirectory reports whether a write names the tenants or agents
// table anywhere (a subquery included): then a cached tenant or agent may
// be out of date. A false alarm costs a reload, nothing else.
func namesDirectory(query string) bool {
	return hasWord(query, "tenants") || hasWord(query, "agents")
}

// hasWord reports whether w occurs in s as a whole SQL identifier.
func hasWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if (start == 0 || !identByte(s[start-1])) && (end == len(s) || !identByte(s[end])) {
			return true
		}
		i = end
	}
}

func identByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
