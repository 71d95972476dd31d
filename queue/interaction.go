package queue

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// HandleInteraction applies the rules to a received interaction: it
// cancels a scheduled request when the ticket was reopened, and otherwise
// either schedules a feedback request or records why it will not send one.
//
// Each step is idempotent (one request row per interaction, task ids on
// enqueue), so a retry after a crash at any point has one effect.
func (w *Worker) HandleInteraction(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	in, err := w.Store.GetInteraction(ctx, ref.TenantID, ref.ID)
	if plaudit.IsNotFound(err) {
		return nil // erased or rolled back since it was enqueued
	}
	if err != nil {
		return err
	}
	if in.Status == plaudit.InteractionProcessed {
		return nil
	}
	tenant, err := w.Store.GetTenant(ctx, in.TenantID)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if in.NeedsEnrich {
		if err := w.enrich(ctx, &in); err != nil {
			return err
		}
	}
	if err := w.decide(ctx, tenant, in); err != nil {
		return err
	}
	in.Status = plaudit.InteractionProcessed
	return w.Store.UpdateInteraction(ctx, in)
}

func (w *Worker) enrich(ctx context.Context, in *plaudit.Interaction) error {
	con, d, err := w.connector(ctx, in.TenantID, in.ConnectorID)
	switch {
	case plaudit.IsNotFound(err):
		return permanentIfNotFound(err, "connector deleted")
	case err != nil && con.ID != "":
		return fmt.Errorf("driver %s: %w", con.Kind, asynq.SkipRetry)
	case err != nil:
		return err
	}
	e, ok := d.(plaudit.Enricher)
	if !ok {
		in.NeedsEnrich = false
		return nil
	}
	if err := e.Enrich(ctx, in); err != nil {
		if plaudit.IsPermanent(err) {
			// The ticket cannot be read (deleted, no access): decide on
			// what we have, which records a reason not to send.
			in.NeedsEnrich = false
			return nil
		}
		return fmt.Errorf("enrich from %s: %w", con.Kind, err)
	}
	in.NeedsEnrich = false
	return w.Store.UpdateInteraction(ctx, *in)
}

func (w *Worker) decide(ctx context.Context, tenant plaudit.Tenant, in plaudit.Interaction) error {
	s := tenant.Settings
	if in.Event == plaudit.EventReopened {
		n, err := w.Store.CancelScheduledForTicket(ctx, in.TenantID, in.ConnectorID, in.ExternalID)
		if err != nil {
			return err
		}
		w.count("reopened")
		w.Log.Info("ticket reopened", "tenant", in.TenantID, "interaction", in.ID, "canceled", n)
		return nil
	}

	var agent *plaudit.Agent
	if a, err := w.Store.FindAgent(ctx, in.TenantID, in.Source, in.Agent.ExternalID, in.Agent.Email); err == nil {
		agent = &a
	} else if !plaudit.IsNotFound(err) {
		return err
	}
	req := plaudit.FeedbackRequest{
		TenantID:      in.TenantID,
		InteractionID: in.ID,
		ConnectorID:   in.ConnectorID,
		TicketID:      in.ExternalID,
		Language:      plaudit.Language(in.Customer.Language, s.DefaultLanguage),
		Test:          in.Test,
		DueAt:         w.now(),
	}
	if agent != nil {
		req.AgentID = agent.ID
	}
	if reason := plaudit.Eligible(s, in, agent); reason != "" {
		return w.skip(ctx, req, reason)
	}
	channel, recipient, reason := plaudit.ChooseChannel(s, in)
	if reason != "" {
		return w.skip(ctx, req, reason)
	}
	if in.Test {
		// Test keys run the whole path but every message goes to the
		// tenant's test recipient.
		channel, recipient = testRecipient(s)
		if recipient == "" {
			return w.skip(ctx, req, plaudit.ReasonNoTestRecipient)
		}
	}
	req.Channel, req.Recipient = channel, recipient
	if channel == plaudit.ChannelSMS {
		// Replies are matched by the number the request went out from.
		req.Sender = cmp.Or(s.SMSFrom, w.SMSFrom)
	}
	req.RecipientHash = keyring.AddressHash(tenant.HashKey, recipient)
	now := w.now()
	if sup, err := w.Store.IsSuppressed(ctx, in.TenantID, req.RecipientHash, now); err != nil {
		return err
	} else if sup {
		return w.skip(ctx, req, plaudit.ReasonSuppressed)
	}
	if s.SuppressionDays > 0 && !in.Test {
		since := now.Add(-time.Duration(s.SuppressionDays) * 24 * time.Hour)
		if recent, err := w.Store.RecentlyAsked(ctx, in.TenantID, req.RecipientHash, since); err != nil {
			return err
		} else if recent {
			return w.skip(ctx, req, plaudit.ReasonRecentlyAsked)
		}
	}
	if !plaudit.Sampled(s, in.ID) {
		return w.skip(ctx, req, plaudit.ReasonNotSampled)
	}
	req.DueAt = plaudit.DueAt(s, channel, customerLocation(s, in, channel, recipient), now)
	req.Status = plaudit.RequestScheduled
	req.Token = keyring.Token(24)
	if _, err := w.Store.CreateRequest(ctx, &req); err != nil {
		return err
	}
	// CreateRequest returned the existing row on a retry: enqueue what the
	// store holds, which is idempotent through the task id.
	if req.Status == plaudit.RequestScheduled {
		if err := w.Queue.Send(ctx, req.TenantID, req.ID, req.DueAt); err != nil {
			return err
		}
	}
	w.count("scheduled")
	return nil
}

func (w *Worker) skip(ctx context.Context, req plaudit.FeedbackRequest, reason string) error {
	req.Status = plaudit.RequestSkipped
	req.Reason = reason
	req.Recipient, req.RecipientHash = "", ""
	req.Token = keyring.Token(24)
	if _, err := w.Store.CreateRequest(ctx, &req); err != nil {
		return err
	}
	w.count(reason)
	w.Log.Info("feedback request not sent", "tenant", req.TenantID, "interaction", req.InteractionID, "reason", reason)
	return nil
}

func (w *Worker) count(outcome string) {
	if w.Metrics != nil {
		w.Metrics.Decisions.WithLabelValues(outcome).Inc()
	}
}

func testRecipient(s plaudit.Settings) (channel, recipient string) {
	if e := plaudit.NormalizeEmail(s.TestRecipient); e != "" {
		return plaudit.ChannelEmail, e
	}
	if p, err := plaudit.NormalizePhone(s.TestRecipient, "", s.DefaultRegion); err == nil {
		return plaudit.ChannelSMS, p
	}
	return "", ""
}

// customerLocation is the customer's time zone for quiet hours: the one the
// helpdesk gave, else the phone number's region, else the tenant's.
func customerLocation(s plaudit.Settings, in plaudit.Interaction, channel, recipient string) *time.Location {
	if in.Customer.TimeZone != "" {
		if loc, err := time.LoadLocation(in.Customer.TimeZone); err == nil {
			return loc
		}
	}
	if channel == plaudit.ChannelSMS {
		if loc, ok := plaudit.PhoneLocation(recipient); ok {
			return loc
		}
	}
	return s.Location()
}

func permanentIfNotFound(err error, reason string) error {
	if plaudit.IsNotFound(err) {
		return fmt.Errorf("%s: %w", reason, asynq.SkipRetry)
	}
	return err
}
