package main

import (
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestComposeSetsOnlyVariablesTheBinaryReads parses docker-compose.yml (no
// Docker engine is needed) and checks that every variable it gives a
// plaudit service is one the binary reads, and that the production shape
// is there: Redis with AOF and noeviction, PostgreSQL with a health check,
// api and worker services.
func TestComposeSetsOnlyVariablesTheBinaryReads(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Image       string         `yaml:"image"`
			Build       any            `yaml:"build"`
			Command     []string       `yaml:"command"`
			Environment map[string]any `yaml:"environment"`
			Healthcheck map[string]any `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	known := map[string]bool{}
	for _, v := range Env {
		known[v] = true
	}
	modes := map[string]bool{}
	for name, svc := range doc.Services {
		if svc.Build == nil {
			continue // redis, postgres
		}
		if len(svc.Command) > 0 {
			modes[svc.Command[0]] = true
		}
		if len(svc.Environment) == 0 {
			t.Errorf("service %s sets no environment", name)
		}
		var unknown []string
		for k := range svc.Environment {
			if !known[k] {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		if len(unknown) > 0 {
			t.Errorf("service %s sets variables the binary does not read: %s", name, strings.Join(unknown, ", "))
		}
		for _, need := range []string{"DATABASE_URL", "REDIS_URL", "PLAUDIT_SECRET_KEY", "PLAUDIT_ADMIN_TOKEN"} {
			if _, ok := svc.Environment[need]; !ok {
				t.Errorf("service %s does not set %s", name, need)
			}
		}
	}
	for _, m := range []string{"api", "worker", "migrate"} {
		if !modes[m] {
			t.Errorf("no service runs plaudit %s", m)
		}
	}
	redis := doc.Services["redis"]
	cmd := strings.Join(redis.Command, " ")
	if !strings.Contains(cmd, "--appendonly yes") || !strings.Contains(cmd, "noeviction") {
		t.Errorf("redis runs %q, want AOF and noeviction", cmd)
	}
	if doc.Services["postgres"].Healthcheck == nil {
		t.Error("postgres has no health check")
	}
}

// TestEnvListMatchesConfig keeps Env (used above and in docs) in step with
// what LoadConfig really reads.
func TestEnvListMatchesConfig(t *testing.T) {
	read := map[string]bool{}
	if _, err := LoadConfig(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	for _, v := range Env {
		if !read[v] {
			t.Errorf("Env lists %s but LoadConfig does not read it", v)
		}
	}
	for v := range read {
		found := false
		for _, e := range Env {
			found = found || e == v
		}
		if !found {
			t.Errorf("LoadConfig reads %s but Env does not list it", v)
		}
	}
}
