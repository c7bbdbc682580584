-- A sale's identity is its id plus what was asked: the fingerprint of the
-- request lets the till tell a safe retry (same id, same basket) from a
-- different sale reusing an id (refused with 409). NULL for sales made before.
ALTER TABLE sales ADD COLUMN request_fingerprint TEXT;

-- HQ resolves a quarantined fact: resend (it goes back in the queue, in its
-- place) or write off (set aside for good; its movements leave this replica,
-- as they never reached the ledger).
ALTER TABLE outbox ADD COLUMN written_off_at_ms INTEGER;
ALTER TABLE outbox ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;
