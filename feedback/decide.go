package feedback

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// Decide applies the rules to a received interaction: it cancels a
// scheduled request when the ticket was reopened, and otherwise either
// schedules a feedback request or records why it will not send one. An
// interaction erased since, or of a deleted tenant, is nothing to do.
//
// Each step is idempotent (one request row per interaction, task ids on
// enqueue), so a retry after a crash at any point has one effect.
func (s *Service) Decide(ctx context.Context, tenantID, interactionID string) error {
	in, err := s.Store.GetInteraction(ctx, tenantID, interactionID)
	if plaudit.IsNotFound(err) {
		return nil // erased or rolled back since it was enqueued
	}
	if err != nil {
		return err
	}
	if in.Status == plaudit.InteractionProcessed {
		return nil
	}
	tenant, err := s.Store.GetTenant(ctx, in.TenantID)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if in.NeedsEnrich {
		if err := s.enrich(ctx, &in); err != nil {
			return err
		}
	}
	if err := s.decide(ctx, tenant, in); err != nil {
		return err
	}
	in.Status = plaudit.InteractionProcessed
	return s.Store.UpdateInteraction(ctx, in)
}

func (s *Service) enrich(ctx context.Context, in *plaudit.Interaction) error {
	con, d, err := s.connector(ctx, in.TenantID, in.ConnectorID)
	switch {
	case plaudit.IsNotFound(err):
		return permanentIfNotFound(err, "connector deleted")
	case err != nil && con.ID != "":
		return plaudit.Permanent("driver "+con.Kind, err)
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
	return s.Store.UpdateInteraction(ctx, *in)
}

func (s *Service) decide(ctx context.Context, tenant plaudit.Tenant, in plaudit.Interaction) error {
	if in.Event == plaudit.EventReopened {
		n, err := s.Store.CancelScheduledForTicket(ctx, in.TenantID, in.ConnectorID, in.ExternalID)
		if err != nil {
			return err
		}
		s.count("reopened")
		s.log().Info("ticket reopened", "tenant", in.TenantID, "interaction", in.ID, "canceled", n)
		return nil
	}
	req, reason, err := s.plan(ctx, tenant, in)
	if err != nil {
		return err
	}
	if reason != "" {
		return s.skip(ctx, req, reason)
	}
	req.Status = plaudit.RequestScheduled
	req.Token = keyring.Token(24)
	if _, err := s.Store.CreateRequest(ctx, &req); err != nil {
		return err
	}
	// CreateRequest returned the existing row on a retry: enqueue what the
	// store holds, which is idempotent through the task id.
	if req.Status == plaudit.RequestScheduled {
		if err := s.Tasks.Send(ctx, req.TenantID, req.ID, req.DueAt); err != nil {
			return err
		}
	}
	s.count("scheduled")
	return nil
}

// plan works out the request for a solved ticket: to whom, by which
// channel, from which sender and when; or the reason none is sent.
func (s *Service) plan(ctx context.Context, tenant plaudit.Tenant, in plaudit.Interaction) (req plaudit.FeedbackRequest, reason string, err error) {
	req, reason, err = s.draft(ctx, tenant, in)
	if reason != "" || err != nil {
		return req, reason, err
	}
	if reason, err := s.screen(ctx, tenant.Settings, in, req.RecipientHash); reason != "" || err != nil {
		return req, reason, err
	}
	return s.scheduled(tenant.Settings, in, req), "", nil
}

// scheduled gives a request that passed the screen its due time: quiet
// hours in the customer's time zone for SMS.
func (s *Service) scheduled(set plaudit.Settings, in plaudit.Interaction, req plaudit.FeedbackRequest) plaudit.FeedbackRequest {
	req.DueAt = plaudit.DueAt(set, req.Channel, customerLocation(set, in, req.Channel, req.Recipient), s.now())
	return req
}

// draft is plan up to the screen: the agent, the rules, the channel, the
// recipient and its hash; or the reason none is sent.
func (s *Service) draft(ctx context.Context, tenant plaudit.Tenant, in plaudit.Interaction) (req plaudit.FeedbackRequest, reason string, err error) {
	set := tenant.Settings
	var agent *plaudit.Agent
	if a, err := s.Store.FindAgent(ctx, in.TenantID, in.Source, in.Agent.ExternalID, in.Agent.Email); err == nil {
		agent = &a
	} else if !plaudit.IsNotFound(err) {
		return req, "", err
	}
	now := s.now()
	req = plaudit.FeedbackRequest{
		TenantID:      in.TenantID,
		InteractionID: in.ID,
		ConnectorID:   in.ConnectorID,
		TicketID:      in.ExternalID,
		Language:      plaudit.Language(in.Customer.Language, set.DefaultLanguage),
		Test:          in.Test,
		DueAt:         now,
	}
	if agent != nil {
		// The agent and their team are fixed on the request now, and
		// never recomputed: the rating is theirs, whoever holds the
		// ticket later.
		req.AgentID, req.Team = agent.ID, agent.Team
	}
	if reason := plaudit.Eligible(set, in, agent); reason != "" {
		return req, reason, nil
	}
	channel, recipient, reason := s.chooseChannel(set, in)
	if reason != "" {
		return req, reason, nil
	}
	if in.Test {
		// Test keys run the whole path but every message goes to the
		// tenant's test recipient.
		if channel, recipient = testRecipient(set); recipient == "" {
			return req, plaudit.ReasonNoTestRecipient, nil
		}
		if !s.provides(channel) {
			return req, plaudit.ReasonNoProvider, nil
		}
	}
	req.Channel, req.Recipient = channel, recipient
	if channel == plaudit.ChannelSMS {
		// Replies are matched by the number the request went out from.
		req.Sender = cmp.Or(set.SMSFrom, s.SMSFrom)
	}
	req.RecipientHash = keyring.AddressHash(tenant.HashKey, recipient)
	return req, "", nil
}

// chooseChannel picks the channel among the tenant's that a provider
// takes. When only a channel without one could reach the customer, the
// reason is no_provider: nothing would take the message.
func (s *Service) chooseChannel(set plaudit.Settings, in plaudit.Interaction) (channel, recipient, reason string) {
	provided := set
	provided.Channels = slices.DeleteFunc(slices.Clone(set.Channels), func(c string) bool { return !s.provides(c) })
	channel, recipient, reason = plaudit.ChooseChannel(provided, in)
	if reason != "" {
		if _, _, without := plaudit.ChooseChannel(set, in); without == "" {
			reason = plaudit.ReasonNoProvider
		}
	}
	return channel, recipient, reason
}

// screen gives the reason not to ask this recipient now, if any: an
// opt-out or bounce, a request within the tenant's suppression_days, or
// the sampling rate.
func (s *Service) screen(ctx context.Context, set plaudit.Settings, in plaudit.Interaction, recipientHash string) (string, error) {
	now := s.now()
	if sup, err := s.Store.IsSuppressed(ctx, in.TenantID, recipientHash, now); err != nil || sup {
		return reasonIf(sup, plaudit.ReasonSuppressed), err
	}
	recent := false
	if windowApplies(set, in) {
		var err error
		if recent, err = s.Store.RecentlyAsked(ctx, in.TenantID, recipientHash, windowStart(set, now)); err != nil {
			return "", err
		}
	}
	return screenReason(set, in, false, recent), nil
}

// screenReason is the screen's verdict on what the store said of the
// address: suppressed, asked within the window; else the sampling rate.
func screenReason(set plaudit.Settings, in plaudit.Interaction, suppressed, recent bool) string {
	switch {
	case suppressed:
		return plaudit.ReasonSuppressed
	case recent && windowApplies(set, in):
		return plaudit.ReasonRecentlyAsked
	case !plaudit.Sampled(set, in.ID):
		return plaudit.ReasonNotSampled
	}
	return ""
}

// windowApplies says whether the suppression window (suppression_days)
// counts for in: not when it is 0, nor for test interactions, which all
// go to the tenant's test recipient.
func windowApplies(set plaudit.Settings, in plaudit.Interaction) bool {
	return set.SuppressionDays > 0 && !in.Test
}

// windowStart is when the suppression window seen at now began.
func windowStart(set plaudit.Settings, now time.Time) time.Time {
	return now.Add(-time.Duration(set.SuppressionDays) * 24 * time.Hour)
}

func reasonIf(yes bool, reason string) string {
	if yes {
		return reason
	}
	return ""
}

func (s *Service) skip(ctx context.Context, req plaudit.FeedbackRequest, reason string) error {
	req.Status = plaudit.RequestSkipped
	req.Reason = reason
	req.Recipient, req.RecipientHash = "", ""
	req.Token = keyring.Token(24)
	if _, err := s.Store.CreateRequest(ctx, &req); err != nil {
		return err
	}
	s.count(reason)
	s.log().Info("feedback request not sent", "tenant", req.TenantID, "interaction", req.InteractionID, "reason", reason)
	return nil
}

func (s *Service) count(outcome string) {
	if s.Metrics != nil {
		s.Metrics.Decisions.WithLabelValues(outcome).Inc()
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
