package server

import (
	"bytes"
	"encoding/json"
)

// marshalJSON is the API's JSON encoder: encoding/json without its HTML
// escaping. The API answers application/json, never HTML, and escaped
// text reads badly in a terminal: "Bearer <key>" would come out as
// "Bearer \u003ckey\u003e".
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
