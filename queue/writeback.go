package queue

import (
	"context"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
)

// HandleWriteback writes a response back to the helpdesk its ticket came
// from. Each version is written once: the store keeps the last version
// written, and a task for an older or equal version does nothing.
func (w *Worker) HandleWriteback(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	resp, err := w.Store.GetResponse(ctx, ref.TenantID, ref.ID)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if resp.WrittenVersion >= resp.Version || resp.WritebackStatus == plaudit.WritebackNone {
		return nil
	}
	req, err := w.Store.GetRequest(ctx, resp.TenantID, resp.RequestID)
	if err != nil {
		return permanentIfNotFound(err, "request erased")
	}
	in, err := w.Store.GetInteraction(ctx, resp.TenantID, req.InteractionID)
	if err != nil {
		return permanentIfNotFound(err, "interaction erased")
	}
	if in.ConnectorID == "" {
		return w.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, resp.Version, plaudit.WritebackNone, "")
	}
	con, err := w.Store.GetConnector(ctx, resp.TenantID, in.ConnectorID)
	if plaudit.IsNotFound(err) {
		return w.writebackFailed(ctx, resp, "", plaudit.Permanent("connector deleted", nil))
	}
	if err != nil {
		return err
	}
	d, err := w.Drivers.Driver(con, w.DriverDeps)
	if err != nil {
		return w.writebackFailed(ctx, resp, con.Kind, plaudit.Permanent("connector misconfigured", err))
	}
	var agent plaudit.Agent
	if req.AgentID != "" {
		if a, err := w.Store.GetAgent(ctx, resp.TenantID, req.AgentID); err == nil {
			agent = a
		}
	}
	version := resp.Version
	err = w.call("writeback:"+con.ID, func() error {
		return d.Writeback(ctx, plaudit.Writeback{
			Interaction: in, Request: req, Response: resp, Agent: agent,
			Update: resp.WrittenVersion > 0,
		})
	})
	if err != nil {
		return w.writebackFailed(ctx, resp, con.Kind, err)
	}
	if w.Metrics != nil {
		w.Metrics.Writebacks.WithLabelValues(con.Kind, "done").Inc()
	}
	return w.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, version, plaudit.WritebackDone, "")
}

func (w *Worker) writebackFailed(ctx context.Context, resp plaudit.Response, kind string, err error) error {
	var p *plaudit.PermanentError
	if asPermanent(err, &p) {
		if w.Metrics != nil {
			w.Metrics.Writebacks.WithLabelValues(kind, "failed").Inc()
		}
		if serr := w.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, resp.Version, plaudit.WritebackFailed, p.Reason); serr != nil {
			return serr
		}
		return fmt.Errorf("writeback: %s: %w", p.Reason, asynq.SkipRetry)
	}
	if w.Metrics != nil {
		w.Metrics.Writebacks.WithLabelValues(kind, "retry").Inc()
	}
	return fmt.Errorf("writeback to %s: %w", kind, err)
}
