-- E-receipts: a sale's receipt link sent to the customer by WhatsApp or SMS.
-- A message asked for offline waits here, in the till's own file, until the
-- sender task reaches the provider; it survives restarts and power loss.
CREATE TABLE e_receipts (
    -- UUIDv7, minted when the cashier asks.
    id                   TEXT PRIMARY KEY,
    sale_id              TEXT NOT NULL REFERENCES sales (id),
    channel              TEXT NOT NULL CHECK (channel IN ('whatsapp', 'sms')),
    -- E.164, +91 and ten digits.
    recipient            TEXT NOT NULL,
    -- The message as it is sent: store, receipt number, total, link.
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
    sent_at_ms           INTEGER
);
-- One live message per sale and channel: asking again answers this one.
-- A failed message does not count, so the cashier may try again.
CREATE UNIQUE INDEX e_receipts_one_live ON e_receipts (sale_id, channel)
    WHERE state IN ('queued', 'sent', 'link_only');
CREATE INDEX e_receipts_due ON e_receipts (next_attempt_at_ms) WHERE state = 'queued';
