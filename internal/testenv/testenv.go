// Package testenv gives tests the real Redis and PostgreSQL named by
// PLAUDIT_TEST_REDIS_URL and PLAUDIT_TEST_DATABASE_URL, each test with its
// own Redis key space or PostgreSQL schema, since the services are shared
// and keep state between runs. Without the variables the tests skip, and
// say so; with PLAUDIT_TEST_REQUIRE_SERVICES=1 (CI) they fail instead.
package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for the schema set-up
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit/keyring"
)

func missing(t testing.TB, name string) {
	t.Helper()
	if os.Getenv("PLAUDIT_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s is not set but PLAUDIT_TEST_REQUIRE_SERVICES=1", name)
	}
	t.Skipf("%s not set: skipping the test against a real service", name)
}

// RedisURL returns a Redis URL on a database of its own for this test
// (1..15, flushed before and after), or skips.
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("PLAUDIT_TEST_REDIS_URL")
	if raw == "" {
		missing(t, "PLAUDIT_TEST_REDIS_URL")
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("PLAUDIT_TEST_REDIS_URL: %v", err)
	}
	db := claimRedisDB(t, opt)
	u, _ := url.Parse(raw)
	u.Path = fmt.Sprintf("/%d", db)
	return u.String()
}

// claimRedisDB takes a free logical database with SETNX on a lock key in
// DB 0, so parallel test binaries do not share one.
func claimRedisDB(t testing.TB, opt *redis.Options) int {
	ctx := context.Background()
	base := redis.NewClient(opt)
	defer base.Close()
	owner := keyring.Token(8)
	for db := 1; db < 16; db++ {
		key := fmt.Sprintf("plaudit-test-lock:%d", db)
		// The lock expires on its own, so a test binary killed before its
		// clean-up (a timeout) does not hold a database for ever.
		ok, err := base.SetNX(ctx, key, owner, 30*time.Minute).Result()
		if err != nil {
			t.Fatalf("redis: %v", err)
		}
		if !ok {
			continue
		}
		o := *opt
		o.DB = db
		c := redis.NewClient(&o)
		c.FlushDB(ctx)
		t.Cleanup(func() {
			c.FlushDB(ctx)
			c.Close()
			b := redis.NewClient(opt)
			b.Del(ctx, key)
			b.Close()
		})
		return db
	}
	t.Fatalf("redis: no free test database (stale plaudit-test-lock:* keys in DB 0?)")
	return 0
}

// DatabaseURL returns a PostgreSQL URL whose search_path is a new schema
// for this test (dropped at the end), or skips.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("PLAUDIT_TEST_DATABASE_URL")
	if raw == "" {
		missing(t, "PLAUDIT_TEST_DATABASE_URL")
	}
	db, err := sql.Open("pgx", raw)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	schema := "t_" + strings.ToLower(keyring.Token(9))
	schema = strings.NewReplacer("-", "_").Replace(schema)
	if _, err := db.Exec(`CREATE SCHEMA "` + schema + `"`); err != nil {
		db.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec(`DROP SCHEMA "` + schema + `" CASCADE`)
		db.Close()
	})
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("PLAUDIT_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
