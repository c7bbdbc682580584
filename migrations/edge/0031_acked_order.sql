-- The last fact the hub acknowledged, looked up before feed requests that
-- ask the hub whether it still holds it (a hub restored from a copy).
CREATE INDEX outbox_acked ON outbox (acked_at_ms, seq) WHERE acked_at_ms IS NOT NULL;
