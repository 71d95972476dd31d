package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// simulate signs and posts a sample webhook the way the helpdesk would,
// so that a newcomer can see the whole path without a helpdesk account.
func simulate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "zendesk" {
		return errors.New("simulate: usage: plaudit simulate zendesk -connector ID -secret SIGNING_SECRET [flags]")
	}
	fs := flag.NewFlagSet("simulate zendesk", flag.ContinueOnError)
	fs.SetOutput(stdout)
	base := fs.String("url", getenvDefault(getenv, "PLAUDIT_PUBLIC_URL", "http://localhost:8080"), "Plaudit's base URL")
	connector := fs.String("connector", "", "connector id (from POST /api/v1/connectors)")
	secret := fs.String("secret", "", "the connector's signing_secret")
	ticket := fs.String("ticket", strconv.FormatInt(time.Now().Unix()%1000000, 10), "ticket id")
	status := fs.String("status", "Solved", "ticket status as Zendesk shows it")
	name := fs.String("customer-name", "Erika Mustermann", "requester name")
	email := fs.String("customer-email", "erika@example.com", "requester email")
	phone := fs.String("customer-phone", "", "requester phone")
	lang := fs.String("language", "English", "requester language as Zendesk names it (English, Deutsch)")
	agentID := fs.String("agent-id", "1001", "assignee id")
	agentEmail := fs.String("agent-email", "max@example.com", "assignee email")
	agentName := fs.String("agent-name", "Max Mustermann", "assignee name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *connector == "" || *secret == "" {
		return errors.New("simulate zendesk: -connector and -secret are required")
	}
	body, err := json.Marshal(map[string]any{
		"ticket": map[string]string{"id": *ticket, "status": *status, "via": "Web Form", "tags": "",
			"brand": "", "updated_at": time.Now().UTC().Format(time.RFC3339)},
		"requester": map[string]string{"id": "2002", "name": *name, "email": *email, "phone": *phone, "language": *lang},
		"assignee":  map[string]string{"id": *agentID, "name": *agentName, "email": *agentEmail},
	})
	if err != nil {
		return err
	}
	ts := time.Now().UTC().Format(time.RFC3339)
	mac := hmac.New(sha256.New, []byte(*secret))
	mac.Write([]byte(ts))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, *base+"/hooks/"+*connector, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
	req.Header.Set("X-Zendesk-Webhook-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "POST /hooks/%s (ticket %s, %s) → %s\n%s\n", *connector, *ticket, *status, resp.Status, out)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("simulate: webhook refused with %s", resp.Status)
	}
	return nil
}

func getenvDefault(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
}
