package feedback

import (
	"testing"

	"github.com/plaudit/plaudit"
)

// A page comment with a NUL is refused with the field named; an SMS or an
// email reply keeps its words and loses only what the store cannot take.
func TestCommentControlCharacters(t *testing.T) {
	five := 5
	text := "Sehr gut\x00,\ndanke \xff"
	_, err := Answer{Score: &five, Comment: &text, Source: plaudit.SourcePage}.clean()
	if plaudit.ErrorCode(err) != plaudit.EInvalid || plaudit.ErrorMessage(err)[:len("comment")] != "comment" {
		t.Errorf("page comment with a NUL: %v, want invalid naming the comment", err)
	}
	for _, src := range []string{plaudit.SourceSMS, plaudit.SourceEmail} {
		a, err := Answer{Score: &five, Comment: &text, Source: src}.clean()
		if err != nil || *a.Comment != "Sehr gut,\ndanke" {
			t.Errorf("%s reply: %q, %v", src, *a.Comment, err)
		}
	}
}
