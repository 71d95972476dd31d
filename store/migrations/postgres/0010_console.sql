-- The admin console: people who sign in (users), their sessions, one-time
-- sign-in links, a tenant's single sign-on, agents' photos. Agents' teams
-- (agents.team) and exclusions of responses come from 0009_reports.

-- users are a tenant's people: admin (the tenant), lead (a team), agent
-- (themselves, linked to the agent with the same email). Emails are kept
-- lower-case; one person may belong to several tenants.
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    team       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email);
CREATE INDEX users_email ON users (email);

-- console_sessions hold a hash of the session cookie, never the cookie.
-- An operator's session has neither tenant nor user.
CREATE TABLE console_sessions (
    id           TEXT PRIMARY KEY,
    hash         BYTEA NOT NULL UNIQUE,
    tenant_id    TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- login_tokens are one-time sign-in links, by the hash of their token;
-- using one deletes it.
CREATE TABLE login_tokens (
    hash       BYTEA PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL
);

-- tenant_oidc is a tenant's single sign-on (id = the tenant's id); the
-- client secret is sealed like connector secrets (aad = id).
CREATE TABLE tenant_oidc (
    id            TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    issuer        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL
);

-- agent_photos are uploaded photos, resized and stripped of metadata;
-- they go with the agent. key is the random name in the photo's public
-- URL (/agent-photos/{key}), new with each upload.
CREATE TABLE agent_photos (
    id           TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key          TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    body         BYTEA NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- agent_changes are changes agents made to their own profile, waiting for
-- an admin or their lead: fields as JSON, and a processed photo.
CREATE TABLE agent_changes (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id   TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    fields     TEXT NOT NULL DEFAULT '{}',
    photo      BYTEA,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX agent_changes_tenant ON agent_changes (tenant_id, created_at);
