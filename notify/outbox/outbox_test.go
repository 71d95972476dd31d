package outbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

func email(to, req string) notify.Email {
	return notify.Email{To: to, From: "feedback@acme.com", Subject: "How did Max do?", HTML: "<p>secret body</p>",
		Text: "secret body", TenantID: "ten_1", RequestID: req}
}

func TestSendAndGet(t *testing.T) {
	var logs bytes.Buffer
	o := New(10, slog.New(slog.NewTextHandler(&logs, nil)), "http://localhost:8080/dev/outbox/")
	ctx := context.Background()

	eid, err := o.SendEmail(ctx, email("anna@example.org", "req_1"))
	if err != nil {
		t.Fatal(err)
	}
	sid, err := o.SendSMS(ctx, notify.SMS{To: "+4915112345678", Body: "Acme: How did Max do?", TenantID: "ten_1", RequestID: "req_2"})
	if err != nil {
		t.Fatal(err)
	}
	if eid == sid || !strings.HasPrefix(eid, "ob_") {
		t.Errorf("ids %q %q", eid, sid)
	}
	m, ok := o.Get(eid)
	if !ok || m.Channel != plaudit.ChannelEmail || m.Email == nil || m.Email.To != "anna@example.org" || m.SMS != nil || m.CreatedAt.IsZero() {
		t.Errorf("Get(email) = %+v %v", m, ok)
	}
	m, ok = o.Get(sid)
	if !ok || m.Channel != plaudit.ChannelSMS || m.SMS == nil || m.SMS.Body != "Acme: How did Max do?" {
		t.Errorf("Get(sms) = %+v %v", m, ok)
	}
	if _, ok := o.Get("ob_nope"); ok {
		t.Error("Get of an unknown id succeeded")
	}
	// the copy handed out is the caller's own
	m.SMS.Body = "changed"
	if m2, _ := o.Get(sid); m2.SMS.Body != "Acme: How did Max do?" {
		t.Error("a returned message shares memory with the outbox")
	}

	out := logs.String()
	for _, want := range []string{
		"outbox: message stored", "channel=email", "channel=sms", "id=" + eid, "request_id=req_1", "request_id=req_2",
		"preview=http://localhost:8080/dev/outbox/" + eid,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"anna", "4915112345678", "How did Max", "secret body"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains personal data %q:\n%s", secret, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("%d log lines, want 2", n)
	}
}

func TestRing(t *testing.T) {
	o := New(3, slog.New(slog.DiscardHandler), "")
	var ids []string
	for i := 0; i < 5; i++ {
		id, err := o.SendEmail(context.Background(), email(fmt.Sprintf("c%d@example.org", i), fmt.Sprintf("req_%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	list := o.List()
	if len(list) != 3 {
		t.Fatalf("%d messages, want 3", len(list))
	}
	for i, want := range []string{ids[4], ids[3], ids[2]} {
		if list[i].ID != want {
			t.Errorf("list[%d] = %s, want %s (newest first)", i, list[i].ID, want)
		}
	}
	if _, ok := o.Get(ids[0]); ok {
		t.Error("oldest message kept beyond max")
	}
	if New(0, nil, "").max != DefaultMax {
		t.Error("max 0 does not mean DefaultMax")
	}
}

func TestPurge(t *testing.T) {
	o := New(10, slog.New(slog.DiscardHandler), "")
	ctx := context.Background()
	_, _ = o.SendEmail(ctx, email("Anna@Example.org", "r1"))
	keep, _ := o.SendEmail(ctx, email("bob@example.org", "r2"))
	_, _ = o.SendEmail(ctx, email("anna@example.org", "r3"))
	_, _ = o.SendSMS(ctx, notify.SMS{To: "+4915112345678", Body: "x"})
	keepSMS, _ := o.SendSMS(ctx, notify.SMS{To: "+4915187654321", Body: "y"})

	if n := o.Purge("anna@example.org"); n != 2 {
		t.Errorf("Purge(email) = %d, want 2", n)
	}
	if n := o.Purge("+4915112345678"); n != 1 {
		t.Errorf("Purge(phone) = %d, want 1", n)
	}
	if n := o.Purge(""); n != 0 {
		t.Errorf("Purge(\"\") = %d", n)
	}
	list := o.List()
	if len(list) != 2 || list[0].ID != keepSMS || list[1].ID != keep {
		t.Errorf("left %+v", list)
	}
	noStaleCopies(t, o, "anna@example.org", "+4915112345678")
}

func TestPurgeAfterRingWrapped(t *testing.T) {
	o := New(3, slog.New(slog.DiscardHandler), "")
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		_, _ = o.SendEmail(ctx, email(fmt.Sprintf("c%d@example.org", i), "r"))
	}
	_, _ = o.SendEmail(ctx, email("anna@example.org", "r"))
	if n := o.Purge("anna@example.org"); n != 1 {
		t.Fatalf("Purge = %d", n)
	}
	noStaleCopies(t, o, "anna@example.org", "c0@example.org", "c1@example.org")
}

// noStaleCopies checks the whole backing array, beyond the slice's length,
// for messages to addresses that must be gone.
func noStaleCopies(t *testing.T, o *Outbox, gone ...string) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, m := range o.msgs[:cap(o.msgs)] {
		for _, g := range gone {
			if strings.EqualFold(m.recipient(), g) {
				t.Errorf("slot %d (len %d) still holds a message to %s", i, len(o.msgs), g)
			}
		}
		if i >= len(o.msgs) && (m.Email != nil || m.SMS != nil) {
			t.Errorf("slot %d beyond len %d is not cleared", i, len(o.msgs))
		}
	}
}

func TestInvalidAndCanceled(t *testing.T) {
	o := New(10, slog.New(slog.DiscardHandler), "")
	if _, err := o.SendEmail(context.Background(), notify.Email{}); !plaudit.IsPermanent(err) {
		t.Errorf("email without recipient: %v", err)
	}
	if _, err := o.SendSMS(context.Background(), notify.SMS{}); !plaudit.IsPermanent(err) {
		t.Errorf("SMS without recipient: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.SendEmail(ctx, email("a@b.c", "r")); err == nil {
		t.Error("stored with a canceled context")
	}
	if len(o.List()) != 0 {
		t.Error("something was stored")
	}
}

func TestConcurrent(t *testing.T) {
	o := New(50, slog.New(slog.DiscardHandler), "")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				_, _ = o.SendEmail(context.Background(), email(fmt.Sprintf("c%d@example.org", j), "r"))
				_ = o.List()
				o.Purge("c0@example.org")
			}
		}()
	}
	wg.Wait()
	if n := len(o.List()); n > 50 {
		t.Errorf("%d messages, max 50", n)
	}
}
