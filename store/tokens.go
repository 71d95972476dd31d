package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/plaudit/plaudit/keyring"
)

// Page tokens. The link /f/{token} and the reply address reply+{token}@
// are a customer's only credential, so the database keeps no token in
// clear:
//
//   - token_hash is a keyed hash of the token (HMAC-SHA-256 under the page
//     key), by which RequestByToken finds the request;
//   - token_sealed is the token encrypted under the keyring (AES-GCM, bound
//     to the request id), because the same link goes out more than once:
//     on a send retried after a crash, in the reminder, and in the answer
//     to an SMS reply that several tenants could own. Reads open it into
//     FeedbackRequest.Token, in memory only.
//
// The page key is random and kept sealed in store_keys, as a tenant's hash
// key is, so that `plaudit rotate-key` re-seals it: a key derived from
// PLAUDIT_SECRET_KEY would change with it and break every link in flight.
const pageKeyID = "page_token"

// pageKeySize is the size of the page key, as of a tenant's hash key.
const pageKeySize = 32

// pageKey returns the page key, made on first use; it is read once per
// process.
func (s *Store) pageKey(ctx context.Context) ([]byte, error) {
	s.pageKeyMu.Lock()
	defer s.pageKeyMu.Unlock()
	if s.pageKeyVal != nil {
		return s.pageKeyVal, nil
	}
	key, err := loadPageKey(ctx, s.w, s.kr)
	if err != nil {
		return nil, fmt.Errorf("store: page key: %w", err)
	}
	s.pageKeyVal = key
	return key, nil
}

// loadPageKey reads the page key, storing a new one first when there is
// none; of two processes that start at once, the first insert wins.
func loadPageKey(ctx context.Context, q queryer, kr *keyring.Keyring) ([]byte, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO store_keys (id, sealed) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
		pageKeyID, kr.Seal(keyring.RandomBytes(pageKeySize), []byte(pageKeyID))); err != nil {
		return nil, err
	}
	var sealed string
	if err := q.QueryRowContext(ctx, `SELECT sealed FROM store_keys WHERE id = $1`, pageKeyID).Scan(&sealed); err != nil {
		return nil, err
	}
	return kr.Open(sealed, []byte(pageKeyID))
}

// tokenHash is what token_hash holds for token; "" for none.
func tokenHash(key []byte, token string) string {
	if token == "" {
		return ""
	}
	return hex.EncodeToString(keyring.KeyedHash(key, token))
}

// sealToken is what token_sealed holds for request id's token; "" for
// none.
func (s *Store) sealToken(id, token string) string {
	if token == "" {
		return ""
	}
	return s.kr.Seal([]byte(token), []byte(id))
}

// openToken reads token_sealed back into the token.
func (s *Store) openToken(id string, sealed sql.NullString) (string, error) {
	if !sealed.Valid || sealed.String == "" {
		return "", nil
	}
	b, err := s.kr.Open(sealed.String, []byte(id))
	if err != nil {
		return "", fmt.Errorf("page token of %s: %w", id, err)
	}
	return string(b), nil
}

// hashStoredTokens replaces the tokens that requests kept in clear (in
// token_hash, renamed from token by the migration) with their hash, and
// seals them: links already sent keep working.
func (s *Store) hashStoredTokens(ctx context.Context, tx *sql.Tx) error {
	key, err := loadPageKey(ctx, tx, s.kr)
	if err != nil {
		return fmt.Errorf("page key: %w", err)
	}
	return rewriteRows(ctx, tx,
		`SELECT id, token_hash FROM feedback_requests WHERE id > $1 AND token_hash IS NOT NULL AND token_sealed IS NULL`,
		scanIDValue, idValue.rowID, func(page []idValue) error {
			for _, t := range page {
				if _, err := tx.ExecContext(ctx, `UPDATE feedback_requests SET token_hash = $2, token_sealed = $3 WHERE id = $1`,
					t.id, tokenHash(key, t.value), s.sealToken(t.id, t.value)); err != nil {
					return fmt.Errorf("request %s: %w", t.id, err)
				}
			}
			return nil
		})
}
