package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// checkJSONText refuses a JSON body in which any string, key or value,
// holds NUL, invalid UTF-8 or a control character other than a line break
// or a tab, naming the field by its path ("settings.brand_name",
// "external_ids.zendesk"). It runs over bodies that decoded already, so
// that every string an API call stores is checked, including those inside
// free-form objects (settings, config, external_ids). Fields that must be
// one line are checked further where they are read.
func checkJSONText(body []byte) error {
	w := jsonWalk{body: body, dec: json.NewDecoder(bytes.NewReader(body))}
	if err := w.value("body"); !errors.Is(err, errSyntax) {
		return err
	}
	return nil // the decoder reported a syntax error already
}

// errSyntax ends a walk at a syntax error: the decoder would report it at
// the same place again and again.
var errSyntax = errors.New("syntax error")

// jsonWalk reads a JSON body token by token.
type jsonWalk struct {
	body []byte
	dec  *json.Decoder
}

// token returns the next token, and an error naming path when its bytes
// are not UTF-8: the decoder would hand them on as U+FFFD, unseen.
func (w jsonWalk) token(path string) (json.Token, error) {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return nil, errSyntax
	}
	if !utf8.Valid(w.body[start:w.dec.InputOffset()]) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "%s must be valid UTF-8", path)
	}
	return tok, nil
}

func (w jsonWalk) value(path string) error {
	tok, err := w.token(path)
	if tok == nil {
		return err
	}
	switch v := tok.(type) {
	case string:
		return plaudit.CheckMultiline(path, v)
	case json.Delim:
		for w.dec.More() {
			name := path
			if v == '{' {
				key, err := w.token("a key of " + path)
				if key == nil {
					return err
				}
				if err := plaudit.CheckText("a key of "+path, key.(string)); err != nil {
					return err
				}
				name = fieldPath(path, key.(string))
			}
			if err := w.value(name); err != nil {
				return err
			}
		}
		_, _ = w.dec.Token() // the closing delimiter
	}
	return nil
}

func fieldPath(path, key string) string {
	if path == "body" {
		return key
	}
	return path + "." + key
}

// checkQuery refuses query parameters with NUL, invalid UTF-8 or other
// control characters, naming the parameter: they are filters that reach
// the store as they are.
func checkQuery(c *fiber.Ctx) error {
	var bad error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == nil {
			if bad = plaudit.CheckText("query parameter", string(k)); bad == nil {
				bad = plaudit.CheckText(string(k), string(v))
			}
		}
	})
	if bad != nil {
		return bad
	}
	return c.Next()
}
