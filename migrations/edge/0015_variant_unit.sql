-- The unit each variant's quantities count (`each`, `kg`, `g`, `l`, `ml`, `m`),
-- so the till sells counted items in whole pieces. NULL until the hub's record
-- says: replicas made before this never kept the unit, so they take a new
-- snapshot (exactly what a till does when the feed was pruned past it), which
-- brings every variant with its unit. Until it lands, a variant of unknown
-- unit sells as before.
ALTER TABLE variants ADD COLUMN unit TEXT;
DELETE FROM meta WHERE key = 'snapshot_applied_seq';
UPDATE meta SET value = '0' WHERE key = 'feed_cursor';
