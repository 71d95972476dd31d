-- The delivery log: one row per attempt to write a response back through a
-- connector (a signed callback for the standard kind, a ticket note for
-- Zendesk, a CaseComment for Salesforce), so that tenant admins can see what
-- was sent, what the other side answered, and what is still being retried.
-- It holds no personal data: ids, HTTP status codes, and error texts built
-- from providers' status lines and error codes. Rows older than 30 days are
-- pruned as new ones are recorded (store/deliveries.go).

CREATE TABLE callback_deliveries (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    response_id  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    event_type   TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    status_code  INTEGER,              -- NULL when no HTTP answer came
    outcome      TEXT NOT NULL,        -- delivered, retrying, failed
    error        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX callback_deliveries_connector ON callback_deliveries (tenant_id, connector_id, created_at);
