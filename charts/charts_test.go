package charts_test

import (
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/charts"
)

func f(v float64) *float64 { return &v }

func TestChartDrawsEachValueAndTablesIt(t *testing.T) {
	out, err := charts.Render(charts.Chart{ID: "csat", Title: "CSAT by agent, March 2026", Description: "Share of 4 and 5.",
		Max: 1, Format: charts.Percent, Points: []charts.Point{
			{Label: "Max M.", Value: f(0.9), Note: "n = 40"},
			{Label: "Lena <script>alert(1)</script>", Value: f(0.45), Note: "n = 20"},
			{Label: "Ola N.", Value: nil, Note: "n = 0"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	html := string(out)
	svg := html[strings.Index(html, "<svg") : strings.Index(html, "</svg>")+len("</svg>")]
	// The SVG is well-formed XML, so browsers and tools read it alike.
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("SVG is not well-formed: %v\n%s", err, svg)
		}
	}
	widths := regexp.MustCompile(`<rect [^>]* width="(\d+)" height`).FindAllStringSubmatch(svg, -1)
	if len(widths) != 2 || widths[0][1] != "315" || widths[1][1] != "158" {
		t.Errorf("bar widths %v, want 315 and 158 (90 %% and 45 %% of 350), none for no figure", widths)
	}
	for _, want := range []string{`role="img"`, `aria-labelledby="csat-title csat-desc"`, "<title id=\"csat-title\">CSAT by agent, March 2026</title>",
		">90.0 %</text>", ">45.0 %</text>", ">no figure</text>", "<caption>CSAT by agent, March 2026</caption>",
		`<tr><th scope="row">Max M.</th><td>90.0 %</td><td>n = 40</td></tr>`, `<td>no figure</td><td>n = 0</td>`} {
		if !strings.Contains(html, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "Lena &lt;script&gt;") {
		t.Error("a label is not escaped")
	}
	if strings.Count(html, "<tr><th scope=\"row\">") != 3 {
		t.Error("the table does not have one row per point")
	}
}

func TestChartWithoutPointsOrMax(t *testing.T) {
	out, err := charts.Render(charts.Chart{Title: "Nothing yet"})
	if err != nil || !strings.Contains(string(out), "<tbody>\n</tbody>") {
		t.Errorf("empty chart: %v\n%s", err, out)
	}
	out, err = charts.Render(charts.Chart{Points: []charts.Point{{Label: "a", Value: f(2)}, {Label: "b", Value: f(1)}}})
	if err != nil || !strings.Contains(string(out), `width="350"`) || !strings.Contains(string(out), `width="175"`) {
		t.Errorf("scaled to the largest value: %s", out)
	}
}
