-- Kept in step with hub-postgres/0060_recorded_in_commit_order.sql: the lists
-- HQ follows page by page (a store's movements, sales, shift closes, audit
-- entries and stock takes) are read in commit order. An SQLite hub has one
-- writer at a time, so rows are written in the order they commit, and each
-- table's rowid, given as a row is written and above every rowid the table
-- holds, is that order: pages are read by it (`page_in_commit_order`), from
-- an index on the store, which ends in the rowid. Nothing is numbered.
DROP INDEX stock_movements_recorded;
DROP INDEX sales_received;
DROP INDEX shift_closes_paging;
DROP INDEX audit_log_paging;
DROP INDEX stock_takes_by_store;
CREATE INDEX stock_movements_in_order ON stock_movements (tenant_id, store_id);
CREATE INDEX sales_in_order ON sales (tenant_id, store_id);
CREATE INDEX shift_closes_in_order ON shift_closes (tenant_id, store_id);
CREATE INDEX audit_log_in_order ON audit_log (tenant_id, store_id);
CREATE INDEX stock_takes_in_order ON stock_takes (tenant_id, store_id);
