package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Time: every instant goes into the database as UTC truncated to
// microseconds (PostgreSQL's precision), so that what a caller holds after
// a write equals what a later read returns on either engine. The engine
// decides how the instant is bound (dialect.timeArg); scanning accepts what
// either engine hands back. This file is the one place for that conversion.

// sqliteTimeLayout is fixed-width, so that SQLite's text comparison
// (due_at <= $1) is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// dayLayout is the format of aggregate days.
const dayLayout = "2006-01-02"

// dbTime normalizes t the way the database keeps it.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// ts is the bind value of a timestamp.
func (s *Store) ts(t time.Time) any { return s.d.timeArg(dbTime(t)) }

// tsPtr is the bind value of a nullable timestamp.
func (s *Store) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.ts(*t)
}

// timePtr normalizes a nullable time like dbTime.
func timePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

// timeDest scans a timestamp column from either engine.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(v any) error {
	t, err := parseDBTime(v)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

// nullTimeDest scans a nullable timestamp column.
type nullTimeDest struct{ t **time.Time }

func (d nullTimeDest) Scan(v any) error {
	if v == nil {
		*d.t = nil
		return nil
	}
	t, err := parseDBTime(v)
	if err != nil {
		return err
	}
	*d.t = &t
	return nil
}

func parseDBTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return dbTime(x), nil
	case string:
		return parseTimeText(x)
	case []byte:
		return parseTimeText(string(x))
	}
	return time.Time{}, fmt.Errorf("store: cannot read %T as a time", v)
}

func parseTimeText(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: bad time %q: %w", s, err)
	}
	return dbTime(t), nil
}

// JSON columns hold maps and lists as text. Empty maps come back as empty
// (not nil) maps so that the API shows {}; empty lists come back nil so
// that omitempty drops them.

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("store: encode json: %w", err)
	}
	return string(b), nil
}

func mapJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map[string]string always marshals
	return string(b)
}

func listJSON(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

// jsonDest scans a JSON text column (string or []byte, jsonb on PostgreSQL
// arrives as either) into a map or a list.
type jsonDest struct{ v any }

func (d jsonDest) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
		b = nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("store: cannot read %T as json", v)
	}
	switch p := d.v.(type) {
	case *map[string]string:
		m := map[string]string{}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				return fmt.Errorf("store: decode json: %w", err)
			}
		}
		if m == nil {
			m = map[string]string{}
		}
		*p = m
	case *[]string:
		var l []string
		if len(b) > 0 {
			if err := json.Unmarshal(b, &l); err != nil {
				return fmt.Errorf("store: decode json: %w", err)
			}
		}
		if len(l) == 0 {
			l = nil
		}
		*p = l
	default:
		return fmt.Errorf("store: jsonDest: unsupported %T", d.v)
	}
	return nil
}

// normMap and normList give a caller's struct the shape a read returns.
func normMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func normList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}
