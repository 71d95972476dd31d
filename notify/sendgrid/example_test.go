package sendgrid_test

import (
	"fmt"
	"mime/multipart"

	"github.com/plaudit/plaudit/notify/sendgrid"
	"github.com/plaudit/plaudit/reply"
)

// An email reply, from the Inbound Parse post to the response.
func ExampleParseInbound() {
	form := &multipart.Form{Value: map[string][]string{
		"envelope": {`{"to":["reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example"],"from":"anna.schneider@example.org"}`},
		"charsets": {`{"to":"UTF-8","text":"iso-8859-1"}`},
		"text":     {"f\xfcnf Sterne, alles super!\r\n\r\nAm Sa., 28. Nov. 2026 um 10:41 Uhr schrieb Nordlicht Reisen <feedback@nordlicht.example>:\r\n> Wie war Ihr Kontakt mit Jonas?\r\n"},
	}}
	in, err := sendgrid.ParseInbound(form)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, to := range in.To {
		if token, ok := reply.TokenFromAddress(to, "reply.nordlicht.example"); ok {
			fmt.Println("token:", token)
		}
	}
	score, comment, ok := reply.Score(reply.EmailText(in.Text, in.HTML))
	fmt.Println(score, comment, ok)
	// Output:
	// token: Q2xJc1pWbG9wZ2ZXcGxOQQ
	// 5 alles super! true
}
