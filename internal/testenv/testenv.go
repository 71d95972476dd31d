// Package testenv gives tests the real Redis and PostgreSQL named by
// PLAUDIT_TEST_REDIS_URL and PLAUDIT_TEST_DATABASE_URL, and the Redis
// Sentinel and Redis Cluster named by PLAUDIT_TEST_SENTINEL_URL and
// PLAUDIT_TEST_CLUSTER_URL, each test with its own Redis key space or
// PostgreSQL schema, since the services are shared and keep state between
// runs. Without the variables the tests skip, and say so; with
// PLAUDIT_TEST_REQUIRE_SERVICES=1 (CI) they fail instead.
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
	db := claimRedisDB(t, func(db int) *redis.Client {
		o := *opt
		o.DB = db
		return redis.NewClient(&o)
	})
	u, _ := url.Parse(raw)
	u.Path = fmt.Sprintf("/%d", db)
	return u.String()
}

// SentinelURL returns PLAUDIT_TEST_SENTINEL_URL
// (redis-sentinel://host:port[,host:port]?master=name) with a database of
// its own for this test in the path (1..15, flushed before and after), or
// skips. The database is claimed on the master that Sentinel names, with
// the same locks as RedisURL's, so the two may share one Redis.
func SentinelURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("PLAUDIT_TEST_SENTINEL_URL")
	if raw == "" {
		missing(t, "PLAUDIT_TEST_SENTINEL_URL")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis-sentinel" || u.Query().Get("master") == "" {
		t.Fatalf("PLAUDIT_TEST_SENTINEL_URL: want redis-sentinel://host:port[,host:port]?master=name, got %q", raw)
	}
	pw, _ := u.User.Password()
	opt := redis.FailoverOptions{MasterName: u.Query().Get("master"), SentinelAddrs: strings.Split(u.Host, ","), SentinelPassword: pw}
	db := claimRedisDB(t, func(db int) *redis.Client {
		o := opt
		o.DB = db
		return redis.NewFailoverClient(&o)
	})
	u.Path = fmt.Sprintf("/%d", db)
	return u.String()
}

// ClusterURL returns PLAUDIT_TEST_CLUSTER_URL
// (redis-cluster://host:port,host:port,…) and a name of this test's own, or
// skips. A cluster has database 0 only and is shared by every test binary,
// so a test keeps to keys and asynq queues whose names contain that name;
// every such key is deleted, on every master, at the end of the test.
func ClusterURL(t testing.TB) (raw, name string) {
	t.Helper()
	raw = os.Getenv("PLAUDIT_TEST_CLUSTER_URL")
	if raw == "" {
		missing(t, "PLAUDIT_TEST_CLUSTER_URL")
	}
	opt, err := clusterOptions(raw)
	if err != nil {
		t.Fatalf("PLAUDIT_TEST_CLUSTER_URL: %v", err)
	}
	name = keyring.ID("pt")
	t.Cleanup(func() {
		ctx := context.Background()
		c := redis.NewClusterClient(opt)
		defer c.Close()
		err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			iter := m.Scan(ctx, 0, "*"+name+"*", 100).Iterator()
			for iter.Next(ctx) {
				if err := m.Del(ctx, iter.Val()).Err(); err != nil {
					return err
				}
			}
			return iter.Err()
		})
		if err != nil {
			t.Errorf("redis cluster: deleting the keys of %s: %v", name, err)
		}
	})
	return raw, name
}

// clusterOptions reads redis-cluster://[user:password@]host:port,… as
// queue.ParseRedisURL does (which testenv cannot import: queue's tests
// import testenv).
func clusterOptions(raw string) (*redis.ClusterOptions, error) {
	rest, ok := strings.CutPrefix(raw, "redis-cluster://")
	u, err := url.Parse("redis://" + rest)
	if !ok || err != nil || u.Host == "" {
		return nil, fmt.Errorf("want redis-cluster://host:port,host:port,…, got %q", raw)
	}
	opt := &redis.ClusterOptions{Addrs: strings.Split(u.Host, ",")}
	if u.User != nil {
		opt.Username = u.User.Username()
		opt.Password, _ = u.User.Password()
	}
	return opt, nil
}

// claimRedisDB takes a free logical database with SETNX on a lock key in
// DB 0, so parallel test binaries do not share one. client opens a
// connection to the given database.
func claimRedisDB(t testing.TB, client func(db int) *redis.Client) int {
	ctx := context.Background()
	base := client(0)
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
		c := client(db)
		c.FlushDB(ctx)
		t.Cleanup(func() {
			c.FlushDB(ctx)
			c.Close()
			b := client(0)
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
