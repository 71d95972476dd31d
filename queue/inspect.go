package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task states the console shows, as asynq names them ("archived" is a
// dead task: out of retries, or failed for good).
var TaskStates = []string{"pending", "scheduled", "retry", "archived"}

// maxInspect bounds how many tasks of one state and queue are read to
// find one tenant's: the queue is shared by all tenants.
const maxInspect = 2000

// TaskView is one of a tenant's tasks as the console shows it.
type TaskView struct {
	ID, Queue, Type, State string
	Ref                    Ref
	Retried, MaxRetry      int
	// LastError is the error of the last attempt; feedback errors carry
	// no personal data.
	LastError     string
	NextProcessAt time.Time
	LastFailedAt  time.Time
}

// TenantTasks lists a tenant's tasks in one state, in the task queues
// (not maintenance, which belongs to no tenant), at most limit.
func (c *Client) TenantTasks(tenantID, state string, limit int) ([]TaskView, error) {
	var out []TaskView
	for _, q := range []string{QueueCritical, QueueDefault} {
		for page := 1; page*500 <= maxInspect; page++ {
			tasks, err := c.list(q, state, page)
			if errors.Is(err, asynq.ErrQueueNotFound) {
				break
			}
			if err != nil {
				return out, fmt.Errorf("queue: list %s tasks: %w", state, err)
			}
			for _, t := range tasks {
				if v, ok := view(t, tenantID); ok && len(out) < limit {
					out = append(out, v)
				}
			}
			if len(tasks) < 500 {
				break
			}
		}
	}
	return out, nil
}

func (c *Client) list(q, state string, page int) ([]*asynq.TaskInfo, error) {
	opts := []asynq.ListOption{asynq.PageSize(500), asynq.Page(page)}
	switch state {
	case "pending":
		return c.insp.ListPendingTasks(q, opts...)
	case "scheduled":
		return c.insp.ListScheduledTasks(q, opts...)
	case "retry":
		return c.insp.ListRetryTasks(q, opts...)
	case "archived":
		return c.insp.ListArchivedTasks(q, opts...)
	}
	return nil, fmt.Errorf("queue: unknown task state %q", state)
}

// view is t as a TaskView, when it is tenantID's.
func view(t *asynq.TaskInfo, tenantID string) (TaskView, bool) {
	var r Ref
	if json.Unmarshal(t.Payload, &r) != nil || r.TenantID != tenantID {
		return TaskView{}, false
	}
	return TaskView{ID: t.ID, Queue: t.Queue, Type: t.Type, State: t.State.String(), Ref: r,
		Retried: t.Retried, MaxRetry: t.MaxRetry, LastError: t.LastErr,
		NextProcessAt: t.NextProcessAt, LastFailedAt: t.LastFailedAt}, true
}

// RetryTask runs one of a tenant's scheduled, retrying or dead tasks now.
// A task of another tenant is not found.
func (c *Client) RetryTask(tenantID, queue, id string) error {
	if queue != QueueCritical && queue != QueueDefault {
		return asynq.ErrTaskNotFound
	}
	t, err := c.insp.GetTaskInfo(queue, id)
	if err != nil {
		return err
	}
	if _, ok := view(t, tenantID); !ok {
		return asynq.ErrTaskNotFound
	}
	return c.insp.RunTask(queue, id)
}
