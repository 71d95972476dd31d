package keyring

import (
	"bytes"
	"strings"
	"testing"
)

func TestSealOpenAndRotation(t *testing.T) {
	oldKey, newKey := RandomBytes(KeySize), RandomBytes(KeySize)
	old, err := New(oldKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal([]byte("zd-api-token"), []byte("con_1"))
	if strings.Contains(sealed, "zd-api-token") {
		t.Fatal("sealed value contains the plaintext")
	}
	if pt, err := old.Open(sealed, []byte("con_1")); err != nil || string(pt) != "zd-api-token" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := old.Open(sealed, []byte("con_2")); err == nil {
		t.Error("a value sealed for one row opened for another")
	}
	// Change one character in the middle of the sealed value: every bit of
	// it is ciphertext there (the last character of unpadded base64 can
	// hold bits the decoder ignores, and "AA" may already be the ending).
	mid := len(sealed) / 2
	swap := byte('A')
	if sealed[mid] == 'A' {
		swap = 'B'
	}
	tampered := sealed[:mid] + string(swap) + sealed[mid+1:]
	if _, err := old.Open(tampered, []byte("con_1")); err == nil {
		t.Error("a tampered value opened")
	}

	rotating, err := New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if !rotating.NeedsReseal(sealed) {
		t.Error("a value under the previous key does not need resealing")
	}
	if pt, err := rotating.Open(sealed, []byte("con_1")); err != nil || string(pt) != "zd-api-token" {
		t.Fatalf("previous key does not open old values: %v", err)
	}
	resealed := rotating.Seal([]byte("zd-api-token"), []byte("con_1"))
	if rotating.NeedsReseal(resealed) {
		t.Error("a value under the current key needs resealing")
	}
	onlyNew, _ := New(newKey, nil)
	if _, err := onlyNew.Open(sealed, []byte("con_1")); err == nil {
		t.Error("the new key alone opened a value sealed under the old one")
	}
	if _, err := onlyNew.Open(resealed, []byte("con_1")); err != nil {
		t.Errorf("the new key does not open resealed values: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	k, err := ParseKey(GenerateKey())
	if err != nil || len(k) != KeySize {
		t.Fatalf("ParseKey(GenerateKey()) = %d bytes, %v", len(k), err)
	}
	for _, bad := range []string{"", "not base64!", "c2hvcnQ="} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func TestHashesAndDerivedKeys(t *testing.T) {
	tenantKey := RandomBytes(32)
	if AddressHash(tenantKey, "Kim@Example.org ") != AddressHash(tenantKey, "kim@example.org") {
		t.Error("address hash depends on case or spaces")
	}
	if AddressHash(tenantKey, "kim@example.org") == AddressHash(RandomBytes(32), "kim@example.org") {
		t.Error("two tenants' hashes of one address are equal: they could be joined")
	}
	kr, _ := New(RandomBytes(KeySize), nil)
	if bytes.Equal(kr.Derive("ratelimit"), kr.Derive("other")) {
		t.Error("derived keys for two purposes are equal")
	}
	if !bytes.Equal(SecretHash("pk_live_x"), SecretHash("pk_live_x")) || bytes.Equal(SecretHash("a"), SecretHash("b")) {
		t.Error("SecretHash is not a stable function of its input")
	}
	if a, b := Token(24), Token(24); a == b || len(a) != 32 {
		t.Errorf("tokens %q, %q: want distinct 32-character tokens", a, b)
	}
}
