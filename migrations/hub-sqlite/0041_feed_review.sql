-- Seller feeds: a seller's bulk catalog upload (CSV or JSON Lines), kept raw
-- before anything is done with it, and the rows it could not apply, kept for
-- HQ to correct and resubmit, or reject.
--
-- seller_feeds: one upload. It is 'receiving' while its bytes arrive (a
-- crash then leaves it unanswered and it is swept), 'queued' once answered
-- (its run made), leased by the hub applying it, then 'applied' (every row
-- applied, unchanged or sent to review) or 'failed' (unreadable: the run
-- says why).
CREATE TABLE seller_feeds (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id),
    source_id        BLOB NOT NULL REFERENCES source_systems (id),
    format           TEXT NOT NULL CHECK (format IN ('csv', 'jsonl')),
    state            TEXT NOT NULL CHECK (state IN ('receiving', 'queued', 'applied', 'failed')),
    received_at_ms   INTEGER NOT NULL,
    body_bytes       INTEGER NOT NULL,
    run_id           BLOB,
    attempts         INTEGER NOT NULL,
    lease_until_ms   INTEGER,
    lease_token      BLOB,
    error            TEXT,
    finished_at_ms   INTEGER
);
CREATE INDEX seller_feeds_queue ON seller_feeds (state, id);

-- A feed's bytes as they came, in order, a chunk a row, so an upload is
-- never held whole in memory on its way in.
CREATE TABLE seller_feed_chunks (
    feed_id  BLOB NOT NULL REFERENCES seller_feeds (id),
    seq      INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (feed_id, seq)
);

-- One row of a feed that was not applied: the row as received (a JSON
-- object of column to text), its line, the field at fault and why.
-- 'pending' until HQ resubmits it corrected ('applied'), rejects it
-- ('rejected'), or the same SKU comes again in a later feed
-- ('superseded'). A feed applied again after a crash finds its rows
-- already here (one per run and line).
CREATE TABLE feed_review_rows (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    source_id      BLOB NOT NULL REFERENCES source_systems (id),
    run_id         BLOB NOT NULL REFERENCES ingestion_runs (id),
    line           INTEGER NOT NULL,
    sku            TEXT,
    row_data       TEXT NOT NULL,
    field          TEXT,
    error          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'superseded', 'rejected', 'applied')),
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    UNIQUE (run_id, line)
);
CREATE INDEX feed_review_rows_queue ON feed_review_rows (tenant_id, source_id, status, id);
CREATE INDEX feed_review_rows_by_sku ON feed_review_rows (source_id, sku, status);
