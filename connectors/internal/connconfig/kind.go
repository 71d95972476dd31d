package connconfig

import (
	"encoding/json"

	"github.com/plaudit/plaudit"
)

// Kind describes a connector kind for the registry from its parts: the
// check of a config (which names the wrong field) and the constructor of
// its driver.
func Kind[D plaudit.Driver](name string, secretFields []string,
	validate func(raw json.RawMessage, secrets map[string]string) error,
	newDriver func(c plaudit.Connector, deps plaudit.DriverDeps) (D, error)) plaudit.Kind {
	return plaudit.Kind{
		Name:         name,
		SecretFields: secretFields,
		Validate:     validate,
		New: func(c plaudit.Connector, deps plaudit.DriverDeps) (plaudit.Driver, error) {
			d, err := newDriver(c, deps)
			if err != nil {
				return nil, err
			}
			return d, nil
		},
	}
}
