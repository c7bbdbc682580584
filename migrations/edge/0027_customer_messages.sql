-- Messages to customers (store/e_receipts.rs): a sale's e-receipt, and now a
-- reminder of what a customer owes on their credit account (the khata), in
-- one queue for the one sender task. The e-receipts move over as they are.
CREATE TABLE customer_messages (
    -- UUIDv7, minted when the cashier asks.
    id                   TEXT PRIMARY KEY,
    -- receipt: a sale's receipt link; dues_reminder: what is owed on an account.
    kind                 TEXT NOT NULL CHECK (kind IN ('receipt', 'dues_reminder')),
    sale_id              TEXT REFERENCES sales (id),
    channel              TEXT NOT NULL CHECK (channel IN ('whatsapp', 'sms')),
    -- E.164, +91 and ten digits.
    recipient            TEXT NOT NULL,
    body                 TEXT NOT NULL,
    -- queued: waiting for (another) try; sent: the provider took it;
    -- failed: given up, last_error says why; link_only: no provider, the
    -- cashier hands over a click-to-chat link instead.
    state                TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'link_only')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms   INTEGER NOT NULL,
    last_error           TEXT,
    provider_message_id  TEXT,
    created_at_ms        INTEGER NOT NULL,
    sent_at_ms           INTEGER,
    -- A receipt names its sale; a reminder names none.
    CHECK ((kind = 'receipt') = (sale_id IS NOT NULL))
);
INSERT INTO customer_messages (id, kind, sale_id, channel, recipient, body, state, attempts,
    next_attempt_at_ms, last_error, provider_message_id, created_at_ms, sent_at_ms)
SELECT id, 'receipt', sale_id, channel, recipient, body, state, attempts,
    next_attempt_at_ms, last_error, provider_message_id, created_at_ms, sent_at_ms
FROM e_receipts;
DROP TABLE e_receipts;
-- One live receipt per sale and channel: asking again answers this one.
-- A failed message does not count, so the cashier may try again.
CREATE UNIQUE INDEX customer_messages_one_live_receipt ON customer_messages (sale_id, channel)
    WHERE kind = 'receipt' AND state IN ('queued', 'sent', 'link_only');
CREATE INDEX customer_messages_due ON customer_messages (next_attempt_at_ms) WHERE state = 'queued';
CREATE INDEX customer_messages_reminders ON customer_messages (recipient, created_at_ms)
    WHERE kind = 'dues_reminder';
