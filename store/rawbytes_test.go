package store

import (
	"bytes"
	"testing"
)

// storeBytes is what the store keeps: the SQLite database and its WAL as
// they are on disk, or on PostgreSQL the text of every row of every table
// in the store's schema (live rows, as pg_dump shows them: dead tuples
// wait for VACUUM in the data files).
func storeBytes(t *testing.T, s *Store) []byte {
	t.Helper()
	if s.Engine() == "sqlite" {
		return fileBytes(t, s)
	}
	ctx := t.Context()
	tables, err := queryIDs(ctx, s.db, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	must(t, err)
	if len(tables) == 0 {
		t.Fatal("no tables in the store's schema: the search would prove nothing")
	}
	var all []byte
	for _, table := range tables {
		rows, err := queryIDs(ctx, s.db, `SELECT CAST(t AS TEXT) FROM `+table+` t`)
		must(t, err)
		for _, r := range rows {
			all = append(all, r...)
			all = append(all, '\n')
		}
	}
	return all
}

// noneOf fails for each needle found in raw, in any case form: raw and
// needle are compared in lower case.
func noneOf(t *testing.T, where string, raw []byte, needles ...string) {
	t.Helper()
	lower := bytes.ToLower(raw)
	for _, n := range needles {
		if bytes.Contains(lower, bytes.ToLower([]byte(n))) {
			t.Errorf("%s still holds %q (in some case form)", where, n)
		}
	}
}

// allOf fails unless raw holds every needle as it is: the set-up check
// that shows a search with noneOf can find something.
func allOf(t *testing.T, where string, raw []byte, needles ...string) {
	t.Helper()
	for _, n := range needles {
		if !bytes.Contains(raw, []byte(n)) {
			t.Fatalf("%s lacks %q: the search proves nothing", where, n)
		}
	}
}
