-- Page tokens are no longer kept in clear (store/tokens.go): token_hash is
-- a keyed hash of the token, for look-ups by /f/{token} and reply+{token}@;
-- token_sealed is the token sealed with the keyring (aad = request id), so
-- that retries and reminders send the same link. The column is renamed,
-- keeping its UNIQUE index; the migration's data step hashes and seals the
-- tokens stored before.
ALTER TABLE feedback_requests RENAME COLUMN token TO token_hash;
ALTER TABLE feedback_requests ADD COLUMN token_sealed TEXT;

-- store_keys holds keys the store makes for itself, sealed with the keyring
-- (aad = id) like tenants.hash_key: "page_token" keys token_hash.
CREATE TABLE store_keys (
    id     TEXT PRIMARY KEY,
    sealed TEXT NOT NULL
);
