-- Reminders: a request that was sent and not answered gets one reminder,
-- reminder_after_hours after it went out (tenant setting; 0 means none), on
-- the same channel, to the same recipient, with the same page link.
--
-- reminder_status is '' (none yet), 'sending' (claimed by a worker, as
-- status 'sending' is for the first message), 'sent', 'failed' or 'skipped'
-- (the address was suppressed since). reminded_at is when the reminder went
-- out, or when it was claimed, failed or skipped. Neither is personal data.
-- The claim moves '' to 'sending' in one conditional UPDATE, so that one
-- worker sends it, and nothing moves it back from 'sent': a request is
-- reminded at most once (store/requests.go, ClaimReminder).

ALTER TABLE feedback_requests ADD COLUMN reminder_status TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback_requests ADD COLUMN reminded_at TEXT;

-- The periodic look-up of due reminders, per tenant by sent_at: only the
-- sent, unanswered, not yet reminded requests are in it, so it stays small
-- however long the history. The queries repeat the predicate word for word
-- (with literals, not placeholders) so that both planners can use it.
CREATE INDEX feedback_requests_reminder_due ON feedback_requests (tenant_id, sent_at)
    WHERE reminder_status = '' AND status IN ('sent', 'delivered');
-- Reminders whose worker died mid-send, found by the age of their claim.
CREATE INDEX feedback_requests_reminder_claimed ON feedback_requests (reminded_at)
    WHERE reminder_status = 'sending';
