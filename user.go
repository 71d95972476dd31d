package plaudit

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// User roles in the console and the API. An admin sees and changes the
// whole tenant; a lead sees their team (agents, responses) and approves
// its agents; an agent sees themselves.
const (
	UserAdmin = "admin"
	UserLead  = "lead"
	UserAgent = "agent"
)

// User is a person who signs in to the console for a tenant. An agent user
// is linked to the agent with the same email.
type User struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Team      string    `json:"team"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Normalize keeps the bare, lower-case address and trims the text fields.
func (u *User) Normalize() {
	u.Email = NormalizeEmail(u.Email)
	u.Name = strings.TrimSpace(u.Name)
	u.Team = strings.TrimSpace(u.Team)
}

// Validate checks a user before it is stored; each error names its field.
func (u User) Validate() error {
	switch {
	case u.Email == "":
		return Errorf(EInvalid, "email is required and must be an email address")
	case u.Role != UserAdmin && u.Role != UserLead && u.Role != UserAgent:
		return Errorf(EInvalid, "role must be admin, lead or agent")
	case u.Role == UserLead && u.Team == "":
		return Errorf(EInvalid, "team is required for a lead")
	case !PlainText(u.Name, 100):
		return Errorf(EInvalid, "name must be at most 100 characters, without line breaks or control characters")
	case !PlainText(u.Team, 100):
		return Errorf(EInvalid, "team must be at most 100 characters, without line breaks or control characters")
	case utf8.RuneCountInString(u.Email) > 254:
		return Errorf(EInvalid, "email must be at most 254 characters")
	}
	return nil
}

// OIDCConfig is a tenant's single sign-on: its users sign in at their
// identity provider (OpenID Connect, authorization code with PKCE). The
// client secret is write-only in the API and sealed at rest.
type OIDCConfig struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
}

// Validate checks a single sign-on configuration; errors name the field.
func (o OIDCConfig) Validate() error {
	u, err := url.Parse(o.Issuer)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		return Errorf(EInvalid, "oidc.issuer must be the identity provider's https issuer URL")
	case o.ClientID == "" || !PlainText(o.ClientID, 500):
		return Errorf(EInvalid, "oidc.client_id is required (at most 500 characters)")
	case o.ClientSecret == "" || !PlainText(o.ClientSecret, 1000):
		return Errorf(EInvalid, "oidc.client_secret is required (at most 1000 characters)")
	}
	return nil
}
