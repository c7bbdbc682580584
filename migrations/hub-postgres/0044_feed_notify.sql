-- Wake-ups between hub processes on one database: a transaction that moves a
-- tenant's feed head notifies channel pos_feed with the tenant's id when it
-- commits (PostgreSQL delivers notifications at commit, and one per distinct
-- payload per transaction). Every hub process listens (storage/postgres.rs)
-- and wakes the terminals of the stores the new changes were for
-- (feed_wake.rs), whichever process the terminal is connected to.
CREATE FUNCTION pos_feed_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pos_feed', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_feed_moved
    AFTER UPDATE OF feed_seq ON tenants
    FOR EACH ROW
    WHEN (NEW.feed_seq IS DISTINCT FROM OLD.feed_seq)
    EXECUTE FUNCTION pos_feed_moved();
