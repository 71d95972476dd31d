package plaudit

import (
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// Team is a group of agents with a lead: reports and leaderboards group
// by it, and its praise and alerts go to its own channels. Agents (and
// console users) name their team by its name.
type Team struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	Name     string `json:"name"`
	// SlackWebhookURL and TeamsWebhookURL are a Slack incoming webhook
	// and a Microsoft Teams workflow webhook. They are credentials (the
	// URL is the key): sealed at rest, and shown redacted.
	SlackWebhookURL string `json:"slack_webhook_url"`
	TeamsWebhookURL string `json:"teams_webhook_url"`
	// LeadEmails get the low-rating alerts and the weekly digest.
	LeadEmails []string `json:"lead_emails"`
	// PraiseMinScore: a response at or above it, with a comment, is
	// posted to the team's channels. AlertMaxScore: a response at or
	// below it is mailed to the leads.
	PraiseMinScore int       `json:"praise_min_score"`
	AlertMaxScore  int       `json:"alert_max_score"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Defaults and bounds of a team.
const (
	DefaultPraiseMinScore = 5
	DefaultAlertMaxScore  = 2
	MaxTeamName           = 100
	MaxLeadEmails         = 20
	MaxWebhookURL         = 2048
)

// NewTeam returns a team with the default thresholds.
func NewTeam(tenantID, name string) Team {
	return Team{TenantID: tenantID, Name: name, LeadEmails: []string{},
		PraiseMinScore: DefaultPraiseMinScore, AlertMaxScore: DefaultAlertMaxScore}
}

// Validate checks every field and names the first one that is wrong.
func (t Team) Validate() error {
	if strings.TrimSpace(t.Name) != t.Name || t.Name == "" || !PlainText(t.Name, MaxTeamName) {
		return Errorf(EInvalid, "name is required: at most %d characters, without surrounding spaces, line breaks or control characters", MaxTeamName)
	}
	for _, u := range []struct{ name, v string }{{"slack_webhook_url", t.SlackWebhookURL}, {"teams_webhook_url", t.TeamsWebhookURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.User != nil || len(u.v) > MaxWebhookURL {
			return Errorf(EInvalid, "%s must be an http(s) URL of at most %d characters", u.name, MaxWebhookURL)
		}
	}
	if len(t.LeadEmails) > MaxLeadEmails {
		return Errorf(EInvalid, "lead_emails must have at most %d addresses", MaxLeadEmails)
	}
	for i, e := range t.LeadEmails {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e || len(e) > 254 {
			return Errorf(EInvalid, "lead_emails[%d] must be an email address", i)
		}
	}
	switch {
	case t.PraiseMinScore < 1 || t.PraiseMinScore > 6:
		return Errorf(EInvalid, "praise_min_score must be between 1 and 6 (6: no praise posts)")
	case t.AlertMaxScore < 0 || t.AlertMaxScore > 5:
		return Errorf(EInvalid, "alert_max_score must be between 0 and 5 (0: no alerts)")
	}
	return nil
}

// Praise reports whether a response belongs in the team's channels: a
// great score with something said about it.
func (t Team) Praise(r Response) bool {
	return r.Score >= t.PraiseMinScore && strings.TrimSpace(r.Comment) != ""
}

// Alert reports whether a response goes to the team's leads.
func (t Team) Alert(r Response) bool { return r.Score >= 1 && r.Score <= t.AlertMaxScore }

// Exclusion reasons: why a response is set aside from the agent's figures.
// The code is kept with the anonymous figures (it outlives the response);
// a free-text note stays on the response and goes with it.
const (
	ExcludeNotAboutAgent   = "not_about_agent"
	ExcludeWrongAgent      = "wrong_agent"
	ExcludeAbusive         = "abusive"
	ExcludeDuplicate       = "duplicate"
	ExcludeOther           = "other"
	ExcludeLikelyAutomated = "likely_automated" // set by Plaudit, not by a person
)

// ExclusionReasons are the reasons a person may give.
var ExclusionReasons = []string{ExcludeNotAboutAgent, ExcludeWrongAgent, ExcludeAbusive, ExcludeDuplicate, ExcludeOther}

// MaxExclusionNote is the longest note an exclusion may carry.
const MaxExclusionNote = 500

// Exclusion sets a response aside from the agent's figures: it stays
// visible with its reason.
type Exclusion struct {
	Reason string    `json:"reason"`
	Note   string    `json:"note,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Reward statuses.
const (
	RewardEarned    = "earned"
	RewardFulfilled = "fulfilled"
)

// Reward is a customer's offer of a reward to the agent (at or above the
// tenant's reward_threshold), until the lead marks it fulfilled.
type Reward struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	// ResponseID is "" once the response was erased; the reward stays the
	// agent's.
	ResponseID  string     `json:"response_id"`
	AgentID     string     `json:"agent_id"`
	Team        string     `json:"team"`
	Status      string     `json:"status"`
	EarnedAt    time.Time  `json:"earned_at"`
	FulfilledAt *time.Time `json:"fulfilled_at,omitempty"`
	FulfilledBy string     `json:"fulfilled_by,omitempty"`
}
