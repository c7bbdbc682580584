-- Each hub process looks, every few seconds while terminals wait on it, for
-- terminals revoked lately, to end the feed requests they have waiting.
CREATE INDEX terminals_revoked_at ON terminals (revoked_at_ms)
    WHERE revoked_at_ms IS NOT NULL;
