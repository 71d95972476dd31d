// Package batcher gathers concurrent calls into shared batches: the
// store's group commit of webhook rows and the queue's one task for the
// interactions committed together. Under load the batch grows with the
// load; with none, a lone call is a batch of one, written at once.
//
// There is no goroutine to start or stop. A caller that finds a free lane
// leads: it writes batches from the queue, oldest first, until its own
// item is written, then frees the lane, which another waiting caller
// takes over.
package batcher

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// Batcher gathers items of type T into batches that write handles.
type Batcher[T any] struct {
	mu    sync.Mutex
	queue []*call[T]
	// lanes holds a token per batch that may be written at the same time.
	lanes chan struct{}
	max   int
	write func(ctx context.Context, batch []T)
	// Timeout bounds a batch, which runs for several callers and so
	// cannot use any one caller's context: one that gives up must not
	// fail the items of the others. 0 leaves the bound to write.
	Timeout time.Duration
	// Yield lets callers woken together (by one commit) join the batch a
	// leader is about to take, rather than the next one.
	Yield bool
}

type call[T any] struct {
	item T
	done chan struct{}
}

// New returns a batcher of up to max items a batch, lanes batches at once.
func New[T any](lanes, max int, write func(ctx context.Context, batch []T)) *Batcher[T] {
	return &Batcher[T]{lanes: make(chan struct{}, max1(lanes)), max: max1(max), write: write}
}

func max1(n int) int { return max(n, 1) }

// Do writes item in a batch with whatever else is waiting and returns
// once that batch's write has returned; write reports each item's outcome
// in the item itself.
func (b *Batcher[T]) Do(ctx context.Context, item T) {
	c := &call[T]{item: item, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	for {
		select {
		case <-c.done:
			return
		case b.lanes <- struct{}{}:
			b.lead(ctx, c)
			<-b.lanes
		}
	}
}

// lead writes batches, oldest calls first, until own's item is written.
func (b *Batcher[T]) lead(ctx context.Context, own *call[T]) {
	for {
		select {
		case <-own.done:
			return
		default:
		}
		if b.Yield {
			runtime.Gosched()
		}
		batch := b.take()
		if len(batch) == 0 {
			<-own.done // another lane took it and is writing it
			return
		}
		items := make([]T, len(batch))
		for i, c := range batch {
			items[i] = c.item
		}
		bctx, cancel := context.WithoutCancel(ctx), func() {}
		if b.Timeout > 0 {
			bctx, cancel = context.WithTimeout(bctx, b.Timeout)
		}
		b.write(bctx, items)
		cancel()
		for _, c := range batch {
			close(c.done)
		}
	}
}

// take removes the oldest waiting calls, up to a batch.
func (b *Batcher[T]) take() []*call[T] {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.queue), b.max)
	batch := make([]*call[T], n)
	copy(batch, b.queue)
	b.queue = b.queue[n:]
	if len(b.queue) == 0 {
		b.queue = nil // let the backing array go
	}
	return batch
}

// Waiting is how many calls wait for a batch.
func (b *Batcher[T]) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}
