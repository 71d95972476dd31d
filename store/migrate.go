package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles holds migrations/<engine>/NNNN_name.sql. Each engine has
// its own directory because column types differ (TEXT timestamps and BLOB
// in SQLite, TIMESTAMPTZ, BYTEA and JSONB in PostgreSQL); both directories
// carry the same versions with the same tables and columns, which a test
// checks.
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
	// data, when set, runs after sql in the same transaction (dataSteps).
	data dataStep
}

// loadMigrations reads one engine's migrations in version order and
// refuses gaps and duplicates, which would mean a mis-named file.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		base := strings.TrimSuffix(e.Name(), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || v <= 0 {
			return nil, fmt.Errorf("store: migration %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations: expected version %04d, found %04d_%s", i+1, m.version, m.name)
		}
	}
	return ms, nil
}

// Migrate brings the schema up to date. Each version is applied in its own
// transaction together with its schema_migrations row, so a failure leaves
// the schema at the previous version, never half-way. Several processes may
// call Migrate at once: on PostgreSQL each transaction first takes an
// advisory lock, on SQLite the transaction holds the write lock; whoever
// comes second sees the version recorded and skips it.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateUpTo(ctx, 0)
}

// migrateUpTo applies the migrations up to version last (0: all), so that
// tests can put rows into an older schema and migrate them.
func (s *Store) migrateUpTo(ctx context.Context, last int) error {
	ms, err := loadMigrations(migrationFiles, path.Join("migrations", s.d.migrations))
	if err != nil {
		return err
	}
	steps := s.dataSteps()
	for i := range ms {
		ms[i].data = steps[ms[i].name]
	}
	err = s.migrationTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.bootstrap); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var newest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&newest); err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		if newest.Valid && int(newest.Int64) > len(ms) {
			return fmt.Errorf("database schema is at version %d, newer than this build knows (%d): run a newer plaudit", newest.Int64, len(ms))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	rewrote := false
	for _, m := range ms {
		if last > 0 && m.version > last {
			break
		}
		err := s.migrationTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if m.data != nil {
				rewrote = true
				if err := m.data(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, s.ts(s.clock()))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	if rewrote {
		// Rows rewritten in place (tokens hashed) leave their old bytes
		// in SQLite's WAL until a checkpoint.
		return s.flushErased(ctx)
	}
	return nil
}

// migrationTx runs fn in a transaction that holds the engine's migration
// lock.
func (s *Store) migrationTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.lockMigrations != "" {
			if _, err := tx.ExecContext(ctx, s.d.lockMigrations); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		return fn(tx)
	})
}
