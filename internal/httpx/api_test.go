package httpx

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

func TestJSONAPISend(t *testing.T) {
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
	api := JSONAPI{System: "vendor", BaseURL: srv.URL, HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
		Authorize: Bearer("tok")}
	a, err := api.Send(context.Background(), http.MethodPost, "/notes", map[string]string{"body": "x"}, "add note")
	if err != nil {
		t.Fatal(err)
	}
	if !a.OK() || a.Header.Get("X-RateLimit-Remaining") != "7" || string(a.Body) != `{"id":"n1"}` {
		t.Errorf("answer %+v", a)
	}
	if got.URL.Path != "/notes" || got.Header.Get("Authorization") != "Bearer tok" || got.Header.Get("Content-Type") != "application/json" ||
		got.Header.Get("Accept") != "application/json" || got.Header.Get("User-Agent") != "Plaudit" || string(body) != `{"body":"x"}` {
		t.Errorf("request %v %s", got.Header, body)
	}
	// A read has no body and says no content type.
	api.Authorize = BasicAuth("user", "pw")
	if _, err := api.Send(context.Background(), http.MethodGet, "/me", nil, "read"); err != nil || got.ContentLength != 0 ||
		got.Header.Get("Content-Type") != "" || got.Header.Get("Authorization") != "Basic dXNlcjpwdw==" {
		t.Errorf("GET: %v %v", err, got.Header)
	}
	// A payload that is no JSON, and Authorize's error, end the call
	// before anything is sent.
	got = nil
	if _, err := api.Send(context.Background(), http.MethodPost, "/x", func() {}, "make"); err == nil || got != nil {
		t.Errorf("unmarshalable payload: %v, request sent %v", err, got != nil)
	}
	api.Authorize = func(context.Context, *http.Request) error { return errors.New("no token") }
	if _, err := api.Send(context.Background(), http.MethodGet, "/", nil, "read"); err == nil || got != nil {
		t.Errorf("err %v, request sent %v", err, got != nil)
	}
	// The egress policy's refusal is permanent.
	strict := JSONAPI{System: "vendor", BaseURL: srv.URL, HTTP: egress.NewClient(egress.Options{})}
	if _, err := strict.Send(context.Background(), http.MethodGet, "/", nil, "read"); !plaudit.IsPermanent(err) || !errors.Is(err, egress.ErrForbiddenAddress) {
		t.Errorf("forbidden address: %v", err)
	}
}

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
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	api := JSONAPI{System: "desk", BaseURL: srv.URL, HTTP: egress.NewClient(egress.Options{AllowPrivate: true}), Authorize: Bearer("tok")}
	refused := func(a Answer) error { return api.Refusal("read", a, a.Header.Get("Retry-After"), "") }
	ctx := context.Background()

	var out struct{ ID string }
	if a, err := api.Call(ctx, http.MethodPost, "/ok?x=1", map[string]int{"a": 1}, &out, "make", refused); err != nil || a.Status != 200 || out.ID != "7" {
		t.Fatalf("ok: %d %v %+v", a.Status, err, out)
	}
	if got[0] != `POST /ok?x=1 Bearer tok {"a":1}` {
		t.Errorf("request %q", got[0])
	}
	a, err := api.Call(ctx, http.MethodGet, "/gone", nil, &out, "read", refused)
	var p *plaudit.PermanentError
	if a.Status != 404 || !errors.As(err, &p) || p.Reason != "desk: 404 not found" || p.Err.Error() != "desk: read: status 404" {
		t.Errorf("404: %d %v", a.Status, err)
	}
	if a, err := api.Call(ctx, http.MethodGet, "/garbled", nil, &out, "read", refused); a.Status != 200 || err == nil || plaudit.IsPermanent(err) {
		t.Errorf("garbled: %d %v", a.Status, err)
	}
	// Open leaves a 2xx body to the caller and refuses like Call.
	resp, err := api.Open(ctx, http.MethodGet, "/ok", nil, "read", refused)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != `{"id":"7"}` {
		t.Errorf("Open: %s", b)
	}
	resp.Body.Close()
	if _, err := api.Open(ctx, http.MethodGet, "/gone", nil, "read", refused); !errors.As(err, &p) || p.Reason != "desk: 404 not found" {
		t.Errorf("Open 404: %v", err)
	}
	srv.Close()
	if a, err := api.Call(ctx, http.MethodGet, "/ok", nil, nil, "read", refused); a.Status != 0 || err == nil || plaudit.IsPermanent(err) {
		t.Errorf("closed server: %d %v", a.Status, err)
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

func TestErrorCodes(t *testing.T) {
	for answer, want := range map[string]string{
		`{"errors":[{"field":"cf_rating","code":"invalid_value","message":"Ann's rating"}]}`: "invalid_value cf_rating",
		`{"errors":[{"code":"blank"}]}`:                  "blank",
		`{"errors":[{"code":"has spaces","field":"x"}]}`: "x",
		`{"errors":[]}`: "",
		`<html>`:        "",
	} {
		if got := ErrorCodes([]byte(answer), "code", "field"); got != want {
			t.Errorf("ErrorCodes(%s) = %q, want %q", answer, got, want)
		}
	}
}
