package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/httpx"
	"github.com/plaudit/plaudit/store"
)

// Team notifications (docs/reports.md): a great rating with a comment is
// posted to the team's Slack and Microsoft Teams webhooks, a low one is
// mailed to the team's leads, and each lead gets a weekly digest. Each is
// a queued task (ids only) that the worker sends through the egress client
// or the email provider, retried with backoff, each attempt in the team's
// delivery log. No notification carries the customer's name or address.

// Kinds of team notices: what a NotifyTeam task sends where.
const (
	NoticePraiseSlack = "praise.slack"
	NoticePraiseTeams = "praise.teams"
	NoticeAlertEmail  = "alert.email"
	NoticeDigestEmail = "digest.email"
)

// Teams is what the team notifications and rewards need of the store.
type Teams interface {
	TeamByName(ctx context.Context, tenantID, name string) (plaudit.Team, error)
	GetTeam(ctx context.Context, tenantID, id string) (plaudit.Team, error)
	ListTeams(ctx context.Context, tenantID string) ([]plaudit.Team, error)
	ListUsers(ctx context.Context, tenantID string) ([]plaudit.User, error)
	GetResponse(ctx context.Context, tenantID, id string) (plaudit.Response, error)
	RecordTeamDelivery(ctx context.Context, d *store.DeliveryAttempt) error
	EarnReward(ctx context.Context, r plaudit.Response) (plaudit.Reward, bool, error)
	WithdrawReward(ctx context.Context, tenantID, responseID string) (bool, error)
}

// teamNews is what follows an answer for its agent and team: a reward
// offered (or taken back) is recorded, and a praise or an alert is queued
// once per response. Failures are logged: the customer's answer is kept
// whatever happens here.
func (s *Service) teamNews(ctx context.Context, tenant plaudit.Tenant, req plaudit.FeedbackRequest, resp plaudit.Response) {
	if resp.Test {
		return // a test key's answers earn nothing and notify no one
	}
	if err := s.reward(ctx, tenant, resp); err != nil {
		s.log().Error("reward not recorded", "response", resp.ID, "err", err)
	}
	if req.Team == "" {
		return
	}
	team, err := s.Store.TeamByName(ctx, req.TenantID, req.Team)
	if err != nil {
		if !plaudit.IsNotFound(err) {
			s.log().Error("team not read", "response", resp.ID, "err", err)
		}
		return
	}
	var kinds []string
	if team.Praise(resp) {
		if team.SlackWebhookURL != "" {
			kinds = append(kinds, NoticePraiseSlack)
		}
		if team.TeamsWebhookURL != "" {
			kinds = append(kinds, NoticePraiseTeams)
		}
	}
	if team.Alert(resp) {
		if leads, err := s.leads(ctx, team); err != nil {
			s.log().Error("team leads not read", "response", resp.ID, "err", err)
		} else if len(leads) > 0 {
			kinds = append(kinds, NoticeAlertEmail)
		}
	}
	for _, kind := range kinds {
		// once: a response changes several times (a comment, areas); it
		// is announced the first time it qualifies.
		err := s.once(ctx, "team:"+kind+":"+resp.ID, func() error {
			return s.Tasks.TeamNotice(context.WithoutCancel(ctx), resp.TenantID, resp.ID, kind)
		})
		if err != nil {
			s.log().Warn("team notice not queued", "response", resp.ID, "kind", kind, "err", err)
		}
	}
}

// reward records a reward the customer offered at or above the tenant's
// threshold, audited as the customer's; one taken back before it was
// fulfilled goes.
func (s *Service) reward(ctx context.Context, tenant plaudit.Tenant, resp plaudit.Response) error {
	if !resp.Reward || resp.Score < tenant.Settings.RewardThreshold {
		_, err := s.Store.WithdrawReward(ctx, resp.TenantID, resp.ID)
		return err
	}
	w, created, err := s.Store.EarnReward(ctx, resp)
	if err != nil || !created {
		return err
	}
	e := plaudit.AuditEvent{TenantID: resp.TenantID, Actor: "customer", Action: "reward.earn", Target: w.ID,
		Detail: "agent=" + w.AgentID + " response=" + resp.ID}
	return s.Store.AddAudit(ctx, &e)
}

// NotifyTeam sends one team notice: for praise and alerts id is the
// response's, for a digest the team's. Each attempt goes to the team's
// delivery log; a failure is retried unless no retry can help or try is
// the last.
func (s *Service) NotifyTeam(ctx context.Context, tenantID, id, kind string, try Try) error {
	var (
		team   plaudit.Team
		status int
		err    error
	)
	responseID := id
	switch kind {
	case NoticePraiseSlack, NoticePraiseTeams:
		team, status, err = s.praise(ctx, tenantID, id, kind)
	case NoticeAlertEmail:
		team, err = s.alert(ctx, tenantID, id)
	case NoticeDigestEmail:
		responseID = ""
		team, err = s.digest(ctx, tenantID, id)
	default:
		return plaudit.Permanent("unknown team notice "+kind, nil)
	}
	if team.ID == "" {
		return err // nothing to notify any more (erased, team deleted)
	}
	d := store.DeliveryAttempt{TenantID: tenantID, TeamID: team.ID, ResponseID: responseID, Version: 1, EventType: kind,
		Attempt: try.Attempt, StatusCode: status, Outcome: store.DeliveryDelivered}
	if err != nil {
		d.Outcome, d.Error = store.DeliveryRetrying, err.Error()
		if plaudit.IsPermanent(err) || try.Last {
			d.Outcome = store.DeliveryFailed
		}
		var pe *plaudit.PermanentError
		if errors.As(err, &pe) {
			d.Error = pe.Reason
		}
	}
	if lerr := s.Store.RecordTeamDelivery(context.WithoutCancel(ctx), &d); lerr != nil {
		s.log().Error("team delivery not logged", "team", team.ID, "err", lerr)
	}
	return err
}

// noticeTeam reads what a praise or an alert is about: the response, its
// request's team and its agent. A missing one means nothing to send.
func (s *Service) noticeTeam(ctx context.Context, tenantID, responseID string) (plaudit.Response, plaudit.Team, plaudit.Agent, error) {
	resp, err := s.Store.GetResponse(ctx, tenantID, responseID)
	if err != nil {
		return resp, plaudit.Team{}, plaudit.Agent{}, ignoreNotFound(err)
	}
	req, err := s.Store.GetRequest(ctx, tenantID, resp.RequestID)
	if err != nil {
		return resp, plaudit.Team{}, plaudit.Agent{}, ignoreNotFound(err)
	}
	team, err := s.Store.TeamByName(ctx, tenantID, req.Team)
	if err != nil {
		return resp, plaudit.Team{}, plaudit.Agent{}, ignoreNotFound(err)
	}
	agent, err := s.Store.GetAgent(ctx, tenantID, resp.AgentID)
	if err != nil && !plaudit.IsNotFound(err) {
		return resp, plaudit.Team{}, agent, err
	}
	return resp, team, agent, nil
}

func ignoreNotFound(err error) error {
	if plaudit.IsNotFound(err) {
		return nil
	}
	return err
}

// praise posts a great rating to the team's Slack or Teams webhook: the
// agent's display name, the score and the comment; never the customer.
func (s *Service) praise(ctx context.Context, tenantID, responseID, kind string) (plaudit.Team, int, error) {
	resp, team, agent, err := s.noticeTeam(ctx, tenantID, responseID)
	if err != nil || team.ID == "" {
		return team, 0, err
	}
	text := fmt.Sprintf("%s %d/5 for %s: “%s”", strings.Repeat("★", resp.Score), resp.Score, agentName(agent), resp.Comment)
	url, body := team.SlackWebhookURL, any(map[string]string{"text": text})
	if kind == NoticePraiseTeams {
		url, body = team.TeamsWebhookURL, teamsCard(text)
	}
	if url == "" {
		return plaudit.Team{}, 0, nil // removed since
	}
	status, err := s.postWebhook(ctx, kind, url, body)
	return team, status, err
}

// teamsCard is a Microsoft Teams workflow webhook's message: one Adaptive
// Card with the text.
func teamsCard(text string) any {
	return map[string]any{"type": "message", "attachments": []any{map[string]any{
		"contentType": "application/vnd.microsoft.card.adaptive",
		"content": map[string]any{"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
			"version": "1.4", "body": []any{map[string]any{"type": "TextBlock", "text": text, "wrap": true}}},
	}}}
}

func agentName(a plaudit.Agent) string {
	if n := a.DisplayName(); n != "" {
		return n
	}
	return "a former agent"
}

// postWebhook posts body to a webhook URL through the egress client and
// returns the answer's status. The URL is a credential: no error names
// it.
func (s *Service) postWebhook(ctx context.Context, system, url string, body any) (int, error) {
	if s.HTTP == nil {
		return 0, plaudit.Permanent(system+": no HTTP client", nil)
	}
	req, err := httpx.NewJSONRequest(ctx, http.MethodPost, url, body)
	if err != nil {
		return 0, plaudit.Permanent(system+": webhook URL unusable", nil)
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return 0, httpx.TransportError(system, "post", err)
	}
	httpx.ReadBody(resp)
	return resp.StatusCode, httpx.Classify(system, resp.StatusCode, resp.Header.Get("Retry-After"), nil, "")
}

// leadKey names one lead for once: a hash, so that the seen-keys table
// holds no address.
func leadKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:8])
}
