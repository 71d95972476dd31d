package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestOutboxConformance: the outbox keeps its newest messages, sealed,
// lists them newest first, one tenant's or all, and goes with its tenant;
// on SQLite always and on PostgreSQL when PLAUDIT_TEST_DATABASE_URL is set.
func TestOutboxConformance(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *Store{
		"sqlite": func(t *testing.T) *Store {
			s, err := Open(t.Context(), "", t.TempDir(), testKeyring(t))
			must(t, err)
			return s
		},
		"postgres": func(t *testing.T) *Store {
			s, err := Open(t.Context(), testenv.DatabaseURL(t), "", testKeyring(t))
			must(t, err)
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			must(t, s.Migrate(t.Context()))
			testOutbox(t, s)
		})
	}
}

func testOutbox(t *testing.T, s *Store) {
	ctx := t.Context()
	ten := newTenant(t, s, "Acme")
	add := func(i int, tenantID string) string {
		id := fmt.Sprintf("ob_%02d", i)
		msg := fmt.Sprintf(`{"to":"person%d@example.org"}`, i)
		must(t, s.AddOutbox(ctx, plaudit.OutboxEntry{ID: id, TenantID: tenantID, Channel: plaudit.ChannelEmail,
			Message: []byte(msg), CreatedAt: base.Add(time.Duration(i) * time.Second)}, 3))
		return id
	}
	for i := range 4 {
		add(i, ten.ID)
	}
	add(4, "ten_other")

	all, err := s.ListOutbox(ctx, "", 0)
	must(t, err)
	if len(all) != 3 || all[0].ID != "ob_04" || all[2].ID != "ob_02" {
		t.Fatalf("ListOutbox = %v, want the newest 3, newest first", ids(all))
	}
	if string(all[1].Message) != `{"to":"person3@example.org"}` || all[1].TenantID != ten.ID || !all[1].CreatedAt.Equal(base.Add(3*time.Second)) {
		t.Errorf("entry read back as %+v", all[1])
	}
	mine, err := s.ListOutbox(ctx, ten.ID, 0)
	must(t, err)
	if len(mine) != 2 {
		t.Errorf("one tenant's messages: %v", ids(mine))
	}
	if _, err := s.GetOutbox(ctx, "ob_00"); !plaudit.IsNotFound(err) {
		t.Errorf("the oldest message, beyond the bound: %v, want not found", err)
	}
	noneOf(t, "the store", storeBytes(t, s), "person3@example.org")

	n, err := s.DeleteOutbox(ctx, []string{"ob_03", "ob_nope"})
	if err != nil || n != 1 {
		t.Errorf("DeleteOutbox = %d, %v; want 1", n, err)
	}
	must(t, s.DeleteTenant(ctx, ten.ID, false))
	left, err := s.ListOutbox(ctx, "", 0)
	must(t, err)
	if len(left) != 1 || left[0].ID != "ob_04" {
		t.Errorf("after the tenant's deletion: %v, want only the other tenant's", ids(left))
	}
}

func ids(es []plaudit.OutboxEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
