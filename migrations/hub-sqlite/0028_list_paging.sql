-- Transfers, till audit entries and shift reports are read a page at a time
-- in the order the hub recorded them, like movements and sales.
CREATE INDEX stock_transfers_from_paging ON stock_transfers (tenant_id, from_store_id, dispatched_at_ms, id);
CREATE INDEX stock_transfers_to_paging ON stock_transfers (tenant_id, to_store_id, dispatched_at_ms, id);
CREATE INDEX audit_log_paging ON audit_log (tenant_id, store_id, received_at_ms, id);
CREATE INDEX shift_closes_paging ON shift_closes (tenant_id, store_id, received_at_ms, id);
