-- Handhelds paired with this till over the store LAN (dark-store pickers).
-- The device's token is never stored: only its SHA-256, so a copy of this
-- file does not let anyone act as a paired device. A revoked device keeps its
-- row (revoked_at_ms set) so the list shows what was revoked and when.
CREATE TABLE handhelds (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    token_sha256  TEXT NOT NULL UNIQUE,
    paired_at_ms  INTEGER NOT NULL,
    last_seen_ms  INTEGER,
    revoked_at_ms INTEGER
);
