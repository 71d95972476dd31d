package connconfig

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/plaudit/plaudit"
)

type fakeDriver struct{ cfg string }

func (fakeDriver) Receive(context.Context, plaudit.Delivery) ([]plaudit.Event, error) {
	return nil, nil
}
func (fakeDriver) Writeback(context.Context, plaudit.Writeback) error { return nil }

type fakeConfig struct {
	Name string `json:"name"`
}

func parseFake(raw json.RawMessage, secrets map[string]string) (fakeConfig, string, error) {
	var cfg fakeConfig
	if err := Decode(raw, &cfg, []string{"token"}); err != nil {
		return cfg, "", err
	}
	return cfg, "https://" + cfg.Name + ".example", Secrets(secrets, []string{"token"}, nil)
}

func newFake(c plaudit.Connector, deps plaudit.DriverDeps) (*fakeDriver, error) {
	cfg, base, err := OpenWith("fake", c, deps, parseFake)
	if err != nil {
		return nil, err
	}
	return &fakeDriver{cfg: cfg.Name + " " + base}, nil
}

func TestKindAndOpen(t *testing.T) {
	fields := []string{"token"}
	k := KindWith("fake", fields, parseFake, newFake)
	fields[0] = "changed"
	if k.Name != "fake" || len(k.SecretFields) != 1 || k.SecretFields[0] != "token" {
		t.Errorf("kind %+v", k)
	}
	good := map[string]string{"token": "t"}
	if err := k.Validate(json.RawMessage(`{"name":"desk"}`), good); err != nil {
		t.Error(err)
	}
	if msg := plaudit.ErrorMessage(k.Validate(json.RawMessage(`{"nom":"desk"}`), good)); msg != "config.nom is not a known setting" {
		t.Errorf("unknown key: %q", msg)
	}
	c := plaudit.Connector{Config: json.RawMessage(`{"name":"desk"}`), Secrets: good}
	d, err := k.New(c, plaudit.DriverDeps{HTTP: http.DefaultClient})
	if err != nil || d.(*fakeDriver).cfg != "desk https://desk.example" {
		t.Errorf("New: %v %+v", err, d)
	}
	// A driver without the egress client is refused, after the config is
	// checked: a wrong config is what an admin can fix.
	if _, err := k.New(c, plaudit.DriverDeps{}); err == nil || err.Error() != "fake: DriverDeps.HTTP is required" {
		t.Errorf("no HTTP: %v", err)
	}
	c.Secrets = nil
	if _, err := k.New(c, plaudit.DriverDeps{}); plaudit.ErrorMessage(err) != "config.token is required" {
		t.Errorf("no HTTP, no token: %v", err)
	}
	if _, err := Open("fake", c, plaudit.DriverDeps{}, func(json.RawMessage, map[string]string) (int, error) { return 1, nil }); err == nil {
		t.Error("Open without HTTP succeeded")
	}
}
