// Package teststore gives tests a migrated SQLite store of their own, in a
// temporary folder, under a random key.
package teststore

import (
	"testing"

	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// SQLite opens and migrates a store for t, closed when t ends.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	kr, err := keyring.New(keyring.RandomBytes(32), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), "", t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}
