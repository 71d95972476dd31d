package connconfig

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/plaudit/plaudit"
)

// Parser is what each kind's parseConfig is: it decodes and checks a
// connector's config and secrets, and names the first field that is
// wrong.
type Parser[C any] func(raw json.RawMessage, secrets map[string]string) (C, error)

// Kind describes a connector kind for the registry from its parts: the
// parser of a config (Validate keeps only its error) and the constructor
// of its driver.
func Kind[C any, D plaudit.Driver](name string, secretFields []string, parse Parser[C],
	newDriver func(c plaudit.Connector, deps plaudit.DriverDeps) (D, error)) plaudit.Kind {
	return plaudit.Kind{
		Name:         name,
		SecretFields: slices.Clone(secretFields),
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

// KindWith is Kind for a parser that returns, beside the config, what it
// worked out from it (the API's address, a signing key).
func KindWith[C, X any, D plaudit.Driver](name string, secretFields []string,
	parse func(raw json.RawMessage, secrets map[string]string) (C, X, error),
	newDriver func(c plaudit.Connector, deps plaudit.DriverDeps) (D, error)) plaudit.Kind {
	return Kind(name, secretFields, func(raw json.RawMessage, secrets map[string]string) (C, error) {
		cfg, _, err := parse(raw, secrets)
		return cfg, err
	}, newDriver)
}

// Open is how a driver's constructor starts: it parses the connector's
// config, then checks that deps holds the HTTP client (the egress
// client) that every driver calls its helpdesk with.
func Open[C any](name string, c plaudit.Connector, deps plaudit.DriverDeps, parse Parser[C]) (C, error) {
	cfg, err := parse(c.Config, c.Secrets)
	if err == nil {
		err = needHTTP(name, deps)
	}
	return cfg, err
}

// OpenWith is Open for a parser that returns, beside the config, what it
// worked out from it.
func OpenWith[C, X any](name string, c plaudit.Connector, deps plaudit.DriverDeps,
	parse func(raw json.RawMessage, secrets map[string]string) (C, X, error)) (C, X, error) {
	cfg, extra, err := parse(c.Config, c.Secrets)
	if err == nil {
		err = needHTTP(name, deps)
	}
	return cfg, extra, err
}

func needHTTP(name string, deps plaudit.DriverDeps) error {
	if deps.HTTP == nil {
		return errors.New(name + ": DriverDeps.HTTP is required")
	}
	return nil
}
