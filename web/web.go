// Package web holds the customer-facing feedback page and the local
// outbox viewer: templates and static files, embedded in the binary so
// that the page loads nothing from anywhere else.
package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"

	"github.com/plaudit/plaudit/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static is the /static file tree (CSS, the page's small script).
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// Templates parses the page templates.
func Templates() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"t": t,
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i + 1
			}
			return s
		},
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
	}).ParseFS(templateFS, "templates/*.html")
}

// t is i18n.T for the templates, which take the text's data as name/value
// pairs: {{t .Lang "photo_alt" "Name" .AgentName}}. A pair that is not
// one fails the template rather than showing half a text.
func t(lang, id string, kv ...any) (string, error) {
	if len(kv)%2 != 0 {
		return "", fmt.Errorf("t %q: data must be name/value pairs, got %d values", id, len(kv))
	}
	var data map[string]any
	for i := 0; i < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			return "", fmt.Errorf("t %q: data name %v is not a string", id, kv[i])
		}
		if data == nil {
			data = make(map[string]any, len(kv)/2)
		}
		data[name] = kv[i+1]
	}
	return i18n.T(lang, id, data), nil
}
