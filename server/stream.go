package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/store"
)

// Defaults of the live stream (Config.StreamPoll, StreamMax).
const (
	// DefaultStreamPoll is how often a stream looks for new responses.
	// It reads the store, the truth on every replica, so that a response
	// recorded by any replica reaches every stream.
	DefaultStreamPoll = 2 * time.Second
	// DefaultStreamMax is how long one stream connection lasts; the
	// browser's EventSource reconnects with Last-Event-ID and misses
	// nothing. Bounded connections survive proxies' idle limits and let
	// replicas shut down.
	DefaultStreamMax = 5 * time.Minute
	// streamLag is how far back each look reaches: a response whose
	// transaction committed after a later one's is still seen.
	streamLag = 5 * time.Second
	// streamHeartbeat keeps idle connections open through proxies.
	streamHeartbeat = 15 * time.Second
)

// stream is GET /api/v1/stream: server-sent events, one event "response"
// with the response's JSON for each response created or changed (a
// comment added, an exclusion) that the caller may see: a key or an admin
// the tenant, a lead their team, an agent user themselves. agent and team
// narrow it (within that scope). Each event's id is the response's change time in
// microseconds; a reconnect with Last-Event-ID continues from there.
func (s *Server) stream(c *fiber.Ctx) error {
	since := s.cfg.Now()
	if id := c.Get("Last-Event-ID"); id != "" {
		us, err := strconv.ParseInt(id, 10, 64)
		if err != nil || us <= 0 {
			return fiber.NewError(fiber.StatusBadRequest, "Last-Event-ID must be the id of an event of this stream")
		}
		since = time.UnixMicro(us).Add(time.Microsecond)
	}
	sc, err := s.callerReportScope(c)
	if err != nil {
		return err
	}
	f, err := sc.Stream(c.Query("agent"), c.Query("team"), testKey(c), since)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no") // no proxy buffering
	conn := c.Context().Conn()
	st := &streamer{store: s.cfg.Store, filter: f, seen: map[string]string{}, start: f.Since,
		poll: or(s.cfg.StreamPoll, DefaultStreamPoll), until: time.Now().Add(or(s.cfg.StreamMax, DefaultStreamMax)),
		done: s.closing, deadline: func() { _ = conn.SetWriteDeadline(time.Now().Add(streamHeartbeat * 2)) }}
	c.Context().SetBodyStreamWriter(st.run)
	return nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// streamer writes one stream. It holds no fiber.Ctx: the body is written
// after the handler returned.
type streamer struct {
	store    Reports
	filter   store.StreamFilter
	seen     map[string]string // response id → what was sent of it, within streamLag
	start    time.Time
	poll     time.Duration
	until    time.Time
	done     <-chan struct{}
	deadline func()
}

func (st *streamer) run(w *bufio.Writer) {
	fmt.Fprintf(w, "retry: %d\n\n", st.poll.Milliseconds())
	if st.flush(w) != nil {
		return
	}
	tick := time.NewTicker(st.poll)
	defer tick.Stop()
	beat := time.Now()
	for time.Now().Before(st.until) {
		n, err := st.send(w)
		if err != nil {
			return
		}
		if n == 0 && time.Since(beat) >= streamHeartbeat {
			fmt.Fprint(w, ": keep-alive\n\n")
			if st.flush(w) != nil {
				return
			}
			beat = time.Now()
		}
		select {
		case <-st.done:
			return
		case <-tick.C:
		}
	}
}

func (st *streamer) flush(w *bufio.Writer) error {
	st.deadline()
	return w.Flush()
}

// send writes the responses changed since the last look, and reports how
// many. Each look reaches streamLag further back than the newest change
// seen, and a response is sent again only when its answer or its
// exclusion changed (not for its writeback's progress).
func (st *streamer) send(w *bufio.Writer) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := st.filter
	if lagged := f.Since.Add(-streamLag); lagged.After(st.start) {
		f.Since = lagged
	} else {
		f.Since = st.start // never before the stream's own start
	}
	rs, err := st.store.ChangedResponses(ctx, f)
	if err != nil {
		return 0, nil // the store is away: try again at the next tick
	}
	n, seen := 0, make(map[string]string, len(rs))
	for _, r := range rs {
		sig := strconv.Itoa(r.Version)
		if r.Exclusion != nil {
			sig += ":" + r.Exclusion.Reason
		}
		seen[r.ID] = sig
		if r.UpdatedAt.After(st.filter.Since) {
			st.filter.Since = r.UpdatedAt
		}
		if st.seen[r.ID] == sig {
			continue
		}
		b, err := json.Marshal(r)
		if err != nil {
			return n, err
		}
		fmt.Fprintf(w, "id: %d\nevent: response\ndata: %s\n\n", r.UpdatedAt.UnixMicro(), b)
		n++
	}
	st.seen = seen // what fell out of the window is forgotten
	if n > 0 {
		return n, st.flush(w)
	}
	return 0, nil
}

// streamSummary is GET /api/v1/stream/summary: the last 30 days in the
// caller's scope (reportScope), narrowed by agent or team.
func (s *Server) streamSummary(c *fiber.Ctx) error {
	sc, err := s.callerReportScope(c)
	if err != nil {
		return err
	}
	if sc, err = sc.Narrow(c.Query("agent"), c.Query("team")); err != nil {
		return err
	}
	sum, err := s.reports.Summary(c.UserContext(), sc, testKey(c))
	if err != nil {
		return err
	}
	return c.JSON(sum)
}

// callerReportScope is the request's caller's reportScope; a user with
// nothing to see is answered errNoScope.
func (s *Server) callerReportScope(c *fiber.Ctx) (reports.Scope, error) {
	sc, ok, err := s.reportScope(c.UserContext(), who(c))
	if err == nil && !ok {
		err = errNoScope
	}
	return sc, err
}
