package server

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
	"github.com/plaudit/plaudit/web"
)

// connectorPage is the data of the connector pages.
type connectorPage struct {
	Kinds      []kindOption
	Kind       string
	Guide      kindGuide
	Connectors []connectorState
	Connector  *connectorView
	URLSecret  bool
	Steps      []string
	Deliveries []store.DeliveryAttempt
	// Tested is the result of the connection test just run, if any.
	Tested *connectorTestResult
}

type kindOption struct{ Name, Title string }

func (s *Server) kindOptions() []kindOption {
	var out []kindOption
	for _, n := range s.cfg.Kinds.Names() {
		out = append(out, kindOption{Name: n, Title: kindGuides[n].Title})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	return out
}

func (s *Server) consoleConnectors(c *fiber.Ctx) error {
	states, err := s.connectorStates(c)
	if err != nil {
		return err
	}
	v := s.view(c, "Connectors")
	v.Data = connectorPage{Kinds: s.kindOptions(), Connectors: states}
	return s.renderConsole(c, 0, "connectors", v)
}

// consoleNewConnector is the form for a connector of one kind, with the
// steps that follow once it exists.
func (s *Server) consoleNewConnector(c *fiber.Ctx) error {
	kind := c.Query("kind")
	g, ok := kindGuides[kind]
	if _, known := s.cfg.Kinds.Kind(kind); !ok || !known {
		return plaudit.Errorf(plaudit.ENotFound, "there is no connector kind %q", kind)
	}
	v := s.view(c, "New "+g.Title+" connector")
	v.Form["name"] = g.Title
	v.Data = connectorPage{Kind: kind, Guide: g, Steps: steps(g, "")}
	return s.renderConsole(c, 0, "connector_new", v)
}

// steps are a guide's steps with the connector's webhook URL in place.
func steps(g kindGuide, webhookURL string) []string {
	if webhookURL == "" {
		webhookURL = "(the webhook URL, shown once the connector is created)"
	}
	out := make([]string, len(g.Steps))
	for i, st := range g.Steps {
		out[i] = strings.ReplaceAll(st, "{webhook_url}", webhookURL)
	}
	return out
}

// formConfig turns a kind's form into the config JSON the API takes.
// Secrets left empty are left out (an edit keeps them); other fields left
// empty are left out on create and removed (null) on edit.
func formConfig(c *fiber.Ctx, g kindGuide, edit bool) (json.RawMessage, error) {
	cfg := map[string]any{}
	for _, f := range g.Fields {
		v := strings.TrimSpace(c.FormValue(f.Name()))
		switch {
		case v == "" && (f.Type == "secret" || !edit):
		case v == "":
			cfg[f.Key] = nil
		case f.Type == "number":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, plaudit.Errorf(plaudit.EInvalid, "%s must be a whole number", f.Name())
			}
			cfg[f.Key] = n
		case f.Type == "list":
			var items []string
			for _, it := range strings.Split(v, ",") {
				if it = strings.TrimSpace(it); it != "" {
					items = append(items, it)
				}
			}
			cfg[f.Key] = items
		default:
			cfg[f.Key] = v
		}
	}
	return json.Marshal(cfg)
}

// connectorFields are the form's field names, for keeping and errors.
func connectorFields(g kindGuide) []string {
	out := []string{"name"}
	for _, f := range g.Fields {
		out = append(out, f.Name())
	}
	return out
}

func (s *Server) consoleCreateConnector(c *fiber.Ctx) error {
	kind := c.FormValue("kind")
	g, ok := kindGuides[kind]
	if !ok {
		return plaudit.Errorf(plaudit.EInvalid, "kind must be one of: %s", strings.Join(s.cfg.Kinds.Names(), ", "))
	}
	v := s.view(c, "New "+g.Title+" connector")
	fields := connectorFields(g)
	keepForm(c, &v, fields...)
	for _, f := range g.Fields {
		if f.Type == "secret" {
			delete(v.Form, f.Name()) // never sent back to the browser
		}
	}
	cfg, err := formConfig(c, g, false)
	var con connectorView
	if err == nil {
		con, err = s.addConnector(c.UserContext(), who(c), connectorBody{Kind: kind, Name: c.FormValue("name"), Config: cfg})
	}
	if err != nil {
		formErrors(&v, err, fields...)
		v.Data = connectorPage{Kind: kind, Guide: g, Steps: steps(g, "")}
		return s.renderConsole(c, statusOf(c, err), "connector_new", v)
	}
	return c.Redirect("/console/connectors/"+con.ID+"?created=1", fiber.StatusSeeOther)
}

// consoleConnector is one connector: its webhook URL in the guide's
// steps, its settings form, and its delivery log.
func (s *Server) consoleConnector(c *fiber.Ctx) error {
	con, err := s.cfg.Store.GetConnector(c.UserContext(), tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	view := s.viewConnector(con)
	v := s.view(c, view.Name)
	if c.Query("created") != "" {
		v.Flash = "Connector created. Now set it up in " + kindGuides[con.Kind].Title + " as the steps below say."
	}
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	v.Form = connectorForm(view)
	return s.showConnector(c, v, view, 0)
}

// consoleTestConnector runs the connection test (the API's, audited the
// same) and shows its result in words on the connector's page.
func (s *Server) consoleTestConnector(c *fiber.Ctx) error {
	con, err := s.cfg.Store.GetConnector(c.UserContext(), tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	res := s.testAndRecord(c, con)
	view := s.viewConnector(con)
	v := s.view(c, view.Name)
	v.Form = connectorForm(view)
	return s.showConnector(c, v, view, 0, &res)
}

func (s *Server) showConnector(c *fiber.Ctx, v web.View, con connectorView, status int, tested ...*connectorTestResult) error {
	deliveries, err := s.cfg.Store.ListDeliveries(c.UserContext(), con.TenantID, con.ID, 50)
	if err != nil {
		return err
	}
	kind, _ := s.cfg.Kinds.Kind(con.Kind)
	g := kindGuides[con.Kind]
	page := connectorPage{Kind: con.Kind, Guide: g, Connector: &con, URLSecret: kind.URLSecret,
		Steps: steps(g, con.WebhookURL), Deliveries: deliveries}
	if len(tested) > 0 {
		page.Tested = tested[0]
	}
	v.Data = page
	return s.renderConsole(c, status, "connector", v)
}

// connectorForm fills the settings form from the stored config.
func connectorForm(con connectorView) map[string]string {
	form := map[string]string{"name": con.Name}
	var cfg map[string]any
	_ = json.Unmarshal(con.Config, &cfg)
	for k, val := range cfg {
		switch x := val.(type) {
		case []any:
			parts := make([]string, 0, len(x))
			for _, p := range x {
				parts = append(parts, strings.TrimSpace(jsonText(p)))
			}
			form["config."+k] = strings.Join(parts, ", ")
		default:
			form["config."+k] = jsonText(x)
		}
	}
	return form
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *Server) consoleUpdateConnector(c *fiber.Ctx) error {
	ctx, w := c.UserContext(), who(c)
	con, err := s.cfg.Store.GetConnector(ctx, w.TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	g := kindGuides[con.Kind]
	fields := connectorFields(g)
	patch := connectorPatch{Name: optional(c, "name")}
	if d := c.FormValue("disabled"); d != "" {
		off := d == "true"
		patch.Disabled = &off
	}
	if c.FormValue("settings") != "" {
		patch.Config, err = formConfig(c, g, true)
	}
	if err == nil {
		_, err = s.changeConnector(ctx, w, con.ID, patch, consoleFields(c))
	}
	if err != nil {
		v := s.view(c, con.Name)
		keepForm(c, &v, fields...)
		formErrors(&v, err, fields...)
		return s.showConnector(c, v, s.viewConnector(con), statusOf(c, err))
	}
	return c.Redirect("/console/connectors/"+con.ID+"?saved=1", fiber.StatusSeeOther)
}

// consoleFields names the fields a console form sent, for the audit log
// (as bodyKeys does for the API), leaving out the CSRF token and empty
// secrets.
func consoleFields(c *fiber.Ctx) string {
	var keys []string
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		name := string(k)
		if name != csrfField && name != "settings" && name != "back" && len(v) > 0 {
			keys = append(keys, strings.TrimPrefix(name, "config."))
		}
	})
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (s *Server) consoleDeleteConnector(c *fiber.Ctx) error {
	if err := s.removeConnector(c.UserContext(), who(c), c.Params("id")); err != nil {
		return err
	}
	return c.Redirect("/console/connectors", fiber.StatusSeeOther)
}

func (s *Server) consoleRotateWebhookURL(c *fiber.Ctx) error {
	con, err := s.newWebhookURL(c.UserContext(), who(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.Redirect("/console/connectors/"+con.ID+"?saved=1", fiber.StatusSeeOther)
}
