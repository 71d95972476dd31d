// Package web holds the customer-facing feedback page and the local
// outbox viewer: templates and static files, embedded in the binary so
// that the page loads nothing from anywhere else.
package web

import (
	"embed"
	"html/template"
	"io/fs"
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
		"t": T,
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
