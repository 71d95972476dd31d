package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

func TestJSONAPICall(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+string(b))
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, `{"id":"7"}`)
		case "/garbled":
			io.WriteString(w, `<html>`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	api := JSONAPI{System: "desk", BaseURL: srv.URL, HTTP: egress.NewClient(egress.Options{AllowPrivate: true}),
		Authorize: func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok") }}
	classify := func(resp *http.Response, _ []byte) error { return Classify("desk", resp.StatusCode, "", nil, "") }
	ctx := context.Background()

	var out struct{ ID string }
	if status, err := api.Call(ctx, http.MethodPost, "/ok?x=1", map[string]int{"a": 1}, &out, "make", classify); err != nil || status != 200 || out.ID != "7" {
		t.Fatalf("ok: %d %v %+v", status, err, out)
	}
	if got[0] != `POST /ok?x=1 Bearer tok {"a":1}` {
		t.Errorf("request %q", got[0])
	}
	status, err := api.Call(ctx, http.MethodGet, "/gone", nil, &out, "read", classify)
	var p *plaudit.PermanentError
	if status != 404 || !errors.As(err, &p) || p.Reason != "desk: 404 not found" {
		t.Errorf("404: %d %v", status, err)
	}
	if status, err := api.Call(ctx, http.MethodGet, "/garbled", nil, &out, "read", classify); status != 200 || err == nil || plaudit.IsPermanent(err) {
		t.Errorf("garbled: %d %v", status, err)
	}
	srv.Close()
	if status, err := api.Call(ctx, http.MethodGet, "/ok", nil, nil, "read", classify); status != 0 || err == nil || plaudit.IsPermanent(err) {
		t.Errorf("closed server: %d %v", status, err)
	}
}
