-- The hub's add-ons for an item as last heard (`till/add_ons.rs`): what
-- sells with it, so the cashier's hint still shows offline. One row per
-- item asked about; `add_ons` is the hub's list as JSON.
CREATE TABLE add_on_hints (
    variant_id    TEXT PRIMARY KEY,
    add_ons       TEXT NOT NULL,
    fetched_at_ms INTEGER NOT NULL
);
