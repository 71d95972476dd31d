// Package fakeapi is an httptest server that plays a helpdesk's API in
// driver tests: each "METHOD /path?query" answers as scripted, any other
// request with a not-found answer, and every request is recorded so that
// a test can assert exactly what the helpdesk would have received.
package fakeapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/plaudit/plaudit"
)

// Call is one request the fake received.
type Call struct {
	Method, Path, Auth, ContentType string
	Body                            string
}

// Answer is what the fake gives for one route.
type Answer struct {
	Status int
	Header map[string]string
	Body   string
}

// OK is a 200 answer with body.
func OK(body []byte) Answer { return Answer{Status: 200, Body: string(body)} }

// Server is the fake API.
type Server struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]Answer
	calls  []Call
}

// New starts a fake with the given routes; notFound answers the others
// (with status 404). It stops when the test ends.
func New(t testing.TB, routes map[string]Answer, notFound string) *Server {
	s := &Server{routes: routes}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.calls = append(s.calls, Call{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)})
		a, found := s.routes[r.Method+" "+r.URL.RequestURI()]
		s.mu.Unlock()
		if !found {
			a = Answer{Status: http.StatusNotFound, Body: notFound}
		}
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.Status)
		_, _ = io.WriteString(w, a.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

// Calls returns the requests received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Fixture reads testdata/name.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WantError fails the test unless err is a *plaudit.Error with code and,
// when msg is not empty, that message.
func WantError(t testing.TB, err error, code, msg string) {
	t.Helper()
	var e *plaudit.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *plaudit.Error %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("err = %s %q, want %s %q", e.Code, e.Message, code, msg)
	}
}
