package plaudit

import (
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
