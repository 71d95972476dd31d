// Package charts draws the reports' charts as server-rendered SVG, each
// with a data table beside it: the table is what screen readers and
// keyboards use, and what the chart shows is also written as text on it
// (each bar carries its value), so no meaning rests on colour alone. No
// script, no external file: the console embeds the HTML as it is.
package charts

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strconv"
)

// Point is one bar: a label and its value; a nil value is "no figure"
// (a CSAT without responses), drawn as no bar and said in words.
type Point struct {
	Label string
	Value *float64
	// Note is said after the value in the table and the bar's tooltip,
	// e.g. "n = 42".
	Note string
}

// Chart is a horizontal bar chart of one series.
type Chart struct {
	// ID makes the chart's element ids unique on a page.
	ID          string
	Title       string
	Description string
	// Max is the value of a full-width bar; 0 takes the largest value.
	Max float64
	// Format writes a value ("81.2 %"); nil writes it with up to two
	// decimals.
	Format func(float64) string
	Points []Point
}

// Geometry of the drawing, in SVG user units.
const (
	width      = 640
	labelWidth = 200
	valueWidth = 90
	barHeight  = 22
	gap        = 8
	barArea    = width - labelWidth - valueWidth
)

type bar struct {
	Label, Value, Note string
	Y, TextY, Width    int
	Missing            bool
}

type view struct {
	Chart
	Height, LabelWidth, ValueX, Width int
	Bars                              []bar
}

var tmpl = template.Must(template.New("chart").Parse(`<figure class="chart" id="{{.ID}}">
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-labelledby="{{.ID}}-title {{.ID}}-desc">
<title id="{{.ID}}-title">{{.Title}}</title>
<desc id="{{.ID}}-desc">{{.Description}} The table below gives the same figures.</desc>
{{- range .Bars}}
<g>
<title>{{.Label}}: {{.Value}}{{if .Note}} ({{.Note}}){{end}}</title>
<text x="{{$.LabelWidth}}" dx="-8" y="{{.TextY}}" text-anchor="end" font-size="13" fill="#1a1a1a">{{.Label}}</text>
{{- if not .Missing}}
<rect x="{{$.LabelWidth}}" y="{{.Y}}" width="{{.Width}}" height="22" fill="#2f6fed" stroke="#1a1a1a" stroke-width="1"/>
{{- end}}
<text x="{{$.ValueX}}" y="{{.TextY}}" font-size="13" fill="#1a1a1a">{{.Value}}</text>
</g>
{{- end}}
</svg>
<table>
<caption>{{.Title}}</caption>
<thead><tr><th scope="col">Group</th><th scope="col">Value</th><th scope="col">Note</th></tr></thead>
<tbody>
{{- range .Bars}}
<tr><th scope="row">{{.Label}}</th><td>{{.Value}}</td><td>{{.Note}}</td></tr>
{{- end}}
</tbody>
</table>
</figure>`))

// Render draws the chart and its data table, as HTML for a page.
func Render(c Chart) (template.HTML, error) {
	if c.ID == "" {
		c.ID = "chart"
	}
	format := c.Format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	}
	top := c.Max
	for _, p := range c.Points {
		if p.Value != nil && c.Max == 0 {
			top = math.Max(top, *p.Value)
		}
	}
	v := view{Chart: c, Height: len(c.Points)*(barHeight+gap) + gap, LabelWidth: labelWidth, ValueX: width - valueWidth + 8, Width: width}
	for i, p := range c.Points {
		b := bar{Label: p.Label, Note: p.Note, Y: gap + i*(barHeight+gap), Value: "no figure", Missing: p.Value == nil}
		b.TextY = b.Y + barHeight - 6
		if p.Value != nil {
			b.Value = format(*p.Value)
			if top > 0 {
				b.Width = int(math.Round(math.Min(math.Max(*p.Value, 0)/top, 1) * barArea))
			}
		}
		v.Bars = append(v.Bars, b)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return "", fmt.Errorf("charts: %w", err)
	}
	return template.HTML(buf.String()), nil
}

// Percent formats a share (0 to 1) as a percentage with one decimal.
func Percent(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + " %" }
