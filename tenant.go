package plaudit

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Tenant is a client company: the controller of the personal data that
// Plaudit processes for it.
type Tenant struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Settings Settings `json:"settings"`
	// HashKey keys the hashes of this tenant's customer addresses
	// (suppressions, audit). It is random per tenant and sealed at rest.
	HashKey   []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// QuietHours is a daily window, in the customer's local time, in which no
// SMS is sent. Equal Start and End mean no quiet hours.
type QuietHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Settings are a tenant's choices. PATCH /api/v1/tenant decodes a partial
// JSON object onto the current value, so only the fields present change.
type Settings struct {
	DelaySeconds       int        `json:"delay_seconds"`
	SuppressionDays    int        `json:"suppression_days"`
	SamplingPercent    int        `json:"sampling_percent"`
	ReminderAfterHours int        `json:"reminder_after_hours"`
	QuietHours         QuietHours `json:"quiet_hours"`
	Timezone           string     `json:"timezone"`
	DefaultLanguage    string     `json:"default_language"`
	DefaultRegion      string     `json:"default_region"`
	Channels           []string   `json:"channels"`
	BrandName          string     `json:"brand_name"`
	BrandColor         string     `json:"brand_color"`
	LogoURL            string     `json:"logo_url"`
	PrivacyURL         string     `json:"privacy_url"`
	RewardThreshold    int        `json:"reward_threshold"`
	RetentionDays      int        `json:"retention_days"`
	FromEmail          string     `json:"from_email"`
	FromName           string     `json:"from_name"`
	SuppressionTags    []string   `json:"suppression_tags"`
	TestRecipient      string     `json:"test_recipient"`
	// SMSFrom is the tenant's own SMS sender: an E.164 number or a Twilio
	// Messaging Service SID. Replies to it belong to this tenant only.
	// "" uses the shared sender (TWILIO_FROM or
	// TWILIO_MESSAGING_SERVICE_SID).
	SMSFrom string `json:"sms_from"`
	// LeaderboardMinResponses is how many counted responses an agent
	// needs in a period to be ranked on the leaderboard.
	LeaderboardMinResponses int `json:"leaderboard_min_responses"`
}

// DefaultSettings are the settings of a new tenant (README, "Configuration": tenant settings).
func DefaultSettings() Settings {
	return Settings{
		DelaySeconds:    3600,
		SuppressionDays: 7,
		SamplingPercent: 100,
		QuietHours:      QuietHours{Start: "21:00", End: "08:00"},
		Timezone:        "UTC",
		DefaultLanguage: "en",
		DefaultRegion:   "US",
		Channels:        []string{ChannelEmail, ChannelSMS},
		BrandColor:      "#2f6fed",
		RewardThreshold: 4,
		RetentionDays:   90,
		SuppressionTags: []string{"no_survey", "no_feedback"},

		LeaderboardMinResponses: 10,
	}
}

var (
	hhmm     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	region   = regexp.MustCompile(`^[A-Z]{2}$`)
	smsFrom  = regexp.MustCompile(`^(\+[1-9][0-9]{6,14}|MG[0-9a-f]{32})$`)
)

// Bounds of the settings' texts and lists. Settings are read for every
// request sent and every page shown, so they stay small: a few kilobytes
// at most, whatever a tenant admin sends.
const (
	MaxSettingName     = 100  // brand_name, from_name: characters
	MaxSettingURL      = 2048 // logo_url, privacy_url: bytes
	MaxSettingAddress  = 254  // from_email, test_recipient: bytes (RFC 5321's path limit)
	MaxSuppressionTags = 100
	MaxSuppressionTag  = 100 // characters of one tag
)

// Validate checks every field and names the first one that is wrong.
func (s Settings) Validate() error {
	for _, check := range []func() error{s.validateNumbers, s.validateCodes, s.validateTexts, s.validateLists} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (s Settings) validateNumbers() error {
	switch {
	case s.DelaySeconds < 0 || s.DelaySeconds > 30*24*3600:
		return Errorf(EInvalid, "settings.delay_seconds must be between 0 and 2592000")
	case s.SuppressionDays < 0 || s.SuppressionDays > 365:
		return Errorf(EInvalid, "settings.suppression_days must be between 0 and 365")
	case s.SamplingPercent < 0 || s.SamplingPercent > 100:
		return Errorf(EInvalid, "settings.sampling_percent must be between 0 and 100")
	case s.ReminderAfterHours < 0 || s.ReminderAfterHours > 24*14:
		return Errorf(EInvalid, "settings.reminder_after_hours must be between 0 and 336")
	case s.RewardThreshold < 1 || s.RewardThreshold > 6:
		return Errorf(EInvalid, "settings.reward_threshold must be between 1 and 6 (6: no rewards)")
	case s.RetentionDays < 1 || s.RetentionDays > 3650:
		return Errorf(EInvalid, "settings.retention_days must be between 1 and 3650")
	case s.LeaderboardMinResponses < 1 || s.LeaderboardMinResponses > 10000:
		return Errorf(EInvalid, "settings.leaderboard_min_responses must be between 1 and 10000")
	}
	return nil
}

// validateCodes checks the fields that follow a fixed pattern.
func (s Settings) validateCodes() error {
	switch {
	case !hhmm.MatchString(s.QuietHours.Start):
		return Errorf(EInvalid, "settings.quiet_hours.start must be HH:MM")
	case !hhmm.MatchString(s.QuietHours.End):
		return Errorf(EInvalid, "settings.quiet_hours.end must be HH:MM")
	case !slices.Contains(Languages, s.DefaultLanguage):
		return Errorf(EInvalid, "settings.default_language must be one of %s", strings.Join(Languages, ", "))
	case !region.MatchString(s.DefaultRegion):
		return Errorf(EInvalid, "settings.default_region must be a two-letter country code such as \"US\"")
	case s.BrandColor != "" && !hexColor.MatchString(s.BrandColor):
		return Errorf(EInvalid, "settings.brand_color must be a colour such as \"#2f6fed\"")
	case s.SMSFrom != "" && !smsFrom.MatchString(s.SMSFrom):
		return Errorf(EInvalid, "settings.sms_from must be an E.164 number such as \"+4930123456\" or a Messaging Service SID (MG…)")
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" || len(s.Timezone) > 64 {
		return Errorf(EInvalid, "settings.timezone must be an IANA time zone such as \"Europe/Berlin\"")
	}
	return nil
}

// validateTexts checks names, URLs and addresses. The names go into
// message headers (From) and texts: a line break there could add headers
// or lines of the tenant admin's choosing.
func (s Settings) validateTexts() error {
	for _, n := range []struct{ name, v string }{{"brand_name", s.BrandName}, {"from_name", s.FromName}} {
		if !PlainText(n.v, MaxSettingName) {
			return Errorf(EInvalid, "settings.%s must be at most %d characters, without line breaks or control characters", n.name, MaxSettingName)
		}
	}
	for _, u := range []struct{ name, v string }{{"logo_url", s.LogoURL}, {"privacy_url", s.PrivacyURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || len(u.v) > MaxSettingURL {
			return Errorf(EInvalid, "settings.%s must be an http(s) URL of at most %d characters", u.name, MaxSettingURL)
		}
	}
	if s.FromEmail != "" {
		// A bare address: the name goes in from_name.
		a, err := mail.ParseAddress(s.FromEmail)
		if err != nil || a.Address != s.FromEmail || len(s.FromEmail) > MaxSettingAddress {
			return Errorf(EInvalid, "settings.from_email must be an email address such as \"feedback@example.com\"")
		}
	}
	if s.TestRecipient != "" {
		_, perr := NormalizePhone(s.TestRecipient, "", s.DefaultRegion)
		if len(s.TestRecipient) > MaxSettingAddress || NormalizeEmail(s.TestRecipient) == "" && perr != nil {
			return Errorf(EInvalid, "settings.test_recipient must be an email address or a phone number")
		}
	}
	return nil
}

// validateLists checks channels and suppression tags, and bounds them.
func (s Settings) validateLists() error {
	if len(s.Channels) == 0 {
		return Errorf(EInvalid, "settings.channels must name at least one channel")
	}
	for i, c := range s.Channels {
		if c != ChannelEmail && c != ChannelSMS {
			return Errorf(EInvalid, "settings.channels: unknown channel %q (use \"email\" or \"sms\")", c)
		}
		if slices.Contains(s.Channels[:i], c) {
			return Errorf(EInvalid, "settings.channels names %q twice", c)
		}
	}
	if len(s.SuppressionTags) > MaxSuppressionTags {
		return Errorf(EInvalid, "settings.suppression_tags must have at most %d tags", MaxSuppressionTags)
	}
	for i, tag := range s.SuppressionTags {
		if tag == "" || !PlainText(tag, MaxSuppressionTag) {
			return Errorf(EInvalid, "settings.suppression_tags[%d] must be 1 to %d characters, without line breaks or control characters", i, MaxSuppressionTag)
		}
	}
	return nil
}

// PlainText reports whether s is valid UTF-8 of at most max characters
// without control characters, line or paragraph separators, or the
// bidirectional controls that make a text display other than it reads.
func PlainText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Bidi_Control) {
			return false
		}
	}
	return true
}

// ChannelEnabled reports whether the tenant allows sending on channel.
func (s Settings) ChannelEnabled(channel string) bool {
	for _, c := range s.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// Location returns the tenant's time zone, UTC when it cannot be loaded.
func (s Settings) Location() *time.Location {
	if loc, err := time.LoadLocation(s.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// API key roles and modes.
const (
	RoleAdmin   = "admin"
	RoleTrigger = "trigger"
	RoleRead    = "read"

	ModeLive = "live"
	ModeTest = "test"
)

// APIKey is a tenant's credential. Only a hash of the secret is stored; the
// secret itself is shown once, when the key is created.
type APIKey struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"-"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Mode       string     `json:"mode"`
	Prefix     string     `json:"prefix"`
	Hash       []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Allows reports whether a key of this role may act with the wanted role.
// Admin keys may do everything; trigger and read keys only their own part.
func (k APIKey) Allows(want string) bool {
	return k.Role == RoleAdmin || k.Role == want
}
