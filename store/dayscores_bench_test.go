package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// BenchmarkDayScores measures GET /api/v1/reports/scores' read of 30 days
// with 20,000 answers of 100 agents: "sql" sums them in the database
// (DayScoresSince), "rows" reads every row and counts in Go, as the
// endpoint did before. Run with
//
//	go test -run '^$' -bench DayScores -benchmem ./store/
//
// and PLAUDIT_TEST_DATABASE_URL set for PostgreSQL too.
func BenchmarkDayScores(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		s, err := Open(context.Background(), "", b.TempDir(), benchKeyring(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		benchDayScores(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("PLAUDIT_TEST_DATABASE_URL")
		if base == "" {
			b.Skip("PLAUDIT_TEST_DATABASE_URL not set")
		}
		benchDayScores(b, benchPostgres(b, base))
	})
}

func benchDayScores(b *testing.B, s *Store) {
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	tn := plaudit.Tenant{Name: "Bench", Settings: plaudit.DefaultSettings()}
	if err := s.CreateTenant(ctx, &tn); err != nil {
		b.Fatal(err)
	}
	first := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20000 {
		r := plaudit.Response{ID: fmt.Sprintf("rsp_%05d", i), TenantID: tn.ID, AgentID: fmt.Sprintf("agt_%03d", i%100),
			Score: 1 + i%5, Reward: i%7 == 0, Excellence: plaudit.ExcellenceAreas[i%3 : i%3+2]}
		if err := recordAggregate(ctx, tx, r, []string{"email", "sms"}[i%2], first.AddDate(0, 0, i%30)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Run("sql", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.DayScoresSince(ctx, DayScoresFilter{TenantID: tn.ID, Since: "2026-03-01"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rows", func(b *testing.B) {
		for b.Loop() {
			rows, err := s.AggregateScores(ctx, tn.ID, first)
			if err != nil {
				b.Fatal(err)
			}
			countDays(rows)
		}
	})
}
