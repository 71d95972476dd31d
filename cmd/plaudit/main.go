// Command plaudit runs the Plaudit gateway: HTTP, workers and the periodic
// scheduler in one process (serve), or split into api and worker replicas.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `plaudit: feedback requests for helpdesk tickets

Usage:
  plaudit [serve]       HTTP, workers and the scheduler in one process
  plaudit api           HTTP only
  plaudit worker        workers and the scheduler only
  plaudit migrate       apply database migrations and exit
  plaudit rotate-key    re-encrypt secrets under PLAUDIT_SECRET_KEY (old key in PLAUDIT_SECRET_KEY_PREVIOUS)
  plaudit simulate KIND [flags]
                        sign and post a sample webhook: zendesk, standard,
                        twilio (an SMS reply), sendgrid-inbound (an email reply);
                        plaudit simulate -h says more
  plaudit healthcheck   exit 0 when this host's plaudit answers /readyz (the image's health check)
  plaudit version       print the version

Configuration is read from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve", "api", "worker":
		err = serve(ctx, cmd, getenv, stdout, stderr)
	case "migrate":
		err = migrate(ctx, getenv, stderr)
	case "rotate-key":
		err = rotateKey(ctx, getenv, stdout, stderr)
	case "simulate":
		err = simulate(ctx, args, getenv, stdout)
	case "healthcheck":
		err = healthcheck(ctx, getenv, stdout)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "plaudit", version)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "plaudit: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "plaudit:", err)
		return 1
	}
	return 0
}
