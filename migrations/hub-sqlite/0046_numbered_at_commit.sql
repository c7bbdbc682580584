-- Kept in step with hub-postgres/0046_numbered_at_commit.sql. An SQLite hub
-- has one writer at a time: a transaction numbers its feed changes and events
-- as it writes them, in commit order already, so nothing waits unnumbered.
SELECT 1;
