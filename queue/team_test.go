package queue

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
)

// A team notice carries ids and a kind, nothing a person wrote, and one
// per response and kind is queued at a time.
func TestTeamNoticeTaskCarriesIDsOnly(t *testing.T) {
	task, err := NewTeamNoticeTask("ten_1", "rsp_1", "praise.slack")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(task.Payload()); got != `{"t":"ten_1","id":"rsp_1","k":"praise.slack"}` {
		t.Errorf("payload %s", got)
	}
	w := &Worker{}
	for _, bad := range []string{`{"t":"ten_1","id":"rsp_1"}`, `not json`} {
		err := w.HandleTeamNotice(context.Background(), asynq.NewTask(TypeTeamNotice, []byte(bad)))
		if !errors.Is(err, asynq.SkipRetry) || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("payload %s: %v, want a malformed payload not retried", bad, err)
		}
	}
}
