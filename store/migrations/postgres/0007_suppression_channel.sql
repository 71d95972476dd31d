-- A suppression names the kind of address it holds (email or sms), so that
-- GET /api/v1/suppressions can say which channel an opt-out is for without
-- the address itself. Rows recorded before are named by their reason;
-- reasons that do not tell keep ''.
ALTER TABLE suppressions ADD COLUMN channel TEXT NOT NULL DEFAULT '';
UPDATE suppressions SET channel = 'sms' WHERE reason LIKE 'sms\_%' ESCAPE '\';
UPDATE suppressions SET channel = 'email' WHERE reason LIKE 'email\_%' ESCAPE '\';
CREATE INDEX suppressions_created ON suppressions (tenant_id, created_at);
