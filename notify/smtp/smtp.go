// Package smtp sends feedback request emails through an SMTP server, for
// operators who relay mail through their own infrastructure instead of
// SendGrid.
package smtp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	netsmtp "net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// defaultTimeout bounds one delivery when the context has no deadline.
const defaultTimeout = 60 * time.Second

// Client sends email through one SMTP server. It is safe for concurrent
// use; each message goes over its own connection.
type Client struct {
	host        string
	addr        string
	implicitTLS bool
	user, pass  string
	helo        string
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)

	// TLSConfig, when set before the first send, is used for STARTTLS and
	// smtps (a private CA, a client certificate). ServerName defaults to
	// the URL's host.
	TLSConfig *tls.Config
}

var _ notify.EmailSender = (*Client)(nil)

// NewClient parses smtpURL, smtp://user:pass@host:port (STARTTLS when the
// server offers it; port 587 by default) or smtps://user:pass@host:port
// (TLS from the first byte; port 465 by default). The optional query
// parameter helo sets the name sent in EHLO ("localhost" otherwise). dial
// opens the connection (nil: a plain net.Dialer), so that the egress
// policy can be applied.
//
// An error names SMTP_URL and what is wrong with it, never the URL itself
// (it holds the password).
func NewClient(smtpURL string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*Client, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		// url.Error quotes the URL: only its kind of mistake is kept.
		return nil, plaudit.Errorf(plaudit.EInvalid, "SMTP_URL cannot be parsed as a URL (a password with reserved characters must be percent-encoded)")
	}
	c := &Client{host: u.Hostname(), helo: u.Query().Get("helo"), dial: dial}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		c.implicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, plaudit.Errorf(plaudit.EInvalid, "SMTP_URL must start with smtp:// or smtps://")
	}
	if c.host == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "SMTP_URL names no host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, plaudit.Errorf(plaudit.EInvalid, "SMTP_URL has a port outside 1 to 65535")
	}
	if c.helo != "" && !heloName.MatchString(c.helo) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "SMTP_URL: helo must be a host name or an address literal such as [192.0.2.1]")
	}
	c.addr = net.JoinHostPort(c.host, port)
	if u.User != nil {
		c.user = u.User.Username()
		var hasPass bool
		c.pass, hasPass = u.User.Password()
		if c.user == "" && hasPass {
			return nil, plaudit.Errorf(plaudit.EInvalid, "SMTP_URL has a password but no user name")
		}
	}
	if c.helo == "" {
		c.helo = "localhost"
	}
	if c.dial == nil {
		c.dial = (&net.Dialer{Timeout: 30 * time.Second}).DialContext
	}
	return c, nil
}

// heloName is what EHLO may carry: a domain or an address literal.
var heloName = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])$`)

func (c *Client) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSConfig != nil {
		cfg = c.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = c.host
	}
	return cfg
}

// SendEmail delivers m and returns its Message-ID header value
// ("<…@sender-domain>").
func (c *Client) SendEmail(ctx context.Context, m notify.Email) (string, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return "", plaudit.Permanent("smtp: invalid recipient address", nil)
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return "", plaudit.Permanent("smtp: invalid sender address (set from_email)", nil)
	}
	from.Name = m.FromName
	var replyTo *mail.Address
	if m.ReplyTo != "" {
		if replyTo, err = mail.ParseAddress(m.ReplyTo); err != nil {
			return "", plaudit.Permanent("smtp: invalid reply-to address", nil)
		}
	}
	if m.HTML == "" && m.Text == "" {
		return "", plaudit.Permanent("smtp: empty message", nil)
	}
	id, err := messageID(from.Address)
	if err != nil {
		return "", err
	}
	msg, err := buildMessage(m, from, to, replyTo, id, time.Now())
	if err != nil {
		return "", err
	}
	if err := c.deliver(ctx, from.Address, to.Address, msg); err != nil {
		return "", err
	}
	return id, nil
}

// deliver runs one SMTP session.
func (c *Client) deliver(ctx context.Context, from, to string, msg []byte) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	raw, err := c.dial(ctx, "tcp", c.addr)
	if err != nil {
		return fmt.Errorf("smtp: connect: %w", err)
	}
	defer raw.Close()
	// net/smtp takes no context: the deadline bounds every read and
	// write, and cancellation cuts the connection short.
	deadline, _ := ctx.Deadline()
	_ = raw.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conn := raw

	fail := func(stage string, err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("smtp: %s: %w", stage, ctx.Err())
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(deadline) {
			// The connection's deadline is the context's: it may fire a
			// moment before the context notices.
			return fmt.Errorf("smtp: %s: %w", stage, context.DeadlineExceeded)
		}
		return classify(stage, err)
	}

	tlsOn := false
	if c.implicitTLS {
		tc := tls.Client(conn, c.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("tls", err)
		}
		conn, tlsOn = tc, true
	}
	sc, err := netsmtp.NewClient(conn, c.host)
	if err != nil {
		return fail("greeting", err)
	}
	defer sc.Close()
	if err := sc.Hello(c.helo); err != nil {
		return fail("hello", err)
	}
	return c.transact(sc, tlsOn, fail, from, to, msg)
}

// transact runs a greeted session: STARTTLS where offered, AUTH where
// configured, then one message. fail names the stage of an error.
func (c *Client) transact(sc *netsmtp.Client, tlsOn bool, fail func(stage string, err error) error, from, to string, msg []byte) error {
	if !tlsOn {
		if ok, _ := sc.Extension("STARTTLS"); ok {
			if err := sc.StartTLS(c.tlsConfig()); err != nil {
				return fail("starttls", err)
			}
			tlsOn = true
		}
	}
	if c.user != "" {
		if ok, _ := sc.Extension("AUTH"); !ok {
			return plaudit.Permanent("smtp: the server offers no AUTH but SMTP_URL has credentials", nil)
		}
		if !tlsOn && !isLocalhost(c.host) {
			return plaudit.Permanent("smtp: the server offers no TLS; refusing to send the password in clear", nil)
		}
		if err := sc.Auth(netsmtp.PlainAuth("", c.user, c.pass, c.host)); err != nil {
			return fail("auth", err)
		}
	}
	if err := sc.Mail(from); err != nil {
		return fail("mail", err)
	}
	if err := sc.Rcpt(to); err != nil {
		return fail("rcpt", err)
	}
	w, err := sc.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	// The message is accepted; a failed QUIT changes nothing about that.
	_ = sc.Quit()
	return nil
}

func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// stageReasons say, for tenant admins, what the server refused.
var stageReasons = map[string]string{
	"greeting": "server refused the connection",
	"hello":    "server refused EHLO",
	"starttls": "server refused STARTTLS",
	"auth":     "authentication failed",
	"mail":     "sender rejected",
	"rcpt":     "recipient rejected",
	"data":     "message rejected",
}

// classify maps an SMTP failure: 5xx replies are permanent, 4xx replies
// and network failures retryable. Reply texts often quote the address
// ("550 5.1.1 <anna@…>: Recipient address rejected"), so only the code is
// kept.
func classify(stage string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		pe := &notify.ProviderError{Provider: "smtp", Status: te.Code, Detail: stage}
		if te.Code >= 500 {
			return plaudit.Permanent(fmt.Sprintf("smtp: %d %s", te.Code, stageReasons[stage]), pe)
		}
		return pe
	}
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	if errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &hne) {
		return plaudit.Permanent("smtp: the server's TLS certificate is not trusted", nil)
	}
	return fmt.Errorf("smtp: %s: %w", stage, err)
}

// messageID makes a Message-ID in the sender's domain.
func messageID(from string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("smtp: message id: %w", err)
	}
	domain := "plaudit.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">", nil
}

// headerSafe drops control characters from a value that goes into a header
// unencoded, so that no value can start a header of its own.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// buildMessage writes a multipart/alternative message: the plain-text part
// first, the HTML part last (the one mail clients prefer), both
// quoted-printable, with non-ASCII header text Q-encoded.
func buildMessage(m notify.Email, from, to, replyTo *mail.Address, id string, date time.Time) ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range []struct{ ctype, content string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if p.content == "" {
			continue
		}
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ctype + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qw := quotedprintable.NewWriter(pw)
		if _, err := qw.Write([]byte(p.content)); err != nil {
			return nil, err
		}
		if err := qw.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}

	var h bytes.Buffer
	header := func(k, v string) { h.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", (&mail.Address{Address: to.Address}).String())
	if replyTo != nil {
		header("Reply-To", (&mail.Address{Address: replyTo.Address}).String())
	}
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	// Asks autoresponders (vacation notices) not to answer (RFC 3834).
	header("Auto-Submitted", "auto-generated")
	for _, u := range m.ListUnsubscribe() {
		header(u.Name, headerSafe(u.Value))
	}
	if m.TenantID != "" {
		header("X-Plaudit-Tenant-Id", headerSafe(m.TenantID))
	}
	if m.RequestID != "" {
		header("X-Plaudit-Request-Id", headerSafe(m.RequestID))
	}
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	h.WriteString("\r\n")
	h.Write(body.Bytes())
	return h.Bytes(), nil
}
