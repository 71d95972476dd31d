package probe

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

var words = Words{System: "Acme", Address: "config.domain", Unauthorized: "bad key", Forbidden: "no right", NotFound: "no account"}

func TestAnswer(t *testing.T) {
	for status, want := range map[int]string{
		200: "", 204: "",
		401: "invalid: bad key",
		403: "invalid: no right",
		404: "invalid: no account",
		429: "unavailable: Acme is rate limiting this account (429): try the test again in a minute",
		503: "unavailable: Acme answered with an error (503 service unavailable): try again later",
		400: "invalid: Acme refused the request (400 bad request)",
		302: "invalid: Acme refused the request (302 found)",
	} {
		got := ""
		if err := words.Answer(status); err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%d: %q, want %q", status, got, want)
		}
	}
}

func TestUnreachable(t *testing.T) {
	err := words.Unreachable(fmt.Errorf("dial: %w", egress.ErrForbiddenAddress))
	if plaudit.ErrorCode(err) != plaudit.EInvalid || plaudit.ErrorMessage(err) != "config.domain points to an address Plaudit may not call" {
		t.Errorf("forbidden: %v", err)
	}
	err = words.Unreachable(errors.New("no such host"))
	if plaudit.ErrorCode(err) != plaudit.EUnavailable || plaudit.ErrorMessage(err) != "Acme did not answer: check config.domain" {
		t.Errorf("no answer: %v", err)
	}
	if m := plaudit.ErrorMessage(words.NotTheAPI()); m != "the answer did not come from the Acme API: check config.domain" {
		t.Errorf("not the API: %q", m)
	}
}

func TestCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/me" {
			io.WriteString(w, `{"id":7}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	get := func(path string) ([]byte, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		return words.Call(srv.Client(), req)
	}
	if body, err := get("/me"); err != nil || string(body) != `{"id":7}` {
		t.Errorf("2xx: %q, %v", body, err)
	}
	if _, err := get("/other"); plaudit.ErrorMessage(err) != "bad key" {
		t.Errorf("401: %v", err)
	}
	srv.Close()
	if _, err := get("/me"); plaudit.ErrorCode(err) != plaudit.EUnavailable {
		t.Errorf("no answer: %v", err)
	}
}
