package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// The conformance suite runs on SQLite always and on PostgreSQL when
// PLAUDIT_TEST_DATABASE_URL names a server, e.g.
//
//	PLAUDIT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test -race ./store/

func TestSQLite(t *testing.T) {
	runConformance(t, func(t *testing.T) *Store {
		s, err := Open(t.Context(), "", t.TempDir(), testKeyring(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestPostgres(t *testing.T) {
	base := os.Getenv("PLAUDIT_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("PLAUDIT_TEST_DATABASE_URL not set: PostgreSQL conformance skipped")
	}
	// Both URL schemes open PostgreSQL.
	alt := "postgresql://" + strings.TrimPrefix(strings.TrimPrefix(base, "postgres://"), "postgresql://")
	for _, u := range []string{base, alt} {
		s, err := Open(t.Context(), u, "", testKeyring(t))
		if err != nil {
			t.Fatalf("Open(%s): %v", u, err)
		}
		if s.Engine() != "postgres" || s.Ping(t.Context()) != nil {
			t.Fatalf("Open(%s): engine %s", u, s.Engine())
		}
		must(t, s.Close())
	}
	runConformance(t, func(t *testing.T) *Store {
		// Each test gets its own schema, so tests run in parallel and
		// leave nothing behind.
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		schema := "t_" + hex.EncodeToString(keyring.RandomBytes(8))
		if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
			admin.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		s, err := Open(t.Context(), u.String(), "", testKeyring(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func testKeyring(t *testing.T) *keyring.Keyring {
	t.Helper()
	kr, err := keyring.New(keyring.RandomBytes(keyring.KeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestOpenURLs(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ url, want string }{
		{"", filepath.Join(dir, "plaudit.db")},
		{"sqlite:", filepath.Join(dir, "plaudit.db")},
		{"sqlite:/var/lib/plaudit/p.db", "/var/lib/plaudit/p.db"},
		{"sqlite:///var/lib/plaudit/p.db", "/var/lib/plaudit/p.db"},
		{"sqlite:rel/p.db", "rel/p.db"},
	} {
		got, err := sqlitePath(c.url, dir)
		if err != nil || got != c.want {
			t.Errorf("sqlitePath(%q) = %q, %v; want %q", c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{"sqlite:x.db?mode=ro", "sqlite::memory:", "sqlite:file:x.db"} {
		if _, err := sqlitePath(bad, dir); err == nil {
			t.Errorf("%q must be refused", bad)
		}
	}
	_, err := Open(t.Context(), "mysql://x", dir, testKeyring(t))
	if plaudit.ErrorCode(err) != plaudit.EInvalid {
		t.Errorf("unsupported scheme: got %v, want an invalid error", err)
	}
	if _, err := Open(t.Context(), "", dir, nil); err == nil {
		t.Error("Open without a keyring must fail")
	}

	// The file is created owner-only: it holds personal data.
	s, err := Open(t.Context(), "sqlite:"+filepath.Join(dir, "sub", "x.db"), "", testKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Engine() != "sqlite" {
		t.Errorf("Engine() = %q", s.Engine())
	}
	fi, err := os.Stat(filepath.Join(dir, "sub", "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, want 0600", fi.Mode().Perm())
	}
	// Every pooled connection carries the pragmas, not only the first;
	// readers are query-only, the writer is not.
	ctx := t.Context()
	conns := make([]*sql.Conn, 4)
	for i := range conns {
		pool := s.db
		if i == 0 {
			pool = s.w
		}
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		queryOnly := "1"
		if i == 0 {
			queryOnly = "0"
		}
		for pragma, want := range map[string]string{
			"journal_mode": "wal", "busy_timeout": "5000", "foreign_keys": "1", "synchronous": "1", "secure_delete": "1",
			"query_only": queryOnly,
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, pragma, got, want)
			}
		}
	}
}

// TestMigrationsAgree checks that both engines' migrations have the same
// versions, tables and columns, so that the SQL written once fits both.
func TestMigrationsAgree(t *testing.T) {
	lite, err := loadMigrations(migrationFiles, "migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrations(migrationFiles, "migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	table := regexp.MustCompile(`(?m)^CREATE TABLE (\w+)`)
	column := regexp.MustCompile(`(?m)^    (\w+)\s+(TEXT|INTEGER|BLOB|BOOLEAN|BYTEA|JSONB|TIMESTAMPTZ)\b`)
	index := regexp.MustCompile(`(?m)^CREATE (?:UNIQUE )?INDEX (\w+)`)
	shape := func(sqlText string) []string {
		var out []string
		for _, re := range []*regexp.Regexp{table, column, index} {
			for _, m := range re.FindAllStringSubmatch(sqlText, -1) {
				out = append(out, m[1])
			}
		}
		return out
	}
	for i := range lite {
		if lite[i].version != pg[i].version || lite[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].version, lite[i].name, pg[i].version, pg[i].name)
		}
		a, b := shape(lite[i].sql), shape(pg[i].sql)
		if !slices.Equal(a, b) {
			t.Errorf("migration %04d: shapes differ:\nsqlite   %v\npostgres %v", lite[i].version, a, b)
		}
		// The first migration is the whole schema; later ones add a table
		// or an index or two. A parse that finds less missed something.
		if (i == 0 && len(a) < 20) || len(a) == 0 {
			t.Errorf("migration %04d: shape parse found only %v", lite[i].version, a)
		}
	}
	// Each data step names a migration: a renamed file must not lose it.
	for name := range (&Store{}).dataSteps() {
		if !slices.ContainsFunc(lite, func(m migration) bool { return m.name == name }) {
			t.Errorf("data step %q names no migration", name)
		}
	}
	// Gaps, duplicates and odd names are refused: they mean a mis-named file.
	for name, files := range map[string]fstest.MapFS{
		"gap":       {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"duplicate": {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"bad name":  {"m/1_a.sql": {}},
		"no name":   {"m/0001.sql": {}},
	} {
		if _, err := loadMigrations(files, "m"); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if ms, err := loadMigrations(fstest.MapFS{"m/0002_b.sql": {Data: []byte("B")}, "m/0001_a.sql": {Data: []byte("A")}, "m/README": {}}, "m"); err != nil ||
		len(ms) != 2 || ms[0].sql != "A" || ms[1].name != "b" {
		t.Errorf("loadMigrations = %+v, %v", ms, err)
	}
}

// clock is a test clock that moves forward a millisecond on every reading,
// so that rows created one after another have distinct, ordered times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(start time.Time) *clock { return &clock{t: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// Set moves the clock.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := plaudit.ErrorCode(err); got != code {
		t.Fatalf("want a %q error, got %v", code, err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !plaudit.IsNotFound(err) {
		t.Fatalf("%s: want not found, got %v", what, err)
	}
	if !strings.HasSuffix(plaudit.ErrorMessage(err), "not found") {
		t.Fatalf("%s: message %q", what, plaudit.ErrorMessage(err))
	}
}

// TestSQLiteTwoProcesses opens the same file twice, as `plaudit migrate`
// beside a running server would: writers of both then meet on SQLite's file
// lock rather than in one pool, and transactions that read before they write
// must still never fail with SQLITE_BUSY.
func TestSQLiteTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	kr := testKeyring(t)
	var stores [2]*Store
	for i := range stores {
		s, err := Open(t.Context(), "", dir, kr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	// Both migrate at once.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for _, s := range stores {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- s.Migrate(t.Context()) }()
	}
	wg.Wait()
	tn := plaudit.Tenant{Name: "A", Settings: plaudit.DefaultSettings()}
	must(t, stores[0].CreateTenant(t.Context(), &tn))
	for g := range 10 {
		s := stores[g%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				email := fmt.Sprintf("p%d-%d@example.com", g, i)
				in := plaudit.Interaction{TenantID: tn.ID, Source: "api", Customer: plaudit.Customer{Email: email}}
				if _, err := s.InsertInteraction(t.Context(), &in); err != nil {
					errs <- err
					continue
				}
				if _, err := s.EraseSubject(t.Context(), tn.ID, email, ""); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
