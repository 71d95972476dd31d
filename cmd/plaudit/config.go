package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// Config is every setting, read from the environment once at start.
type Config struct {
	Addr      string
	PublicURL string
	DataDir   string
	LogFormat string

	DatabaseURL string
	RedisURL    string

	SecretKey         string
	SecretKeyPrevious string
	AdminToken        string
	// MetricsToken opens /metrics to other hosts than this one.
	MetricsToken string
	// Outbox keeps messages in the outbox and serves /dev/outbox.
	Outbox bool

	SendGridAPIKey       string
	SendGridAPIURL       string
	SendGridEventKey     string
	SendGridInboundToken string
	InboundEmailDomain   string

	TwilioAccountSID          string
	TwilioAuthToken           string
	TwilioFrom                string
	TwilioMessagingServiceSID string
	TwilioAPIURL              string

	SMTPURL   string
	FromEmail string

	AllowPrivateEgress bool
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// for per-client limits (PLAUDIT_TRUSTED_PROXIES).
	TrustedProxies []net.IPNet
	Concurrency    int
	// ClaimTimeout is how long a send may stay claimed before it counts
	// as abandoned by a crashed worker and is sent again.
	ClaimTimeout time.Duration
}

// Env lists every variable the binary reads, for docs and the compose test.
var Env = []string{
	"PLAUDIT_ADDR", "PLAUDIT_PUBLIC_URL", "PLAUDIT_DATA_DIR", "PLAUDIT_LOG_FORMAT",
	"DATABASE_URL", "REDIS_URL",
	"PLAUDIT_SECRET_KEY", "PLAUDIT_SECRET_KEY_FILE", "PLAUDIT_SECRET_KEY_PREVIOUS", "PLAUDIT_SECRET_KEY_PREVIOUS_FILE",
	"PLAUDIT_ADMIN_TOKEN", "PLAUDIT_ADMIN_TOKEN_FILE",
	"SENDGRID_API_KEY", "SENDGRID_API_KEY_FILE", "SENDGRID_API_URL", "SENDGRID_EVENT_PUBLIC_KEY",
	"SENDGRID_INBOUND_TOKEN", "SENDGRID_INBOUND_TOKEN_FILE", "PLAUDIT_INBOUND_EMAIL_DOMAIN",
	"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_FILE", "TWILIO_FROM",
	"TWILIO_MESSAGING_SERVICE_SID", "TWILIO_API_URL",
	"SMTP_URL", "PLAUDIT_FROM_EMAIL", "PLAUDIT_ALLOW_PRIVATE_EGRESS", "PLAUDIT_WORKER_CONCURRENCY",
	"PLAUDIT_CLAIM_TIMEOUT", "PLAUDIT_TRUSTED_PROXIES",
	"PLAUDIT_METRICS_TOKEN", "PLAUDIT_METRICS_TOKEN_FILE", "PLAUDIT_OUTBOX",
}

// LoadConfig reads the environment through getenv (os.Getenv in main).
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	var firstErr error
	secret := func(k string) string {
		v, err := secretFrom(getenv, k)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	}
	addr := get("PLAUDIT_ADDR", ":8080")
	c := Config{
		Addr:                      addr,
		PublicURL:                 strings.TrimRight(get("PLAUDIT_PUBLIC_URL", defaultPublicURL(addr)), "/"),
		DataDir:                   get("PLAUDIT_DATA_DIR", "./data"),
		LogFormat:                 get("PLAUDIT_LOG_FORMAT", "text"),
		DatabaseURL:               get("DATABASE_URL", ""),
		RedisURL:                  get("REDIS_URL", ""),
		SecretKey:                 secret("PLAUDIT_SECRET_KEY"),
		SecretKeyPrevious:         secret("PLAUDIT_SECRET_KEY_PREVIOUS"),
		AdminToken:                secret("PLAUDIT_ADMIN_TOKEN"),
		MetricsToken:              secret("PLAUDIT_METRICS_TOKEN"),
		SendGridAPIKey:            secret("SENDGRID_API_KEY"),
		SendGridAPIURL:            get("SENDGRID_API_URL", ""),
		SendGridEventKey:          get("SENDGRID_EVENT_PUBLIC_KEY", ""),
		SendGridInboundToken:      secret("SENDGRID_INBOUND_TOKEN"),
		InboundEmailDomain:        get("PLAUDIT_INBOUND_EMAIL_DOMAIN", ""),
		TwilioAccountSID:          get("TWILIO_ACCOUNT_SID", ""),
		TwilioAuthToken:           secret("TWILIO_AUTH_TOKEN"),
		TwilioFrom:                get("TWILIO_FROM", ""),
		TwilioMessagingServiceSID: get("TWILIO_MESSAGING_SERVICE_SID", ""),
		TwilioAPIURL:              get("TWILIO_API_URL", ""),
		SMTPURL:                   get("SMTP_URL", ""),
		FromEmail:                 get("PLAUDIT_FROM_EMAIL", "feedback@localhost"),
	}
	if firstErr != nil {
		return c, firstErr
	}
	var err error
	if c.AllowPrivateEgress, err = strconv.ParseBool(get("PLAUDIT_ALLOW_PRIVATE_EGRESS", "false")); err != nil {
		return c, fmt.Errorf("PLAUDIT_ALLOW_PRIVATE_EGRESS must be true or false")
	}
	if c.Concurrency, err = strconv.Atoi(get("PLAUDIT_WORKER_CONCURRENCY", "20")); err != nil || c.Concurrency < 1 {
		return c, fmt.Errorf("PLAUDIT_WORKER_CONCURRENCY must be a positive number")
	}
	if c.ClaimTimeout, err = time.ParseDuration(get("PLAUDIT_CLAIM_TIMEOUT", store.DefaultClaimTimeout.String())); err != nil || c.ClaimTimeout <= 0 {
		return c, fmt.Errorf("PLAUDIT_CLAIM_TIMEOUT must be a positive duration such as 10m or 90s")
	}
	if c.TrustedProxies, err = server.ParseTrustedProxies(get("PLAUDIT_TRUSTED_PROXIES", "")); err != nil {
		return c, fmt.Errorf("PLAUDIT_TRUSTED_PROXIES must list addresses or CIDR ranges such as 10.0.0.0/8, separated by commas")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("PLAUDIT_LOG_FORMAT must be text or json")
	}
	if c.TwilioAccountSID != "" && c.TwilioFrom == "" && c.TwilioMessagingServiceSID == "" {
		return c, fmt.Errorf("TWILIO_ACCOUNT_SID is set: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID too")
	}
	if c.TwilioAccountSID != "" && c.TwilioAuthToken == "" {
		return c, fmt.Errorf("TWILIO_ACCOUNT_SID is set: set TWILIO_AUTH_TOKEN too")
	}
	if c.Outbox, err = strconv.ParseBool(get("PLAUDIT_OUTBOX", strconv.FormatBool(c.embeddedDefaults()))); err != nil {
		return c, fmt.Errorf("PLAUDIT_OUTBOX must be true or false")
	}
	return c, checkExposure(c)
}

// secretFrom reads NAME, or the file named by NAME_FILE (Docker and
// Kubernetes secrets), trimming a trailing newline.
func secretFrom(getenv func(string) string, name string) (string, error) {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return v, nil
	}
	path := strings.TrimSpace(getenv(name + "_FILE"))
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Embedded reports whether Redis runs in process.
func (c Config) Embedded() bool { return c.RedisURL == "" }
