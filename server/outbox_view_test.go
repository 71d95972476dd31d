package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// TestOutboxShowsHeadersAndTextPart: trying email replies and
// unsubscribing locally needs the Reply-To and List-Unsubscribe of a
// message, and the text part is what many customers read. The outbox page
// of an email shows its header fields, the HTML part and the text part.
func TestOutboxShowsHeadersAndTextPart(t *testing.T) {
	var box *outbox.Outbox
	h := newAPIHarness(t, func(c *server.Config) {
		box = outbox.New(c.Store.(*store.Store), 10, nil, publicURL+"/dev/outbox")
		c.Outbox, c.OutboxPage = box, true
	})
	ctx := context.Background()
	id, err := box.SendEmail(ctx, notify.Email{
		To: "anna@example.org", From: "feedback@nordlicht.example", FromName: "Nordlicht Reisen",
		ReplyTo: "reply+tok123@reply.nordlicht.example", Subject: "How did Max do?",
		UnsubscribeURL: "https://plaudit.example/u/tok123",
		HTML:           `<p>Rate <a href="https://plaudit.example/f/tok123?score=5">5</a></p>`,
		Text:           "Plain words: rate at https://plaudit.example/f/tok123?score=5",
	})
	if err != nil {
		t.Fatal(err)
	}
	status, page := h.get("/dev/outbox/"+id, true, nil)
	if status != 200 {
		t.Fatalf("/dev/outbox/%s: %d", id, status)
	}
	for _, want := range []string{
		"<th scope=\"row\">Reply-To</th><td>reply&#43;tok123@reply.nordlicht.example</td>",
		"<th scope=\"row\">List-Unsubscribe</th><td>&lt;https://plaudit.example/u/tok123&gt;</td>",
		"<th scope=\"row\">From</th><td>&#34;Nordlicht Reisen&#34; &lt;feedback@nordlicht.example&gt;</td>",
		"<th scope=\"row\">Subject</th><td>How did Max do?</td>",
		"Plain words: rate at https://plaudit.example/f/tok123?score=5",
		`srcdoc="&lt;base target=&#34;_top&#34;&gt;&lt;p&gt;Rate`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the message page lacks %s:\n%s", want, page)
		}
	}
	if status, raw := h.get("/dev/outbox/"+id+"?format=html", true, nil); status != 200 || !strings.HasPrefix(raw, "<p>Rate") {
		t.Errorf("?format=html: %d %q, want the HTML part as it is", status, raw)
	}
	if status, raw := h.get("/dev/outbox/"+id+"?format=text", true, nil); status != 200 || !strings.HasPrefix(raw, "Plain words") {
		t.Errorf("?format=text: %d %q", status, raw)
	}

	sms, err := box.SendSMS(ctx, notify.SMS{To: "+4915112345678", From: "+4930901820", Body: "Nordlicht: rate Max 1-5"})
	if err != nil {
		t.Fatal(err)
	}
	if status, page := h.get("/dev/outbox/"+sms, true, nil); status != 200 ||
		!strings.Contains(page, "4930901820") || strings.Contains(page, "Status callback") || !strings.Contains(page, "Nordlicht: rate Max 1-5") {
		t.Errorf("the SMS page: %d\n%s", status, page)
	}
	if status, _ := h.get("/dev/outbox/ob_unknown", true, nil); status != 404 {
		t.Errorf("an unknown message: %d, want 404", status)
	}
}
