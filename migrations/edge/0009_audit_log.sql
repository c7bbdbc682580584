-- Sensitive actions at this till, append-only: nothing may change or remove an
-- entry once written. Each entry also goes to the hub through the outbox.
CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    action     TEXT NOT NULL,
    entry      TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
