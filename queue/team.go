package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Team notifications (feedback.NotifyTeam) and the weekly digests.
const (
	TypeTeamNotice = "team:notice"
	TypeDigests    = "maintenance:digests"
	// teamNoticeMaxRetry keeps a notice retrying for about a day
	// (RetryDelay's backoff); its last failure is logged as failed.
	teamNoticeMaxRetry = 60
	// DigestSpec is how often the scheduler looks for weekly digests that
	// are due: every quarter of an hour, so that each tenant's go out at
	// 07:00 on Monday in its own time zone (feedback.Service.QueueDigests).
	DigestSpec = "*/15 * * * *"
)

// noticeRef is a team notice's payload: ids and a kind, nothing personal.
type noticeRef struct {
	TenantID string `json:"t"`
	ID       string `json:"id"`
	Kind     string `json:"k"`
}

// NewTeamNoticeTask asks a worker to send one team notice of kind about
// id (a response, or for a digest a team and its week: team id@Monday,
// so that each week's digest is a task of its own).
func NewTeamNoticeTask(tenantID, id, kind string) (*asynq.Task, error) {
	b, err := json.Marshal(noticeRef{TenantID: tenantID, ID: id, Kind: kind})
	if err != nil {
		return nil, fmt.Errorf("queue: encode %s: %w", TypeTeamNotice, err)
	}
	return asynq.NewTask(TypeTeamNotice, b, asynq.TaskID("tn:"+kind+":"+id), asynq.Queue(QueueDefault),
		asynq.MaxRetry(teamNoticeMaxRetry), asynq.Timeout(60*time.Second)), nil
}

// TeamNotice enqueues a team notice.
func (c *Client) TeamNotice(ctx context.Context, tenantID, id, kind string) error {
	t, err := NewTeamNoticeTask(tenantID, id, kind)
	return c.enqueue(ctx, t, err)
}

// HandleTeamNotice sends one team notice (feedback.Service.NotifyTeam).
func (w *Worker) HandleTeamNotice(ctx context.Context, t *asynq.Task) error {
	var ref noticeRef
	if err := json.Unmarshal(t.Payload(), &ref); err != nil || ref.TenantID == "" || ref.ID == "" || ref.Kind == "" {
		return fmt.Errorf("queue: malformed %s payload: %w", t.Type(), asynq.SkipRetry)
	}
	return w.taskError(w.Feedback.NotifyTeam(ctx, ref.TenantID, ref.ID, ref.Kind, try(ctx)))
}

// HandleDigests queues the weekly digests that are due: those of the
// tenants whose Monday 07:00 has come (feedback.Service.QueueDigests).
func (w *Worker) HandleDigests(ctx context.Context, _ *asynq.Task) error {
	return w.Feedback.QueueDigests(ctx)
}
