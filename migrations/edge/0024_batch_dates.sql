-- The expiry the store's ledger gives each batch code of an item, as the
-- hub's movements in the feed carry it (store/receiving.rs): the hub's date
-- wins over what a label said, so goods receipt refuses a pack whose label
-- disagrees with the store's batch.
CREATE TABLE batch_dates (
    variant_id  TEXT NOT NULL,
    code        TEXT NOT NULL,
    expires_on  TEXT NOT NULL,
    PRIMARY KEY (variant_id, code)
) WITHOUT ROWID;
