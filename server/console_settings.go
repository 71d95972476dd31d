package server

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/web"
)

// settingField is a tenant setting on the settings page: its name in the
// settings JSON and how the form carries it.
type settingField struct {
	Key  string
	Kind string // text, int, list (comma-separated)
}

var settingFields = []settingField{
	{"brand_name", "text"}, {"brand_color", "text"}, {"logo_url", "text"}, {"privacy_url", "text"},
	{"from_name", "text"}, {"from_email", "text"}, {"sms_from", "text"}, {"default_language", "text"},
	{"default_region", "text"}, {"timezone", "text"}, {"test_recipient", "text"},
	{"delay_seconds", "int"}, {"suppression_days", "int"}, {"sampling_percent", "int"}, {"reminder_after_hours", "int"},
	{"reward_threshold", "int"}, {"retention_days", "int"}, {"suppression_tags", "list"},
}

// settingsFormFields are the form's field names, for errors and values.
func settingsFormFields() []string {
	out := []string{"name", "settings.quiet_hours.start", "settings.quiet_hours.end", "settings.channels",
		"oidc.issuer", "oidc.client_id", "oidc.client_secret"}
	for _, f := range settingFields {
		out = append(out, "settings."+f.Key)
	}
	return out
}

type settingsPage struct {
	Tenant    plaudit.Tenant
	OIDC      *oidcView
	SSOStart  string
	Callback  string
	Languages []string
}

func (s *Server) consoleSettings(c *fiber.Ctx) error {
	v := s.view(c, "Settings")
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	return s.showSettings(c, v, 0, true)
}

func (s *Server) showSettings(c *fiber.Ctx, v web.View, status int, fill bool) error {
	t, err := s.cfg.Store.GetTenant(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	tv, err := s.viewTenant(c.UserContext(), t)
	if err != nil {
		return err
	}
	if fill {
		v.Form = settingsValues(tv)
	}
	v.Data = settingsPage{Tenant: t, OIDC: tv.OIDC, SSOStart: s.cfg.PublicURL + "/console/sso/" + t.ID,
		Callback: s.cfg.PublicURL + ssoPath, Languages: plaudit.Languages}
	return s.renderConsole(c, status, "settings", v)
}

// settingsValues fills the settings forms from the tenant as the API
// shows it.
func settingsValues(tv tenantView) map[string]string {
	form := map[string]string{"name": tv.Name}
	raw, _ := json.Marshal(tv.Settings)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, f := range settingFields {
		switch v := m[f.Key].(type) {
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = jsonText(p)
			}
			form["settings."+f.Key] = strings.Join(parts, ", ")
		case nil:
		default:
			form["settings."+f.Key] = jsonText(v)
		}
	}
	form["settings.quiet_hours.start"] = tv.Settings.QuietHours.Start
	form["settings.quiet_hours.end"] = tv.Settings.QuietHours.End
	form["settings.channels"] = strings.Join(tv.Settings.Channels, ",")
	if tv.OIDC != nil {
		form["oidc.issuer"], form["oidc.client_id"] = tv.OIDC.Issuer, tv.OIDC.ClientID
	}
	return form
}

// settingsPatch reads the posted settings form into the API's patch: the
// fields the form sent, nothing else.
func settingsPatch(c *fiber.Ctx) (tenantPatch, error) {
	p := tenantPatch{Name: optional(c, "name")}
	set := map[string]any{}
	for _, f := range settingFields {
		v := optional(c, "settings."+f.Key)
		if v == nil {
			continue
		}
		val := strings.TrimSpace(*v)
		switch f.Kind {
		case "int":
			n, err := strconv.Atoi(val)
			if err != nil {
				return p, plaudit.Errorf(plaudit.EInvalid, "settings.%s must be a whole number", f.Key)
			}
			set[f.Key] = n
		case "list":
			set[f.Key] = splitList(val)
		default:
			set[f.Key] = val
		}
	}
	if start, end := optional(c, "settings.quiet_hours.start"), optional(c, "settings.quiet_hours.end"); start != nil && end != nil {
		set["quiet_hours"] = map[string]string{"start": *start, "end": *end}
	}
	if c.FormValue("channels_sent") != "" {
		set["channels"] = formList(c, "settings.channels")
	}
	if len(set) > 0 {
		raw, err := json.Marshal(set)
		if err != nil {
			return p, err
		}
		p.Settings = raw
	}
	return p, nil
}

func splitList(v string) []string {
	out := []string{}
	for _, it := range strings.Split(v, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// formList is every value of a repeated form field (checkboxes).
func formList(c *fiber.Ctx, name string) []string {
	out := []string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == name {
			out = append(out, string(v))
		}
	})
	return out
}

func (s *Server) consoleSaveSettings(c *fiber.Ctx) error {
	p, err := settingsPatch(c)
	if err == nil {
		p.OIDC, err = oidcForm(c)
	}
	if err == nil {
		_, err = s.changeTenant(c.UserContext(), who(c), p)
	}
	if err != nil {
		v := s.view(c, "Settings")
		keepForm(c, &v, settingsFormFields()...)
		if c.FormValue("channels_sent") != "" {
			v.Form["settings.channels"] = strings.Join(formList(c, "settings.channels"), ",")
		}
		delete(v.Form, "oidc.client_secret")
		formErrors(&v, err, settingsFormFields()...)
		return s.showSettings(c, v, statusOf(c, err), false)
	}
	if c.FormValue("back") == "templates" {
		return c.Redirect("/console/templates?saved=1", fiber.StatusSeeOther)
	}
	return c.Redirect("/console/settings?saved=1", fiber.StatusSeeOther)
}

// oidcForm reads the single sign-on form: set, or turned off.
func oidcForm(c *fiber.Ctx) (json.RawMessage, error) {
	switch {
	case c.FormValue("oidc_off") != "":
		return json.RawMessage("null"), nil
	case optional(c, "oidc.issuer") == nil:
		return nil, nil
	}
	return json.Marshal(plaudit.OIDCConfig{Issuer: c.FormValue("oidc.issuer"), ClientID: c.FormValue("oidc.client_id"),
		ClientSecret: c.FormValue("oidc.client_secret")})
}
