package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/internal/httpx"
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

func TestResult(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/me" {
			io.WriteString(w, `{"id":7}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	api := httpx.JSONAPI{System: "acme", BaseURL: srv.URL, HTTP: srv.Client()}
	get := func(path string) (httpx.Answer, error) {
		a, err := api.Send(context.Background(), http.MethodGet, path, nil, "test")
		return a, words.Result(a, err)
	}
	if a, err := get("/me"); err != nil || words.Object(a.Body) != nil {
		t.Errorf("2xx: %q, %v", a.Body, err)
	}
	if _, err := get("/other"); plaudit.ErrorMessage(err) != "bad key" {
		t.Errorf("401: %v", err)
	}
	srv.Close()
	if _, err := get("/me"); plaudit.ErrorCode(err) != plaudit.EUnavailable {
		t.Errorf("no answer: %v", err)
	}
}

func TestObject(t *testing.T) {
	for body, ok := range map[string]bool{`{"id":7}`: true, `{"id":"a1"}`: true, `{"id":0}`: false, `{"id":""}`: false,
		`{"id":null}`: false, `{}`: false, `<html>`: false} {
		if err := words.Object([]byte(body)); (err == nil) != ok {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// TestTones checks the sentences of the other tones, which the kinds
// that use them (Front, Intercom, Help Scout; HubSpot, Kustomer) keep.
func TestTones(t *testing.T) {
	brief := Words{System: "Vendor", Address: "config.base_url", Unauthorized: "Vendor refused the token (401): check config.api_token", Tone: Brief}
	plain := Words{System: "Desk", Address: "base_url", Tone: Plain, Account: "organization"}
	for _, tc := range []struct {
		w         Words
		a         httpx.Answer
		err       error
		code, msg string
	}{
		{brief, httpx.Answer{Status: 200}, nil, "", ""},
		{brief, httpx.Answer{Status: 401}, nil, plaudit.EInvalid, "Vendor refused the token (401): check config.api_token"},
		{brief, httpx.Answer{Status: 418}, nil, plaudit.EInvalid, "Vendor refused the request (418)"},
		{brief, httpx.Answer{Status: 408}, nil, plaudit.EInvalid, "Vendor refused the request (408)"},
		{brief, httpx.Answer{Status: 429}, nil, plaudit.EUnavailable, "Vendor answered 429; try again later"},
		{brief, httpx.Answer{Status: 503}, nil, plaudit.EUnavailable, "Vendor answered 503; try again later"},
		{brief, httpx.Answer{}, errors.New("dial tcp: timeout"), plaudit.EUnavailable, "Vendor did not answer; check config.base_url, or try again later"},
		{brief, httpx.Answer{}, egress.ErrForbiddenAddress, plaudit.EInvalid, "config.base_url points to an address Plaudit may not call"},
		{plain, httpx.Answer{Status: 403}, nil, plaudit.EInvalid, "Desk refused the request (403)"},
		{plain, httpx.Answer{Status: 429}, nil, plaudit.EUnavailable, "Desk is rate limiting this organization (429): try again in a minute"},
		{plain, httpx.Answer{Status: 502}, nil, plaudit.EUnavailable, "Desk is not answering properly (502): try again later"},
		{plain, httpx.Answer{}, errors.New("reset"), plaudit.EUnavailable, "Desk could not be reached: check base_url, or try again later"},
	} {
		err := tc.w.Result(tc.a, tc.err)
		if plaudit.ErrorCode(err) != tc.code || (err != nil && plaudit.ErrorMessage(err) != tc.msg) {
			t.Errorf("%v: Result(%d, %v) = %v, want %s %q", tc.w.Tone, tc.a.Status, tc.err, err, tc.code, tc.msg)
		}
	}
}
