-- Local replicas of the store's Automerge documents (compacted save format) and
-- this terminal's sync state with the hub for each.
CREATE TABLE documents (
    purpose        TEXT PRIMARY KEY,
    doc            BLOB NOT NULL,
    sync_state     BLOB,
    updated_at_ms  INTEGER NOT NULL
) WITHOUT ROWID;
