package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
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
	}
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
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(postgresOpenConns)
	db.SetMaxIdleConns(postgresIdleConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{db: db, w: db, d: postgresDialect()}, nil
}
