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
	"github.com/plaudit/plaudit/internal/teststore"
	"github.com/plaudit/plaudit/notify"
)

func email(to, req string) notify.Email {
	return notify.Email{To: to, From: "feedback@acme.com", Subject: "How did Max do?", HTML: "<p>secret body</p>",
		Text: "secret body", TenantID: "ten_1", RequestID: req}
}

func newOutbox(t *testing.T, max int, logs *bytes.Buffer) *Outbox {
	h := slog.DiscardHandler
	if logs != nil {
		h = slog.NewTextHandler(logs, nil)
	}
	return New(teststore.SQLite(t), max, slog.New(h), "http://localhost:8080/dev/outbox/")
}

func mustList(t *testing.T, o *Outbox) []Message {
	t.Helper()
	l, err := o.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSendAndGet(t *testing.T) {
	var logs bytes.Buffer
	o := newOutbox(t, 10, &logs)
	ctx := t.Context()

	m := email("anna@example.org", "req_1")
	m.ReplyTo = "reply+tok@reply.example"
	eid, err := o.SendEmail(ctx, m)
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
	got, err := o.Get(ctx, eid)
	if err != nil || got.Channel != plaudit.ChannelEmail || got.Email == nil || got.Email.To != "anna@example.org" ||
		got.Email.ReplyTo != m.ReplyTo || got.Email.Text != "secret body" || got.SMS != nil || got.CreatedAt.IsZero() {
		t.Errorf("Get(email) = %+v %v", got, err)
	}
	got, err = o.Get(ctx, sid)
	if err != nil || got.Channel != plaudit.ChannelSMS || got.SMS == nil || got.SMS.Body != "Acme: How did Max do?" {
		t.Errorf("Get(sms) = %+v %v", got, err)
	}
	if _, err := o.Get(ctx, "ob_nope"); !plaudit.IsNotFound(err) {
		t.Errorf("Get of an unknown id: %v, want not found", err)
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

// TestSharedThroughTheStore: what one process kept (a worker) another
// process on the same store (an api) shows, which is what makes the
// worker's preview links work.
func TestSharedThroughTheStore(t *testing.T) {
	st := teststore.SQLite(t)
	worker := New(st, 10, slog.New(slog.DiscardHandler), "")
	api := New(st, 10, slog.New(slog.DiscardHandler), "")
	id, err := worker.SendEmail(t.Context(), email("anna@example.org", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := api.Get(t.Context(), id); err != nil || m.Email.To != "anna@example.org" {
		t.Errorf("the other process's Get = %+v, %v", m, err)
	}
}

func TestBounded(t *testing.T) {
	o := newOutbox(t, 3, nil)
	var ids []string
	for i := 0; i < 5; i++ {
		id, err := o.SendEmail(t.Context(), email(fmt.Sprintf("c%d@example.org", i), fmt.Sprintf("req_%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	list := mustList(t, o)
	if len(list) != 3 {
		t.Fatalf("%d messages, want 3", len(list))
	}
	for i, want := range []string{ids[4], ids[3], ids[2]} {
		if list[i].ID != want {
			t.Errorf("list[%d] = %s, want %s (newest first)", i, list[i].ID, want)
		}
	}
	if _, err := o.Get(t.Context(), ids[0]); !plaudit.IsNotFound(err) {
		t.Error("oldest message kept beyond max")
	}
	if New(nil, 0, nil, "").max != DefaultMax {
		t.Error("max 0 does not mean DefaultMax")
	}
}

// TestPurgeTenant: one tenant's erasure removes that person's messages,
// compared without regard to case, and never what another tenant sent to
// the same person.
func TestPurgeTenant(t *testing.T) {
	o := newOutbox(t, 10, nil)
	ctx := t.Context()
	send := func(tenant, to string) string {
		m := email(to, "r")
		m.TenantID = tenant
		id, err := o.SendEmail(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	send("ten_a", "Anna@example.org")
	send("ten_a", "bob@example.org")
	keepB := send("ten_b", "anna@example.org")
	if _, err := o.SendSMS(ctx, notify.SMS{To: "+4915112345678", Body: "x", TenantID: "ten_a"}); err != nil {
		t.Fatal(err)
	}
	purge := func(tenant, address string) int {
		n, err := o.PurgeTenant(ctx, tenant, address)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := purge("ten_a", "anna@example.org"); n != 1 {
		t.Errorf("PurgeTenant(a, anna) = %d, want 1", n)
	}
	if _, err := o.Get(ctx, keepB); err != nil {
		t.Error("tenant a's erasure removed tenant b's message")
	}
	if n := purge("ten_a", "+4915112345678"); n != 1 {
		t.Errorf("PurgeTenant(a, phone) = %d, want 1", n)
	}
	if n := purge("", ""); n != 0 {
		t.Errorf("PurgeTenant without a tenant = %d, want 0", n)
	}
	if n := purge("ten_a", ""); n != 1 {
		t.Errorf("PurgeTenant(a, all) = %d, want 1", n)
	}
	if l := mustList(t, o); len(l) != 1 || l[0].ID != keepB {
		t.Errorf("left %+v, want tenant b's message only", l)
	}
}

func TestInvalidAndCanceled(t *testing.T) {
	o := newOutbox(t, 10, nil)
	if _, err := o.SendEmail(t.Context(), notify.Email{}); !plaudit.IsPermanent(err) {
		t.Errorf("email without recipient: %v", err)
	}
	if _, err := o.SendSMS(t.Context(), notify.SMS{}); !plaudit.IsPermanent(err) {
		t.Errorf("SMS without recipient: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := o.SendEmail(ctx, email("a@b.c", "r")); err == nil {
		t.Error("stored with a canceled context")
	}
	if len(mustList(t, o)) != 0 {
		t.Error("something was stored")
	}
}

func TestConcurrent(t *testing.T) {
	o := newOutbox(t, 50, nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if _, err := o.SendEmail(t.Context(), email(fmt.Sprintf("c%d@example.org", j), "r")); err != nil {
					t.Error(err)
				}
				if _, err := o.PurgeTenant(t.Context(), "ten_1", "c0@example.org"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(mustList(t, o)); n > 50 {
		t.Errorf("%d messages, max 50", n)
	}
}
