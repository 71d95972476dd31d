package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
	"github.com/plaudit/plaudit/connectors/zendesk"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/queue"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// streamDecoders lets the validator read the answers that are no JSON:
// the event stream and CSV, each a string in the document.
var streamDecoders = sync.OnceFunc(func() {
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.FileBodyDecoder)
})

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	streamDecoders()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(server.OpenAPI)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if _, err := gorillamux.NewRouter(doc); err != nil {
		t.Fatalf("router: %v", err)
	}
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openAPIPath turns Fiber's /agents/:id into OpenAPI's /agents/{id}.
func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }

// undocumented are the routes that are not part of the API: static files,
// the embedded-mode outbox, and the page's images.
func undocumented(path string) bool {
	return strings.HasPrefix(path, "/static") || strings.HasPrefix(path, "/dev") || strings.HasPrefix(path, "/console") ||
		path == "/f/:token/photo" || path == "/f/:token/logo"
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	srv := server.New(server.Config{PublicURL: "https://plaudit.example"})

	routes := srv.App().GetRoutes(true)
	get := map[string]bool{}
	for _, r := range routes {
		get[r.Path] = get[r.Path] || r.Method == fiber.MethodGet
	}
	routed := map[string]bool{}
	for _, r := range routes {
		// Fiber answers HEAD wherever there is a GET; a HEAD of its own
		// (a helpdesk's check of a webhook URL) is documented.
		if undocumented(r.Path) || r.Method == fiber.MethodHead && get[r.Path] {
			continue
		}
		routed[r.Method+" "+openAPIPath(r.Path)] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, k := range sortedKeys(routed) {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !routed[k] {
			t.Errorf("openapi.json documents %s, which is not routed", k)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

const (
	operatorToken = "pat_openapi_test_operator"
	metricsToken  = "metrics-scrape-token"
	twilioToken   = "twilio-auth-token"
	inboundToken  = "inbound-parse-token"
	inboundDomain = "reply.nordlicht.example"
	publicURL     = "https://plaudit.example"
)

// apiHarness drives the real server (SQLite store, queue on an in-process
// Redis) and checks every answer against openapi.json.
type apiHarness struct {
	t      *testing.T
	srv    *server.Server
	app    *fiber.App
	store  *store.Store
	router routers.Router

	mu  sync.Mutex
	hit map[string]bool // "METHOD /path STATUS" seen
	doc *openapi3.T

	listenOnce sync.Once
	addr       string

	// stopRedis stops the queue's Redis, to see the answers when it is
	// away.
	stopRedis func()
	// eventKey signs SendGrid events.
	eventKey *ecdsa.PrivateKey
	// redisOpt reaches the queue's Redis.
	redisOpt asynq.RedisConnOpt
}

// newAPIHarness starts the server; configure, when given, changes its
// configuration first.
func newAPIHarness(t *testing.T, configure ...func(*server.Config)) *apiHarness {
	t.Helper()
	return newAPIHarnessOn(t, "", configure...)
}

// newAPIHarnessOn is newAPIHarness on the store at databaseURL ("" for
// SQLite in a temporary directory).
func newAPIHarnessOn(t *testing.T, databaseURL string, configure ...func(*server.Config)) *apiHarness {
	t.Helper()
	ctx := context.Background()
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(keyring.RandomBytes(32), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, databaseURL, t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	redis, err := queue.StartEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	redisOpt := redis.ConnOpt()
	stopRedis := sync.OnceFunc(redis.Close)
	t.Cleanup(stopRedis)
	q := queue.NewClient(redisOpt)
	t.Cleanup(func() { q.Close() })
	eventKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	eventPub, err := x509.MarshalPKIXPublicKey(&eventKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}

	reg := prometheus.NewRegistry()
	cfg := server.Config{
		Store:          st,
		Queue:          q,
		Kinds:          connectors.Default(),
		DriverDeps:     plaudit.DriverDeps{HTTP: &http.Client{Timeout: 2 * time.Second}},
		Keyring:        kr,
		Metrics:        metrics.New(reg),
		Gatherer:       reg,
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL:      publicURL,
		AdminTokenHash: keyring.SecretHash(operatorToken),
		Ready: func(ctx context.Context) error {
			if err := st.Ping(ctx); err != nil {
				return err
			}
			return queue.Ping(ctx, redisOpt)
		},
		TwilioAuthToken:      twilioToken,
		SendGridEventKey:     base64.StdEncoding.EncodeToString(eventPub),
		SendGridInboundToken: inboundToken,
		InboundEmailDomain:   inboundDomain,
	}
	cfg.MetricsTokenHash = keyring.SecretHash(metricsToken)
	// A stream ends soon, so that a call of it returns.
	cfg.StreamPoll, cfg.StreamMax = 20*time.Millisecond, 100*time.Millisecond
	for _, f := range configure {
		f(&cfg)
	}
	srv := server.New(cfg)
	return &apiHarness{t: t, srv: srv, app: srv.App(), store: st, router: router, doc: doc, hit: map[string]bool{},
		stopRedis: stopRedis, eventKey: eventKey, redisOpt: redisOpt}
}

// call is one request to the server.
type call struct {
	method, path string
	// key goes into Authorization: Bearer; xAPIKey into X-Api-Key.
	key, xAPIKey string
	// json is marshalled unless it is a []byte or a string, sent as is.
	json any
	form url.Values
	// multipart is sent as multipart/form-data.
	multipart map[string]string
	// xml is sent as text/xml.
	xml    []byte
	header map[string]string
	// valid marks requests the document must accept as valid input: they
	// are checked against it as well as their answers.
	valid bool
	// live sends the request over a real connection: app.Test reports a
	// body over the limit as its own error instead of the answer.
	live bool
	// undocumented marks calls whose answers openapi.json does not
	// describe yet (connectors of the kinds it leaves out): only the
	// status is checked.
	undocumented bool
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorMessage reads the message of an {"error":{…}} body.
func (r reply) errorMessage(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	r.decode(t, &e)
	return e.Error.Message
}

func (c call) build() (*http.Request, []byte) {
	var body []byte
	ctype := ""
	switch v := c.json.(type) {
	case nil:
	case []byte:
		body, ctype = v, fiber.MIMEApplicationJSON
	case string:
		body, ctype = []byte(v), fiber.MIMEApplicationJSON
	default:
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		body, ctype = b, fiber.MIMEApplicationJSON
	}
	if c.form != nil {
		body, ctype = []byte(c.form.Encode()), fiber.MIMEApplicationForm
	}
	if c.xml != nil {
		body, ctype = c.xml, "text/xml; charset=utf-8"
	}
	if c.multipart != nil {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, k := range sortedKeys(c.multipart) {
			if err := w.WriteField(k, c.multipart[k]); err != nil {
				panic(err)
			}
		}
		if err := w.Close(); err != nil {
			panic(err)
		}
		body, ctype = buf.Bytes(), w.FormDataContentType()
	}
	req := httptest.NewRequest(c.method, publicURL+c.path, bytes.NewReader(body))
	// Send the path as the request target, as clients do, not the
	// absolute URL.
	req.RequestURI = ""
	if ctype != "" {
		req.Header.Set(fiber.HeaderContentType, ctype)
	}
	if c.key != "" {
		req.Header.Set(fiber.HeaderAuthorization, "Bearer "+c.key)
	}
	if c.xAPIKey != "" {
		req.Header.Set("X-Api-Key", c.xAPIKey)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	return req, body
}

// anyStatus tells do not to check the status.
const anyStatus = 0

// do sends c, checks the answer (and, for valid requests, the request)
// against the document, and wants status.
func (h *apiHarness) do(c call, status int) reply {
	t := h.t
	t.Helper()
	req, reqBody := c.build()
	var resp *http.Response
	var err error
	if c.live {
		resp, err = h.overTCP(req)
	} else {
		resp, err = h.app.Test(req, -1)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: body}
	if status != anyStatus && r.status != status {
		t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, r.status, status, body)
	}
	if c.undocumented {
		return r
	}

	// A fresh request for the validator: the server consumed the first.
	vreq, _ := c.build()
	route, params, err := h.router.FindRoute(vreq)
	if err != nil {
		t.Errorf("%s %s: not in openapi.json: %v", c.method, c.path, err)
		return r
	}
	h.mu.Lock()
	h.hit[fmt.Sprintf("%s %s %d", c.method, route.Path, r.status)] = true
	h.mu.Unlock()
	ctx := context.Background()
	reqIn := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	if c.valid {
		if err := openapi3filter.ValidateRequest(ctx, reqIn); err != nil {
			t.Errorf("%s %s: request %s does not match openapi.json: %v", c.method, c.path, reqBody, err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn,
		Status:                 r.status,
		Header:                 r.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		t.Errorf("%s %s: answer %d does not match openapi.json: %v\nbody: %s", c.method, c.path, r.status, err, body)
	}
	return r
}

// overTCP sends req to the app listening on a loopback port, started on
// first use. The body is written while the answer is read, so that an
// early answer (413 before the body is read) is seen rather than a reset.
func (h *apiHarness) overTCP(req *http.Request) (*http.Response, error) {
	h.listen()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		conn.Close()
		return nil, err
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n", req.Method, req.URL.RequestURI(), req.Host, len(body))
	if err := req.Header.Write(&head); err != nil {
		conn.Close()
		return nil, err
	}
	head.WriteString("\r\n")
	go func() {
		// The server may answer and close before it reads the body.
		_, _ = conn.Write(append(head.Bytes(), body...))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{resp.Body, conn}
	return resp, nil
}

// listen serves the app on a loopback port, once, and returns its
// address.
func (h *apiHarness) listen() string {
	h.listenOnce.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			h.t.Fatal(err)
		}
		go func() { _ = h.app.Listener(ln) }()
		h.t.Cleanup(func() { _ = h.app.Shutdown() })
		h.addr = ln.Addr().String()
	})
	return h.addr
}

// wantMessage checks that an error names what is wrong.
func wantMessage(t *testing.T, r reply, want string) {
	t.Helper()
	if msg := r.errorMessage(t); !strings.Contains(msg, want) {
		t.Errorf("error message %q does not mention %q", msg, want)
	}
}

// TestOpenAPIConformance drives the API through a tenant's life and checks
// every answer against openapi.json.
func TestOpenAPIConformance(t *testing.T) {
	h := newAPIHarness(t)
	ctx := context.Background()

	// Operators.
	h.do(call{method: "GET", path: "/healthz"}, 200)
	h.do(call{method: "GET", path: "/readyz"}, 200)
	h.do(call{method: "GET", path: "/metrics"}, 401)
	h.do(call{method: "GET", path: "/metrics", key: metricsToken}, 200)
	h.do(call{method: "GET", path: "/api/openapi.json"}, 200)

	// Tenants: only the operator token creates them.
	tenantBody := map[string]any{"name": "Nordlicht Reisen", "settings": map[string]any{
		"delay_seconds": 0, "brand_name": "Nordlicht", "default_language": "de", "default_region": "DE",
		"quiet_hours": map[string]any{"start": "22:00", "end": "07:00"}, "timezone": "Europe/Berlin",
		"privacy_url": "https://nordlicht.example/privacy",
	}}
	h.do(call{method: "POST", path: "/api/v1/tenants", json: tenantBody}, 401)
	h.do(call{method: "POST", path: "/api/v1/tenants", key: "pk_live_wrong", json: tenantBody}, 401)
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, json: map[string]any{
		"name": "x", "settings": map[string]any{"delay_seconds": -1}}}, 400)
	wantMessage(t, r, "settings.delay_seconds")
	r = h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, json: map[string]any{"name": "x", "setings": map[string]any{}}}, 400)
	wantMessage(t, r, "setings")
	r = h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, json: tenantBody, valid: true}, 201)
	var tenant struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	r.decode(t, &tenant)
	admin := tenant.APIKey
	if !strings.HasPrefix(admin, "pk_live_") {
		t.Fatalf("admin key %q", admin)
	}
	// A tenant key is not the operator token.
	h.do(call{method: "POST", path: "/api/v1/tenants", key: admin, json: tenantBody}, 401)

	// The tenant and its settings.
	h.do(call{method: "GET", path: "/api/v1/tenant"}, 401)
	h.do(call{method: "GET", path: "/api/v1/tenant", key: "pk_live_nosuchkey"}, 401)
	h.do(call{method: "GET", path: "/api/v1/tenant", key: admin}, 200)
	r = h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, valid: true, json: map[string]any{
		"settings": map[string]any{"quiet_hours": map[string]any{"start": "21:30"}, "sampling_percent": 50, "channels": []string{"email"}},
	}}, 200)
	var tn plaudit.Tenant
	r.decode(t, &tn)
	if tn.Settings.QuietHours != (plaudit.QuietHours{Start: "21:30", End: "07:00"}) || tn.Settings.SamplingPercent != 50 || tn.Settings.DelaySeconds != 0 {
		t.Errorf("patched settings = %+v", tn.Settings)
	}
	for field, v := range map[string]any{
		"timezone": "Mars/Olympus", "reward_threshold": 7, "retention_days": 0, "brand_color": "blue",
		"logo_url": "ftp://x", "channels": []string{"fax"}, "default_language": "deu", "suppression_days": 366,
	} {
		r = h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, json: map[string]any{"settings": map[string]any{field: v}}}, 400)
		wantMessage(t, r, "settings."+field)
	}
	r = h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, json: map[string]any{"settings": map[string]any{"delay_seconds": "soon"}}}, 400)
	wantMessage(t, r, "delay_seconds")
	r = h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, json: map[string]any{"name": " "}}, 400)
	wantMessage(t, r, "name")
	h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, json: "{"}, 400)
	h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, json: ""}, 400)

	// API keys.
	newKey := func(role, mode string) (id, secret string) {
		t.Helper()
		r := h.do(call{method: "POST", path: "/api/v1/api-keys", key: admin, valid: true,
			json: map[string]any{"name": role + " " + mode, "role": role, "mode": mode}}, 201)
		var k struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		}
		r.decode(t, &k)
		return k.ID, k.APIKey
	}
	readID, reader := newKey("read", "live")
	_, trigger := newKey("trigger", "live")
	_, testTrigger := newKey("trigger", "test")
	h.do(call{method: "POST", path: "/api/v1/api-keys", key: admin, valid: true, json: map[string]any{"role": "read"}}, 201)
	r = h.do(call{method: "POST", path: "/api/v1/api-keys", key: admin, json: map[string]any{"role": "owner"}}, 400)
	wantMessage(t, r, "role")
	r = h.do(call{method: "POST", path: "/api/v1/api-keys", key: admin, json: map[string]any{"role": "read", "mode": "prod"}}, 400)
	wantMessage(t, r, "mode")
	r = h.do(call{method: "GET", path: "/api/v1/api-keys", key: admin}, 200)
	var keys struct{ Data []plaudit.APIKey }
	r.decode(t, &keys)
	if len(keys.Data) != 5 {
		t.Errorf("%d keys, want 5", len(keys.Data))
	}
	if bytes.Contains(r.body, []byte(reader)) {
		t.Error("key list shows a secret")
	}

	// Roles.
	r = h.do(call{method: "GET", path: "/api/v1/tenant", key: reader}, 403)
	wantMessage(t, r, "read")
	h.do(call{method: "GET", path: "/api/v1/agents", key: trigger}, 403)
	h.do(call{method: "GET", path: "/api/v1/responses", key: trigger}, 403)
	h.do(call{method: "GET", path: "/api/v1/feedback-requests", key: reader}, 200)
	h.do(call{method: "GET", path: "/api/v1/audit-events", key: reader}, 403)
	h.do(call{method: "DELETE", path: "/api/v1/api-keys/" + readID, key: reader}, 403)

	// Connectors.
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, json: map[string]any{"kind": "no-such-helpdesk"}}, 400)
	wantMessage(t, r, "kind")
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, json: map[string]any{
		"kind": "zendesk", "config": map[string]any{"email": "api@nordlicht.example", "api_token": "t", "signing_secret": "s"}}}, 400)
	wantMessage(t, r, "config.subdomain")
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, json: map[string]any{
		"kind": "zendesk", "config": map[string]any{"subdomain": "nordlicht", "email": "api@nordlicht.example", "api_token": "t", "signing_secret": "s", "rating_field_id": "x"}}}, 400)
	wantMessage(t, r, "config.rating_field_id")
	const signingSecret = "zendesk-signing-secret"
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, valid: true, json: map[string]any{
		"kind": "zendesk", "name": "Zendesk",
		"config": map[string]any{"subdomain": "nordlicht", "email": "api@nordlicht.example", "api_token": "zendesk-api-token",
			"signing_secret": signingSecret, "rating_field_id": 360001, "tags": []string{"plaudit"}},
	}}, 201)
	var con struct {
		ID         string          `json:"id"`
		WebhookURL string          `json:"webhook_url"`
		SecretsSet []string        `json:"secrets_set"`
		Config     json.RawMessage `json:"config"`
	}
	r.decode(t, &con)
	if con.WebhookURL != publicURL+"/hooks/"+con.ID {
		t.Errorf("webhook_url = %q", con.WebhookURL)
	}
	if strings.Join(con.SecretsSet, ",") != "api_token,signing_secret" {
		t.Errorf("secrets_set = %v", con.SecretsSet)
	}
	if bytes.Contains(r.body, []byte("zendesk-api-token")) || bytes.Contains(r.body, []byte(signingSecret)) {
		t.Error("connector answer shows a secret")
	}
	h.do(call{method: "GET", path: "/api/v1/connectors/" + con.ID, key: admin}, 200)
	h.do(call{method: "GET", path: "/api/v1/connectors", key: admin}, 200)
	h.do(call{method: "GET", path: "/api/v1/connectors/con_nosuch", key: admin}, 404)
	r = h.do(call{method: "PATCH", path: "/api/v1/connectors/" + con.ID, key: admin, valid: true, json: map[string]any{
		"name": "Zendesk (EU)", "config": map[string]any{"comment_field_id": 360002, "tags": nil, "api_token": "rotated-token"},
	}}, 200)
	if bytes.Contains(r.body, []byte("rotated-token")) || bytes.Contains(r.body, []byte(`"tags"`)) {
		t.Errorf("patched connector: %s", r.body)
	}
	r = h.do(call{method: "PATCH", path: "/api/v1/connectors/" + con.ID, key: admin, json: map[string]any{"config": map[string]any{"subdomain": "no such"}}}, 400)
	wantMessage(t, r, "config.subdomain")
	h.do(call{method: "PATCH", path: "/api/v1/connectors/con_nosuch", key: admin, json: map[string]any{"name": "x"}}, 404)
	h.checkConnectorTest(admin, con.ID)

	// Agents.
	agentBody := map[string]any{
		"email": "Jonas.Weber@nordlicht.example", "name": "Jonas Weber", "bio": "Knows every ferry timetable by heart.",
		"photo_url": "https://cdn.nordlicht.example/jonas.jpg", "hometown": "Hamburg",
		"external_ids": map[string]string{"zendesk": "38417722455"},
	}
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: admin, valid: true, json: agentBody}, 201)
	var agent plaudit.Agent
	r.decode(t, &agent)
	if agent.Email != "jonas.weber@nordlicht.example" || !agent.Approved {
		t.Errorf("agent = %+v", agent)
	}
	h.do(call{method: "POST", path: "/api/v1/agents", key: admin, valid: true, json: agentBody}, 409)
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: admin, json: map[string]any{"email": "not-an-address", "name": "X"}}, 400)
	wantMessage(t, r, "email")
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: admin, json: map[string]any{"email": "a@b.example", "name": "A", "photo_url": "http://insecure.example/a.jpg"}}, 400)
	wantMessage(t, r, "photo_url")
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: admin, json: map[string]any{"email": "a@b.example", "name": "A", "nickname": "a"}}, 400)
	wantMessage(t, r, "nickname")
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: admin, valid: true, json: map[string]any{"email": "Lena Berg <Lena@Nordlicht.example>", "name": "Lena Berg"}}, 201)
	var lena plaudit.Agent
	r.decode(t, &lena)
	if lena.Email != "lena@nordlicht.example" {
		t.Errorf("agent email stored as %q, want the bare address", lena.Email)
	}
	h.do(call{method: "GET", path: "/api/v1/agents", key: admin}, 200)
	h.do(call{method: "GET", path: "/api/v1/agents/" + agent.ID, key: admin}, 200)
	h.do(call{method: "PATCH", path: "/api/v1/agents/" + agent.ID, key: admin, valid: true, json: map[string]any{"hometown": "Kiel", "approved": true}}, 200)
	r = h.do(call{method: "PATCH", path: "/api/v1/agents/" + agent.ID, key: admin, json: map[string]any{"bio": strings.Repeat("x", 141)}}, 400)
	wantMessage(t, r, "bio")
	h.do(call{method: "PATCH", path: "/api/v1/agents/" + lena.ID, key: admin, valid: true, json: map[string]any{"email": "jonas.weber@nordlicht.example"}}, 409)
	h.do(call{method: "DELETE", path: "/api/v1/agents/" + lena.ID, key: admin}, 204)
	h.do(call{method: "GET", path: "/api/v1/agents/" + lena.ID, key: admin}, 404)
	h.do(call{method: "DELETE", path: "/api/v1/agents/" + lena.ID, key: admin}, 404)
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: admin, json: bytes.Repeat([]byte(" "), server.MaxBody+1), live: true}, 413)
	wantMessage(t, r, "1 MiB")

	// The direct trigger API.
	trig := map[string]any{
		"ext_interaction_id": 73021, "channel": "email", "event": "solved",
		"customer": map[string]any{"name": "Anna Schneider", "email": "Anna.Schneider@example.org", "phone": "+49 30 901820", "language": "Deutsch", "country": "de"},
		"employee": map[string]any{"custom_id": "38417722455"}, "tags": []string{"billing"}, "do_not_send": false,
	}
	h.do(call{method: "POST", path: "/api/v1/interactions", json: trig}, 401)
	h.do(call{method: "POST", path: "/api/v1/interactions", key: reader, json: trig}, 403)
	r = h.do(call{method: "POST", path: "/api/v1/interactions", xAPIKey: trigger, valid: true, json: trig}, 202)
	var in struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	}
	r.decode(t, &in)
	r = h.do(call{method: "POST", path: "/api/v1/interactions", xAPIKey: trigger, valid: true, json: trig}, 200)
	var again struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	}
	r.decode(t, &again)
	if again.ID != in.ID || !again.Duplicate {
		t.Errorf("repeat = %+v, want the first id %s as a duplicate", again, in.ID)
	}
	r = h.do(call{method: "POST", path: "/api/v1/interactions", key: testTrigger, valid: true, json: trig}, 202)
	var testIn struct {
		ID   string `json:"id"`
		Test bool   `json:"test"`
	}
	r.decode(t, &testIn)
	if !testIn.Test || testIn.ID == in.ID {
		t.Errorf("test-mode interaction = %+v", testIn)
	}
	h.do(call{method: "POST", path: "/api/v1/interactions", key: admin, valid: true, json: map[string]any{
		"ext_interaction_id": "T-2", "customer": map[string]any{"phone": 4930901821}, "employee": map[string]any{"email": "jonas.weber@nordlicht.example"}}}, 202)
	for field, body := range map[string]map[string]any{
		"ext_interaction_id": {"customer": map[string]any{"email": "a@b.example"}, "employee": map[string]any{"email": "a@b.example"}},
		"customer":           {"ext_interaction_id": "1", "employee": map[string]any{"email": "a@b.example"}},
		"customer.email":     {"ext_interaction_id": "1", "customer": map[string]any{"email": "nope"}, "employee": map[string]any{"email": "a@b.example"}},
		"employee":           {"ext_interaction_id": "1", "customer": map[string]any{"email": "a@b.example"}},
		"event":              {"ext_interaction_id": "1", "customer": map[string]any{"email": "a@b.example"}, "employee": map[string]any{"email": "a@b.example"}, "event": "closed"},
		"tags":               {"ext_interaction_id": "1", "customer": map[string]any{"email": "a@b.example"}, "employee": map[string]any{"email": "a@b.example"}, "tags": "vip"},
	} {
		r = h.do(call{method: "POST", path: "/api/v1/interactions", key: trigger, json: body}, 400)
		wantMessage(t, r, field)
	}
	h.do(call{method: "POST", path: "/api/v1/interactions", key: trigger, json: "[1,2"}, 400)
	h.do(call{method: "POST", path: "/api/v1/interactions", key: trigger, json: `{"ext_interaction_id":"` + strings.Repeat("x", plaudit.MaxTriggerBody) + `"}`}, 413)

	// A Zendesk webhook, signed as Zendesk signs it.
	hook := []byte(`{"ticket":{"id":"73022","status":"Solved","via":"Mail","tags":"billing","brand":"Nordlicht Reisen","updated_at":"November 28, 2026 09:41"},` +
		`"requester":{"id":"38417722901","name":"Anna Schneider","email":"anna.schneider@example.org","phone":"+49 30 901820","language":"Deutsch"},` +
		`"assignee":{"id":"38417722455","name":"Jonas Weber","email":"jonas.weber@nordlicht.example"}}`)
	signed := func(body []byte) map[string]string {
		ts := time.Now().UTC().Format(time.RFC3339)
		return map[string]string{
			zendesk.HeaderSignature:          zendesk.Sign([]byte(signingSecret), ts, body),
			zendesk.HeaderSignatureTimestamp: ts,
		}
	}
	r = h.do(call{method: "POST", path: "/hooks/" + con.ID, json: hook, header: signed(hook), valid: true}, 202)
	if string(r.body) != `{"accepted":1,"duplicates":0}` {
		t.Errorf("hook answer %s", r.body)
	}
	h.do(call{method: "POST", path: "/hooks/" + con.ID, json: hook, header: signed(hook), valid: true}, 202)
	h.do(call{method: "POST", path: "/hooks/" + con.ID, json: hook, header: signed([]byte("other"))}, 401)
	h.do(call{method: "POST", path: "/hooks/" + con.ID, json: hook}, 401)
	bad := []byte(`{"ticket":{"status":"Solved"}}`)
	r = h.do(call{method: "POST", path: "/hooks/" + con.ID, json: bad, header: signed(bad)}, 400)
	wantMessage(t, r, "ticket.id")
	h.do(call{method: "POST", path: "/hooks/con_nosuch", json: hook, header: signed(hook)}, 404)

	h.do(call{method: "POST", path: "/hooks/" + con.ID, json: bytes.Repeat([]byte(" "), server.MaxBody+1), live: true}, 413)

	// A Salesforce Outbound Message, answered with the SOAP Ack.
	soap, err := os.ReadFile("../connectors/salesforce/testdata/salesforce-outbound-message.xml")
	if err != nil {
		t.Fatal(err)
	}
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, valid: true, json: map[string]any{
		"kind": "salesforce", "config": map[string]any{"org_id": "00D8a000000XyZwEAK", "client_id": "plaudit", "client_secret": "sf-secret",
			"field_map": map[string]any{"language": "Language__c"}, "rating_field": "Rating__c"},
	}}, 201)
	var sf struct {
		ID         string `json:"id"`
		WebhookURL string `json:"webhook_url"`
	}
	r.decode(t, &sf)
	sfHook := strings.TrimPrefix(sf.WebhookURL, publicURL)
	r = h.do(call{method: "POST", path: sfHook, xml: soap, valid: true}, 200)
	if !bytes.Contains(r.body, []byte("<Ack>true</Ack>")) {
		t.Errorf("salesforce answer %s", r.body)
	}
	r = h.do(call{method: "POST", path: sfHook, xml: bytes.ReplaceAll(soap, []byte("00D8a000000XyZwEAK"), []byte("00D000000000001AAA"))}, 401)
	if !bytes.Contains(r.body, []byte("soapenv:Fault")) {
		t.Errorf("salesforce fault %s", r.body)
	}
	h.do(call{method: "POST", path: sfHook, xml: []byte("<notxml")}, 400)
	h.do(call{method: "POST", path: "/hooks/" + sf.ID, xml: soap}, 401)
	h.do(call{method: "POST", path: "/hooks/" + sf.ID + "/not-the-secret", xml: soap}, 401)
	h.do(call{method: "POST", path: "/hooks/" + con.ID + "/any", json: hook, header: signed(hook)}, 404)
	r = h.do(call{method: "POST", path: "/api/v1/connectors/" + con.ID + "/webhook-secret", key: admin}, 400)
	wantMessage(t, r, "zendesk")
	h.do(call{method: "POST", path: "/api/v1/connectors/con_nosuch/webhook-secret", key: admin}, 404)
	r = h.do(call{method: "POST", path: "/api/v1/connectors/" + sf.ID + "/webhook-secret", key: admin}, 200)
	var rotated struct {
		WebhookURL string `json:"webhook_url"`
	}
	r.decode(t, &rotated)
	h.do(call{method: "POST", path: sfHook, xml: soap}, 401)
	sfHook = strings.TrimPrefix(rotated.WebhookURL, publicURL)
	h.do(call{method: "POST", path: sfHook, xml: soap, valid: true}, 200)
	h.checkHookHEAD(admin, con.ID, sf.ID, sfHook)

	// A Standard Webhook carrying the trigger body.
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(keyring.RandomBytes(32))
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, json: map[string]any{
		"kind": "standard", "config": map[string]any{"signing_secret": "whsec_short"}}}, 400)
	wantMessage(t, r, "config.signing_secret")
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, json: map[string]any{
		"kind": "standard", "config": map[string]any{"signing_secret": whsec, "callback_url": "https://crm.nordlicht.example/plaudit"}}}, 400)
	wantMessage(t, r, "config.callback_secret")
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, valid: true, json: map[string]any{
		"kind": "standard", "name": "CRM", "config": map[string]any{"signing_secret": whsec,
			"callback_url": "https://crm.nordlicht.example/plaudit", "callback_secret": whsec},
	}}, 201)
	var std struct {
		ID         string   `json:"id"`
		SecretsSet []string `json:"secrets_set"`
	}
	r.decode(t, &std)
	if strings.Join(std.SecretsSet, ",") != "callback_secret,signing_secret" {
		t.Errorf("secrets_set = %v", std.SecretsSet)
	}
	h.do(call{method: "PATCH", path: "/api/v1/connectors/" + std.ID, key: admin, valid: true, json: map[string]any{
		"config": map[string]any{"signing_secret_previous": whsec}}}, 200)
	r = h.do(call{method: "PATCH", path: "/api/v1/connectors/" + std.ID, key: admin, valid: true, json: map[string]any{
		"config": map[string]any{"signing_secret_previous": nil}, "disabled": false}}, 200)
	r.decode(t, &std)
	if strings.Join(std.SecretsSet, ",") != "callback_secret,signing_secret" {
		t.Errorf("secrets_set after removing a secret = %v", std.SecretsSet)
	}
	stdBody, err := json.Marshal(map[string]any{
		"ext_interaction_id": "CRM-1", "channel": "chat",
		"customer": map[string]any{"email": "anna.schneider@example.org"}, "employee": map[string]any{"email": "jonas.weber@nordlicht.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(whsec)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sig, err := wh.Sign("msg_1", now, stdBody)
	if err != nil {
		t.Fatal(err)
	}
	stdHeaders := map[string]string{"webhook-id": "msg_1", "webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig}
	h.do(call{method: "POST", path: "/hooks/" + std.ID, json: stdBody, header: stdHeaders, valid: true}, 202)
	h.do(call{method: "POST", path: "/hooks/" + std.ID, json: append(stdBody, ' '), header: stdHeaders}, 401)
	h.do(call{method: "POST", path: "/hooks/" + std.ID, json: stdBody}, 401)

	// Twilio.
	sms := url.Values{"MessageSid": {"SM0001"}, "From": {"+4930901820"}, "To": {"+15005550006"}, "Body": {"HELP"}}
	twilioSigned := func(path string, form url.Values) map[string]string {
		return map[string]string{"X-Twilio-Signature": twilioSignature(publicURL+path, form)}
	}
	h.do(call{method: "POST", path: "/hooks/twilio/sms", form: sms}, 401)
	h.do(call{method: "POST", path: "/hooks/twilio/sms", form: sms, header: map[string]string{"X-Twilio-Signature": "bm9wZQ=="}}, 403)
	r = h.do(call{method: "POST", path: "/hooks/twilio/sms", form: sms, valid: true, header: twilioSigned("/hooks/twilio/sms", sms)}, 200)
	if !bytes.Contains(r.body, []byte("<Response>")) {
		t.Errorf("TwiML answer %s", r.body)
	}
	junk := url.Values{"MessageSid": {"SM0003"}, "From": {"not a number"}, "Body": {"5"}}
	h.do(call{method: "POST", path: "/hooks/twilio/sms", form: junk, valid: true, header: twilioSigned("/hooks/twilio/sms", junk)}, 400)
	status := url.Values{"MessageSid": {"SM0002"}, "MessageStatus": {"delivered"}}
	statusPath := "/hooks/twilio/status?r=req_nosuch&t=" + tenant.ID
	h.do(call{method: "POST", path: statusPath, form: status}, 401)
	h.do(call{method: "POST", path: statusPath, form: status, valid: true, header: twilioSigned(statusPath, status)}, 204)

	// SendGrid Inbound Parse: basic auth, multipart.
	parseAuth := map[string]string{fiber.HeaderAuthorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("parse:"+inboundToken))}
	mail := map[string]string{"to": "reply+nosuchtoken@" + inboundDomain, "from": "anna.schneider@example.org", "subject": "Re: How did we do?", "text": "5 quick and kind"}
	h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", multipart: mail}, 401)
	h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", multipart: mail, header: map[string]string{fiber.HeaderAuthorization: "Basic cGFyc2U6d3Jvbmc="}}, 401)
	h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", json: "{}", header: parseAuth}, 400)
	h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", multipart: mail, header: parseAuth, valid: true}, 200)

	// A request that went out, answered on the page.
	sent := time.Now().Add(-time.Hour)
	fr := plaudit.FeedbackRequest{
		TenantID: tenant.ID, InteractionID: in.ID, AgentID: agent.ID, TicketID: "73021",
		Channel: plaudit.ChannelEmail, Recipient: "anna.schneider@example.org", Language: "de",
		Status: plaudit.RequestSent, DueAt: sent, SentAt: &sent, ProviderID: "sg-1", Attempts: 1,
	}
	if _, err := h.store.CreateRequest(ctx, &fr); err != nil {
		t.Fatalf("create request: %v", err)
	}
	// It was reminded (reminder_after_hours) before the answer came.
	if _, ok, err := h.store.ClaimReminder(ctx, tenant.ID, fr.ID, time.Now(), time.Now(), sent.Add(-time.Hour)); err != nil || !ok {
		t.Fatalf("claim reminder: %v %v", ok, err)
	}
	if err := h.store.MarkReminderSent(ctx, tenant.ID, fr.ID, "sgmsg-reminder", time.Now()); err != nil {
		t.Fatal(err)
	}
	h.do(call{method: "GET", path: "/f/nosuchtoken"}, 404)
	h.do(call{method: "POST", path: "/f/nosuchtoken", form: url.Values{"score": {"5"}}}, 404)
	h.do(call{method: "GET", path: "/f/" + fr.Token + "?score=5", valid: true}, 200)
	r = h.do(call{method: "POST", path: "/f/" + fr.Token, form: url.Values{"score": {"9"}}}, 400)
	wantMessage(t, r, "score")
	h.do(call{method: "POST", path: "/f/" + fr.Token, form: url.Values{"score": {"5"}}, valid: true}, 303)
	h.do(call{method: "POST", path: "/f/" + fr.Token, valid: true, form: url.Values{
		"step": {"more"}, "comment": {"Quick and kind."}, "excellence": {"fast", "friendly"}, "reward": {"yes"}}}, 303)
	h.do(call{method: "GET", path: "/f/" + fr.Token}, 200)

	// SendGrid's Event Webhook, signed with ECDSA.
	events := []byte(`[{"email":"anna.schneider@example.org","event":"delivered","sg_event_id":"ev-1","request_id":"` + fr.ID + `","tenant_id":"` + tenant.ID + `"},` +
		`{"email":"someone@example.org","event":"processed","sg_event_id":"ev-2"}]`)
	h.do(call{method: "POST", path: "/hooks/sendgrid/events", json: events}, 401)
	h.do(call{method: "POST", path: "/hooks/sendgrid/events", json: events, header: h.sendgridSigned(time.Now().Add(-time.Hour), events)}, 401)
	h.do(call{method: "POST", path: "/hooks/sendgrid/events", json: events, header: h.sendgridSigned(time.Now(), []byte("[]"))}, 403)
	h.do(call{method: "POST", path: "/hooks/sendgrid/events", json: `{"event":"delivered"}`, header: h.sendgridSigned(time.Now(), []byte(`{"event":"delivered"}`))}, 400)
	h.do(call{method: "POST", path: "/hooks/sendgrid/events", json: events, header: h.sendgridSigned(time.Now(), events), valid: true}, 200)

	// A request answered too long ago is closed.
	long := time.Now().Add(-40 * 24 * time.Hour)
	closed := plaudit.FeedbackRequest{
		TenantID: tenant.ID, InteractionID: testIn.ID, AgentID: agent.ID, TicketID: "73021",
		Channel: plaudit.ChannelEmail, Recipient: "test@nordlicht.example", Language: "en", Test: true,
		Status: plaudit.RequestDelivered, DueAt: long, SentAt: &long, Attempts: 1,
	}
	if _, err := h.store.CreateRequest(ctx, &closed); err != nil {
		t.Fatalf("create request: %v", err)
	}
	h.do(call{method: "GET", path: "/f/" + closed.Token}, 410)
	h.do(call{method: "POST", path: "/f/" + closed.Token, form: url.Values{"score": {"4"}}}, 410)

	// Who may call what.
	h.checkRoles(map[string]string{plaudit.RoleAdmin: admin, plaudit.RoleRead: reader, plaudit.RoleTrigger: trigger})

	// Reading what happened.
	r = h.do(call{method: "GET", path: "/api/v1/feedback-requests?status=responded&since=2020-01-31&limit=10&agent=" + agent.ID, key: reader, valid: true}, 200)
	var reqs struct{ Data []plaudit.FeedbackRequest }
	r.decode(t, &reqs)
	if len(reqs.Data) != 1 || reqs.Data[0].ID != fr.ID || reqs.Data[0].ReminderStatus != plaudit.ReminderSent || reqs.Data[0].RemindedAt == nil {
		t.Errorf("feedback requests = %+v", reqs.Data)
	}
	h.do(call{method: "GET", path: "/api/v1/feedback-requests?ticket=73021&since=2020-01-31T00:00:00Z", key: admin, valid: true}, 200)
	r = h.do(call{method: "GET", path: "/api/v1/feedback-requests?status=lost", key: reader}, 400)
	wantMessage(t, r, "status")
	r = h.do(call{method: "GET", path: "/api/v1/feedback-requests?since=yesterday", key: reader}, 400)
	wantMessage(t, r, "since")
	r = h.do(call{method: "GET", path: "/api/v1/responses?limit=0", key: reader}, 400)
	wantMessage(t, r, "limit")
	r = h.do(call{method: "GET", path: "/api/v1/responses?include_test=true&ticket=73021", key: reader, valid: true}, 200)
	var resps struct{ Data []plaudit.Response }
	r.decode(t, &resps)
	if len(resps.Data) != 1 || resps.Data[0].Score != 5 || resps.Data[0].Comment != "Quick and kind." {
		t.Errorf("responses = %+v", resps.Data)
	}
	h.do(call{method: "GET", path: "/api/v1/audit-events?limit=50", key: admin, valid: true}, 200)
	h.do(call{method: "GET", path: "/api/v1/audit-events?limit=5000", key: admin}, 400)

	// Data subjects.
	r = h.do(call{method: "GET", path: "/api/v1/data-subjects", key: admin}, 400)
	wantMessage(t, r, "email or phone")
	h.do(call{method: "GET", path: "/api/v1/data-subjects?email=nope", key: admin}, 400)
	r = h.do(call{method: "GET", path: "/api/v1/data-subjects?email=Anna.Schneider%40example.org", key: admin, valid: true}, 200)
	var export store.SubjectData
	r.decode(t, &export)
	if len(export.Interactions) == 0 || len(export.Requests) == 0 || len(export.Responses) != 1 {
		t.Errorf("export: %d interactions, %d requests, %d responses", len(export.Interactions), len(export.Requests), len(export.Responses))
	}
	h.do(call{method: "GET", path: "/api/v1/data-subjects?phone=%2B49%2030%20901820", key: admin, valid: true}, 200)
	h.do(call{method: "DELETE", path: "/api/v1/data-subjects?email=anna.schneider%40example.org", key: reader}, 403)
	r = h.do(call{method: "DELETE", path: "/api/v1/data-subjects?email=anna.schneider%40example.org", key: admin, valid: true}, 200)
	var erased struct{ Erased int }
	r.decode(t, &erased)
	if erased.Erased == 0 {
		t.Error("nothing erased")
	}
	r = h.do(call{method: "GET", path: "/api/v1/audit-events", key: admin}, 200)
	if bytes.Contains(bytes.ToLower(r.body), []byte("anna")) {
		t.Errorf("audit log names the person: %s", r.body)
	}

	// Removing things.
	h.do(call{method: "DELETE", path: "/api/v1/api-keys/" + readID, key: admin}, 204)
	h.do(call{method: "DELETE", path: "/api/v1/api-keys/" + readID, key: admin}, 404)
	h.do(call{method: "GET", path: "/api/v1/feedback-requests", key: reader}, 401)
	h.do(call{method: "DELETE", path: "/api/v1/connectors/" + con.ID, key: admin}, 204)
	h.do(call{method: "DELETE", path: "/api/v1/connectors/" + con.ID, key: admin}, 404)

	// Without Redis: not ready, and nothing is accepted that cannot be
	// queued.
	h.stopRedis()
	r = h.do(call{method: "GET", path: "/readyz"}, 503)
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	trig["ext_interaction_id"] = "T-3"
	r = h.do(call{method: "POST", path: "/api/v1/interactions", key: trigger, valid: true, json: trig}, 503)
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	wantMessage(t, r, "retry later")
	// Salesforce gets its SOAP fault with 500, as SOAP 1.1 sends faults.
	h.do(call{method: "POST", path: sfHook, xml: bytes.ReplaceAll(soap, []byte("04l8a00000QwEr"), []byte("04l8a00000QwXx"))}, 500)

	h.reportCoverage()
}

// checkConnectorTest tests the Zendesk connector con against a fake
// Zendesk: its rotated token is refused there, a good one accepted.
func (h *apiHarness) checkConnectorTest(admin, con string) {
	t := h.t
	t.Helper()
	zendeskAPI, _ := fakeZendeskAPI(t)
	h.do(call{method: "PATCH", path: "/api/v1/connectors/" + con, key: admin, valid: true, json: map[string]any{"config": map[string]any{"base_url": zendeskAPI}}}, 200)
	r := h.do(call{method: "POST", path: "/api/v1/connectors/" + con + "/test", key: admin, valid: true}, 200)
	if !bytes.HasPrefix(r.body, []byte(`{"ok":false,"error":{"code":"invalid","message":"Zendesk refused the API token (401)`)) {
		t.Errorf("test with a refused token: %s", r.body)
	}
	h.do(call{method: "PATCH", path: "/api/v1/connectors/" + con, key: admin, json: map[string]any{"config": map[string]any{"api_token": "good-token"}}}, 200)
	r = h.do(call{method: "POST", path: "/api/v1/connectors/" + con + "/test", key: admin, valid: true}, 200)
	if string(r.body) != `{"ok":true}` {
		t.Errorf("test with a good token: %s", r.body)
	}
	h.do(call{method: "POST", path: "/api/v1/connectors/con_nosuch/test", key: admin}, 404)
}

// checkHookHEAD sends HEAD, a helpdesk's check of its webhook URL: it is
// answered by the kinds whose helpdesk sends it (intercom), after the
// same checks as POST (zendesk is the connector zd, salesforce sf with
// sfHook its webhook path).
func (h *apiHarness) checkHookHEAD(admin, zd, sf, sfHook string) {
	intercomID, _ := h.newConnector(admin, "intercom", map[string]any{"access_token": "t", "client_secret": "s", "admin_id": "7340219"})
	h.do(call{method: "HEAD", path: "/hooks/" + intercomID}, 200)
	h.do(call{method: "HEAD", path: "/hooks/" + zd}, 405)
	h.do(call{method: "HEAD", path: sfHook}, 405)
	h.do(call{method: "HEAD", path: "/hooks/" + sf}, 401)
	h.do(call{method: "HEAD", path: "/hooks/" + sf + "/not-the-secret"}, 401)
	h.do(call{method: "HEAD", path: "/hooks/con_nosuch"}, 404)
	h.do(call{method: "HEAD", path: "/hooks/" + zd + "/any"}, 404)
}

// denyAll is a rate limiter whose budget is spent.
type denyAll struct{}

func (denyAll) Allow(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return false, 30 * time.Second, nil
}

// TestOpenAPIRateLimited checks the answer of every rate-limited endpoint
// once its budget is spent: the hooks and the API after a failed
// authentication from the client (counted in a limiter whose budget is
// spent), the page at once.
func TestOpenAPIRateLimited(t *testing.T) {
	h := newAPIHarness(t, func(c *server.Config) { c.RateLimiter = denyAll{} })
	for _, c := range []call{
		{method: "POST", path: "/hooks/twilio/sms", form: url.Values{"Body": {"5"}}},
		{method: "POST", path: "/hooks/twilio/status", form: url.Values{"MessageStatus": {"delivered"}}},
		{method: "POST", path: "/hooks/sendgrid/inbound", multipart: map[string]string{"text": "5"}},
		{method: "POST", path: "/hooks/sendgrid/events", json: "[]"},
		{method: "GET", path: "/api/v1/tenant"},
	} {
		h.do(c, http.StatusUnauthorized)
		r := h.do(c, http.StatusTooManyRequests)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 429 without Retry-After", c.method, c.path)
		}
	}
	for _, c := range []call{
		// The API's failed authentication refused this client there too.
		{method: "GET", path: "/metrics"},
		{method: "GET", path: "/f/sometoken"},
		{method: "POST", path: "/f/sometoken", form: url.Values{"score": {"5"}}},
		{method: "GET", path: "/u/sometoken"},
		{method: "POST", path: "/u/sometoken", form: url.Values{"List-Unsubscribe": {"One-Click"}}},
	} {
		r := h.do(c, http.StatusTooManyRequests)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 429 without Retry-After", c.method, c.path)
		}
	}
}

// checkRoles calls every operation that takes a tenant key without a key
// (401) and with a key of each role: x-plaudit-roles says which roles may
// call it; the others get 403.
func (h *apiHarness) checkRoles(keys map[string]string) {
	t := h.t
	t.Helper()
	for _, path := range sortedKeys(h.doc.Paths.Map()) {
		item := h.doc.Paths.Value(path)
		for method, op := range item.Operations() {
			raw, ok := op.Extensions["x-plaudit-roles"].([]any)
			if !ok {
				// Operator-token operations take no tenant key at all.
				operator := op.Security != nil && len(*op.Security) == 1 && (*op.Security)[0]["operatorToken"] != nil
				if strings.HasPrefix(path, "/api/v1/") && !operator {
					t.Errorf("%s %s: no x-plaudit-roles", method, path)
				}
				continue
			}
			var roles []string
			for _, r := range raw {
				roles = append(roles, fmt.Sprint(r))
			}
			p := strings.ReplaceAll(path, "{id}", "nosuch")
			h.do(call{method: method, path: p}, 401)
			for _, role := range sortedKeys(keys) {
				if slices.Contains(roles, role) {
					r := h.do(call{method: method, path: p, key: keys[role]}, anyStatus)
					if r.status == 401 || r.status == 403 {
						t.Errorf("%s %s with a %s key: %d, want it allowed", method, p, role, r.status)
					}
					continue
				}
				h.do(call{method: method, path: p, key: keys[role]}, 403)
			}
		}
	}
}

// sendgridSigned signs an Event Webhook body as SendGrid does: ECDSA over
// SHA-256 of timestamp + body.
func (h *apiHarness) sendgridSigned(at time.Time, body []byte) map[string]string {
	ts := fmt.Sprint(at.Unix())
	sum := sha256.Sum256(append([]byte(ts), body...))
	sig, err := ecdsa.SignASN1(rand.Reader, h.eventKey, sum[:])
	if err != nil {
		h.t.Fatal(err)
	}
	return map[string]string{
		"X-Twilio-Email-Event-Webhook-Signature": base64.StdEncoding.EncodeToString(sig),
		"X-Twilio-Email-Event-Webhook-Timestamp": ts,
	}
}

// twilioSignature signs a request the way Twilio does: HMAC-SHA1 over the
// URL and the sorted form fields.
func twilioSignature(u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(u)
	for _, k := range keys {
		b.WriteString(k + form.Get(k))
	}
	mac := hmac.New(sha1.New, []byte(twilioToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// reportCoverage logs the documented answers that the test did not see,
// so that gaps are visible with -v.
func (h *apiHarness) reportCoverage() {
	var missing []string
	for path, item := range h.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code := range op.Responses.Map() {
				if !h.hit[method+" "+path+" "+code] {
					missing = append(missing, method+" "+path+" "+code)
				}
			}
		}
	}
	sort.Strings(missing)
	h.t.Logf("documented answers not exercised (%d): %s", len(missing), strings.Join(missing, "; "))
}
