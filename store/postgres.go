package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pool sizes for PostgreSQL: enough for the worker's concurrency without
// exhausting a small server's max_connections across replicas. Idle
// connections are kept up to the open limit: with fewer, a busy process
// closes and reopens connections, and PostgreSQL starts a backend process
// for each (measured: +55% ingest throughput, docs/benchmarks.md).
const (
	postgresOpenConns = 20
	postgresIdleConns = postgresOpenConns
)

func postgresDialect() *dialect {
	return &dialect{
		name:       "postgres",
		migrations: "postgres",
		bootstrap: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL
		)`,
		// Several replicas may start at once and all run migrations. The
		// lock is keyed by schema, so that databases sharing a server (and
		// tests, each in its own schema) do not wait for each other; it is
		// released when each migration's transaction ends.
		lockMigrations: `SELECT pg_advisory_xact_lock(hashtext('plaudit.migrate'), hashtext(coalesce(current_schema(), '')))`,
		timeArg:        func(t time.Time) any { return t },
		isUnique:       func(err error) bool { return pgCode(err) == "23505" },
		isForeignKey:   func(err error) bool { return pgCode(err) == "23503" },
		// A few batches in flight let one commit's WAL flush overlap the
		// next batch's statement.
		insertLanes:        4,
		isoWeek:            func(col string) string { return `to_char(CAST(` + col + ` AS date), 'IYYY-"W"IW')` },
		insertInteractions: postgresInsertInteractions,
		monthLockShared:    `SELECT pg_advisory_xact_lock_shared(` + monthLockKey + `)`,
		monthLock:          `SELECT pg_advisory_xact_lock(` + monthLockKey + `)`,
	}
}

// monthLockKey is the advisory lock key of a tenant's month ($1, $2); a
// collision of two months only makes one wait for the other.
const monthLockKey = `hashtext('plaudit.report_month'), hashtext(CAST($1 AS TEXT) || ' ' || CAST($2 AS TEXT))`

// postgresInsertInteractions writes a batch in one statement, one round
// trip and one commit: each column is bound as an array and unnest turns
// the arrays back into rows. RETURNING names the rows inserted; the others
// were duplicates. Any error fails the batch as a whole (PostgreSQL
// aborts the statement), and the caller then writes the rows one by one.
func postgresInsertInteractions(ctx context.Context, s *Store, batch []*insertCall) error {
	const cols = 24
	arrays := make([]any, cols)
	for i := range cols {
		switch i {
		case 17, 20, 21: // do_not_send, test, needs_enrich
			arrays[i] = make([]bool, 0, len(batch))
		case 23: // created_at
			arrays[i] = make([]time.Time, 0, len(batch))
		default:
			arrays[i] = make([]string, 0, len(batch))
		}
	}
	for _, c := range batch {
		for i, v := range c.row.args(s) {
			switch a := arrays[i].(type) {
			case []bool:
				arrays[i] = append(a, v.(bool))
			case []time.Time:
				arrays[i] = append(a, v.(time.Time))
			case []string:
				arrays[i] = append(a, v.(string))
			}
		}
	}
	rows, err := s.w.QueryContext(ctx, `INSERT INTO interactions (`+interactionCols+`)
		SELECT * FROM unnest(
			$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
			$15::text[], $16::text[], $17::text[], $18::boolean[], $19::text[], $20::text[], $21::boolean[],
			$22::boolean[], $23::text[], $24::timestamptz[])
		ON CONFLICT (tenant_id, connector_id, dedup_key) DO NOTHING
		RETURNING id`, arrays...)
	if err != nil {
		return err
	}
	defer rows.Close()
	inserted := make(map[string]bool, len(batch))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		inserted[id] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range batch {
		c.created = inserted[c.row.id]
		delete(inserted, c.row.id) // a row is created for one call only
	}
	return nil
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// openPostgres opens a pool on a postgres:// URL. Runtime parameters such as
// search_path may be given as URL query parameters.
func openPostgres(databaseURL string) (*Store, error) {
	connector, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	counter := &sqlCounter{}
	db := sql.OpenDB(countingConnector{connector, counter})
	db.SetMaxOpenConns(postgresOpenConns)
	db.SetMaxIdleConns(postgresIdleConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{db: db, w: db, d: postgresDialect(), counter: counter}, nil
}
