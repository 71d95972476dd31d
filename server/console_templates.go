package server

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// brandFields are the settings the templates page changes and previews.
var brandFields = []string{"brand_name", "brand_color", "logo_url", "from_name"}

type templatesPage struct {
	Languages []string
	Lang      string
	Subject   string
	Text      string
	SMS       string
	// SMSChars counts the SMS's characters, SMSSegments its parts;
	// SMSEncoding is GSM-7 or UCS-2 (a character outside GSM-7 makes it
	// UCS-2, 70 characters a part).
	SMSChars, SMSSegments int
	SMSEncoding           string
	// Frame is the email's preview URL, with the values previewed.
	Frame string
}

// previewContent is a sample request of the tenant, in lang, with the
// branding in the query string (not yet saved) over the saved one.
func (s *Server) previewContent(c *fiber.Ctx) (notify.Content, string, error) {
	ctx, w := c.UserContext(), who(c)
	t, err := s.cfg.Store.GetTenant(ctx, w.TenantID)
	if err != nil {
		return notify.Content{}, "", err
	}
	over := map[string]string{}
	for _, f := range brandFields {
		if v := c.Query("settings." + f); v != "" {
			over[f] = v
		}
	}
	raw, _ := json.Marshal(over)
	if err := applySettings(&t.Settings, raw); err != nil {
		return notify.Content{}, "", err
	}
	lang := c.Query("lang", t.Settings.DefaultLanguage)
	if !slices.Contains(plaudit.Languages, lang) {
		lang = plaudit.Languages[0]
	}
	agent := plaudit.Agent{Name: "Jonas Weber", Hometown: "Bergen", Bio: "Fjords, ferries and refunds."}
	if agents, err := s.visibleAgents(ctx, w); err == nil && len(agents) > 0 {
		agent = agents[0]
		agent.PhotoURL = "" // the console loads no image from elsewhere
	}
	return notify.Content{Settings: t.Settings, Agent: agent, Language: lang, CustomerName: "Anna Schmidt",
		PageURL: s.cfg.PublicURL + "/f/preview", UnsubscribeURL: s.cfg.PublicURL + "/u/preview", Controller: t.Name}, lang, nil
}

// consoleTemplates previews the email, its text part and the SMS per
// language, with the branding as saved or as just typed.
func (s *Server) consoleTemplates(c *fiber.Ctx) error {
	v := s.view(c, "Templates and branding")
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	t, err := s.cfg.Store.GetTenant(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	for _, f := range brandFields {
		v.Form["settings."+f] = c.Query("settings."+f, settingValue(t.Settings, f))
	}
	content, lang, err := s.previewContent(c)
	if err != nil {
		formErrors(&v, err, "settings.brand_name", "settings.brand_color", "settings.logo_url", "settings.from_name")
		v.Data = templatesPage{Languages: plaudit.Languages, Lang: lang}
		return s.renderConsole(c, fiber.StatusBadRequest, "templates", v)
	}
	subject, _, text, err := notify.RenderEmail(content)
	if err != nil {
		return err
	}
	sms := notify.RenderSMS(content)
	data := templatesPage{Languages: plaudit.Languages, Lang: lang, Subject: subject, Text: text, SMS: sms,
		SMSChars: utf8.RuneCountInString(sms), SMSSegments: notify.GSM7Segments(sms), SMSEncoding: "GSM-7",
		Frame: "/console/templates/email?" + string(c.Request().URI().QueryString())}
	if !notify.IsGSM7(sms) {
		data.SMSEncoding = "UCS-2"
	}
	v.Data = data
	return s.renderConsole(c, 0, "templates", v)
}

func settingValue(st plaudit.Settings, key string) string {
	raw, _ := json.Marshal(st)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return jsonText(m[key])
}

// consoleEmailPreview is the email's HTML for the preview frame: it
// loads nothing from elsewhere and runs no script.
func (s *Server) consoleEmailPreview(c *fiber.Ctx) error {
	content, _, err := s.previewContent(c)
	if err != nil {
		return err
	}
	_, html, _, err := notify.RenderEmail(content)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The frame itself carries no sandbox attribute (a sandboxed frame's
	// request goes without the session cookie); the policy sandboxes the
	// document instead.
	c.Set("X-Frame-Options", "SAMEORIGIN")
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox; frame-ancestors 'self'")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(html)
}
