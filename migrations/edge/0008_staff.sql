-- The store's staff as the feed brings them: who may sign in at this till.
CREATE TABLE staff (
    id        TEXT PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    role      TEXT NOT NULL,
    pin_salt  TEXT NOT NULL,
    pin_hash  TEXT NOT NULL,
    active    INTEGER NOT NULL
);
