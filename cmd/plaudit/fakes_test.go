package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// hangOnce makes a fake take the next call it is armed for and never
// answer it: the provider got the request (and acts on it), but its
// answer is lost because the caller is killed meanwhile. The handler
// returns when the caller's connection goes away.
type hangOnce struct {
	mu      sync.Mutex
	armed   bool
	arrived chan struct{}
}

// Arm makes the next call hang, and returns a channel closed when it has
// arrived.
func (h *hangOnce) Arm() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed, h.arrived = true, make(chan struct{})
	return h.arrived
}

// hang holds r until its caller goes away when armed, and reports whether
// it did.
func (h *hangOnce) hang(r *http.Request) bool {
	h.mu.Lock()
	armed := h.armed
	if armed {
		h.armed = false
		close(h.arrived)
	}
	h.mu.Unlock()
	if armed {
		<-r.Context().Done()
	}
	return armed
}

// fakeSendGrid speaks SendGrid's v3 mail/send API and keeps what it got.
type fakeSendGrid struct {
	*httptest.Server
	mu    sync.Mutex
	mails []map[string]any
	// Hang holds a send after the mail was kept (accepted).
	Hang hangOnce
}

func newFakeSendGrid(t *testing.T) *fakeSendGrid {
	f := &fakeSendGrid{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v3/mail/send" || r.Method != http.MethodPost {
			http.Error(w, `{"errors":[{"message":"not found"}]}`, http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer SG.test-key" {
			http.Error(w, `{"errors":[{"message":"The provided authorization grant is invalid"}]}`, http.StatusUnauthorized)
			return
		}
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, `{"errors":[{"message":"bad json"}]}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.mails = append(f.mails, m)
		n := len(f.mails)
		f.mu.Unlock()
		if f.Hang.hang(r) {
			return
		}
		w.Header().Set("X-Message-Id", "sgmsg-"+strings.Repeat("x", n))
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSendGrid) Mails() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.mails...)
}

// zendeskCall is one request the fake Zendesk received.
type zendeskCall struct {
	Method, Path, Auth string
	Body               map[string]any
}

// fakeZendesk speaks the parts of Zendesk's API that Plaudit calls. Per
// ticket, a script of status codes answers successive PUTs (then 200).
type fakeZendesk struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []zendeskCall
	script map[string][]int
	// Hang holds a PUT after it was recorded (applied to the ticket).
	Hang hangOnce
}

func newFakeZendesk(t *testing.T) *fakeZendesk {
	f := &fakeZendesk{script: map[string][]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		f.mu.Lock()
		f.calls = append(f.calls, zendeskCall{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Body: m})
		status := http.StatusOK
		if r.Method == http.MethodPut {
			if s := f.script[r.URL.Path]; len(s) > 0 {
				status, f.script[r.URL.Path] = s[0], s[1:]
			}
		}
		f.mu.Unlock()
		if r.Method == http.MethodPut && f.Hang.hang(r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"APIRateLimitExceeded"}`)
		case status == http.StatusUnprocessableEntity:
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"RecordInvalid","description":"Record validation errors","details":{"status":[{"description":"Status: closed prevents ticket update"}]}}`)
		case status != http.StatusOK:
			w.WriteHeader(status)
		case r.Method == http.MethodPut:
			io.WriteString(w, `{"ticket":{"id":1,"status":"solved"}}`)
		case strings.HasPrefix(r.URL.Path, "/api/v2/tickets/"):
			io.WriteString(w, `{"ticket":{"id":73022,"status":"solved","requester_id":38417722901,"assignee_id":38417722455,"tags":["billing"],"via":{"channel":"email"}}}`)
		case strings.HasPrefix(r.URL.Path, "/api/v2/users/show_many"):
			io.WriteString(w, `{"users":[{"id":38417722901,"name":"Anna Schneider","email":"anna.schneider@example.org","phone":null,"locale":"de","iana_time_zone":"Europe/Berlin"},{"id":38417722455,"name":"Jonas Weber","email":"jonas.weber@nordlicht.example"}]}`)
		case strings.HasPrefix(r.URL.Path, "/api/v2/users/38417722901"):
			io.WriteString(w, `{"user":{"id":38417722901,"name":"Anna Schneider","email":"anna.schneider@example.org","phone":null,"locale":"de","iana_time_zone":"Europe/Berlin"}}`)
		case strings.HasPrefix(r.URL.Path, "/api/v2/users/38417722455"):
			io.WriteString(w, `{"user":{"id":38417722455,"name":"Jonas Weber","email":"jonas.weber@nordlicht.example"}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"RecordNotFound"}`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeZendesk) Script(path string, statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[path] = statuses
}

func (f *fakeZendesk) Puts(path string) []zendeskCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []zendeskCall
	for _, c := range f.calls {
		if c.Method == http.MethodPut && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}
