package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/keyring"
)

// A simulation posts what a helpdesk or a provider would post, signed as
// they sign it, so that each path can be tried locally without an account
// there and without computing a signature by hand.
type simulation struct {
	summary string
	// flags defines the simulation's flags on fs and returns what builds
	// the request once they are parsed: the request to base, and a few
	// words on what it carries, for the output.
	flags func(fs *flag.FlagSet, getenv func(string) string) func(ctx context.Context, base string) (*http.Request, string, error)
}

var simulations = map[string]simulation{
	"zendesk":          {"a solved Zendesk ticket, signed with the connector's signing_secret", zendeskSim},
	"standard":         {"a solved ticket as a Standard Webhook (the trigger body), signed with the connector's signing_secret", standardSim},
	"twilio":           {"a customer's SMS reply (a score, a comment, STOP), signed with TWILIO_AUTH_TOKEN", twilioSim},
	"sendgrid-inbound": {"a customer's email reply, as SendGrid Inbound Parse posts it, to the Reply-To the outbox shows", sendgridInboundSim},
}

const simulateUsage = `Usage: plaudit simulate KIND [flags]

Posts a sample of what a helpdesk or a provider sends, signed the way it
signs, to a running Plaudit. KIND is one of:
%s
Each KIND lists its flags with: plaudit simulate KIND -h
The base URL is -url, else PLAUDIT_PUBLIC_URL, else http://localhost on the
port of PLAUDIT_ADDR (8080): what plaudit serve itself uses.
`

func simulateHelp() string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(simulations)) {
		fmt.Fprintf(&b, "  %-17s %s\n", name, simulations[name].summary)
	}
	return fmt.Sprintf(simulateUsage, b.String())
}

// simulate runs `plaudit simulate KIND [flags]`. -h, at either place,
// prints the usage and succeeds.
func simulate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, simulateHelp())
		return errors.New("simulate: name what to simulate")
	}
	if slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]) {
		fmt.Fprint(stdout, simulateHelp())
		return nil
	}
	sim, ok := simulations[args[0]]
	if !ok {
		fmt.Fprint(stdout, simulateHelp())
		return fmt.Errorf("simulate: unknown kind %q", args[0])
	}
	fs := flag.NewFlagSet("plaudit simulate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	base := fs.String("url", simulateBase(getenv), "Plaudit's base URL")
	build := sim.flags(fs, getenv)
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	req, what, err := build(ctx, strings.TrimRight(*base, "/"))
	if err != nil {
		return fmt.Errorf("simulate %s: %w", args[0], err)
	}
	return post(req, what, stdout)
}

// simulateBase is the URL serve uses for itself: PLAUDIT_PUBLIC_URL, else
// derived from PLAUDIT_ADDR.
func simulateBase(getenv func(string) string) string {
	if v := strings.TrimSpace(getenv("PLAUDIT_PUBLIC_URL")); v != "" {
		return v
	}
	return defaultPublicURL(cmp.Or(strings.TrimSpace(getenv("PLAUDIT_ADDR")), ":8080"))
}

// post sends req and prints what came back; an answer that is no 2xx is
// an error.
func post(req *http.Request, what string, stdout io.Writer) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("simulate: %w (is plaudit running and listening there?)", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "POST %s (%s) → %s\n%s\n", req.URL.Path, what, resp.Status, bytes.TrimSpace(out))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("simulate: refused with %s", resp.Status)
	}
	return nil
}

// newTicketID is a ticket id of its own for each call (from the clock), so
// that a second call is a second ticket, not a redelivery of the first.
func newTicketID() string {
	return strconv.FormatInt(time.Now().UnixMilli()%1_000_000_000, 10)
}

const ticketHelp = "ticket id (default: a new one on every call, so that each call is a new ticket; give one to send the same ticket again)"

// randomID is a message id as providers make them: prefix and 32 hex digits.
func randomID(prefix string) string {
	return prefix + fmt.Sprintf("%x", keyring.RandomBytes(16))
}
