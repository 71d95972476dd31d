package queue

import (
	"context"
	"runtime"
	"sync"
)

// coalescer gathers concurrent enqueues of interactions into one task, as
// the store's group commit gathers their inserts (store/batch.go): under
// load the webhooks whose rows were committed together ask for their
// tasks together, and one enqueue (one Redis round trip, one task for a
// worker to dequeue) serves them all. A lone call is a batch of one,
// enqueued at once as the plain interaction task; nothing waits for a
// timer. There is no goroutine: a caller that finds a free lane enqueues
// batches until its own ref is enqueued.
type coalescer struct {
	mu    sync.Mutex
	queue []*enqueueCall
	lanes chan struct{}
	max   int
	write func(ctx context.Context, refs []Ref) error
}

// enqueueCall is one interaction waiting for its task and, once done is
// closed, the outcome.
type enqueueCall struct {
	ref  Ref
	err  error
	done chan struct{}
}

// maxTaskBatch caps the interactions of one task: a worker decides them in
// one transaction, and a smaller batch spreads over more workers.
const maxTaskBatch = 64

// enqueueLanes is how many batches may be enqueued at once: a second lane
// lets a batch form while the first one's round trip is under way.
const enqueueLanes = 2

func newCoalescer(write func(ctx context.Context, refs []Ref) error) *coalescer {
	return &coalescer{lanes: make(chan struct{}, enqueueLanes), max: maxTaskBatch, write: write}
}

// do enqueues ref, in a task with whatever else is waiting, and returns
// the outcome of that task's enqueue.
func (c *coalescer) do(ctx context.Context, ref Ref) error {
	call := &enqueueCall{ref: ref, done: make(chan struct{})}
	c.mu.Lock()
	c.queue = append(c.queue, call)
	c.mu.Unlock()
	for {
		select {
		case <-call.done:
			return call.err
		case c.lanes <- struct{}{}:
			c.lead(ctx, call)
			<-c.lanes
		}
	}
}

// lead enqueues batches, oldest calls first, until call's own is done.
// The batch's enqueue runs for several callers, so it does not end when
// the leader's context does (EnqueueTimeout bounds it).
func (c *coalescer) lead(ctx context.Context, call *enqueueCall) {
	for {
		select {
		case <-call.done:
			return
		default:
		}
		// The callers whose rows one commit wrote are woken together:
		// yielding once lets them join this batch rather than the next.
		runtime.Gosched()
		c.mu.Lock()
		n := min(len(c.queue), c.max)
		batch := make([]*enqueueCall, n)
		copy(batch, c.queue)
		c.queue = c.queue[n:]
		if len(c.queue) == 0 {
			c.queue = nil
		}
		c.mu.Unlock()
		if n == 0 {
			<-call.done // another lane has it
			return
		}
		refs := make([]Ref, n)
		for i, b := range batch {
			refs[i] = b.ref
		}
		err := c.write(context.WithoutCancel(ctx), refs)
		for _, b := range batch {
			b.err = err
			close(b.done)
		}
	}
}
