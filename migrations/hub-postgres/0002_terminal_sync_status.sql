-- What each terminal last told the hub about itself, for HQ's sync status view.
ALTER TABLE terminals ADD COLUMN last_seen_at_ms BIGINT;
ALTER TABLE terminals ADD COLUMN feed_cursor BIGINT;
ALTER TABLE terminals ADD COLUMN queue_depth BIGINT;
ALTER TABLE terminals ADD COLUMN agent_version TEXT;
ALTER TABLE terminals ADD COLUMN protocol_version BIGINT;
