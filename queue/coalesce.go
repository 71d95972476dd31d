package queue

import (
	"context"

	"github.com/plaudit/plaudit/internal/batcher"
)

// coalescer gathers concurrent enqueues of interactions into one task, as
// the store's group commit gathers their inserts (both are
// internal/batcher): under load the webhooks whose rows were committed
// together ask for their tasks together, and one enqueue (one Redis round
// trip, one task for a worker to dequeue) serves them all. A lone call is
// a batch of one, enqueued at once as the plain interaction task; nothing
// waits for a timer.
type coalescer struct {
	b *batcher.Batcher[*enqueueCall]
}

// enqueueCall is one interaction waiting for its task and the outcome.
type enqueueCall struct {
	ref Ref
	err error
}

// maxTaskBatch caps the interactions of one task: a worker decides them in
// one transaction, and a smaller batch spreads over more workers.
const maxTaskBatch = 64

// enqueueLanes is how many batches may be enqueued at once: a second lane
// lets a batch form while the first one's round trip is under way.
const enqueueLanes = 2

// newCoalescer enqueues batches with write. A batch's enqueue runs for
// several callers, so it does not end with the leader's context
// (EnqueueTimeout bounds it); the callers woken by one commit are let
// join the batch about to be taken (Yield).
func newCoalescer(write func(ctx context.Context, refs []Ref) error) *coalescer {
	return newCoalescerLanes(enqueueLanes, write)
}

func newCoalescerLanes(lanes int, write func(ctx context.Context, refs []Ref) error) *coalescer {
	b := batcher.New(lanes, maxTaskBatch, func(ctx context.Context, calls []*enqueueCall) {
		refs := make([]Ref, len(calls))
		for i, c := range calls {
			refs[i] = c.ref
		}
		err := write(ctx, refs)
		for _, c := range calls {
			c.err = err
		}
	})
	b.Yield = true
	return &coalescer{b: b}
}

// do enqueues ref, in a task with whatever else is waiting, and returns
// the outcome of that task's enqueue.
func (c *coalescer) do(ctx context.Context, ref Ref) error {
	call := &enqueueCall{ref: ref}
	c.b.Do(ctx, call)
	return call.err
}
