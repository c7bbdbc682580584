-- Kept in step with hub-postgres/0060_recorded_in_commit_order.sql: the lists
-- HQ follows page by page (a store's movements, sales, shift closes, audit
-- entries and stock takes) are read in the order of `recorded_seq`, from the
-- tenant's counter. An SQLite hub has one writer at a time, so the order rows
-- are written in is the order they commit in: each row is numbered as it is
-- written, by a trigger, and never waits unnumbered.
ALTER TABLE tenants ADD COLUMN recorded_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE stock_movements ADD COLUMN recorded_seq BIGINT;
ALTER TABLE sales ADD COLUMN recorded_seq BIGINT;
ALTER TABLE shift_closes ADD COLUMN recorded_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN recorded_seq BIGINT;
ALTER TABLE stock_takes ADD COLUMN recorded_seq BIGINT;

-- What is already there keeps the order it was listed in.
UPDATE stock_movements SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY recorded_at_ms, id) AS n FROM stock_movements) AS o
WHERE stock_movements.id = o.id;
UPDATE sales SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM sales) AS o
WHERE sales.id = o.id;
UPDATE shift_closes SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM shift_closes) AS o
WHERE shift_closes.id = o.id;
UPDATE audit_log SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM audit_log) AS o
WHERE audit_log.id = o.id;
UPDATE stock_takes SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM stock_takes) AS o
WHERE stock_takes.id = o.id;
UPDATE tenants SET recorded_seq = MAX(
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM stock_movements WHERE tenant_id = tenants.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM sales WHERE tenant_id = tenants.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM shift_closes WHERE tenant_id = tenants.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM audit_log WHERE tenant_id = tenants.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM stock_takes WHERE tenant_id = tenants.id));

DROP INDEX stock_movements_recorded;
DROP INDEX sales_received;
DROP INDEX shift_closes_paging;
DROP INDEX audit_log_paging;
DROP INDEX stock_takes_by_store;
CREATE INDEX stock_movements_in_order ON stock_movements (tenant_id, store_id, recorded_seq);
CREATE INDEX sales_in_order ON sales (tenant_id, store_id, recorded_seq);
CREATE INDEX shift_closes_in_order ON shift_closes (tenant_id, store_id, recorded_seq);
CREATE INDEX audit_log_in_order ON audit_log (tenant_id, store_id, recorded_seq);
CREATE INDEX stock_takes_in_order ON stock_takes (tenant_id, store_id, recorded_seq);

CREATE TRIGGER stock_movements_numbered AFTER INSERT ON stock_movements BEGIN
    UPDATE tenants SET recorded_seq = recorded_seq + 1 WHERE id = NEW.tenant_id;
    UPDATE stock_movements SET recorded_seq = (SELECT recorded_seq FROM tenants WHERE id = NEW.tenant_id)
    WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER sales_numbered AFTER INSERT ON sales BEGIN
    UPDATE tenants SET recorded_seq = recorded_seq + 1 WHERE id = NEW.tenant_id;
    UPDATE sales SET recorded_seq = (SELECT recorded_seq FROM tenants WHERE id = NEW.tenant_id)
    WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER shift_closes_numbered AFTER INSERT ON shift_closes BEGIN
    UPDATE tenants SET recorded_seq = recorded_seq + 1 WHERE id = NEW.tenant_id;
    UPDATE shift_closes SET recorded_seq = (SELECT recorded_seq FROM tenants WHERE id = NEW.tenant_id)
    WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER audit_log_numbered AFTER INSERT ON audit_log BEGIN
    UPDATE tenants SET recorded_seq = recorded_seq + 1 WHERE id = NEW.tenant_id;
    UPDATE audit_log SET recorded_seq = (SELECT recorded_seq FROM tenants WHERE id = NEW.tenant_id)
    WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER stock_takes_numbered AFTER INSERT ON stock_takes BEGIN
    UPDATE tenants SET recorded_seq = recorded_seq + 1 WHERE id = NEW.tenant_id;
    UPDATE stock_takes SET recorded_seq = (SELECT recorded_seq FROM tenants WHERE id = NEW.tenant_id)
    WHERE rowid = NEW.rowid;
END;
