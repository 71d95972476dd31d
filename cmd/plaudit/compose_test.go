package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeService is what the tests read of a service in
// docker-compose.yml.
type composeService struct {
	Image       string         `yaml:"image" json:"image"`
	Build       any            `yaml:"build" json:"build"`
	Command     []string       `yaml:"command" json:"command"`
	Environment map[string]any `yaml:"environment" json:"environment"`
	Healthcheck map[string]any `yaml:"healthcheck" json:"healthcheck"`
}

// loadCompose reads docker-compose.yml as Docker Compose does when it is
// installed (`docker compose config`, which resolves the file the way a
// deployment will), else by parsing the YAML, and says which.
func loadCompose(t *testing.T) map[string]composeService {
	t.Helper()
	var doc struct {
		Services map[string]composeService `yaml:"services" json:"services"`
	}
	cmd := exec.Command("docker", "compose", "-f", "../../docker-compose.yml", "config", "--format", "json")
	cmd.Env = append(os.Environ(), "PLAUDIT_SECRET_KEY=x", "PLAUDIT_ADMIN_TOKEN=y")
	if out, err := cmd.Output(); err == nil {
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("docker compose config: %v", err)
		}
		t.Log("read through docker compose config")
		return doc.Services
	}
	t.Log("docker compose is not installed: docker-compose.yml parsed as YAML")
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return doc.Services
}

// documentedVariables are the variables README.md's Configuration table
// lists (the first cell of each row).
func documentedVariables(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var out []string
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		for _, m := range regexp.MustCompile("`([A-Z][A-Z0-9_]+)`").FindAllStringSubmatch(cells[1], -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// providerVariable reports whether v configures an email or SMS provider
// or replies: what a deployment must be able to set through compose.
func providerVariable(v string) bool {
	return strings.HasPrefix(v, "SENDGRID_") || strings.HasPrefix(v, "TWILIO_") || v == "SMTP_URL" ||
		v == "PLAUDIT_INBOUND_EMAIL_DOMAIN" || v == "PLAUDIT_FROM_EMAIL" || v == "PLAUDIT_OUTBOX"
}

// notPassedByCompose are documented variables that docker-compose.yml
// rightly leaves out.
var notPassedByCompose = map[string]string{
	"PLAUDIT_DATA_DIR": "the image sets /data, and on PostgreSQL nothing is kept there",
}

// TestComposePassesTheDocumentedVariables: docker-compose.yml gives its
// plaudit services only variables the binary reads and README.md
// documents; it passes every documented one (TWILIO_MESSAGING_SERVICE_SID
// and SMTP_URL were missing), every provider variable to both api and
// worker; and the production shape is there: Redis with AOF and
// noeviction, PostgreSQL with a health check, migrate, api and worker,
// the api's health check asking /readyz.
func TestComposePassesTheDocumentedVariables(t *testing.T) {
	services := loadCompose(t)
	documented := documentedVariables(t)
	if len(documented) < 20 {
		t.Fatalf("README.md's Configuration lists %d variables: the table was not read", len(documented))
	}
	passed := map[string]bool{}
	modes := map[string]composeService{}
	for name, svc := range services {
		if svc.Build == nil {
			continue // redis, postgres
		}
		if len(svc.Command) > 0 {
			modes[svc.Command[0]] = svc
		}
		for k := range svc.Environment {
			passed[k] = true
			if !slices.Contains(Env, k) || !slices.Contains(documented, k) {
				t.Errorf("service %s sets %s, which the binary does not read or README.md does not document", name, k)
			}
		}
		for _, need := range []string{"DATABASE_URL", "REDIS_URL", "PLAUDIT_SECRET_KEY", "PLAUDIT_ADMIN_TOKEN"} {
			if _, ok := svc.Environment[need]; !ok {
				t.Errorf("service %s does not set %s", name, need)
			}
		}
	}
	for _, v := range documented {
		if _, why := notPassedByCompose[v]; !why && slices.Contains(Env, v) && !passed[v] {
			t.Errorf("README.md documents %s, but docker-compose.yml does not pass it", v)
		}
		for _, mode := range []string{"api", "worker"} {
			if _, ok := modes[mode].Environment[v]; providerVariable(v) && !ok {
				t.Errorf("the %s service does not get %s", mode, v)
			}
		}
	}
	for _, m := range []string{"api", "worker", "migrate"} {
		if _, ok := modes[m]; !ok {
			t.Errorf("no service runs plaudit %s", m)
		}
	}
	if test := strings.Join(anyStrings(modes["api"].Healthcheck["test"]), " "); test != "CMD /plaudit healthcheck" {
		t.Errorf("the api's health check runs %q, want /plaudit healthcheck (it asks /readyz)", test)
	}
	redis := strings.Join(services["redis"].Command, " ")
	if !strings.Contains(redis, "--appendonly yes") || !strings.Contains(redis, "noeviction") {
		t.Errorf("redis runs %q, want AOF and noeviction", redis)
	}
	if services["postgres"].Healthcheck == nil {
		t.Error("postgres has no health check")
	}
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestImageKeepsSecretsOutAndDataWritable: the build context leaves out
// ./data (the secret key, personal data) and .git; the image's /data
// belongs to its nonroot user, so that plain `docker run` on SQLite can
// write; the image checks its own health through /readyz.
func TestImageKeepsSecretsOutAndDataWritable(t *testing.T) {
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	lines := strings.Split(string(ignore), "\n")
	for _, want := range []string{".git", "data"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"chown 65532:65532 /out/data",
		"COPY --from=build --chown=65532:65532 /out/data /data",
		"FROM gcr.io/distroless/static-debian12:nonroot",
		`CMD ["/plaudit", "healthcheck"]`,
	} {
		if !strings.Contains(string(dockerfile), want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
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
		if !slices.Contains(Env, v) {
			t.Errorf("LoadConfig reads %s but Env does not list it", v)
		}
	}
}
