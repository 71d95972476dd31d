package note

import (
	"testing"

	"github.com/plaudit/plaudit"
)

func TestTicketID(t *testing.T) {
	for _, tc := range []struct {
		w    plaudit.Writeback
		want string
	}{
		{plaudit.Writeback{Interaction: plaudit.Interaction{ExternalID: " 7 "}, Request: plaudit.FeedbackRequest{TicketID: "8"}}, "7"},
		{plaudit.Writeback{Request: plaudit.FeedbackRequest{TicketID: "8"}, Response: plaudit.Response{TicketID: "9"}}, "8"},
		{plaudit.Writeback{Response: plaudit.Response{TicketID: "9"}}, "9"},
		{plaudit.Writeback{}, ""},
	} {
		if got := TicketID(tc.w); got != tc.want {
			t.Errorf("TicketID(%+v) = %q, want %q", tc.w, got, tc.want)
		}
	}
}
