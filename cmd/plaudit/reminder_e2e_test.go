package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/notify/sendgrid"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/store"
)

func TestReminder(t *testing.T) { runReminder(t, nil) }

func TestReminderOnRedisAndPostgres(t *testing.T) {
	runReminder(t, map[string]string{
		"REDIS_URL":    testenv.RedisURL(t),
		"DATABASE_URL": testenv.DatabaseURL(t),
	})
}

// runReminder: a customer who does not answer gets exactly one reminder,
// reminder_after_hours after the request, with the same link; an answer
// through that link counts once, and the admin sees when the reminder went
// out.
//
// Time passes as in the privacy test's retention sweep: the gateway stops,
// and a worker replica whose clock runs 47, 49 and 121 hours ahead (the
// queue.Worker that `plaudit worker` runs, with its Now moved) runs the
// periodic reminders task on the same store, and its asynq server sends
// what that enqueues. No time seam in the product is needed: the worker's
// Now is where the reminder threshold is compared.
func runReminder(t *testing.T, env map[string]string) {
	ctx := context.Background()
	sg := newFakeSendGrid(t)
	if env == nil {
		env = map[string]string{}
	}
	dataDir := t.TempDir()
	env["SENDGRID_API_KEY"] = "SG.test-key"
	env["SENDGRID_API_URL"] = sg.URL
	env["PLAUDIT_DATA_DIR"] = dataDir
	env["PLAUDIT_SECRET_KEY"] = privacyKey
	g := startGateway(t, "serve", env)
	admin := newTenant(t, g, "Nordlicht Reisen", map[string]any{"default_language": "en", "reminder_after_hours": 48})
	trigger := newKey(t, g, admin, "trigger", "live")
	g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "approved": true, "bio": "Knows every ferry timetable.",
		"external_ids": map[string]string{"api": "emp-17"},
	})
	const addr = "anna.schneider@example.org"
	g.must(202, "POST", "/api/v1/interactions", trigger, map[string]any{"ext_interaction_id": "T-4711", "channel": "chat",
		"customer": map[string]any{"name": "Anna Schneider", "email": addr, "language": "en"},
		"employee": map[string]any{"custom_id": "emp-17"}})
	token := awaitMail(t, sg, addr)
	first := mailsTo(sg, addr)[0]
	eventually(t, 15*time.Second, "the request marked sent", func() bool {
		return str(requestFor(t, g, admin, "T-4711")["status"]) == "sent"
	})
	if r := requestFor(t, g, admin, "T-4711"); r["reminded_at"] != nil || r["reminder_status"] != nil {
		t.Fatalf("a fresh request shows a reminder: %v", r)
	}
	g.Stop()

	// A worker replica, its clock ahead by offset.
	st, err := store.Open(ctx, env["DATABASE_URL"], dataDir, privacyKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	redis, err := queue.StartEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	defer redis.Close()
	qc := queue.NewClient(redis.ConnOpt())
	defer qc.Close()
	email, err := sendgrid.NewClient("SG.test-key", sg.URL, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	var offset atomic.Int64
	workerLog := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(workerLog, nil))
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	w := &queue.Worker{Store: st, Queue: qc, Log: log, Now: now, Feedback: &feedback.Service{
		Store: st, Tasks: qc, Log: log, Now: now, PublicURL: g.env["PLAUDIT_PUBLIC_URL"], Email: email}}
	srv := queue.NewServer(redis.ConnOpt(), queue.ServerOptions{Concurrency: 4, Log: log})
	if err := srv.Start(w.Mux()); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	runReminders := func(ahead time.Duration) {
		t.Helper()
		offset.Store(int64(ahead))
		// Several replicas' schedulers may each run the task: twice here.
		for range 2 {
			if err := w.HandleReminders(ctx, nil); err != nil {
				t.Fatalf("reminders at +%s: %v", ahead, err)
			}
		}
	}

	runReminders(47 * time.Hour)
	time.Sleep(time.Second)
	if n := len(mailsTo(sg, addr)); n != 1 {
		t.Fatalf("%d emails 47 hours after the request, want 1", n)
	}
	runReminders(49 * time.Hour)
	eventually(t, 15*time.Second, "the reminder", func() bool { return len(mailsTo(sg, addr)) >= 2 })
	runReminders(121 * time.Hour)
	time.Sleep(time.Second)
	mails := mailsTo(sg, addr)
	if len(mails) != 2 {
		t.Fatalf("%d emails, want the request and exactly one reminder", len(mails))
	}
	reminder := mails[1]
	if s, f := str(reminder["subject"]), str(first["subject"]); s != "Reminder: "+f {
		t.Errorf("reminder subject %q, want %q", s, "Reminder: "+f)
	}
	links := scoreLink.FindAllStringSubmatch(htmlOf(t, reminder), -1)
	if len(links) != 5 || links[0][2] != token {
		t.Fatalf("the reminder's score links %v, want the first email's token", links)
	}
	if h := htmlOf(t, reminder); !strings.Contains(h, "Jonas W.") || !strings.Contains(h, "Knows every ferry timetable.") {
		t.Error("the reminder lacks the agent card")
	}
	srv.Shutdown()
	st.Close()

	// The admin sees when the reminder went out; the customer answers
	// through the first link, once.
	g = restartGateway(t, g)
	r := requestFor(t, g, admin, "T-4711")
	if r["reminder_status"] != "sent" || r["reminded_at"] == nil {
		t.Errorf("request after the reminder: %v", r)
	}
	answerPage(t, g, token, url.Values{"score": {"5"}})
	answerPage(t, g, token, url.Values{"score": {"5"}})
	if rs := list(t, g.must(200, "GET", "/api/v1/responses", admin, nil)); len(rs) != 1 || str(rs[0]["score"]) != "5" {
		t.Errorf("responses = %v, want one", rs)
	}
	if strings.Contains(workerLog.String(), addr) || strings.Contains(workerLog.String(), "Anna") {
		t.Error("the worker logged personal data")
	}
	noPersonalData(t, g, addr, "Anna Schneider")
}
