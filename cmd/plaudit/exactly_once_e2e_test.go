package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"
)

// The crash tests of the one window for a duplicate: the worker is killed
// (SIGKILL) after the provider took the message and before the store
// marked it sent. The provider, like SendGrid and Twilio, reports on the
// message by itself, retrying while the gateway is down; the restarted
// process takes the abandoned claim over and must find that evidence
// rather than ask the customer a second time.

// poster delivers a provider's callbacks the way providers do: again and
// again until the gateway answers 2xx (SendGrid retries for 72 hours,
// Twilio a few times), here every 200 ms until the test ends.
type poster struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
	wg   sync.WaitGroup
}

func newPoster(t *testing.T) *poster {
	p := &poster{t: t}
	t.Cleanup(func() {
		p.mu.Lock()
		p.done = true
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// post sends body to url with header, after delay, until it is taken.
func (p *poster) post(delay time.Duration, url string, header map[string]string, body func() []byte) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		time.Sleep(delay)
		for {
			p.mu.Lock()
			done := p.done
			p.mu.Unlock()
			if done {
				return
			}
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body()))
			for k, v := range header {
				req.Header.Set(k, v)
			}
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					return
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
}

// eventingSendGrid is fakeSendGrid that also posts SendGrid's signed
// "processed" event, with the custom args of the mail, to the gateway's
// Event Webhook a second after it took each mail.
type eventingSendGrid struct {
	*fakeSendGrid
	key     *ecdsa.PrivateKey
	gateway string
	posts   *poster
}

func newEventingSendGrid(t *testing.T, gateway string) *eventingSendGrid {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &eventingSendGrid{fakeSendGrid: &fakeSendGrid{}, key: key, gateway: gateway, posts: newPoster(t)}
	f.fakeSendGrid.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if r.URL.Path != "/v3/mail/send" || json.NewDecoder(r.Body).Decode(&m) != nil {
			http.Error(w, `{"errors":[{"message":"bad request"}]}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.mails = append(f.mails, m)
		id := fmt.Sprintf("sgmsg%04d", len(f.mails))
		f.mu.Unlock()
		f.report(m, id)
		if f.Hang.hang(r) {
			return
		}
		w.Header().Set("X-Message-Id", id)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(f.Close)
	return f
}

// publicKey is the Event Webhook's verification key as SendGrid shows it.
func (f *eventingSendGrid) publicKey(t *testing.T) string {
	der, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// report posts the "processed" event of mail m, which SendGrid took as id.
func (f *eventingSendGrid) report(m map[string]any, id string) {
	args, _ := m["custom_args"].(map[string]any)
	ev := map[string]any{"email": "customer@example.org", "timestamp": time.Now().Unix(), "event": "processed",
		"sg_event_id": "processed-" + id, "sg_message_id": id + ".filter0001.1-2-3",
		"request_id": args["request_id"], "tenant_id": args["tenant_id"]}
	if msg, ok := args["message"]; ok {
		ev["message"] = msg
	}
	body, _ := json.Marshal([]map[string]any{ev})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h := sha256.Sum256(append([]byte(ts), body...))
	sig, _ := ecdsa.SignASN1(rand.Reader, f.key, h[:])
	f.posts.post(time.Second, f.gateway+"/hooks/sendgrid/events", map[string]string{
		"Content-Type": "application/json", eventwebhook.TimestampHTTPHeader: ts,
		eventwebhook.VerificationHTTPHeader: base64.StdEncoding.EncodeToString(sig),
	}, func() []byte { return body })
}

// TestKilledAfterSendGridTookTheEmailAsksOnce kills the process while
// SendGrid holds the answer to a send it took, with the Event Webhook
// configured. SendGrid's event reaches the restarted gateway; when the
// claim has timed out, the retake finds it and marks the request sent:
// the customer gets exactly one email.
func TestKilledAfterSendGridTookTheEmailAsksOnce(t *testing.T) {
	c := setUpCrash(t, map[string]string{"PLAUDIT_CLAIM_TIMEOUT": "5s"})
	sg := newEventingSendGrid(t, c.g.URL)
	c.sg = sg.fakeSendGrid
	c.env["SENDGRID_API_URL"] = sg.URL
	c.env["SENDGRID_EVENT_PUBLIC_KEY"] = sg.publicKey(t)
	p := c.start(t)
	hung := c.sg.Hang.Arm()
	c.webhook(t)
	held(t, p, hung, "the send never reached SendGrid")
	p.kill() // SendGrid took the email; the answer never came back
	killed := time.Now()

	p = c.start(t)
	waitFor(t, p, 60*time.Second, "the request marked sent after the restart", func() bool {
		return c.only(t, "/api/v1/feedback-requests")["status"] == "sent"
	})
	t.Logf("settled %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second) // a second email would come now
	if n := len(c.sg.Mails()); n != 1 {
		t.Errorf("SendGrid got %d emails, want exactly 1: the customer must be asked once; logs:\n%s", n, p.logs.String())
	}
	if id := c.only(t, "/api/v1/feedback-requests")["provider_id"]; id != "sgmsg0001" {
		t.Errorf("provider_id = %v, want SendGrid's id of the one email, sgmsg0001", id)
	}
}

// eventingTwilio is Twilio's Messages API (create and list) that posts the
// "sent" status callback to the URL each message named, signed as Twilio
// signs it, a second after it took the message. Hang holds the answer to
// a create after the message was kept.
type eventingTwilio struct {
	*httptest.Server
	mu    sync.Mutex
	msgs  []map[string]any
	Hang  hangOnce
	posts *poster
}

func newEventingTwilio(t *testing.T) *eventingTwilio {
	f := &eventingTwilio{posts: newPoster(t)}
	path := "/2010-04-01/Accounts/" + twilioSID + "/Messages.json"
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); r.URL.Path != path || !ok || u != twilioSID || p != twilioToken {
			http.Error(w, `{"code":20404,"message":"not found","status":404}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			f.list(w, r.URL.Query())
			return
		}
		_ = r.ParseForm()
		f.mu.Lock()
		sid := fmt.Sprintf("SM%032x", len(f.msgs)+1)
		m := map[string]any{"sid": sid, "account_sid": twilioSID, "body": r.PostForm.Get("Body"),
			"to": r.PostForm.Get("To"), "from": r.PostForm.Get("From"), "status": "queued",
			"date_created": time.Now().UTC().Format(time.RFC1123Z), "messaging_service_sid": nil}
		f.msgs = append(f.msgs, m)
		f.mu.Unlock()
		if cb := r.PostForm.Get("StatusCallback"); cb != "" {
			form := url.Values{"MessageSid": {sid}, "MessageStatus": {"sent"}, "AccountSid": {twilioSID},
				"To": {r.PostForm.Get("To")}, "From": {r.PostForm.Get("From")}}
			u, _ := url.Parse(cb)
			f.posts.post(time.Second, cb, map[string]string{"Content-Type": "application/x-www-form-urlencoded",
				"X-Twilio-Signature": twilioSignature(twilioToken, u.String(), form)}, func() []byte { return []byte(form.Encode()) })
		}
		if f.Hang.hang(r) {
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(m)
	}))
	t.Cleanup(f.Close)
	return f
}

// list answers the Message list, newest first, filtered by To and From.
func (f *eventingTwilio) list(w http.ResponseWriter, q url.Values) {
	f.mu.Lock()
	var out []map[string]any
	for i := len(f.msgs) - 1; i >= 0; i-- {
		m := f.msgs[i]
		if (q.Get("To") == "" || m["to"] == q.Get("To")) && (q.Get("From") == "" || m["from"] == q.Get("From")) {
			out = append(out, m)
		}
	}
	f.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out, "page": 0, "page_size": 50, "next_page_uri": nil})
}

func (f *eventingTwilio) Messages() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs)
}

// TestKilledAfterTwilioTookTheSMSAsksOnce kills the process while Twilio
// holds the answer to a text it took. Its status callback reaches the
// restarted gateway (and Twilio's message list has the text too); the
// retake finds it: the customer gets exactly one SMS.
func TestKilledAfterTwilioTookTheSMSAsksOnce(t *testing.T) {
	tw := newEventingTwilio(t)
	c := setUpCrash(t, map[string]string{"PLAUDIT_CLAIM_TIMEOUT": "5s",
		"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken, "TWILIO_FROM": twilioFrom, "TWILIO_API_URL": tw.URL})
	p := c.start(t)
	c.g.must(200, "PATCH", "/api/v1/tenant", c.key, map[string]any{"settings": map[string]any{
		"default_region": "DE", "quiet_hours": map[string]string{"start": "00:00", "end": "00:00"}}})
	hung := tw.Hang.Arm()
	body := zendeskTicket("73021", "Phone call (inbound)", "", "+49 151 12345678")
	if r := c.g.do("POST", "/hooks/"+c.connector, "", body, zendeskHeaders(zendeskSecret, body, time.Now())); r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	held(t, p, hung, "the send never reached Twilio")
	p.kill()
	killed := time.Now()

	p = c.start(t)
	waitFor(t, p, 60*time.Second, "the request marked sent after the restart", func() bool {
		return c.only(t, "/api/v1/feedback-requests")["status"] == "sent"
	})
	t.Logf("settled %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second)
	if n := tw.Messages(); n != 1 {
		t.Errorf("Twilio got %d texts, want exactly 1: the customer must be asked once; logs:\n%s", n, p.logs.String())
	}
	if id := str(c.only(t, "/api/v1/feedback-requests")["provider_id"]); !strings.HasPrefix(id, "SM") {
		t.Errorf("provider_id = %q, want Twilio's Sid of the one text", id)
	}
}
