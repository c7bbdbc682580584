-- What each terminal last said of its queue: when its oldest unsent fact was
-- made (by its clock) and how many facts it holds in quarantine.
ALTER TABLE terminals ADD COLUMN oldest_unsent_at_ms BIGINT;
ALTER TABLE terminals ADD COLUMN quarantined BIGINT;

-- Facts tills set aside because the hub refused them, as the tills report
-- them, and what HQ decided: open (waiting for HQ), resend (the till is to
-- upload it again), written_off (given up, with a note), resolved (it reached
-- the ledger after all).
CREATE TABLE quarantined_facts (
    tenant_id          UUID NOT NULL REFERENCES tenants (id),
    terminal_id        UUID NOT NULL REFERENCES terminals (id),
    event_id           UUID NOT NULL,
    store_id           UUID NOT NULL REFERENCES stores (id),
    event_type         TEXT NOT NULL,
    reason             TEXT NOT NULL,
    envelope           TEXT NOT NULL,
    quarantined_at_ms  BIGINT NOT NULL,
    first_reported_at_ms BIGINT NOT NULL,
    reported_at_ms     BIGINT NOT NULL,
    till_resent        BIGINT NOT NULL DEFAULT 0,
    resends_asked      BIGINT NOT NULL DEFAULT 0,
    status             TEXT NOT NULL CHECK (status IN ('open', 'resend', 'written_off', 'resolved')),
    decided_by         TEXT,
    decided_at_ms      BIGINT,
    note               TEXT,
    PRIMARY KEY (tenant_id, terminal_id, event_id)
);
CREATE INDEX quarantined_facts_store ON quarantined_facts (tenant_id, store_id, first_reported_at_ms);
