package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit/charts"
	"github.com/plaudit/plaudit/i18n"
)

//go:embed templates/console
var consoleFS embed.FS

// View is what every console page gets: who is signed in, the menu they
// may use, the CSRF token for its forms, messages, and the form's values
// and field errors (shown next to their fields).
type View struct {
	// Lang is the language of the console's frame and menu (from the
	// browser's Accept-Language); Translated says the page's own text is
	// in it too, else the content is marked as English.
	Lang       string
	Translated bool
	Title      string
	Tenant     string
	Signed     bool
	Name       string
	Role       string
	Nav        []NavItem
	CSRF       string
	Flash      string
	Error      string
	// Errors maps a form field to what is wrong with it; Form holds the
	// values sent, so that a refused form comes back filled in.
	Errors map[string]string
	Form   map[string]string
	Data   any
}

// NavItem is one entry of the console's menu.
type NavItem struct {
	Path, Label string
	Current     bool
}

// Field is one form field as the "field" template draws it.
type Field struct {
	Name, Label, Type, Hint, Value, Err string
	// Lang is the page's language, for the field's own words.
	Lang     string
	Required bool
	Options  []string
}

// Described is the value of aria-describedby: the hint and the error.
func (f Field) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, "h-"+f.Name)
	}
	if f.Err != "" {
		ids = append(ids, "e-"+f.Name)
	}
	return strings.Join(ids, " ")
}

// field builds a Field from the view's form state. Extra words:
// "required", and "options=a|b|c" for a select.
func field(v View, name, label, typ, hint string, extra ...string) Field {
	f := Field{Name: name, Label: label, Type: typ, Hint: hint, Value: v.Form[name], Err: v.Errors[name], Lang: v.Lang}
	for _, e := range extra {
		switch {
		case e == "required":
			f.Required = true
		case strings.HasPrefix(e, "options="):
			f.Options = strings.Split(strings.TrimPrefix(e, "options="), "|")
		}
	}
	return f
}

// inputType is the input type of a connector config field's type.
func inputType(t string) string {
	switch t {
	case "secret":
		return "password"
	case "url", "email", "number":
		return t
	}
	return "text"
}

// req is the "required" word of field, or none.
func req(required bool) string {
	if required {
		return "required"
	}
	return ""
}

// figure writes v with format, or "no figure" when there is none (no
// responses: no figure rather than 0).
func figure(v *float64, format func(float64) string) string {
	if v == nil {
		return "no figure"
	}
	return format(*v)
}

// ConsolePages parses the console: the layout with its shared parts, and
// each page on a copy of it, by the page file's name ("login", …).
func ConsolePages() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(template.FuncMap{"field": field, "inputType": inputType, "req": req,
		"list": func(v ...string) []string { return v },
		"join": strings.Join,
		// Figures of the reports pages: a share as a percentage, a
		// number with two decimals, "no figure" for none.
		"pct": func(v *float64) string { return figure(v, charts.Percent) },
		"num": func(v *float64) string {
			return figure(v, func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) })
		},
		"ptr":   func(f float64) *float64 { return &f },
		"split": func(s string) []string { a, b, _ := strings.Cut(s, ":"); return []string{a, b} },
		"has":   func(csv, v string) bool { return slices.Contains(strings.Split(csv, ","), v) },
		"tr":    func(lang, id string) string { return i18n.T(lang, "console."+id, nil) }}).
		ParseFS(consoleFS, "templates/console/layout.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(consoleFS, "templates/console/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if pages[name], err = t.ParseFS(consoleFS, f); err != nil {
			return nil, fmt.Errorf("console page %s: %w", name, err)
		}
	}
	return pages, nil
}
