-- What HQ does not let this store sell (protocol 8): items taken out of its
-- assortment or whose stock is on hold, as the feed and snapshots say
-- (store/assortment.rs). An item without a row may be sold.
CREATE TABLE items_at_store (
    variant_id  TEXT PRIMARY KEY,
    listed      INTEGER NOT NULL,
    hold        TEXT
) WITHOUT ROWID;
