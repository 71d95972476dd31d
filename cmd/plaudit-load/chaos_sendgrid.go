package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// eventingSendGrid is SendGrid's mail send API that counts the emails per
// ticket (the customer address names it, triggerBody) and, like SendGrid,
// posts a signed "processed" event with the email's custom args to the
// Event Webhook half a second after it took it, to either api process,
// again and again until one takes it.
type eventingSendGrid struct {
	*httptest.Server
	key  *ecdsa.PrivateKey
	apis []string

	mu     sync.Mutex
	n      int
	emails map[int]int // ticket → emails
	stop   chan struct{}
}

func newEventingSendGrid(apis []string) *eventingSendGrid {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	f := &eventingSendGrid{key: key, apis: apis, emails: map[int]int{}, stop: make(chan struct{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.send))
	return f
}

func (f *eventingSendGrid) Close() {
	close(f.stop)
	f.Server.Close()
}

func (f *eventingSendGrid) publicKey() string {
	der, _ := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

type sgMail struct {
	Personalizations []struct {
		To []struct {
			Email string `json:"email"`
		} `json:"to"`
	} `json:"personalizations"`
	CustomArgs map[string]string `json:"custom_args"`
}

func (f *eventingSendGrid) send(w http.ResponseWriter, r *http.Request) {
	var m sgMail
	if r.URL.Path != "/v3/mail/send" || json.NewDecoder(r.Body).Decode(&m) != nil || len(m.Personalizations) == 0 ||
		len(m.Personalizations[0].To) == 0 {
		http.Error(w, `{"errors":[{"message":"bad request"}]}`, http.StatusBadRequest)
		return
	}
	to := m.Personalizations[0].To[0].Email
	ticket, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(to, "customer-"), "@example.org"))
	f.mu.Lock()
	f.n++
	id := fmt.Sprintf("sgchaos%06d", f.n)
	f.emails[ticket]++
	f.mu.Unlock()
	go f.report(id, m.CustomArgs)
	w.Header().Set("X-Message-Id", id)
	w.WriteHeader(http.StatusAccepted)
}

// report posts the "processed" event of the email SendGrid took as id.
func (f *eventingSendGrid) report(id string, args map[string]string) {
	ev := map[string]any{"email": "customer@example.org", "timestamp": time.Now().Unix(), "event": "processed",
		"sg_event_id": "processed-" + id, "sg_message_id": id + ".filter0001.1-2-3",
		"request_id": args["request_id"], "tenant_id": args["tenant_id"]}
	if v, ok := args["message"]; ok {
		ev["message"] = v
	}
	body, _ := json.Marshal([]map[string]any{ev})
	for wait := 500 * time.Millisecond; ; wait = time.Second {
		select {
		case <-f.stop:
			return
		case <-time.After(wait):
		}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		h := sha256.Sum256(append([]byte(ts), body...))
		sig, _ := ecdsa.SignASN1(rand.Reader, f.key, h[:])
		req, _ := http.NewRequest(http.MethodPost, "http://"+f.apis[mrand.N(len(f.apis))]+"/hooks/sendgrid/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(eventwebhook.TimestampHTTPHeader, ts)
		req.Header.Set(eventwebhook.VerificationHTTPHeader, base64.StdEncoding.EncodeToString(sig))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
		}
	}
}

func (f *eventingSendGrid) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// tally counts, over tickets 1..n, those accepted whose customer got no
// email (lost) and those whose customer got more than one (doubled).
func (f *eventingSendGrid) tally(acked map[int]bool) (lost, doubled int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for t := range acked {
		if f.emails[t] == 0 {
			lost++
		}
	}
	for _, n := range f.emails {
		if n > 1 {
			doubled++
		}
	}
	return lost, doubled
}

// settled reports whether every accepted ticket's customer was emailed
// and the store holds no work in progress: no interaction still to decide
// on, no request scheduled or being sent (a retake may still send one).
func settled(ctx context.Context, f *eventingSendGrid, st *store.Store, tenantID string, acked map[int]bool) bool {
	f.mu.Lock()
	emailed := 0
	for t := range acked {
		if f.emails[t] > 0 {
			emailed++
		}
	}
	f.mu.Unlock()
	if emailed < len(acked) {
		return false
	}
	if ins, err := st.StaleInteractions(ctx, time.Now(), 1); err != nil || len(ins) > 0 {
		return false
	}
	for _, status := range []string{plaudit.RequestScheduled, plaudit.RequestSending} {
		reqs, err := st.ListRequests(ctx, tenantID, store.RequestFilter{Status: status, Limit: 1})
		if err != nil || len(reqs) > 0 {
			return false
		}
	}
	return true
}
