package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupCommitBatchesWhatWaits holds the first batch while more calls
// arrive: they must be written together in the next batch, each call must
// return only after its own row was written, and no more batches may run
// at once than there are lanes.
func TestGroupCommitBatchesWhatWaits(t *testing.T) {
	release := make(chan struct{})
	var (
		mu       sync.Mutex
		sizes    []int
		inFlight atomic.Int32
		maxLanes atomic.Int32
	)
	g := newGroupCommit(1, 100, func(_ context.Context, batch []*insertCall) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		if n > maxLanes.Load() {
			maxLanes.Store(n)
		}
		mu.Lock()
		first := len(sizes) == 0
		sizes = append(sizes, len(batch))
		mu.Unlock()
		if first {
			<-release
		}
		for _, c := range batch {
			c.created = true
		}
	})
	queued := g.b.Waiting

	var wg sync.WaitGroup
	calls := make([]*insertCall, 11)
	for i := range calls {
		calls[i] = &insertCall{}
		wg.Add(1)
		go func() { defer wg.Done(); g.do(t.Context(), calls[i]) }()
		if i == 0 { // wait until the first call is being written alone
			for inFlight.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	for queued() < 10 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for i, c := range calls {
		if !c.created {
			t.Errorf("call %d returned without being written", i)
		}
	}
	if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != 10 {
		t.Fatalf("batch sizes %v, want [1 10]", sizes)
	}
	if maxLanes.Load() != 1 {
		t.Fatalf("%d batches at once on one lane", maxLanes.Load())
	}
}

// TestGroupCommitCapsBatches splits a long queue into batches of at most
// max rows and spreads them over the lanes.
func TestGroupCommitCapsBatches(t *testing.T) {
	var (
		mu      sync.Mutex
		largest int
		rows    int
	)
	g := newGroupCommit(3, 7, func(_ context.Context, batch []*insertCall) {
		time.Sleep(time.Millisecond)
		mu.Lock()
		largest = max(largest, len(batch))
		rows += len(batch)
		mu.Unlock()
	})
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() { defer wg.Done(); g.do(t.Context(), &insertCall{}) }()
	}
	wg.Wait()
	if rows != 200 || largest > 7 {
		t.Fatalf("%d rows written, largest batch %d (cap 7)", rows, largest)
	}
}
