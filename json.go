package plaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// JSONError turns an error of decoding a JSON value into an EInvalid
// *Error that names the field and says what it must be, never the value
// sent. what names the whole value ("body", "config"), and prefix comes
// before a field's name ("config.").
func JSONError(err error, what, prefix string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return Errorf(EInvalid, "%s must be a JSON object", what)
		}
		return Errorf(EInvalid, "%s%s must be %s", prefix, te.Field, jsonTypeName(te.Type))
	}
	return Errorf(EInvalid, "%s is not valid JSON", what)
}

// jsonTypeName says what a Go type is in words an admin knows.
func jsonTypeName(t reflect.Type) string {
	if t == scalarType {
		return "a string or a number"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	}
	return "a number"
}

// JSONWhere says where the JSON in body breaks, for an error from
// decoding it: the line, the column and the byte offset of a syntax error
// or of an early end, so that a body written by hand can be mended. It is
// "" for other errors.
func JSONWhere(err error, body []byte) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := lineColumn(body, se.Offset)
		return fmt.Sprintf("%s at line %d, column %d (byte %d)", se.Error(), line, col, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := lineColumn(body, int64(len(body))+1)
		return fmt.Sprintf("it ends too early, at line %d, column %d (byte %d): a closing bracket or quote is missing",
			line, col, len(body))
	}
	return ""
}

// lineColumn gives the line and column (from 1, in bytes) of the byte
// before offset, where encoding/json reports an error.
func lineColumn(body []byte, offset int64) (line, col int) {
	end := min(max(offset-1, 0), int64(len(body)))
	before := body[:end]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = int(end) - bytes.LastIndexByte(before, '\n')
	return line, col
}
