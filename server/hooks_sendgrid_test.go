package server

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"
)

func TestEventPublicKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	b64 := base64.StdEncoding.EncodeToString(der)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	for name, in := range map[string]string{
		"as SendGrid shows it": b64,
		"with a newline":       b64 + "\n",
		"wrapped":              b64[:40] + "\n" + b64[40:],
		"PEM":                  pemKey,
	} {
		got, err := eventPublicKey(in)
		if err != nil || !got.Equal(&k.PublicKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A key of another type is an error, not a panic.
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKIXPublicKey(edPub)
	for name, in := range map[string]string{
		"ed25519":    base64.StdEncoding.EncodeToString(edDER),
		"not base64": "not a key!",
		"not DER":    base64.StdEncoding.EncodeToString([]byte("hello")),
	} {
		if _, err := eventPublicKey(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSGMessageID(t *testing.T) {
	for in, want := range map[string]string{
		"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0":                         "14c5d75ce93.dfd.64b469",
		"Z2d9s7s7QW2Lxm5Y8X9hYQ.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC1F4-4A.0": "Z2d9s7s7QW2Lxm5Y8X9hYQ",
		"Z2d9s7s7QW2Lxm5Y8X9hYQ.recvd-5f9c4b4b5-x7k9p-1-62E7C5E8-3.0":                 "Z2d9s7s7QW2Lxm5Y8X9hYQ",
		"Z2d9s7s7QW2Lxm5Y8X9hYQ": "Z2d9s7s7QW2Lxm5Y8X9hYQ",
		"":                       "",
	} {
		if got := sgMessageID(in); got != want {
			t.Errorf("sgMessageID(%q) = %q, want %q", in, got, want)
		}
	}
}
