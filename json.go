package plaudit

import (
	"encoding/json"
	"errors"
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
