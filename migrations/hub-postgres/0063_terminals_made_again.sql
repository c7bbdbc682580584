-- A terminal HQ made again under its id after the hub was restored from a
-- copy older than it: only the till that was that terminal, at that store,
-- may enroll with its code.
ALTER TABLE terminals ADD COLUMN remade_at_ms BIGINT;
