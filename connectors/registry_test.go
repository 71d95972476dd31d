package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

var deps = plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true})}

func zendeskConnector() plaudit.Connector {
	return plaudit.Connector{
		ID: "con_1", Kind: "zendesk", Config: json.RawMessage(`{"subdomain":"nordlicht","email":"a@b.example"}`),
		Secrets:   map[string]string{"api_token": "t", "signing_secret": "s"},
		UpdatedAt: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
	}
}

func TestDefaultKinds(t *testing.T) {
	r := Default()
	if got := r.Names(); !reflect.DeepEqual(got, []string{"freshdesk", "front", "gladly", "helpscout", "hubspot", "intercom", "kustomer", "salesforce", "standard", "zendesk"}) {
		t.Errorf("names %q", got)
	}
	for name, secrets := range map[string][]string{
		"freshdesk":  {"api_key", "webhook_secret", "webhook_secret_previous"},
		"gladly":     {"api_token", "webhook_password", "webhook_password_previous"},
		"zendesk":    {"api_token", "signing_secret"},
		"hubspot":    {"access_token", "app_secret"},
		"kustomer":   {"api_key", "webhook_secret"},
		"intercom":   {"access_token", "client_secret", "client_secret_previous"},
		"front":      {"api_token", "app_secret", "app_secret_previous"},
		"helpscout":  {"app_secret", "webhook_secret", "webhook_secret_previous"},
		"salesforce": {"client_secret", "private_key"},
		"standard":   {"signing_secret", "signing_secret_previous", "callback_secret", "callback_secret_previous"},
	} {
		k, ok := r.Kind(name)
		if !ok || k.Name != name || !reflect.DeepEqual(k.SecretFields, secrets) {
			t.Errorf("kind %s: %+v", name, k)
		}
	}
	if _, ok := r.Kind("no-such-helpdesk"); ok {
		t.Error("unknown kind found")
	}
}

func TestNewRegistryRefusesBadKinds(t *testing.T) {
	k, _ := Default().Kind("zendesk")
	for name, kinds := range map[string][]plaudit.Kind{
		"twice":   {k, k},
		"unnamed": {{New: k.New, Validate: k.Validate}},
		"no New":  {{Name: "x", Validate: k.Validate}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			NewRegistry(kinds...)
		}()
	}
}

// TestDriverBuilds: the registry keeps nothing, so a deleted connector's
// credentials stay nowhere in it (Cache keeps drivers for a while).
func TestDriverBuilds(t *testing.T) {
	r := Default()
	c := zendeskConnector()
	d1, err := r.Driver(c, deps)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := r.Driver(c, deps)
	if err != nil {
		t.Fatal(err)
	}
	if d1 == d2 {
		t.Error("the registry returned a kept driver")
	}
}

func TestDriverErrors(t *testing.T) {
	r := Default()
	c := zendeskConnector()
	c.Kind = "no-such-helpdesk"
	_, err := r.Driver(c, deps)
	var e *plaudit.Error
	if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != `connector kind "no-such-helpdesk" is not supported` {
		t.Errorf("unknown kind: %v", err)
	}
	c = zendeskConnector()
	c.Config = json.RawMessage(`{"email":"a@b.example"}`)
	_, err = r.Driver(c, deps)
	if !errors.As(err, &e) || e.Message != "config.subdomain is required" {
		t.Errorf("bad config: %v", err)
	}
}

// TestDriverConcurrent builds and uses drivers from many goroutines; run
// with -race.
func TestDriverConcurrent(t *testing.T) {
	r := Default()
	c := zendeskConnector()
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cc := c
			if i%2 == 1 {
				cc.ID = "con_odd"
			}
			d, err := r.Driver(cc, deps)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = d.Receive(context.Background(), plaudit.Delivery{Body: []byte(`{}`)})
		}(i)
	}
	wg.Wait()
}

func TestEveryKindValidatesItsExample(t *testing.T) {
	whsec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef01234567"))
	for kind, ex := range map[string]struct {
		config  string
		secrets map[string]string
	}{
		"zendesk":    {`{"subdomain":"nordlicht","email":"a@b.example","rating_field_id":1}`, map[string]string{"api_token": "t", "signing_secret": "s"}},
		"salesforce": {`{"org_id":"00D8a000000XyZw","client_id":"c"}`, map[string]string{"client_secret": "s"}},
		"hubspot":    {`{"closed_stages":["4"],"rating_property":"plaudit_score"}`, map[string]string{"access_token": "t", "app_secret": "s"}},
		"kustomer":   {`{"rating_attribute":"csatScoreNum","comment_attribute":"csatCommentTxt"}`, map[string]string{"api_key": "k", "webhook_secret": "s"}},
		"standard":   {`{"callback_url":"https://hooks.example/x"}`, map[string]string{"signing_secret": whsec, "callback_secret": whsec}},
		"intercom":   {`{"admin_id":"7340219"}`, map[string]string{"access_token": "t", "client_secret": "s"}},
		"front":      {`{"rating_field":"CSAT score"}`, map[string]string{"api_token": "t", "app_secret": "s"}},
		"helpscout":  {`{"app_id":"k2JdX9qQ","rating_field_id":8813}`, map[string]string{"app_secret": "s", "webhook_secret": "w"}},
	} {
		k, _ := Default().Kind(kind)
		if err := k.Validate(json.RawMessage(ex.config), ex.secrets); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		if err := k.Validate(json.RawMessage(ex.config), nil); plaudit.ErrorCode(err) != plaudit.EInvalid {
			t.Errorf("%s without secrets: %v", kind, err)
		}
		d, err := Default().Driver(plaudit.Connector{ID: "x", Kind: kind, Config: json.RawMessage(ex.config), Secrets: ex.secrets}, deps)
		if err != nil || d == nil {
			t.Errorf("%s: driver %v", kind, err)
		}
	}
}

func TestSplitConfig(t *testing.T) {
	k, _ := Default().Kind("zendesk")
	public, secrets, err := SplitConfig(k, json.RawMessage(`{"subdomain":"nordlicht","api_token":"tok","signing_secret":null,"tags":["a"],"rating_field_id":360011112222}`))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(public, &got)
	if _, leaked := got["api_token"]; leaked || got["subdomain"] != "nordlicht" || len(got) != 3 {
		t.Errorf("public %s", public)
	}
	if string(public) != `{"rating_field_id":360011112222,"subdomain":"nordlicht","tags":["a"]}` {
		t.Errorf("public %s: values must survive byte for byte", public)
	}
	if !reflect.DeepEqual(secrets, map[string]string{"api_token": "tok", "signing_secret": ""}) {
		t.Errorf("secrets %v", secrets)
	}

	for raw, msg := range map[string]string{
		`[1]`:                 "config must be a JSON object",
		`"x"`:                 "config must be a JSON object",
		`{"api_token":5}`:     "config.api_token must be a string",
		`{"api_token":["a"]}`: "config.api_token must be a string",
		`{`:                   "config must be a JSON object",
	} {
		_, _, err := SplitConfig(k, json.RawMessage(raw))
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != msg {
			t.Errorf("SplitConfig(%s) = %v, want %q", raw, err, msg)
		}
	}
	public, secrets, err = SplitConfig(k, nil)
	if err != nil || string(public) != "{}" || len(secrets) != 0 {
		t.Errorf("empty: %s %v %v", public, secrets, err)
	}
}

func TestMergeSecrets(t *testing.T) {
	old := map[string]string{"signing_secret": "a", "signing_secret_previous": "b", "callback_secret": "c"}
	got := MergeSecrets(old, map[string]string{"signing_secret": "a2", "signing_secret_previous": ""})
	if !reflect.DeepEqual(got, map[string]string{"signing_secret": "a2", "callback_secret": "c"}) {
		t.Errorf("merged %v", got)
	}
	if old["signing_secret"] != "a" || len(old) != 3 {
		t.Error("MergeSecrets changed its input")
	}
	if got := MergeSecrets(nil, nil); got == nil || len(got) != 0 {
		t.Errorf("nil maps: %v", got)
	}
}
