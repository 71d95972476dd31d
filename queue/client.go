package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// EnqueueTimeout bounds one enqueue: a webhook must get its 503 quickly
// when Redis is away, not hang.
const EnqueueTimeout = 2 * time.Second

// Client enqueues Plaudit's tasks.
type Client struct {
	c *asynq.Client
}

// NewClient returns a client on the given Redis connection.
func NewClient(opt asynq.RedisConnOpt) *Client {
	return &Client{c: asynq.NewClient(opt)}
}

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }

// enqueue puts t on the queue. A task id that is already queued counts as
// success: the work is there once, which is what the caller wants.
func (c *Client) enqueue(ctx context.Context, t *asynq.Task, err error) error {
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, EnqueueTimeout)
	defer cancel()
	_, err = c.c.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue: enqueue %s: %w", t.Type(), err)
	}
	return nil
}

// Interaction enqueues the decision on an interaction.
func (c *Client) Interaction(ctx context.Context, tenantID, id string) error {
	t, err := NewInteractionTask(tenantID, id)
	return c.enqueue(ctx, t, err)
}

// Send enqueues the sending of a request at due.
func (c *Client) Send(ctx context.Context, tenantID, id string, due time.Time) error {
	t, err := NewSendTask(tenantID, id, due)
	return c.enqueue(ctx, t, err)
}

// Writeback enqueues the writeback of a response version.
func (c *Client) Writeback(ctx context.Context, tenantID, id string, version int) error {
	t, err := NewWritebackTask(tenantID, id, version)
	return c.enqueue(ctx, t, err)
}
