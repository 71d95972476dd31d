-- Interactions keep email addresses in one normal form, Unicode lower case
-- (plaudit.NormalizeEmail), since data-subject requests match them by
-- equality: lower() in SQL folds ASCII only (SQLite, PostgreSQL's C
-- locale), so "ÄRGER.ÜBEL@Example.de" was not found by its lower case. The
-- rows stored before are rewritten by the migration's data step
-- (store/datamigrations.go), and the index matches the new query.
DROP INDEX interactions_customer_email;
CREATE INDEX interactions_customer_email ON interactions (tenant_id, customer_email) WHERE customer_email <> '';
