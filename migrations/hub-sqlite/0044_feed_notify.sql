-- Kept in step with hub-postgres/0044_feed_notify.sql, which makes commits
-- wake other hub processes on PostgreSQL. An SQLite hub is one process: its
-- commits wake its own terminals in memory (feed_wake.rs), so there is
-- nothing to add here.
SELECT 1;
