package smtp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

var testEmail = notify.Email{
	To:        "anna.schmidt@example.org",
	From:      "feedback@acme.com",
	FromName:  "Acme Kundenservice – Müller",
	ReplyTo:   "reply+tok123@in.acme.com",
	Subject:   "Wie zufrieden waren Sie mit Max? Bewerten Sie den Support von Acme",
	HTML:      `<p>Wie zufrieden waren Sie mit Max?</p><a href="https://fb.acme.com/f/tok?score=5">5</a>` + "\n.\n" + strings.Repeat("x", 200),
	Text:      "Wie zufrieden waren Sie mit Max?\n5 - Sehr gut: https://fb.acme.com/f/tok?score=5\n.\nEnde",
	TenantID:  "ten_1",
	RequestID: "req_1",
}

// received is one session as the test server saw it.
type received struct {
	helo     string
	tls      bool
	authUser string
	authPass string
	from     string
	rcpt     []string
	data     string
}

// server is a small SMTP server on 127.0.0.1: enough of RFC 5321 for a
// submission client (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT).
type server struct {
	t         *testing.T
	ln        net.Listener
	tlsConfig *tls.Config // offered with STARTTLS, or used from the first byte when implicit
	implicit  bool
	auth      bool   // offer AUTH PLAIN
	user      string // required credentials when auth
	pass      string
	rcptReply string // e.g. "550 5.1.1 <anna.schmidt@example.org>: Recipient address rejected"
	stall     bool   // never answer the greeting

	mu       sync.Mutex
	sessions []received
	wg       sync.WaitGroup
	// active counts sessions not yet recorded. The client may return
	// (after QUIT) before the server's side of the session has ended.
	active sync.WaitGroup
}

func (s *server) start() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatal(err)
	}
	s.ln = ln
	s.t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			s.active.Add(1)
			go func() {
				defer s.wg.Done()
				defer s.active.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				s.session(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// got returns the sessions, once every session accepted so far has ended.
func (s *server) got() []received {
	s.active.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.sessions...)
}

func (s *server) session(c net.Conn) {
	var r received
	defer func() {
		s.mu.Lock()
		s.sessions = append(s.sessions, r)
		s.mu.Unlock()
	}()
	if s.implicit {
		tc := tls.Server(c, s.tlsConfig)
		if err := tc.Handshake(); err != nil {
			return
		}
		c, r.tls = tc, true
	}
	if s.stall {
		_, _ = io.Copy(io.Discard, c)
		return
	}
	tp := textproto.NewConn(c)
	reply := func(lines ...string) {
		for _, l := range lines {
			_ = tp.PrintfLine("%s", l)
		}
	}
	reply("220 test.local ESMTP ready")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			r.helo = arg
			lines := []string{"250-test.local", "250-8BITMIME"}
			if s.tlsConfig != nil && !r.tls {
				lines = append(lines, "250-STARTTLS")
			}
			if s.auth {
				lines = append(lines, "250-AUTH PLAIN")
			}
			lines = append(lines, "250 SIZE 10240000")
			reply(lines...)
		case "STARTTLS":
			reply("220 2.0.0 go ahead")
			tc := tls.Server(c, s.tlsConfig)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, r.tls = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			mech, ir, _ := strings.Cut(arg, " ")
			if mech != "PLAIN" {
				reply("504 5.5.4 unrecognized mechanism")
				continue
			}
			raw, _ := base64.StdEncoding.DecodeString(ir)
			parts := strings.Split(string(raw), "\x00")
			if len(parts) == 3 {
				r.authUser, r.authPass = parts[1], parts[2]
			}
			if r.authUser == s.user && r.authPass == s.pass {
				reply("235 2.7.0 Authentication successful")
			} else {
				reply("535 5.7.8 Authentication credentials invalid")
			}
		case "MAIL":
			r.from = strings.TrimSuffix(strings.TrimPrefix(arg, "FROM:<"), ">")
			if i := strings.Index(r.from, "> "); i >= 0 {
				r.from = r.from[:i]
			}
			reply("250 2.1.0 Ok")
		case "RCPT":
			if s.rcptReply != "" {
				reply(s.rcptReply)
				continue
			}
			r.rcpt = append(r.rcpt, strings.TrimSuffix(strings.TrimPrefix(arg, "TO:<"), ">"))
			reply("250 2.1.5 Ok")
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			r.data = string(b)
			reply("250 2.0.0 Ok: queued as 12345")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		case "RSET", "NOOP":
			reply("250 2.0.0 Ok")
		default:
			reply("502 5.5.2 Error: command not recognized")
		}
	}
}

// testCert returns a server certificate for 127.0.0.1 and a client config
// that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func TestSendEmailSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := testCert(t)
	s := &server{t: t, tlsConfig: srvTLS, auth: true, user: "mailer", pass: "p@ss:word"}
	addr := s.start()
	c, err := NewClient("smtp://mailer:p%40ss%3Aword@"+addr+"?helo=plaudit.example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.TLSConfig = cliTLS
	id, err := c.SendEmail(context.Background(), testEmail)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@acme.com>") {
		t.Errorf("provider id = %q", id)
	}
	sessions := s.got()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	r := sessions[0]
	if !r.tls || r.authUser != "mailer" || r.authPass != "p@ss:word" || r.helo != "plaudit.example.com" {
		t.Errorf("session: tls=%v user=%q pass=%q helo=%q", r.tls, r.authUser, r.authPass, r.helo)
	}
	if r.from != testEmail.From || len(r.rcpt) != 1 || r.rcpt[0] != testEmail.To {
		t.Errorf("envelope: from=%q rcpt=%v", r.from, r.rcpt)
	}
	checkMessage(t, r.data, id)
}

// TestSendEmailListUnsubscribe sends a real rendered feedback email (in
// German, with its footer) and reads its headers as a mail client does:
// List-Unsubscribe with the page and the mailto:, and
// List-Unsubscribe-Post for the one-click POST (RFC 8058). The headers
// are logged: go test -v -run TestSendEmailListUnsubscribe shows them.
func TestSendEmailListUnsubscribe(t *testing.T) {
	s := &server{t: t}
	addr := s.start()
	c, err := NewClient("smtp://"+addr+"?tls=none", nil)
	if err != nil {
		t.Fatal(err)
	}
	settings := plaudit.DefaultSettings()
	settings.BrandName = "Nordlicht"
	subject, html, text, err := notify.RenderEmail(notify.Content{Settings: settings, Language: "de",
		Agent: plaudit.Agent{Name: "Jonas Weber"}, CustomerName: "Anna Schneider", Controller: "Nordlicht Reisen GmbH",
		PageURL: "https://plaudit.nordlicht.example/f/Qm9vZ3J5aWQxMjM0NT", UnsubscribeURL: "https://plaudit.nordlicht.example/u/Qm9vZ3J5aWQxMjM0NT"})
	if err != nil {
		t.Fatal(err)
	}
	m := notify.Email{To: "anna.schneider@example.org", From: "feedback@nordlicht.example", FromName: "Nordlicht",
		ReplyTo: "reply+Qm9vZ3J5aWQxMjM0NT@reply.nordlicht.example", Subject: subject, HTML: html, Text: text,
		UnsubscribeURL:    "https://plaudit.nordlicht.example/u/Qm9vZ3J5aWQxMjM0NT",
		UnsubscribeMailto: "reply+Qm9vZ3J5aWQxMjM0NT@reply.nordlicht.example", TenantID: "ten_1", RequestID: "req_1"}
	if _, err := c.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	data := s.got()[0].data
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := msg.Header.Get("List-Unsubscribe"), "<https://plaudit.nordlicht.example/u/Qm9vZ3J5aWQxMjM0NT>, <mailto:reply+Qm9vZ3J5aWQxMjM0NT@reply.nordlicht.example?subject=unsubscribe>"; got != want {
		t.Errorf("List-Unsubscribe = %q, want %q", got, want)
	}
	if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	head, _, _ := strings.Cut(data, "\n\n")
	t.Logf("headers of the rendered email:\n%s", head)
}

func checkMessage(t *testing.T, data, id string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != testEmail.Subject {
		t.Errorf("Subject = %q (%q, %v)", h.Get("Subject"), subject, err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != testEmail.FromName || from[0].Address != testEmail.From {
		t.Errorf("From = %q: %v %v", h.Get("From"), from, err)
	}
	if strings.ContainsAny(h.Get("From"), "–ü") || strings.ContainsAny(h.Get("Subject"), "ü") {
		t.Errorf("non-ASCII header not encoded: %q / %q", h.Get("From"), h.Get("Subject"))
	}
	if to, err := h.AddressList("To"); err != nil || to[0].Address != testEmail.To {
		t.Errorf("To = %q", h.Get("To"))
	}
	if rt, err := h.AddressList("Reply-To"); err != nil || rt[0].Address != testEmail.ReplyTo {
		t.Errorf("Reply-To = %q", h.Get("Reply-To"))
	}
	if h.Get("Message-Id") != id {
		t.Errorf("Message-ID = %q, want %q", h.Get("Message-Id"), id)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if h.Get("Mime-Version") != "1.0" || h.Get("X-Plaudit-Request-Id") != "req_1" || h.Get("X-Plaudit-Tenant-Id") != "ten_1" {
		t.Errorf("headers = %v", h)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q", h.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		types = append(types, p.Header.Get("Content-Type"))
		bodies = append(bodies, strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	if len(types) != 2 || types[0] != "text/plain; charset=utf-8" || types[1] != "text/html; charset=utf-8" {
		t.Fatalf("parts = %v", types)
	}
	if bodies[0] != testEmail.Text {
		t.Errorf("text part = %q", bodies[0])
	}
	if bodies[1] != testEmail.HTML {
		t.Errorf("html part = %q", bodies[1])
	}
	for _, line := range strings.Split(data, "\n") { // the DotReader turned CRLF into LF
		if len(line) > 998 {
			t.Errorf("line of %d octets: %.120q", len(line), line)
		}
		for _, b := range []byte(line) {
			if b >= 0x80 {
				t.Fatalf("8-bit octet in message: %q", line)
			}
		}
	}
}

func TestSendEmailImplicitTLS(t *testing.T) {
	srvTLS, cliTLS := testCert(t)
	s := &server{t: t, tlsConfig: srvTLS, implicit: true, auth: true, user: "u", pass: "p"}
	addr := s.start()
	c, err := NewClient("smtps://u:p@"+addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.TLSConfig = cliTLS
	if _, err := c.SendEmail(context.Background(), testEmail); err != nil {
		t.Fatal(err)
	}
	if r := s.got()[0]; !r.tls || r.authUser != "u" || len(r.rcpt) != 1 {
		t.Errorf("session = %+v", r)
	}
}

func TestSendEmailPlainNoAuth(t *testing.T) {
	s := &server{t: t}
	addr := s.start()
	var dialed string
	c, err := NewClient("smtp://"+addr, func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = addr
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	})
	if err != nil {
		t.Fatal(err)
	}
	m := testEmail
	m.ReplyTo, m.HTML = "", ""
	if _, err := c.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if dialed != addr {
		t.Errorf("dialed %q, want %q", dialed, addr)
	}
	r := s.got()[0]
	if r.tls || r.authUser != "" || r.helo != "localhost" {
		t.Errorf("session = %+v", r)
	}
	msg, err := mail.ReadMessage(strings.NewReader(r.data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Reply-To") != "" {
		t.Errorf("Reply-To = %q", msg.Header.Get("Reply-To"))
	}
}

func TestErrors(t *testing.T) {
	t.Run("recipient rejected", func(t *testing.T) {
		s := &server{t: t, rcptReply: "550 5.1.1 <anna.schmidt@example.org>: Recipient address rejected"}
		c, _ := NewClient("smtp://"+s.start(), nil)
		_, err := c.SendEmail(context.Background(), testEmail)
		var p *plaudit.PermanentError
		if !errors.As(err, &p) || p.Reason != "smtp: 550 recipient rejected" {
			t.Fatalf("err = %v", err)
		}
		noPersonalData(t, err)
	})
	t.Run("mailbox busy", func(t *testing.T) {
		s := &server{t: t, rcptReply: "451 4.3.0 <anna.schmidt@example.org>: Temporary lookup failure"}
		c, _ := NewClient("smtp://"+s.start(), nil)
		_, err := c.SendEmail(context.Background(), testEmail)
		var pe *notify.ProviderError
		if err == nil || plaudit.IsPermanent(err) || !errors.As(err, &pe) || pe.Status != 451 {
			t.Fatalf("err = %v, want retryable 451", err)
		}
		noPersonalData(t, err)
	})
	t.Run("bad credentials", func(t *testing.T) {
		s := &server{t: t, auth: true, user: "u", pass: "right"}
		c, _ := NewClient("smtp://u:wrong@"+s.start(), nil)
		_, err := c.SendEmail(context.Background(), testEmail)
		var p *plaudit.PermanentError
		if !errors.As(err, &p) || p.Reason != "smtp: 535 authentication failed" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("credentials but no AUTH", func(t *testing.T) {
		s := &server{t: t}
		c, _ := NewClient("smtp://u:p@"+s.start(), nil)
		if _, err := c.SendEmail(context.Background(), testEmail); !plaudit.IsPermanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srvTLS, _ := testCert(t)
		s := &server{t: t, tlsConfig: srvTLS}
		c, _ := NewClient("smtp://"+s.start(), nil)
		_, err := c.SendEmail(context.Background(), testEmail)
		var p *plaudit.PermanentError
		if !errors.As(err, &p) || !strings.Contains(p.Reason, "certificate") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		c, _ := NewClient("smtp://"+addr, nil)
		_, err := c.SendEmail(context.Background(), testEmail)
		if err == nil || plaudit.IsPermanent(err) {
			t.Fatalf("err = %v, want retryable", err)
		}
	})
	t.Run("server stalls", func(t *testing.T) {
		s := &server{t: t, stall: true}
		c, _ := NewClient("smtp://"+s.start(), nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.SendEmail(ctx, testEmail)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Fatalf("err = %v after %s", err, time.Since(start))
		}
	})
	t.Run("canceled while stalled", func(t *testing.T) {
		s := &server{t: t, stall: true}
		c, _ := NewClient("smtp://"+s.start(), nil)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := c.SendEmail(ctx, testEmail)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestInvalidMessagesArePermanent(t *testing.T) {
	c, err := NewClient("smtp://127.0.0.1:1", func(ctx context.Context, network, addr string) (net.Conn, error) {
		t.Error("dialed for an invalid message")
		return nil, errors.New("no")
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []notify.Email{
		{From: "a@b.c", Text: "x"},
		{To: "not an address", From: "a@b.c", Text: "x"},
		{To: "a@b.c", Text: "x"},
		{To: "a@b.c", From: "a@b.c", ReplyTo: "x\r\nBcc: y@z", Text: "x"},
		{To: "a@b.c", From: "a@b.c"},
	} {
		if _, err := c.SendEmail(context.Background(), m); !plaudit.IsPermanent(err) {
			t.Errorf("%+v: err = %v", m, err)
		}
	}
}

// TestListUnsubscribeHeaders: the unsubscribe headers are written as
// they are; an unsubscribe address cannot add a recipient or a line of its
// own.
func TestListUnsubscribeHeaders(t *testing.T) {
	m := testEmail
	m.UnsubscribeURL = "https://fb.acme.com/u/tok"
	msg := readBuilt(t, m)
	if got := msg.Header.Get("List-Unsubscribe"); !strings.HasPrefix(got, "<https://fb.acme.com/u/tok>") {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	m.UnsubscribeURL = "https://fb.acme.com/u/tok>\r\nBcc: victim@example.com"
	if v := readBuilt(t, m).Header.Get("Bcc"); v != "" {
		t.Errorf("a Bcc through the unsubscribe URL: %q", v)
	}
}

func TestHeaderInjection(t *testing.T) {
	m := testEmail
	m.Subject = "Hi\r\nBcc: victim@example.com"
	m.FromName = "Acme\r\nBcc: victim@example.com"
	m.RequestID = "req\r\nBcc: victim@example.com"
	if v := readBuilt(t, m).Header.Get("Bcc"); v != "" {
		t.Errorf("injected Bcc: %q", v)
	}
}

// readBuilt is the message buildMessage makes of m, as a reader parses it.
func readBuilt(t *testing.T, m notify.Email) *mail.Message {
	t.Helper()
	from, _ := mail.ParseAddress(m.From)
	from.Name = m.FromName
	to, _ := mail.ParseAddress(m.To)
	b, err := buildMessage(m, from, to, nil, "<id@acme.com>", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestNewClient(t *testing.T) {
	cases := map[string]string{
		"smtp://mail.example.com":         "mail.example.com:587",
		"smtp://mail.example.com:25":      "mail.example.com:25",
		"smtps://u:p@mail.example.com":    "mail.example.com:465",
		"smtps://u:p@[2001:db8::1]:10465": "[2001:db8::1]:10465",
	}
	for in, want := range cases {
		c, err := NewClient(in, nil)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if c.addr != want {
			t.Errorf("%s: addr = %s, want %s", in, c.addr, want)
		}
	}
	for _, ok := range []string{"smtp://mail.example.com?helo=plaudit.example.com", "smtp://mail.example.com?helo=[192.0.2.1]", "smtp://@mail.example.com"} {
		if _, err := NewClient(ok, nil); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestNewClientRefuses: an SMTP_URL that cannot work fails at
// construction, with an error that names the variable and quotes nothing
// of the URL (it holds the password).
func TestNewClientRefuses(t *testing.T) {
	for bad, want := range map[string]string{
		"http://u:secret@mail.example.com":             "SMTP_URL must start with smtp:// or smtps://",
		"mail.example.com":                             "SMTP_URL must start with smtp:// or smtps://",
		"smtp://":                                      "SMTP_URL names no host",
		"smtp://u:secret@":                             "SMTP_URL names no host",
		"::":                                           "SMTP_URL cannot be parsed",
		"smtp://u:sec%zzret@mail.example.com":          "SMTP_URL cannot be parsed",
		"smtp://u:secret@mail.example.com:smtp":        "SMTP_URL cannot be parsed",
		"smtp://u:secret@mail.example.com:0":           "SMTP_URL has a port outside 1 to 65535",
		"smtps://u:secret@mail.example.com:99999":      "SMTP_URL has a port outside 1 to 65535",
		"smtp://:secret@mail.example.com":              "SMTP_URL has a password but no user name",
		"smtp://mail.example.com?helo=secret%20name":   "SMTP_URL: helo must be",
		"smtp://mail.example.com?helo=secret%0D%0AX":   "SMTP_URL: helo must be",
		"smtp://mail.example.com?helo=-secret.example": "SMTP_URL: helo must be",
	} {
		c, err := NewClient(bad, nil)
		if c != nil || plaudit.ErrorCode(err) != plaudit.EInvalid || !strings.HasPrefix(plaudit.ErrorMessage(err), want) {
			t.Errorf("%q: %v, %v; want an error starting %q", bad, c, err, want)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "mail.example.com") {
			t.Errorf("%q: error %q quotes the URL", bad, err)
		}
	}
}

func noPersonalData(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{testEmail.To, "anna", "Max", testEmail.Subject} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}
}
