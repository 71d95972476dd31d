package plaudit_test

import (
	"cmp"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)
	// A row of docs/fuzzing.md's table: | `FuzzX` | `pkg` | or root.
	fuzzRow = regexp.MustCompile("(?m)^\\| `(Fuzz\\w+)` \\| (?:`([^`]+)`|root \\(`plaudit`\\)) \\|")
	// An entry of its loop over every target: "./pkg:FuzzX".
	fuzzLoop = regexp.MustCompile(`"\./([^":]*):(Fuzz\w+)"`)
)

// fuzzTargets lists every fuzz target in the module as "pkg:FuzzX", the
// root package as ".".
func fuzzTargets(t *testing.T) []string {
	var out []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(b), -1) {
			out = append(out, filepath.ToSlash(filepath.Dir(path))+":"+m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestFuzzingDocListsEveryTarget: docs/fuzzing.md's table and its loop
// for a nightly run name every fuzz target there is, and no other, so
// that a new parser's target is not left out of long runs.
func TestFuzzingDocListsEveryTarget(t *testing.T) {
	b, err := os.ReadFile("docs/fuzzing.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	target := func(pkg, name string) string { return cmp.Or(pkg, ".") + ":" + name }
	var rows, loop []string
	for _, m := range fuzzRow.FindAllStringSubmatch(doc, -1) {
		rows = append(rows, target(m[2], m[1]))
	}
	for _, m := range fuzzLoop.FindAllStringSubmatch(doc, -1) {
		loop = append(loop, target(m[1], m[2]))
	}
	slices.Sort(rows)
	slices.Sort(loop)
	want := fuzzTargets(t)
	if !slices.Equal(rows, want) {
		t.Errorf("docs/fuzzing.md's table lists\n%v\nwant every fuzz target\n%v", rows, want)
	}
	if !slices.Equal(loop, want) {
		t.Errorf("docs/fuzzing.md's loop runs\n%v\nwant every fuzz target\n%v", loop, want)
	}
}
