package server

import (
	"bytes"
	"encoding/json"

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
	return walkJSONText(json.NewDecoder(bytes.NewReader(body)), "body")
}

func walkJSONText(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return nil // a syntax error: the decoder reported it already
	}
	switch v := tok.(type) {
	case string:
		return plaudit.CheckMultiline(path, v)
	case json.Delim:
		for dec.More() {
			name := path
			if v == '{' {
				key, err := dec.Token()
				if err != nil {
					return nil
				}
				if err := plaudit.CheckText("a key of "+path, key.(string)); err != nil {
					return err
				}
				name = fieldPath(path, key.(string))
			}
			if err := walkJSONText(dec, name); err != nil {
				return err
			}
		}
		_, _ = dec.Token() // the closing delimiter
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
