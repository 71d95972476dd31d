-- feedback_requests.sender is the number or Messaging Service SID an SMS
-- went out from: the tenant's own sms_from, or the shared default. An SMS
-- reply is matched by the customer's number and the number it was sent
-- to, so that a reply never reaches a tenant that did not ask. '' for
-- email, and for SMS sent before this column (they count as sent from the
-- shared number). Not personal data.
ALTER TABLE feedback_requests ADD COLUMN sender TEXT NOT NULL DEFAULT '';
CREATE INDEX feedback_requests_sms_replies ON feedback_requests (recipient, sender, sent_at) WHERE channel = 'sms';

-- responses.writing_version is the version a worker has claimed to write
-- back, and writing_at when: a version is written back (and called back)
-- by the one worker that holds the claim, however close together the
-- updates come. writing_version <= written_version means no claim is
-- held. A claim older than the writeback claim timeout belongs to a worker
-- that died and may be taken again (store/responses.go, ClaimWriteback).
ALTER TABLE responses ADD COLUMN writing_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE responses ADD COLUMN writing_at TIMESTAMPTZ;
