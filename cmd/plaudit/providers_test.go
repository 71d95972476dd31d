package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// TestBadProviderStopsStart: a provider value that cannot work stops
// every command that builds senders at start, with an error that names
// the variable and not its value, before anything is opened.
func TestBadProviderStopsStart(t *testing.T) {
	mr := miniredis.RunT(t)
	twilioOK := map[string]string{
		"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken, "TWILIO_FROM": twilioFrom,
	}
	with := func(base map[string]string, k, v string) map[string]string {
		env := map[string]string{k: v}
		for bk, bv := range base {
			if bk != k {
				env[bk] = bv
			}
		}
		return env
	}
	badToken := with(twilioOK, "TWILIO_AUTH_TOKEN", "0123456789-secret-abcdef")
	tests := []struct {
		name, mode string
		env        map[string]string
		variable   string
	}{
		{"twilio token on serve", "serve", badToken, "TWILIO_AUTH_TOKEN"},
		{"twilio token by default", "", badToken, "TWILIO_AUTH_TOKEN"},
		{"twilio token on worker", "worker", with(badToken, "REDIS_URL", "redis://"+mr.Addr()), "TWILIO_AUTH_TOKEN"},
		{"twilio token on api", "api", with(badToken, "REDIS_URL", "redis://"+mr.Addr()), "TWILIO_AUTH_TOKEN"},
		{"twilio API URL", "serve", with(twilioOK, "TWILIO_API_URL", "api.secret.example"), "TWILIO_API_URL"},
		{"sendgrid key", "serve", map[string]string{"SENDGRID_API_KEY": "SG.secret key"}, "SENDGRID_API_KEY"},
		{"sendgrid API URL", "worker", map[string]string{
			"SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_URL": "ftp://secret.example", "REDIS_URL": "redis://" + mr.Addr(),
		}, "SENDGRID_API_URL"},
		{"sendgrid event key", "serve", map[string]string{"SENDGRID_EVENT_PUBLIC_KEY": "c2VjcmV0IGtleQ=="}, "SENDGRID_EVENT_PUBLIC_KEY"},
		{"SMTP URL", "serve", map[string]string{"SMTP_URL": "smtp://mailer:secret@mail.example.com:99999"}, "SMTP_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			env := with(tt.env, "PLAUDIT_DATA_DIR", dataDir)
			env["PLAUDIT_ADDR"] = freeAddr(t)
			env["PLAUDIT_ADMIN_TOKEN"] = "operator-secret-0123456789"
			var args []string
			if tt.mode != "" {
				args = []string{tt.mode}
			}
			// A start that is not refused runs until the context ends.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stdout, stderr := &syncBuffer{}, &syncBuffer{}
			code := run(ctx, args, func(k string) string { return env[k] }, stdout, stderr)
			if code == 0 {
				t.Fatalf("plaudit %s exited 0; want a refusal naming %s:\n%s", tt.mode, tt.variable, stderr)
			}
			if !strings.Contains(stderr.String(), "plaudit: "+tt.variable+" ") {
				t.Errorf("stderr does not name %s:\n%s", tt.variable, stderr)
			}
			if out := stderr.String() + stdout.String(); strings.Contains(out, "secret") || strings.Contains(out, tt.env[tt.variable]) {
				t.Errorf("the output quotes the value:\n%s", out)
			}
			if files, _ := os.ReadDir(dataDir); len(files) > 0 {
				t.Errorf("the data folder was written before the refusal: %v", files)
			}
		})
	}
}
