package queue

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// ParseRedisURL turns REDIS_URL into asynq's connection options. It takes
// asynq's forms (redis://, rediss://, redis-socket://, redis-sentinel://
// with a master name) and adds redis-cluster://host1:port,host2:port for
// Redis Cluster, and a database in the path of a Sentinel URL
// (redis-sentinel://s1:26379,s2:26379/2?master=name), which asynq's parser
// drops.
func ParseRedisURL(raw string) (asynq.RedisConnOpt, error) {
	if rest, ok := strings.CutPrefix(raw, "redis-cluster://"); ok {
		u, err := url.Parse("redis://" + rest)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		opt := asynq.RedisClusterClientOpt{Addrs: strings.Split(u.Host, ",")}
		if u.User != nil {
			opt.Username = u.User.Username()
			opt.Password, _ = u.User.Password()
		}
		return opt, nil
	}
	opt, err := asynq.ParseRedisURI(raw)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	if f, ok := opt.(asynq.RedisFailoverClientOpt); ok {
		if f.MasterName == "" {
			return nil, fmt.Errorf("REDIS_URL: a redis-sentinel URL needs ?master=<name>")
		}
		u, _ := url.Parse(raw) // asynq parsed it already
		if p := strings.Trim(u.Path, "/"); p != "" {
			if f.DB, err = strconv.Atoi(p); err != nil || f.DB < 0 {
				return nil, fmt.Errorf("REDIS_URL: database %q in a redis-sentinel URL is not a number", p)
			}
		}
		return f, nil
	}
	return opt, nil
}

// Ping checks that Redis answers.
func Ping(ctx context.Context, opt asynq.RedisConnOpt) error {
	c, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return fmt.Errorf("redis: unexpected client type")
	}
	defer c.Close()
	return c.Ping(ctx).Err()
}

// Embedded is an in-process Redis (miniredis) for running Plaudit with no
// Redis at all. It is not durable: queued work is lost on exit, and the
// reconciler re-enqueues it from the store at the next start.
type Embedded struct {
	mr       *miniredis.Miniredis
	password string
	stop     chan struct{}
	wg       sync.WaitGroup
}

// StartEmbedded starts miniredis on a loopback port, behind password ("":
// a random one that only this process knows): any local user can connect
// to a loopback port, and without it could queue tasks or clear the
// rate-limit counters. miniredis keeps time only when told, so a ticker
// advances it by the wall time that passed; without that, TTLs never
// expire (asynq's locks, heartbeats, counters).
func StartEmbedded(password string) (*Embedded, error) {
	if password == "" {
		password = rand.Text()
	}
	mr := miniredis.NewMiniRedis()
	mr.RequireAuth(password) // before it listens: no moment without it
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("embedded redis: %w", err)
	}
	e := &Embedded{mr: mr, password: password, stop: make(chan struct{})}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-e.stop:
				return
			case now := <-tick.C:
				mr.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return e, nil
}

// ConnOpt returns asynq's options for the embedded server.
func (e *Embedded) ConnOpt() asynq.RedisConnOpt {
	return asynq.RedisClientOpt{Addr: e.mr.Addr(), Password: e.password}
}

// Addr is the embedded server's address.
func (e *Embedded) Addr() string { return e.mr.Addr() }

// Close stops the server.
func (e *Embedded) Close() {
	close(e.stop)
	e.wg.Wait()
	e.mr.Close()
}
