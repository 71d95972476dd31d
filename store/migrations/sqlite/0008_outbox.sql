-- The outbox: messages kept instead of sent while PLAUDIT_OUTBOX is on, so
-- that /dev/outbox on any api process shows what a worker kept. The message
-- (addresses, names, text) is sealed under the secret key; only the newest
-- few hundred rows are kept (store/outbox.go), and erasure and tenant
-- deletion remove a person's or a tenant's rows.

CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX outbox_tenant ON outbox (tenant_id);
