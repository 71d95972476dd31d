package server_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
)

// TestOpenAPIDescribesEveryKind: openapi.json offers exactly the kinds
// the server takes, each with a config schema whose write-only fields are
// the kind's secrets and whose other fields the kind knows, so that a
// client built from the document can set up every kind.
func TestOpenAPIDescribesEveryKind(t *testing.T) {
	doc := loadOpenAPI(t)
	reg := connectors.Default()
	want := reg.Names()
	for _, schema := range []string{"Connector", "ConnectorCreate"} {
		var got []string
		for _, v := range doc.Components.Schemas[schema].Value.Properties["kind"].Value.Enum {
			got = append(got, v.(string))
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s.kind enum %v, want the registered kinds %v", schema, got, want)
		}
	}
	configs := map[string]map[string]bool{} // kind → property → write-only
	for _, ref := range doc.Components.Schemas["ConnectorConfig"].Value.AnyOf {
		props := map[string]bool{}
		for name, p := range ref.Value.Properties {
			props[name] = p.Value.WriteOnly
		}
		configs[ref.Value.Title] = props
	}
	for _, name := range want {
		props, ok := configs[name]
		if !ok {
			t.Errorf("%s: no config schema titled %q in ConnectorConfig", name, name)
			continue
		}
		kind, _ := reg.Kind(name)
		var secrets []string
		for p, writeOnly := range props {
			if writeOnly {
				secrets = append(secrets, p)
				continue
			}
			// A field the kind does not know is refused by name.
			raw, _ := json.Marshal(map[string]any{p: nil})
			if err := kind.Validate(raw, nil); strings.Contains(plaudit.ErrorMessage(err), "config."+p+" is not a known setting") {
				t.Errorf("%s: openapi.json documents config.%s, which the kind refuses", name, p)
			}
		}
		sort.Strings(secrets)
		kindSecrets := slices.Sorted(slices.Values(kind.SecretFields))
		if !slices.Equal(secrets, kindSecrets) {
			t.Errorf("%s: write-only fields %v, want the kind's secrets %v", name, secrets, kindSecrets)
		}
	}
}
