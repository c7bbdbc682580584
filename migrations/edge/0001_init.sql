-- Edge agent local replica and outbox (SQLite). Ids are UUID text; times are Unix
-- milliseconds (UTC); quantities are thousandths; money is minor units.

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;

-- Catalog replica: written only by the change feed.
CREATE TABLE variants (
    id           TEXT PRIMARY KEY,
    product_id   TEXT NOT NULL,
    name         TEXT NOT NULL,
    sku          TEXT NOT NULL,
    gtin         TEXT NOT NULL UNIQUE,
    price_minor  INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    feed_seq     INTEGER NOT NULL
);

-- The store's stock ledger as this terminal knows it: its own movements plus
-- every movement the feed brought. The id makes an echo of its own movement a no-op.
CREATE TABLE movements (
    id              TEXT PRIMARY KEY,
    variant_id      TEXT NOT NULL,
    delta_milli     INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    sale_id         TEXT,
    origin          TEXT NOT NULL CHECK (origin IN ('local', 'hub')),
    occurred_at_ms  INTEGER NOT NULL
);

-- Sum of movements per variant, kept in the same transaction as each insert.
CREATE TABLE stock (
    variant_id     TEXT PRIMARY KEY,
    on_hand_milli  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sales (
    id              TEXT PRIMARY KEY,
    receipt_no      TEXT NOT NULL UNIQUE,
    total_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    fact            TEXT NOT NULL
);

-- Facts waiting for the hub, uploaded in seq order. A fact leaves the queue when
-- the hub acks it, or is set aside (quarantined) when the hub refuses it for good.
CREATE TABLE outbox (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id           TEXT NOT NULL UNIQUE,
    event_type         TEXT NOT NULL,
    envelope           TEXT NOT NULL,
    created_at_ms      INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    acked_at_ms        INTEGER,
    quarantined_at_ms  INTEGER,
    quarantine_reason  TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE acked_at_ms IS NULL AND quarantined_at_ms IS NULL;
