package httpx

import (
	"context"
	"io"
	"net/http"
	"testing"
)

func TestNewJSONRequest(t *testing.T) {
	req, err := NewJSONRequest(context.Background(), http.MethodPost, "https://api.example/x", map[string]int{"score": 5})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != `{"score":5}` || req.Header.Get("Content-Type") != "application/json" ||
		req.Header.Get("Accept") != "application/json" || req.Header.Get("User-Agent") != "Plaudit" {
		t.Errorf("request %v %s", req.Header, body)
	}
	req, err = NewJSONRequest(context.Background(), http.MethodGet, "https://api.example/x", nil)
	if err != nil || req.Body != nil || req.Header.Get("Content-Type") != "" {
		t.Errorf("GET: %v %v", req, err)
	}
	if _, err := NewJSONRequest(context.Background(), http.MethodPost, "https://api.example/x", func() {}); err == nil {
		t.Error("an unmarshalable payload made a request")
	}
}
