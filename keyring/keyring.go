// Package keyring seals secrets at rest with AES-256-GCM under the
// operator's PLAUDIT_SECRET_KEY, and makes the random tokens and keyed
// hashes the rest of Plaudit uses.
//
// A sealed value carries the id of the key that sealed it, so that after a
// rotation (`plaudit rotate-key`) values sealed under the previous key can
// still be opened until they are re-sealed.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a secret key in bytes.
const KeySize = 32

// Keyring holds the current key and, during a rotation, the previous one.
type Keyring struct {
	current  key
	previous *key
}

type key struct {
	id   string
	aead cipher.AEAD
	raw  []byte
}

func newKey(raw []byte) (key, error) {
	if len(raw) != KeySize {
		return key{}, fmt.Errorf("keyring: key must be %d bytes, got %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, fmt.Errorf("keyring: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, fmt.Errorf("keyring: %w", err)
	}
	// The key id is a short hash of the key: it names the key without
	// revealing it, and needs no separate configuration.
	sum := sha256.Sum256(append([]byte("plaudit key id\x00"), raw...))
	return key{id: hex.EncodeToString(sum[:4]), aead: aead, raw: raw}, nil
}

// New returns a keyring over current and, when not nil, previous.
func New(current, previous []byte) (*Keyring, error) {
	c, err := newKey(current)
	if err != nil {
		return nil, err
	}
	kr := &Keyring{current: c}
	if previous != nil {
		p, err := newKey(previous)
		if err != nil {
			return nil, fmt.Errorf("previous key: %w", err)
		}
		kr.previous = &p
	}
	return kr, nil
}

// ParseKey decodes a base64 key (standard or URL alphabet, padded or not).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("keyring: key must decode to %d bytes, got %d", KeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("keyring: key is not valid base64")
}

// GenerateKey returns a new random key, base64-encoded.
func GenerateKey() string {
	return base64.StdEncoding.EncodeToString(RandomBytes(KeySize))
}

// KeyID is the id of the current key.
func (k *Keyring) KeyID() string { return k.current.id }

// Seal encrypts plaintext under the current key. The result is
// "<key id>:<base64(nonce|ciphertext)>"; aad binds it to its owner (for
// instance a connector id) so a sealed value cannot be moved to another row.
func (k *Keyring) Seal(plaintext, aad []byte) string {
	nonce := RandomBytes(k.current.aead.NonceSize())
	ct := k.current.aead.Seal(nonce, nonce, plaintext, aad)
	return k.current.id + ":" + base64.RawStdEncoding.EncodeToString(ct)
}

// Open decrypts a value made by Seal with the current or the previous key.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	id, b64, ok := strings.Cut(sealed, ":")
	if !ok {
		return nil, errors.New("keyring: malformed sealed value")
	}
	var kk *key
	switch {
	case id == k.current.id:
		kk = &k.current
	case k.previous != nil && id == k.previous.id:
		kk = k.previous
	default:
		return nil, fmt.Errorf("keyring: value sealed under unknown key %s", id)
	}
	ct, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("keyring: malformed sealed value")
	}
	ns := kk.aead.NonceSize()
	if len(ct) < ns {
		return nil, errors.New("keyring: malformed sealed value")
	}
	pt, err := kk.aead.Open(nil, ct[:ns], ct[ns:], aad)
	if err != nil {
		return nil, errors.New("keyring: cannot open sealed value (wrong key or tampered)")
	}
	return pt, nil
}

// NeedsReseal reports whether a sealed value was made under a key other
// than the current one.
func (k *Keyring) NeedsReseal(sealed string) bool {
	id, _, _ := strings.Cut(sealed, ":")
	return id != k.current.id
}

// Derive returns a key for one purpose, derived from the current key, so
// that one configured secret serves several uses without one revealing
// another. It changes with a key rotation: use it only for short-lived
// things (rate-limit counters), never for what must be found again later.
func (k *Keyring) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.current.raw)
	m.Write([]byte("plaudit derive\x00" + purpose))
	return m.Sum(nil)
}

// KeyedHash is HMAC-SHA256(key, s).
func KeyedHash(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// AddressHash is the keyed hash of a normalized address (email or E.164
// phone) under a tenant's hash key: it finds an opt-out again without
// keeping the address.
func AddressHash(tenantKey []byte, address string) string {
	return hex.EncodeToString(KeyedHash(tenantKey, strings.ToLower(strings.TrimSpace(address))))
}

// SecretHash is SHA-256 of a high-entropy secret such as an API key: the
// secret is random, so no key or salt is needed, and the hash survives a
// rotation of PLAUDIT_SECRET_KEY.
func SecretHash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// RandomBytes returns n bytes from crypto/rand.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("keyring: crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	return b
}

// Token returns a random URL-safe token carrying nbytes of entropy.
func Token(nbytes int) string {
	return base64.RawURLEncoding.EncodeToString(RandomBytes(nbytes))
}

// ID returns a random identifier with a readable prefix, such as "ten_…".
func ID(prefix string) string {
	return prefix + "_" + strings.ToLower(hex.EncodeToString(RandomBytes(10)))
}
