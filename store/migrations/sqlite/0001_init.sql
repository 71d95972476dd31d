-- Plaudit schema, SQLite flavour. Instants are TEXT in the fixed-width UTC
-- form 2006-01-02T15:04:05.000000Z (store/encode.go), so text order is time
-- order. Booleans are INTEGER 0/1. Tables are STRICT so that a value of the
-- wrong type is an error, not a silent conversion.

CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    settings   TEXT NOT NULL,          -- JSON
    hash_key   TEXT NOT NULL,          -- sealed with the keyring, aad = id
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    mode         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
) STRICT;
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE connectors (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    config     TEXT NOT NULL,          -- JSON, public settings
    secrets    TEXT NOT NULL,          -- sealed JSON object, aad = id
    disabled   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX connectors_tenant ON connectors (tenant_id, created_at);

CREATE TABLE agents (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    bio          TEXT NOT NULL,
    photo_url    TEXT NOT NULL,
    hometown     TEXT NOT NULL,
    approved     INTEGER NOT NULL,
    external_ids TEXT NOT NULL DEFAULT '{}',  -- JSON object kind → id
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX agents_tenant_email ON agents (tenant_id, lower(email)) WHERE email <> '';
CREATE INDEX agents_tenant ON agents (tenant_id, created_at);

CREATE TABLE interactions (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connector_id       TEXT NOT NULL,  -- '' for the trigger API
    source             TEXT NOT NULL,
    dedup_key          TEXT NOT NULL,
    external_id        TEXT NOT NULL,
    event              TEXT NOT NULL,
    channel            TEXT NOT NULL,
    customer_name      TEXT NOT NULL,
    customer_email     TEXT NOT NULL,
    customer_phone     TEXT NOT NULL,
    customer_language  TEXT NOT NULL,
    customer_country   TEXT NOT NULL,
    customer_time_zone TEXT NOT NULL,
    agent_external_id  TEXT NOT NULL,
    agent_email        TEXT NOT NULL,
    agent_name         TEXT NOT NULL,
    do_not_send        INTEGER NOT NULL,
    tags               TEXT NOT NULL,  -- JSON list
    brand              TEXT NOT NULL,
    test               INTEGER NOT NULL,
    needs_enrich       INTEGER NOT NULL,
    status             TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    UNIQUE (tenant_id, connector_id, dedup_key),
    UNIQUE (tenant_id, id)
) STRICT;
CREATE INDEX interactions_status ON interactions (status, created_at);
CREATE INDEX interactions_tenant_created ON interactions (tenant_id, created_at);
CREATE INDEX interactions_customer_email ON interactions (tenant_id, lower(customer_email)) WHERE customer_email <> '';
CREATE INDEX interactions_customer_phone ON interactions (tenant_id, customer_phone) WHERE customer_phone <> '';

CREATE TABLE feedback_requests (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    interaction_id TEXT NOT NULL UNIQUE,
    connector_id   TEXT NOT NULL,
    agent_id       TEXT NOT NULL,
    ticket_id      TEXT NOT NULL,
    token          TEXT UNIQUE,        -- NULL for skip records
    channel        TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    recipient_hash TEXT NOT NULL,
    language       TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL,
    test           INTEGER NOT NULL,
    due_at         TEXT NOT NULL,
    sent_at        TEXT,
    provider_id    TEXT,               -- NULL until sent
    attempts       INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, interaction_id) REFERENCES interactions (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX feedback_requests_due ON feedback_requests (status, due_at);
CREATE INDEX feedback_requests_stuck ON feedback_requests (status, updated_at);
CREATE INDEX feedback_requests_tenant_created ON feedback_requests (tenant_id, created_at);
CREATE INDEX feedback_requests_ticket ON feedback_requests (tenant_id, connector_id, ticket_id);
CREATE INDEX feedback_requests_recipient_hash ON feedback_requests (tenant_id, recipient_hash, created_at);
CREATE INDEX feedback_requests_recipient ON feedback_requests (recipient, channel, sent_at);
CREATE INDEX feedback_requests_provider ON feedback_requests (provider_id) WHERE provider_id IS NOT NULL;

CREATE TABLE responses (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    request_id       TEXT NOT NULL UNIQUE,
    agent_id         TEXT NOT NULL,
    ticket_id        TEXT NOT NULL,
    score            INTEGER NOT NULL,
    comment          TEXT NOT NULL,
    excellence       TEXT NOT NULL,    -- JSON list
    improvement      TEXT NOT NULL,    -- JSON list
    reward           INTEGER NOT NULL,
    source           TEXT NOT NULL,
    automated        INTEGER NOT NULL,
    test             INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    written_version  INTEGER NOT NULL,
    writeback_status TEXT NOT NULL,
    writeback_error  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    FOREIGN KEY (tenant_id, request_id) REFERENCES feedback_requests (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX responses_tenant_created ON responses (tenant_id, created_at);
CREATE INDEX responses_writeback ON responses (writeback_status, updated_at);

CREATE TABLE suppressions (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    address_hash TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    PRIMARY KEY (tenant_id, address_hash)
) STRICT;
CREATE INDEX suppressions_expires ON suppressions (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE audit_events (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, created_at);

-- Provider callback ids (Twilio MessageSid, SendGrid sg_event_id) already
-- handled; global, pruned by age.
CREATE TABLE seen_callbacks (
    id      TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX seen_callbacks_seen ON seen_callbacks (seen_at);

-- Anonymous per-response figures for reports. No foreign key to tenants:
-- they may outlive the tenant's other rows (DeleteTenant keepAggregates)
-- and always outlive erasure and retention.
CREATE TABLE aggregates (
    tenant_id   TEXT NOT NULL,
    response_id TEXT NOT NULL,
    day         TEXT NOT NULL,         -- yyyy-mm-dd
    agent_id    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    score       INTEGER NOT NULL,
    excellence  TEXT NOT NULL,         -- JSON list
    improvement TEXT NOT NULL,         -- JSON list
    reward      INTEGER NOT NULL,
    test        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, response_id)
) STRICT;
CREATE INDEX aggregates_tenant_day ON aggregates (tenant_id, day);
