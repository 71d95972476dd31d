// Package connectors maps connector kinds to their implementations, and
// keeps the connectors in use, with their drivers, for a few seconds
// (Cache).
package connectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/freshdesk"
	"github.com/plaudit/plaudit/connectors/front"
	"github.com/plaudit/plaudit/connectors/gladly"
	"github.com/plaudit/plaudit/connectors/helpscout"
	"github.com/plaudit/plaudit/connectors/hubspot"
	"github.com/plaudit/plaudit/connectors/intercom"
	"github.com/plaudit/plaudit/connectors/kustomer"
	"github.com/plaudit/plaudit/connectors/salesforce"
	"github.com/plaudit/plaudit/connectors/standard"
	"github.com/plaudit/plaudit/connectors/zendesk"
)

// Registry maps kind names to kinds. It holds no connector, so no
// credentials: Cache keeps built drivers, and forgets them. It is safe for
// concurrent use.
type Registry struct {
	kinds map[string]plaudit.Kind
}

// NewRegistry returns a registry of the given kinds. Kinds are wired in
// once, at start-up: an unnamed kind, one without a constructor, or a name
// given twice is a programming error and panics.
func NewRegistry(kinds ...plaudit.Kind) *Registry {
	r := &Registry{kinds: make(map[string]plaudit.Kind, len(kinds))}
	for _, k := range kinds {
		switch {
		case k.Name == "" || k.New == nil || k.Validate == nil:
			panic(fmt.Sprintf("connectors: kind %q lacks a name, New or Validate", k.Name))
		case r.kinds[k.Name].Name != "":
			panic(fmt.Sprintf("connectors: kind %q registered twice", k.Name))
		}
		r.kinds[k.Name] = k
	}
	return r
}

// Default returns a registry of every kind Plaudit ships, one a line,
// sorted.
func Default() *Registry {
	return NewRegistry(
		freshdesk.Kind(),
		front.Kind(),
		gladly.Kind(),
		helpscout.Kind(),
		hubspot.Kind(),
		intercom.Kind(),
		kustomer.Kind(),
		salesforce.Kind(),
		standard.Kind(),
		zendesk.Kind(),
	)
}

// Kind returns the kind registered under name.
func (r *Registry) Kind(name string) (plaudit.Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Names returns the registered kind names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.kinds))
	for n := range r.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Driver builds the driver of connector c, anew on each call: keeping
// drivers, and what they hold between calls (a Salesforce OAuth token), is
// Cache's job. An unknown kind is an EInvalid error; a config the kind
// refuses is the kind's error.
func (r *Registry) Driver(c plaudit.Connector, deps plaudit.DriverDeps) (plaudit.Driver, error) {
	k, ok := r.kinds[c.Kind]
	if !ok {
		return nil, plaudit.Errorf(plaudit.EInvalid, "connector kind %q is not supported", c.Kind)
	}
	return k.New(c, deps)
}

// SplitConfig separates what an admin sent as a connector's config into
// the public part, stored and shown as config, and the kind's secret
// fields, which the API never shows again. raw must be a JSON object (or
// empty); each secret must be a JSON string, or null, which is returned as
// "" (see MergeSecrets). Keys keep their values byte for byte.
func SplitConfig(kind plaudit.Kind, raw json.RawMessage) (json.RawMessage, map[string]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return json.RawMessage("{}"), map[string]string{}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, nil, plaudit.Errorf(plaudit.EInvalid, "config must be a JSON object")
	}
	secrets := map[string]string{}
	for _, f := range kind.SecretFields {
		v, ok := obj[f]
		if !ok {
			continue
		}
		delete(obj, f)
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			secrets[f] = ""
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, nil, plaudit.Errorf(plaudit.EInvalid, "config.%s must be a string", f)
		}
		secrets[f] = s
	}
	public, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("connectors: split config: %w", err)
	}
	return public, secrets, nil
}

// MergeSecrets applies the secrets of a PATCH to the stored ones and
// returns the result; neither map is changed. A secret named in patch
// replaces the stored one; a secret named with "" (JSON null or an empty
// string) is removed, so that an optional secret such as
// signing_secret_previous can be dropped when a rotation ends; secrets not
// named stay as they are.
func MergeSecrets(old, patch map[string]string) map[string]string {
	out := make(map[string]string, len(old)+len(patch))
	for k, v := range old {
		out[k] = v
	}
	for k, v := range patch {
		if v == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}
