package batcher

import (
	"context"
	"sync"
	"testing"
	"time"
)

type item struct {
	n       int
	written bool
	ctxErr  error
}

// A batch is written under its own context: a leader whose caller gave up
// does not fail the others' items, and Timeout bounds the write.
func TestBatchOutlivesTheLeadersContext(t *testing.T) {
	b := New(1, 10, func(ctx context.Context, batch []*item) {
		deadline, ok := ctx.Deadline()
		for _, it := range batch {
			it.written, it.ctxErr = ok && time.Until(deadline) <= time.Minute, ctx.Err()
		}
	})
	b.Timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	it := &item{}
	b.Do(ctx, it)
	if !it.written || it.ctxErr != nil {
		t.Fatalf("written %v (with the batch's timeout), context error %v", it.written, it.ctxErr)
	}
}

// Every item of many concurrent calls is written once, in batches of at
// most max, and nobody waits when the queue is empty.
func TestEveryItemWrittenOnceInBoundedBatches(t *testing.T) {
	var (
		mu      sync.Mutex
		seen    = map[int]int{}
		biggest int
	)
	b := New(2, 5, func(_ context.Context, batch []*item) {
		mu.Lock()
		defer mu.Unlock()
		biggest = max(biggest, len(batch))
		for _, it := range batch {
			seen[it.n]++
			it.written = true
		}
	})
	b.Yield = true
	var wg sync.WaitGroup
	items := make([]*item, 200)
	for i := range items {
		items[i] = &item{n: i}
		wg.Add(1)
		go func() { defer wg.Done(); b.Do(t.Context(), items[i]) }()
	}
	wg.Wait()
	for i, it := range items {
		if !it.written || seen[i] != 1 {
			t.Errorf("item %d written %d times", i, seen[i])
		}
	}
	if biggest > 5 {
		t.Errorf("a batch of %d, want at most 5", biggest)
	}
	if n := b.Waiting(); n != 0 {
		t.Errorf("%d calls still waiting", n)
	}
}
