package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/store"
)

// privacyKey is PLAUDIT_SECRET_KEY in the privacy tests, so that the test
// can open the same store the gateway used.
const privacyKey = "cHJpdmFjeS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="

// person is a customer whose data must be gone after erasure or the
// retention sweep: every string that may hold them.
type person struct {
	name, email, phone, phoneRaw, comment string
	// ascii is part of the comment without umlauts, found even where the
	// comment is escaped (JSON's \u00fc).
	ascii string
}

func (p person) needles() []string {
	var out []string
	for _, s := range []string{p.name, p.email, p.phone, p.phoneRaw, p.comment, p.ascii} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

var (
	anna = person{name: "Anna Schneider", email: "anna.schneider@example.org", phone: "+4930901820", phoneRaw: "+49 30 901820",
		comment: "Fähre 4711 war pünktlich, Anna dankt", ascii: "Anna dankt"}
	bert = person{name: "Bert Beispielmann", email: "bert.beispielmann@example.net", phone: "+494055512340", phoneRaw: "+49 40 55512340",
		comment: "Rückruf kam spät, Bert meint 0815", ascii: "Bert meint 0815"}
	// aerger's helpdesk sends the address with non-ASCII capitals; the
	// data-subject request comes in lower case. aerger never answers.
	aerger = person{name: "Ärger Übelkeit", email: "ÄRGER.ÜBEL@Example.de", phone: "+498955501234", phoneRaw: "+49 89 55501234"}
)

// TestPrivacyLifecycle follows two customers through the embedded
// gateway (SQLite, in-process Redis): one is erased on request, the other
// by the retention sweep; afterwards no byte of either is in the database
// file or its WAL, in Redis, or in the logs, while the report still counts
// their answers.
func TestPrivacyLifecycle(t *testing.T) {
	runPrivacy(t, map[string]string{})
}

// TestPrivacyLifecycleOnRedisAndPostgres runs the same on real services,
// with pg_dump of the test's schema in place of the SQLite file.
func TestPrivacyLifecycleOnRedisAndPostgres(t *testing.T) {
	runPrivacy(t, map[string]string{
		"REDIS_URL":    testenv.RedisURL(t),
		"DATABASE_URL": testenv.DatabaseURL(t),
	})
}

func runPrivacy(t *testing.T, env map[string]string) {
	ctx := context.Background()
	eventKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&eventKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	env["PLAUDIT_DATA_DIR"] = dataDir
	env["PLAUDIT_SECRET_KEY"] = privacyKey
	env["SENDGRID_EVENT_PUBLIC_KEY"] = base64.StdEncoding.EncodeToString(der)
	w := &emailWorld{spine: setUpSpine(t, env), eventKey: eventKey}
	g := w.g
	tenantID := str(g.must(200, "GET", "/api/v1/tenant", w.key, nil)["id"])
	logs := []*syncBuffer{g.Logs}

	// Two customers, each through webhook → email → page → comment.
	annaBody := fixture(t, "zendesk-trigger.json")
	bertBody := strings.NewReplacer(`"73021"`, `"73022"`, anna.name, bert.name, anna.email, bert.email, anna.phoneRaw, bert.phoneRaw,
		"38417722901", "38417722902").Replace(string(annaBody))
	var tokens []string // the page tokens of the links sent
	answer := func(body []byte, ticket string, mailNo, score int, comment string) map[string]any {
		t.Helper()
		if r := w.post(body, time.Now()); r.Status/100 != 2 {
			t.Fatalf("webhook: %d %s", r.Status, r.Body)
		}
		eventually(t, 15*time.Second, "the email", func() bool { return len(w.sg.Mails()) > mailNo })
		// The provider may have the mail a moment before the request is
		// marked sent; a customer's click comes later than that.
		eventually(t, 5*time.Second, "the request marked sent", func() bool { return w.request(ticket)["status"] == "sent" })
		mail := w.sg.Mails()[mailNo]
		token := scoreLink.FindAllStringSubmatch(htmlOf(t, mail), -1)[0][2]
		tokens = append(tokens, token)
		form := func(v url.Values) {
			t.Helper()
			if r := g.do("POST", "/f/"+token, "", v.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != 303 {
				t.Fatalf("page POST: %d %s", r.Status, r.Body)
			}
		}
		form(url.Values{"score": {fmt.Sprint(score)}})
		form(url.Values{"step": {"more"}, "comment": {comment}, "excellence": {"friendly"}})
		return mail
	}
	annaMail := answer(annaBody, "73021", 0, 5, anna.comment)
	answer([]byte(bertBody), "73022", 1, 3, bert.comment)
	eventually(t, 20*time.Second, "both writebacks", func() bool {
		rs := list(t, g.must(200, "GET", "/api/v1/responses", w.key, nil))
		done := 0
		for _, r := range rs {
			if r["writeback_status"] == "done" && r["comment"] != nil {
				done++
			}
		}
		return done == 2
	})
	// The links work, and the store keeps no token in clear.
	if dump := dumpStore(t, env, dataDir); !bytes.Contains(dump, []byte(anna.comment)) {
		t.Fatal("Anna's comment is not in the store dump: the search proves nothing")
	} else {
		for _, token := range tokens {
			if bytes.Contains(dump, []byte(token)) {
				t.Errorf("the store holds the page token %q in clear", token)
			}
		}
	}
	// Anna reports the email as spam: she is suppressed for this tenant.
	if r := w.events([]map[string]any{event("spamreport", annaMail, nil)}, time.Now(), eventKey); r.Status != 200 {
		t.Fatalf("events: %d %s", r.Status, r.Body)
	}

	// The export holds everything on Anna, and nothing on Bert.
	exp := g.do("GET", "/api/v1/data-subjects?email="+url.QueryEscape(anna.email), w.key, nil, nil)
	for _, want := range []string{anna.name, anna.email, anna.phoneRaw, anna.comment, `"suppressed":true`} {
		if !bytes.Contains(exp.Body, []byte(want)) {
			t.Errorf("export lacks %q: %s", want, exp.Body)
		}
	}
	for _, s := range bert.needles() {
		if bytes.Contains(exp.Body, []byte(s)) {
			t.Errorf("Anna's export shows Bert's %q", s)
		}
	}

	// Erasure by email: rows deleted, the opt-out stays.
	er := g.must(200, "DELETE", "/api/v1/data-subjects?email="+url.QueryEscape(anna.email), w.key, nil)
	if n, _ := er["erased"].(float64); n < 3 {
		t.Errorf("erased %v rows, want Anna's interaction, request and response", er["erased"])
	}
	left := g.must(200, "GET", "/api/v1/data-subjects?email="+url.QueryEscape(anna.email), w.key, nil)
	if len(left["interactions"].([]any))+len(left["feedback_requests"].([]any))+len(left["responses"].([]any)) != 0 || left["suppressed"] != true {
		t.Errorf("after erasure: %v, want nothing but the opt-out", left)
	}
	// Her next ticket is not asked about: the opt-out outlived erasure.
	again := strings.ReplaceAll(string(annaBody), `"73021"`, `"73023"`)
	if r := w.post([]byte(again), time.Now()); r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	eventually(t, 15*time.Second, "the decision on Anna's next ticket", func() bool {
		rs := list(t, g.must(200, "GET", "/api/v1/feedback-requests?ticket=73023", w.key, nil))
		return len(rs) == 1 && rs[0]["status"] == "skipped" && rs[0]["reason"] == "address_suppressed"
	})
	if n := len(w.sg.Mails()); n != 2 {
		t.Errorf("SendGrid got %d emails, want 2: an opted-out person was written to", n)
	}
	// That ticket stored her again; erase by phone this time.
	if er := g.must(200, "DELETE", "/api/v1/data-subjects?phone="+url.QueryEscape(anna.phoneRaw), w.key, nil); er["erased"] != float64(2) {
		t.Errorf("erasure by phone: %v, want the interaction and its skip record", er["erased"])
	}

	eraseCapitals(t, w, env, dataDir, annaBody)

	// Audit: the export and both erasures, by key id, no address in clear.
	audit := g.do("GET", "/api/v1/audit-events", w.key, nil, nil)
	for _, want := range []string{`"data_subject.export"`, `"data_subject.erase"`, `"suppression.add"`} {
		if !bytes.Contains(audit.Body, []byte(want)) {
			t.Errorf("audit lacks %s", want)
		}
	}

	// Redis holds the queue only: ids, never a person.
	redisOpt := redisAddr(t, env, g)
	if env["REDIS_URL"] == "" {
		anyone := redis.NewClient(&redis.Options{Addr: redisOpt.Addr})
		if err := anyone.Ping(ctx).Err(); err == nil {
			t.Error("the in-process Redis answers a local client without its password")
		}
		anyone.Close()
	}
	redisDump := dumpRedis(t, redisOpt)
	if !bytes.Contains(redisDump, []byte("asynq")) {
		t.Fatalf("the Redis dump holds no queue keys: the search proves nothing")
	}
	noPerson(t, "Redis", redisDump, anna, bert, aerger)

	// The retention sweep. With retention_days 1, the test runs the
	// worker's handler (the one the scheduler runs hourly) on the same
	// store with its clock 49 hours ahead: everything is older than a day.
	g.must(200, "PATCH", "/api/v1/tenant", w.key, map[string]any{"settings": map[string]any{"retention_days": 1}})
	before := dumpStore(t, env, dataDir)
	if !bytes.Contains(before, []byte(bert.comment)) {
		t.Fatal("Bert's comment is not in the store before the sweep: the search proves nothing")
	}
	noPerson(t, "the store after Anna's erasure", before, anna)
	g.Stop()

	kr := privacyKeyring(t)
	st, err := store.Open(ctx, env["DATABASE_URL"], dataDir, kr)
	if err != nil {
		t.Fatal(err)
	}
	sweepLog := &syncBuffer{}
	logs = append(logs, sweepLog)
	worker := &queue.Worker{Store: st, Log: slog.New(slog.NewTextHandler(sweepLog, nil)),
		Now: func() time.Time { return time.Now().Add(49 * time.Hour) }}
	if err := worker.HandleRetention(ctx, asynq.NewTask(queue.TypeRetention, nil)); err != nil {
		t.Fatalf("retention sweep: %v", err)
	}
	if !strings.Contains(sweepLog.String(), "retention sweep erased personal data") {
		t.Errorf("the sweep erased nothing: %s", sweepLog.String())
	}
	// With the sweeping store still open: the WAL was truncated too.
	noPerson(t, "the store after the sweep", dumpStore(t, env, dataDir), anna, bert)
	if fi, err := os.Stat(filepath.Join(dataDir, "plaudit.db-wal")); env["DATABASE_URL"] == "" && err == nil && fi.Size() != 0 {
		t.Errorf("WAL not truncated after the sweep: %d bytes", fi.Size())
	}
	st.Close()

	// Reports still count both answers, from the anonymous aggregates.
	g = restartGateway(t, g)
	logs = append(logs, g.Logs)
	if rs := list(t, g.must(200, "GET", "/api/v1/responses?include_test=true", w.key, nil)); len(rs) != 0 {
		t.Errorf("responses after the sweep: %v", rs)
	}
	rep := list(t, g.must(200, "GET", "/api/v1/reports/scores", w.key, nil))
	count, sum := 0.0, 0.0
	for _, d := range rep {
		n, _ := d["responses"].(float64)
		avg, _ := d["average_score"].(float64)
		count, sum = count+n, sum+n*avg
	}
	if count != 2 || sum != 8 {
		t.Errorf("report after erasure and sweep: %v, want Anna's 5 and Bert's 3", rep)
	}
	final := dumpStore(t, env, dataDir)
	noPerson(t, "the store", final, anna, bert)
	for _, control := range []string{"Nordlicht Reisen", "Jonas Weber"} {
		if !bytes.Contains(final, []byte(control)) {
			t.Errorf("%q (not erased) is not in the store dump: the search proves nothing", control)
		}
	}
	noPerson(t, "Redis", dumpRedis(t, redisAddr(t, env, g)), anna, bert)

	// The client company leaves; the operator sees it in the log.
	g.must(200, "DELETE", "/api/v1/tenants/"+tenantID+"?keep_aggregates=true", operatorToken, nil)
	line := regexp.MustCompile(`(?m)^.*audit: tenant deleted.*$`).FindString(g.Logs.String())
	if !strings.Contains(line, "tenant_id="+tenantID) || strings.Contains(line, "Nordlicht") {
		t.Errorf("tenant deletion log line %q, want the tenant id and no name", line)
	}
	g.Stop()
	noPerson(t, "the store after the tenant left", dumpStore(t, env, dataDir), anna, bert)

	for i, l := range logs {
		noPerson(t, fmt.Sprintf("log %d", i), []byte(l.String()), anna, bert, aerger)
	}
}

// eraseCapitals: three tickets of aerger, whose address the helpdesk
// sends with non-ASCII capitals; the first is asked about, the other two
// are skipped (recently asked), and a skip record keeps no address. The
// export by the lower-case address finds all three tickets, and erasure
// leaves no byte of the name or the address, in any case form.
func eraseCapitals(t *testing.T, w *emailWorld, env map[string]string, dataDir string, annaBody []byte) {
	t.Helper()
	g := w.g
	mails := len(w.sg.Mails())
	for i, ticket := range []string{"73031", "73032", "73033"} {
		body := strings.NewReplacer(`"73021"`, `"`+ticket+`"`, anna.name, aerger.name, anna.email, aerger.email,
			anna.phoneRaw, aerger.phoneRaw, "38417722901", "38417722931").Replace(string(annaBody))
		if r := w.post([]byte(body), time.Now()); r.Status/100 != 2 {
			t.Fatalf("webhook: %d %s", r.Status, r.Body)
		}
		want := map[bool]string{true: "sent", false: "skipped"}[i == 0]
		eventually(t, 15*time.Second, "ticket "+ticket+" "+want, func() bool {
			rs := list(t, g.must(200, "GET", "/api/v1/feedback-requests?ticket="+ticket, w.key, nil))
			return len(rs) == 1 && rs[0]["status"] == want
		})
	}
	if n := len(w.sg.Mails()); n != mails+1 {
		t.Errorf("SendGrid got %d emails for three tickets, want 1", n-mails)
	}
	asked := url.QueryEscape(strings.ToLower(aerger.email))
	exp := g.must(200, "GET", "/api/v1/data-subjects?email="+asked, w.key, nil)
	if n, m := len(exp["interactions"].([]any)), len(exp["feedback_requests"].([]any)); n != 3 || m != 3 {
		t.Errorf("export by the lower-case address: %d interactions, %d requests; want 3 and 3", n, m)
	}
	before := dumpStore(t, env, dataDir)
	if !bytes.Contains(before, []byte(aerger.name)) {
		t.Fatal("aerger is not in the store before erasure: the search proves nothing")
	}
	if er := g.must(200, "DELETE", "/api/v1/data-subjects?email="+asked, w.key, nil); er["erased"] != float64(6) {
		t.Errorf("erasure by the lower-case address: %v, want 3 interactions and 3 requests", er["erased"])
	}
	after := bytes.ToLower(dumpStore(t, env, dataDir))
	for _, s := range aerger.needles() {
		if bytes.Contains(after, bytes.ToLower([]byte(s))) {
			t.Errorf("the store after erasure still holds %q in some case form", s)
		}
	}
}

// noPerson fails for each of the people's strings found in b.
func noPerson(t *testing.T, where string, b []byte, people ...person) {
	t.Helper()
	for _, p := range people {
		for _, s := range p.needles() {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q", where, s)
			}
		}
	}
}

func privacyKeyring(t *testing.T) *keyring.Keyring {
	t.Helper()
	raw, err := keyring.ParseKey(privacyKey)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// dumpStore returns every byte the store keeps: the SQLite file with its
// WAL and shared-memory file, or pg_dump of the test's PostgreSQL schema
// (live rows only; dead tuples wait for VACUUM in the data files, which
// pg_dump does not read).
func dumpStore(t *testing.T, env map[string]string, dataDir string) []byte {
	t.Helper()
	dbURL := env["DATABASE_URL"]
	if dbURL == "" {
		var all []byte
		for _, name := range []string{"plaudit.db", "plaudit.db-wal", "plaudit.db-shm", "plaudit.db-journal"} {
			b, err := os.ReadFile(filepath.Join(dataDir, name))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		pgDump = "/usr/bin/pg_dump"
		if _, err := os.Stat(pgDump); err != nil {
			t.Skip("pg_dump not found: the PostgreSQL dump cannot be searched (install postgresql-client)")
		}
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	if schema == "" {
		t.Fatal("DATABASE_URL names no search_path: which schema to dump?")
	}
	q.Del("search_path") // libpq does not know it
	u.RawQuery = q.Encode()
	out, err := exec.Command(pgDump, "--dbname="+u.String(), "--schema="+schema, "--no-owner", "--no-privileges").Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("pg_dump: %v: %s", err, stderr)
	}
	return out
}

// redisAddr finds the gateway's Redis: REDIS_URL, or the in-process one,
// whose address the gateway logs at start.
func redisAddr(t *testing.T, env map[string]string, g *gateway) *redis.Options {
	t.Helper()
	if u := env["REDIS_URL"]; u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		return opt
	}
	m := regexp.MustCompile(`in-process Redis.*addr=(\S+)`).FindStringSubmatch(g.Logs.String())
	if m == nil {
		t.Fatalf("the gateway did not log the in-process Redis address:\n%s", g.Logs.String())
	}
	return &redis.Options{Addr: m[1], Password: embeddedRedisPassword(privacyKeyring(t))}
}

// dumpRedis returns every key and every value in the database, whatever
// its type.
func dumpRedis(t *testing.T, opt *redis.Options) []byte {
	t.Helper()
	ctx := context.Background()
	c := redis.NewClient(opt)
	defer c.Close()
	var out bytes.Buffer
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
		if err != nil {
			t.Fatalf("redis scan: %v", err)
		}
		for _, k := range keys {
			fmt.Fprintf(&out, "%s\n", k)
			typ, err := c.Type(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			var v any
			switch typ {
			case "string":
				v, err = c.Get(ctx, k).Result()
			case "hash":
				v, err = c.HGetAll(ctx, k).Result()
			case "list":
				v, err = c.LRange(ctx, k, 0, -1).Result()
			case "set":
				v, err = c.SMembers(ctx, k).Result()
			case "zset":
				v, err = c.ZRangeWithScores(ctx, k, 0, -1).Result()
			case "stream":
				v, err = c.XRange(ctx, k, "-", "+").Result()
			case "none": // expired between SCAN and TYPE
			default:
				t.Fatalf("redis key %s of type %s: the dump cannot read it", k, typ)
			}
			if err != nil && err != redis.Nil {
				t.Fatalf("redis %s %s: %v", typ, k, err)
			}
			fmt.Fprintf(&out, "%v\n", v)
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return out.Bytes()
}
