package note

import (
	"testing"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

func TestText(t *testing.T) {
	w := plaudit.Writeback{Response: plaudit.Response{Score: 5, Comment: " quick and kind ",
		Excellence: []string{"friendly", "went_extra_mile"}, Improvement: []string{"speed"}, Reward: true}}
	want := "Customer feedback via Plaudit: 5/5 ★★★★★\nComment: quick and kind\nStrengths: friendly, went extra mile\nTo improve: speed\nReward: yes"
	if got := Text(w); got != want {
		t.Errorf("note\n%s\nwant\n%s", got, want)
	}
	w.ResponseURL = "https://feedback.example.com/console/responses/rsp_1"
	if got := Text(w); got != want+"\nResponse: https://feedback.example.com/console/responses/rsp_1" {
		t.Errorf("note with its link\n%s", got)
	}
	w = plaudit.Writeback{Update: true, Response: plaudit.Response{Score: 2, Test: true}}
	if got := Text(w); got != "Feedback updated via Plaudit: 2/5 ★★☆☆☆ (test)" {
		t.Errorf("update note %q", got)
	}
	w = plaudit.Writeback{Response: plaudit.Response{Comment: "just words"}}
	if got := Text(w); got != "Customer feedback via Plaudit: no score\nComment: just words" {
		t.Errorf("no-score note %q", got)
	}
}

func TestCutUTF8(t *testing.T) {
	s := "ab€d" // € is 3 bytes: a b [e2 82 ac] d
	for n, want := range map[int]string{0: "", 1: "a", 2: "ab", 3: "ab", 4: "ab", 5: "ab€", 6: "ab€d", 100: "ab€d", -1: ""} {
		got := CutUTF8(s, n)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("CutUTF8(%q, %d) = %q, want %q", s, n, got, want)
		}
	}
}

func TestFields(t *testing.T) {
	r := plaudit.Response{Score: 4, Comment: "ok"}
	got := Fields("CSAT score", "CSAT comment", r)
	if len(got) != 2 || got["CSAT score"] != 4 || got["CSAT comment"] != "ok" {
		t.Errorf("Fields = %v", got)
	}
	if got := Fields("", "CSAT comment", plaudit.Response{Score: 4, Comment: "  "}); got != nil {
		t.Errorf("nothing to write: %v", got)
	}
	if got := Fields("CSAT score", "", plaudit.Response{Comment: "only words"}); got != nil {
		t.Errorf("no score, no comment field: %v", got)
	}
}

func TestHTML(t *testing.T) {
	w := plaudit.Writeback{Response: plaudit.Response{Score: 4, Comment: `<b>great</b> & "quick"`, Excellence: []string{"fast"}}}
	want := "Customer feedback via Plaudit: 4/5 ★★★★☆<br>Comment: &lt;b&gt;great&lt;/b&gt; &amp; &#34;quick&#34;<br>Strengths: fast"
	if got := HTML(w); got != want {
		t.Errorf("HTML\n%s\nwant\n%s", got, want)
	}
}

func TestTicketID(t *testing.T) {
	for want, w := range map[string]plaudit.Writeback{
		"1": {Interaction: plaudit.Interaction{ExternalID: " 1 "}, Request: plaudit.FeedbackRequest{TicketID: "2"}},
		"2": {Request: plaudit.FeedbackRequest{TicketID: "2"}, Response: plaudit.Response{TicketID: "3"}},
		"3": {Response: plaudit.Response{TicketID: "3"}},
		"":  {},
	} {
		if got := TicketID(w); got != want {
			t.Errorf("TicketID = %q, want %q", got, want)
		}
	}
}
