package httpx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Reason says why a vendor refused a call, for tenant admins, in the
// words most drivers use: "authentication failed (401)", "permission
// denied (403)", notFound with "(404)" ("conversation not found (404)"),
// else "request rejected (400 parameter_invalid)" with the vendor's error
// code when it has a safe one (SafeCode), or "" to let Classify say the
// status.
func Reason(status int, notFound, code string) string {
	switch status {
	case http.StatusUnauthorized:
		return "authentication failed (401)"
	case http.StatusForbidden:
		return "permission denied (403)"
	case http.StatusNotFound:
		return notFound + " (404)"
	}
	if code != "" {
		return fmt.Sprintf("request rejected (%d %s)", status, code)
	}
	return ""
}

// ErrorCodes reads the first error of a JSON answer
// {"errors":[{"code": …, "field": …}]}: the values of keys that look like
// codes (SafeCode), joined by spaces ("invalid_value cf_rating"), or ""
// when there are none. Error messages are never kept: they may quote
// customer data.
func ErrorCodes(answer []byte, keys ...string) string {
	var e struct {
		Errors []map[string]any `json:"errors"`
	}
	if json.Unmarshal(answer, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	var codes []string
	for _, k := range keys {
		if v, ok := e.Errors[0][k].(string); ok {
			if c := SafeCode(v); c != "" {
				codes = append(codes, c)
			}
		}
	}
	return strings.Join(codes, " ")
}
