package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// The benchmarks measure the store's share of a webhook: one
// InsertInteraction per accepted delivery. Run them with
//
//	go test -run '^$' -bench InsertInteraction -benchmem ./store/
//
// and with PLAUDIT_TEST_DATABASE_URL set for PostgreSQL too. "serial" is
// one caller at a time (the cost of one insert); "parallel" is 64 callers
// at once, as a busy gateway has them. They assert nothing about speed;
// docs/benchmarks.md records the figures.

func BenchmarkInsertInteraction(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchInsert(b, func(b *testing.B) *Store {
			s, err := Open(context.Background(), "", b.TempDir(), benchKeyring(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		})
	})
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("PLAUDIT_TEST_DATABASE_URL")
		if base == "" {
			b.Skip("PLAUDIT_TEST_DATABASE_URL not set")
		}
		benchInsert(b, func(b *testing.B) *Store { return benchPostgres(b, base) })
	})
}

func benchInsert(b *testing.B, open func(b *testing.B) *Store) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			s := open(b)
			ctx := context.Background()
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			tn := plaudit.Tenant{Name: "Bench", Settings: plaudit.DefaultSettings()}
			if err := s.CreateTenant(ctx, &tn); err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			insert := func() {
				n := strconv.FormatInt(seq.Add(1), 10)
				in := plaudit.Interaction{
					TenantID: tn.ID, ConnectorID: "con_bench", Source: "zendesk", DedupKey: "dk-" + n,
					ExternalID: n, Event: plaudit.EventSolved, Channel: "email",
					Customer: plaudit.Customer{Name: "Anna Schneider", Email: "customer-" + n + "@example.org", Phone: "+49 30 901820", Language: "Deutsch"},
					Agent:    plaudit.AgentRef{ExternalID: "38417722455", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"},
					Tags:     []string{"billing", "refund_requested", "vip"}, Brand: "Nordlicht Reisen",
				}
				created, err := s.InsertInteraction(ctx, &in)
				if err != nil || !created {
					b.Errorf("InsertInteraction: created=%t err=%v", created, err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			if mode == "serial" {
				for b.Loop() {
					insert()
				}
				return
			}
			b.SetParallelism(32) // × GOMAXPROCS callers
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					insert()
				}
			})
		})
	}
}

func benchKeyring(b *testing.B) *keyring.Keyring {
	kr, err := keyring.New(keyring.RandomBytes(keyring.KeySize), nil)
	if err != nil {
		b.Fatal(err)
	}
	return kr
}

// benchPostgres opens the store on a schema of its own, dropped after.
func benchPostgres(b *testing.B, base string) *Store {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	schema := "b_" + hex.EncodeToString(keyring.RandomBytes(8))
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		b.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := Open(context.Background(), u.String(), "", benchKeyring(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.Close()
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	return s
}
