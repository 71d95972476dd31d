package apicall

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

func TestDo(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, nil
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("X-RateLimit-Remaining", "7")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"n1"}`)
	}))
	defer srv.Close()
	c := Caller{System: "vendor", HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
		Prepare: func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer tok")
			return nil
		}}
	a, err := c.Do(context.Background(), http.MethodPost, srv.URL+"/notes", map[string]string{"body": "x"}, "add note")
	if err != nil {
		t.Fatal(err)
	}
	if !a.OK() || a.Header.Get("X-RateLimit-Remaining") != "7" || string(a.Body) != `{"id":"n1"}` {
		t.Errorf("answer %+v", a)
	}
	if got.Header.Get("Authorization") != "Bearer tok" || got.Header.Get("Content-Type") != "application/json" ||
		got.Header.Get("Accept") != "application/json" || string(body) != `{"body":"x"}` {
		t.Errorf("request %v %s", got.Header, body)
	}
	var out struct{ ID string }
	if err := Decode("vendor", "add note", a, &out); err != nil || out.ID != "n1" {
		t.Errorf("Decode: %v %+v", err, out)
	}
	if err := Decode("vendor", "add note", Answer{Body: []byte("<html>")}, &out); err == nil || plaudit.IsPermanent(err) {
		t.Errorf("Decode of HTML: %v", err)
	}

	// Prepare's error ends the call before anything is sent.
	got = nil
	c.Prepare = func(context.Context, *http.Request) error { return errors.New("no token") }
	if _, err := c.Do(context.Background(), http.MethodGet, srv.URL, nil, "read"); err == nil || got != nil {
		t.Errorf("err %v, request sent %v", err, got != nil)
	}

	// The egress policy's refusal is permanent.
	strict := Caller{System: "vendor", HTTP: egress.NewClient(egress.Options{})}
	_, err = strict.Do(context.Background(), http.MethodGet, srv.URL, nil, "read")
	if !plaudit.IsPermanent(err) {
		t.Errorf("forbidden address: %v", err)
	}
	if e := TestResult("Vendor", Answer{}, err, nil); plaudit.ErrorMessage(e) != "config.base_url points to an address Plaudit may not call" {
		t.Errorf("TestResult = %v", e)
	}
}

func TestTestResult(t *testing.T) {
	words := map[int]string{401: "Vendor refused the token (401): check config.api_token"}
	for _, tc := range []struct {
		a         Answer
		err       error
		code, msg string
	}{
		{Answer{Status: 200}, nil, "", ""},
		{Answer{Status: 401}, nil, plaudit.EInvalid, "Vendor refused the token (401): check config.api_token"},
		{Answer{Status: 418}, nil, plaudit.EInvalid, "Vendor refused the request (418)"},
		{Answer{Status: 429}, nil, plaudit.EUnavailable, "Vendor answered 429; try again later"},
		{Answer{Status: 503}, nil, plaudit.EUnavailable, "Vendor answered 503; try again later"},
		{Answer{}, errors.New("dial tcp: timeout"), plaudit.EUnavailable, "Vendor did not answer; check config.base_url, or try again later"},
	} {
		err := TestResult("Vendor", tc.a, tc.err, words)
		if plaudit.ErrorCode(err) != tc.code || (err != nil && plaudit.ErrorMessage(err) != tc.msg) {
			t.Errorf("TestResult(%d, %v) = %v, want %s %q", tc.a.Status, tc.err, err, tc.code, tc.msg)
		}
	}
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		want   string
	}{
		{401, "x", "authentication failed (401)"},
		{403, "", "permission denied (403)"},
		{404, "", "ticket not found (404)"},
		{422, "RecordInvalid", "request rejected (422 RecordInvalid)"},
		{400, "", ""},
	} {
		if got := Reason(tc.status, "ticket not found", tc.code); got != tc.want {
			t.Errorf("Reason(%d, %q) = %q, want %q", tc.status, tc.code, got, tc.want)
		}
	}
}
