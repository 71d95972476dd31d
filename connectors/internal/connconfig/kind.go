package connconfig

import (
	"encoding/json"

	"github.com/plaudit/plaudit"
)

// Kind describes a connector kind for the registry from its parts: the
// parser of a config (which names the wrong field; Validate keeps only
// its error) and the constructor of its driver.
func Kind[C any, D plaudit.Driver](name string, secretFields []string,
	parse func(raw json.RawMessage, secrets map[string]string) (C, error),
	newDriver func(c plaudit.Connector, deps plaudit.DriverDeps) (D, error)) plaudit.Kind {
	return plaudit.Kind{
		Name:         name,
		SecretFields: secretFields,
		Validate: func(raw json.RawMessage, secrets map[string]string) error {
			_, err := parse(raw, secrets)
			return err
		},
		New: func(c plaudit.Connector, deps plaudit.DriverDeps) (plaudit.Driver, error) {
			d, err := newDriver(c, deps)
			if err != nil {
				return nil, err
			}
			return d, nil
		},
	}
}
