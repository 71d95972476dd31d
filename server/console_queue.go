package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/queue"
)

// queueState is one state's tasks on the queue page.
type queueState struct {
	State, Title string
	Retry        bool
	Tasks        []queue.TaskView
}

var queueTitles = map[string]string{"pending": "Pending", "scheduled": "Scheduled", "retry": "Retrying", "archived": "Dead (out of retries)"}

// tenantTasks lists the caller's tenant's tasks by state (asynq's
// inspector, filtered to the tenant).
func (s *Server) tenantTasks(tenantID string) ([]queueState, error) {
	var out []queueState
	for _, st := range queue.TaskStates {
		tasks, err := s.cfg.Queue.TenantTasks(tenantID, st, 100)
		if err != nil {
			return nil, plaudit.Errorf(plaudit.EUnavailable, "the queue cannot be read now")
		}
		out = append(out, queueState{State: st, Title: queueTitles[st], Retry: st != "pending", Tasks: tasks})
	}
	return out, nil
}

func (s *Server) consoleQueue(c *fiber.Ctx) error {
	v := s.view(c, "Queue")
	if c.Query("retried") != "" {
		v.Flash = "The task runs again now."
	}
	if s.cfg.Queue == nil {
		v.Error = "This process has no queue."
		return s.renderConsole(c, 0, "queue", v)
	}
	states, err := s.tenantTasks(tenantID(c))
	if err != nil {
		return err
	}
	v.Data = states
	return s.renderConsole(c, 0, "queue", v)
}

// consoleRetryTask runs one of the tenant's waiting or dead tasks now.
func (s *Server) consoleRetryTask(c *fiber.Ctx) error {
	if s.cfg.Queue == nil {
		return plaudit.Errorf(plaudit.EUnavailable, "this process has no queue")
	}
	err := s.cfg.Queue.RetryTask(tenantID(c), c.FormValue("queue"), c.FormValue("id"))
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return plaudit.Errorf(plaudit.ENotFound, "that task is not waiting any more: it may have run already")
	case err != nil:
		return plaudit.Errorf(plaudit.EUnavailable, "the queue cannot be changed now")
	}
	s.auditAs(c.UserContext(), who(c), "queue.task.retry", c.FormValue("id"), "")
	return c.Redirect("/console/queue?retried=1", fiber.StatusSeeOther)
}
