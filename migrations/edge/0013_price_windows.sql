-- Till-channel price windows (chain-wide, store_id NULL, or this store's), as
-- the feed brings them. A variant sells at the window that holds now, the
-- store's own before the chain's, else at its base price: so a promotion
-- starts and ends on time with the hub out of reach.
CREATE TABLE price_windows (
    id           TEXT PRIMARY KEY,
    variant_id   TEXT NOT NULL,
    store_id     TEXT,
    price_minor  INTEGER NOT NULL,
    mrp_minor    INTEGER,
    from_ms      INTEGER NOT NULL,
    to_ms        INTEGER,
    feed_seq     INTEGER NOT NULL
);
CREATE INDEX price_windows_by_variant ON price_windows (variant_id, from_ms);
