package queue

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// versionRecorder is a helpdesk that takes a while to answer and records
// which versions it was sent.
type versionRecorder struct {
	mu       sync.Mutex
	versions []int
}

func (d *versionRecorder) Receive(context.Context, plaudit.Delivery) ([]plaudit.Event, error) {
	return nil, nil
}

func (d *versionRecorder) Writeback(_ context.Context, w plaudit.Writeback) error {
	d.mu.Lock()
	d.versions = append(d.versions, w.Response.Version)
	d.mu.Unlock()
	time.Sleep(100 * time.Millisecond) // a concurrent writeback overlaps this one
	return nil
}

// Each version of a response is written back once, however close
// together the updates come: with the comment arriving just after the
// score, the tasks for version 1 and version 2 run at once and both see
// version 2. (Version 2 used to be written back, and called back, by
// both.)
func TestEachVersionIsWrittenBackOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	con, resp := f.answered(t, "standard")
	rec := &versionRecorder{}
	f.w.Feedback.Connectors = stubConnectors{f.st, driverMap{con.ID: rec}}
	resp.Comment = "and quick"
	must(t, f.st.UpdateResponse(ctx, &resp))
	if resp.Version != 2 {
		t.Fatalf("version %d after the comment", resp.Version)
	}

	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, v := range []int{1, 2, 2} { // the second copy of 2: a redelivered task
		wg.Add(1)
		go func() {
			defer wg.Done()
			task, _ := NewWritebackTask(f.tenant.ID, resp.ID, v)
			errs[i] = f.w.HandleWriteback(ctx, task)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("task %d: %v", i, err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.versions) != 1 || rec.versions[0] != 2 {
		t.Fatalf("the helpdesk got versions %v, want [2] once", rec.versions)
	}
	got, err := f.st.GetResponse(ctx, f.tenant.ID, resp.ID)
	must(t, err)
	if got.WrittenVersion != 2 || got.WritebackStatus != plaudit.WritebackDone {
		t.Fatalf("after the writebacks: %+v", got)
	}
}
