package testenv

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// recorder stands in for a test: it keeps what a helper skipped or failed
// with, and stops the helper there as testing.T does.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

func TestUnsetVariablesSkipOrFailNamingThem(t *testing.T) {
	for name, helper := range map[string]func(testing.TB){
		"PLAUDIT_TEST_REDIS_URL":    func(t testing.TB) { RedisURL(t) },
		"PLAUDIT_TEST_DATABASE_URL": func(t testing.TB) { DatabaseURL(t) },
		"PLAUDIT_TEST_SENTINEL_URL": func(t testing.TB) { SentinelURL(t) },
		"PLAUDIT_TEST_CLUSTER_URL":  func(t testing.TB) { ClusterURL(t) },
	} {
		t.Setenv(name, "")
		t.Setenv("PLAUDIT_TEST_REQUIRE_SERVICES", "")
		r := &recorder{}
		r.run(helper)
		if !strings.Contains(r.skipped, name+" not set") || r.failed != "" {
			t.Errorf("%s unset: skipped %q, failed %q; want a skip naming the variable", name, r.skipped, r.failed)
		}
		t.Setenv("PLAUDIT_TEST_REQUIRE_SERVICES", "1")
		r = &recorder{}
		r.run(helper)
		if !strings.Contains(r.failed, name) || r.skipped != "" {
			t.Errorf("%s unset in CI: skipped %q, failed %q; want a failure naming the variable", name, r.skipped, r.failed)
		}
	}
}

func TestSentinelURLGivesADatabaseOfItsOwn(t *testing.T) {
	SentinelURL(t) // skips when unset
	var raw string
	key := "testenv:" + t.Name()
	t.Run("claim", func(t *testing.T) {
		raw = SentinelURL(t)
		u, _ := url.Parse(raw)
		if u.Path == "" || u.Path == "/0" || u.Query().Get("master") == "" {
			t.Fatalf("SentinelURL = %q, want a database other than 0 and the master name", raw)
		}
		c := sentinelClient(t, raw)
		if err := c.Set(context.Background(), key, "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	if n, err := sentinelClient(t, raw).Exists(context.Background(), key).Result(); err != nil || n != 0 {
		t.Errorf("the test's key outlived the test (%d, %v): its database was not flushed", n, err)
	}
}

func sentinelClient(t *testing.T, raw string) *redis.Client {
	u, _ := url.Parse(raw)
	var db int
	fmt.Sscanf(u.Path, "/%d", &db)
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: u.Query().Get("master"),
		SentinelAddrs: strings.Split(u.Host, ","), DB: db})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClusterURLDeletesTheTestsKeys(t *testing.T) {
	raw, _ := ClusterURL(t) // skips when unset
	opt, err := clusterOptions(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClusterClient(opt)
	defer c.Close()
	ctx := context.Background()
	var keys []string
	t.Run("claim", func(t *testing.T) {
		_, name := ClusterURL(t)
		// Keys on different slots, so on different masters.
		keys = []string{"a:" + name, name + ":b", "asynq:{" + name + "}:pending", "x:" + name + ":y"}
		for _, k := range keys {
			if err := c.Set(ctx, k, "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	for _, k := range keys {
		if n, err := c.Exists(ctx, k).Result(); err != nil || n != 0 {
			t.Errorf("key %q outlived its test (%d, %v)", k, n, err)
		}
	}
}
