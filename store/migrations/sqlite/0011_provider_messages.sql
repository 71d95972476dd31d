-- Evidence that a provider took a message, so that a send or a reminder
-- whose worker died between the provider's acceptance and the store's mark
-- is not sent a second time (feedback/retake.go).
--
-- provider_messages keeps, per message Plaudit sent, the provider's message
-- id with each kind of event the provider reported about it ("accepted" is
-- the provider's own answer to the send; "processed", "delivered", "sent",
-- … come from SendGrid's Event Webhook and Twilio's status callbacks), also
-- while the request is still "sending". reminder marks the rows of a
-- request's reminder. Ids and event names only: no personal data. The rows
-- go with their request (erasure, retention, tenant deletion).
CREATE TABLE provider_messages (
    tenant_id   TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    reminder    INTEGER NOT NULL DEFAULT 0,
    channel     TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    event       TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, request_id, reminder, provider_id, event),
    FOREIGN KEY (tenant_id, request_id) REFERENCES feedback_requests (tenant_id, id) ON DELETE CASCADE
) STRICT;
-- Events that carry no request id are matched by the provider's id.
CREATE INDEX provider_messages_provider ON provider_messages (provider_id);

-- What the first messages' provider ids were before this table.
INSERT INTO provider_messages (tenant_id, request_id, reminder, channel, provider_id, event, at)
SELECT tenant_id, id, 0, channel, provider_id, 'accepted', COALESCE(sent_at, updated_at)
FROM feedback_requests WHERE provider_id IS NOT NULL AND provider_id <> '';

-- When a claim takes over one that a dead worker left (a retake), the time
-- of that abandoned claim: a retake looks for evidence from then on, and
-- may hand the claim back to wait for the provider's events. NULL for a
-- fresh claim. For the first message and for the reminder.
ALTER TABLE feedback_requests ADD COLUMN abandoned_claim_at TEXT;
ALTER TABLE feedback_requests ADD COLUMN reminder_abandoned_at TEXT;
