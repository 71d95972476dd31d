package plaudit

import (
	"hash/fnv"
	"net/mail"
	"strings"
	"time"
)

// Reasons recorded when a request is not sent. They are shown to tenant
// admins and never contain personal data.
const (
	ReasonNotSolved       = "not_solved"
	ReasonNoAgent         = "agent_unknown"
	ReasonAgentNotApprove = "agent_not_approved"
	ReasonDoNotSend       = "do_not_send"
	ReasonSuppressionTag  = "suppression_tag"
	ReasonNoAddress       = "no_usable_address"
	ReasonChannelDisabled = "channel_disabled"
	ReasonInvalidPhone    = "invalid_phone"
	ReasonSuppressed      = "address_suppressed"
	ReasonRecentlyAsked   = "recently_asked"
	ReasonNotSampled      = "not_sampled"
	ReasonReopened        = "ticket_reopened"
	ReasonNoTestRecipient = "no_test_recipient"
	// ReasonNoProvider: no email or SMS provider takes the channel the
	// customer can be reached on (and the outbox is off), so nothing is
	// sent and nothing is marked sent.
	ReasonNoProvider = "no_provider"
)

// Eligible applies the rules that need no look-up and returns "" when the
// interaction may lead to a request, or the reason it may not.
func Eligible(s Settings, in Interaction, agent *Agent) string {
	switch {
	case in.Event != EventSolved:
		return ReasonNotSolved
	case in.DoNotSend:
		return ReasonDoNotSend
	case hasSuppressionTag(s, in.Tags):
		return ReasonSuppressionTag
	case agent == nil:
		return ReasonNoAgent
	case !agent.Approved:
		return ReasonAgentNotApprove
	}
	return ""
}

func hasSuppressionTag(s Settings, tags []string) bool {
	for _, t := range tags {
		for _, st := range s.SuppressionTags {
			if strings.EqualFold(strings.TrimSpace(t), st) {
				return true
			}
		}
	}
	return false
}

// voiceChannels are the interaction channels on which the customer was
// reached by phone or a messaging app: an SMS is the natural follow-up.
var voiceChannels = map[string]bool{
	"sms": true, "phone": true, "voice": true, "call": true, "whatsapp": true,
	"messaging": true, "text": true, "mobile": true, "native_messaging": true,
	"any_channel_sms": true, "facebook": true, "chat_sms": true,
}

// ChooseChannel picks the channel and the normalized recipient address. SMS
// is chosen when the interaction came by phone or messaging and a phone is
// known, or when there is a phone and no email; the tenant's channels limit
// the choice. It returns a reason instead when no channel can be used.
func ChooseChannel(s Settings, in Interaction) (channel, recipient, reason string) {
	email := NormalizeEmail(in.Customer.Email)
	phone, phoneErr := "", error(nil)
	if strings.TrimSpace(in.Customer.Phone) != "" {
		phone, phoneErr = NormalizePhone(in.Customer.Phone, in.Customer.Country, s.DefaultRegion)
	}
	wantSMS := phone != "" && (voiceChannels[strings.ToLower(in.Channel)] || email == "")
	if wantSMS && s.ChannelEnabled(ChannelSMS) {
		return ChannelSMS, phone, ""
	}
	if email != "" && s.ChannelEnabled(ChannelEmail) {
		return ChannelEmail, email, ""
	}
	if phone != "" && s.ChannelEnabled(ChannelSMS) {
		return ChannelSMS, phone, ""
	}
	switch {
	case phoneErr != nil && email == "":
		return "", "", ReasonInvalidPhone
	case email != "" || phone != "":
		return "", "", ReasonChannelDisabled
	}
	return "", "", ReasonNoAddress
}

// NormalizeEmail returns the address part of s in lower case, or "" when s
// is not an email address. Lower case is Unicode's (Ä → ä), not ASCII's:
// it is the one form addresses are stored, hashed and matched in.
//
// It is a case mapping, not full case folding (golang.org/x/text/cases
// Fold): folding turns "ß" into "ss", and fußball.de and fussball.de are
// two IDNA2008 domains, so a folded address can be another person's.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || !strings.Contains(a.Address, "@") {
		return ""
	}
	return strings.ToLower(a.Address)
}

// NormalizeAddresses puts the customer's and the agent's email into the
// form NormalizeEmail gives (or "" when it is no address), as the store
// keeps them: helpdesks send addresses as people typed them
// ("ÄRGER.ÜBEL@Example.de"), and a data-subject request must find every
// spelling by equality, on every engine (SQL's lower() folds only ASCII in
// SQLite and in PostgreSQL's C locale).
func (in *Interaction) NormalizeAddresses() {
	in.Customer.Email = NormalizeEmail(in.Customer.Email)
	in.Agent.Email = NormalizeEmail(in.Agent.Email)
}

// Sampled decides whether sampling admits the interaction. The roll is a
// hash of the interaction id, so a retried decision comes out the same.
func Sampled(s Settings, interactionID string) bool {
	if s.SamplingPercent >= 100 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(interactionID))
	return int(h.Sum32()%100) < s.SamplingPercent
}

// DueAt is when a request should go out: delay_seconds after now, moved to
// the end of quiet hours (in the customer's time zone) for SMS.
func DueAt(s Settings, channel string, loc *time.Location, now time.Time) time.Time {
	due := now.Add(time.Duration(s.DelaySeconds) * time.Second)
	if channel != ChannelSMS {
		return due
	}
	return AfterQuietHours(s.QuietHours, loc, due)
}

// AfterQuietHours returns t, or the end of the quiet window t falls in, as
// seen in loc. Windows may cross midnight ("21:00" to "08:00").
func AfterQuietHours(q QuietHours, loc *time.Location, t time.Time) time.Time {
	start, okS := minutesOfDay(q.Start)
	end, okE := minutesOfDay(q.End)
	if !okS || !okE || start == end {
		return t
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	inside := false
	if start < end {
		inside = m >= start && m < end
	} else {
		inside = m >= start || m < end
	}
	if !inside {
		return t
	}
	endToday := time.Date(lt.Year(), lt.Month(), lt.Day(), end/60, end%60, 0, 0, loc)
	if !endToday.After(lt) {
		endToday = time.Date(lt.Year(), lt.Month(), lt.Day()+1, end/60, end%60, 0, 0, loc)
	}
	return endToday
}

func minutesOfDay(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// LikelyAutomated flags answers that come so soon after sending that a
// person can hardly have read the message (mail scanners, link previews).
func LikelyAutomated(sentAt *time.Time, answeredAt time.Time) bool {
	return sentAt != nil && answeredAt.Sub(*sentAt) < 10*time.Second
}
