package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteCSV writes rows (a slice of JSON-encodable values) as CSV: one
// line per row, one column per JSON field, nested objects and arrays
// flattened to dotted names (previous.csat, excellence.fast), lists of
// plain values joined by "; " in one cell, null as empty. The CSV is made from the JSON
// itself, so that it says exactly what the JSON rows say.
func WriteCSV(w io.Writer, rows any) error {
	raw, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return fmt.Errorf("csv: rows must be a list: %w", err)
	}
	cw := csv.NewWriter(w)
	var header []string
	for i, item := range items {
		var cells []cell
		if err := flatten(json.NewDecoder(bytes.NewReader(item)), "", &cells); err != nil {
			return err
		}
		if i == 0 {
			for _, c := range cells {
				header = append(header, c.name)
			}
			if err := cw.Write(header); err != nil {
				return err
			}
		}
		line := make([]string, len(header))
		for _, c := range cells {
			col := indexOf(header, c.name)
			if col < 0 {
				return fmt.Errorf("csv: row %d has column %s that the first row lacks", i, c.name)
			}
			line[col] = c.value
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

type cell struct{ name, value string }

func indexOf(l []string, s string) int {
	for i, v := range l {
		if v == s {
			return i
		}
	}
	return -1
}

// flattenList reads the rest of a JSON array: a list of plain values
// becomes one cell, its values joined by "; " (so that every row has the
// same columns however long its lists), anything else a column per leaf.
func flattenList(d *json.Decoder, prefix string, out *[]cell) error {
	var items []cell
	plain := true
	for i := 0; d.More(); i++ {
		name := strconv.Itoa(i)
		if prefix != "" {
			name = prefix + "." + name
		}
		n := len(items)
		if err := flatten(d, name, &items); err != nil {
			return err
		}
		plain = plain && len(items) == n+1 && items[n].name == name
	}
	if _, err := d.Token(); err != nil {
		return err
	}
	if !plain {
		*out = append(*out, items...)
		return nil
	}
	values := make([]string, len(items))
	for i, c := range items {
		values[i] = c.value
	}
	*out = append(*out, cell{prefix, strings.Join(values, "; ")})
	return nil
}

// flatten reads one JSON value from d and appends its leaves, in the
// order they come, named by their path under prefix.
func flatten(d *json.Decoder, prefix string, out *[]cell) error {
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return err
	}
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return flattenList(d, prefix, out)
		}
		for i := 0; d.More(); i++ {
			key := strconv.Itoa(i)
			if t == '{' {
				k, err := d.Token()
				if err != nil {
					return err
				}
				key = k.(string)
			}
			if err := flatten(d, join(key), out); err != nil {
				return err
			}
		}
		_, err := d.Token() // the closing delimiter
		return err
	case nil:
		*out = append(*out, cell{prefix, ""})
	case string:
		*out = append(*out, cell{prefix, t})
	case json.Number:
		*out = append(*out, cell{prefix, t.String()})
	case bool:
		*out = append(*out, cell{prefix, strconv.FormatBool(t)})
	}
	return nil
}
