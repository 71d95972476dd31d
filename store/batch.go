package store

import (
	"context"
	"sync"
	"time"
)

// groupCommit gathers concurrent InsertInteraction calls into shared
// transactions. Every webhook is stored before it is answered, so under
// load the ingest path is a stream of one-row commits; a commit costs a
// WAL flush and, on PostgreSQL, a round trip and a backend wake-up, much
// more than the row itself. Calls that arrive while a batch is being
// written wait for the next one, which takes them all: the batch grows
// with the load and costs nothing when there is none (a lone call is a
// batch of one, written at once).
//
// There is no goroutine to start or stop. A caller that finds a free lane
// leads: it writes batches from the queue until its own row is written,
// then frees the lane, which another waiting caller takes over.
type groupCommit struct {
	mu    sync.Mutex
	queue []*insertCall
	// lanes holds a token per batch that may be written at the same time:
	// one on SQLite (one writer), a few on PostgreSQL.
	lanes chan struct{}
	max   int
	write func(ctx context.Context, batch []*insertCall)
}

// insertCall is one row waiting to be written and, once done is closed,
// what became of it.
type insertCall struct {
	row     interactionRow
	created bool
	err     error
	done    chan struct{}
}

// batchTimeout bounds a batch, which runs for several callers and so
// cannot use any one caller's context: one that gives up must not fail
// the rows of the others.
const batchTimeout = 30 * time.Second

// maxInsertBatch caps a batch: more rows per statement save little once
// the commit is shared, and a huge statement delays its first caller.
const maxInsertBatch = 128

func newGroupCommit(lanes, max int, write func(ctx context.Context, batch []*insertCall)) *groupCommit {
	return &groupCommit{lanes: make(chan struct{}, lanes), max: max, write: write}
}

// do writes one row, in a batch with whatever else is waiting, and
// returns when it is written (or failed).
func (g *groupCommit) do(ctx context.Context, call *insertCall) {
	call.done = make(chan struct{})
	g.mu.Lock()
	g.queue = append(g.queue, call)
	g.mu.Unlock()
	for {
		select {
		case <-call.done:
			return
		case g.lanes <- struct{}{}:
			g.lead(ctx, call)
			<-g.lanes
		}
	}
}

// lead writes batches, oldest calls first, until call's own row is done.
func (g *groupCommit) lead(ctx context.Context, call *insertCall) {
	for {
		select {
		case <-call.done:
			return
		default:
		}
		g.mu.Lock()
		n := min(len(g.queue), g.max)
		batch := make([]*insertCall, n)
		copy(batch, g.queue)
		g.queue = g.queue[n:]
		if len(g.queue) == 0 {
			g.queue = nil // let the backing array go
		}
		g.mu.Unlock()
		if n == 0 {
			// Another lane took our row and is writing it.
			<-call.done
			return
		}
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
		g.write(bctx, batch)
		cancel()
		for _, c := range batch {
			close(c.done)
		}
	}
}
