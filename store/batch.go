package store

import (
	"context"
	"time"

	"github.com/plaudit/plaudit/internal/batcher"
)

// groupCommit gathers concurrent InsertInteraction calls into shared
// transactions (internal/batcher). Every webhook is stored before it is
// answered, so under load the ingest path is a stream of one-row commits;
// a commit costs a WAL flush and, on PostgreSQL, a round trip and a
// backend wake-up, much more than the row itself. Calls that arrive while
// a batch is being written wait for the next one, which takes them all.
type groupCommit struct {
	b *batcher.Batcher[*insertCall]
}

// insertCall is one row waiting to be written and what became of it.
type insertCall struct {
	row     interactionRow
	created bool
	err     error
}

// batchTimeout bounds a batch, which runs for several callers and so
// cannot use any one caller's context: one that gives up must not fail
// the rows of the others.
const batchTimeout = 30 * time.Second

// maxInsertBatch caps a batch: more rows per statement save little once
// the commit is shared, and a huge statement delays its first caller.
const maxInsertBatch = 128

// newGroupCommit writes up to max rows a batch, lanes batches at once:
// one on SQLite (one writer), a few on PostgreSQL.
func newGroupCommit(lanes, max int, write func(ctx context.Context, batch []*insertCall)) *groupCommit {
	b := batcher.New(lanes, max, write)
	b.Timeout = batchTimeout
	return &groupCommit{b: b}
}

// do writes one row, in a batch with whatever else is waiting, and
// returns when it is written (or failed).
func (g *groupCommit) do(ctx context.Context, call *insertCall) { g.b.Do(ctx, call) }
