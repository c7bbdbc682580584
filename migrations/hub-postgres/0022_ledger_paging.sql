-- HQ pages through a store's movements and sales in the order the hub
-- recorded them (its own clock, never a till's), keyed on (time, id).
CREATE INDEX stock_movements_recorded ON stock_movements (tenant_id, store_id, recorded_at_ms, id);
CREATE INDEX sales_received ON sales (tenant_id, store_id, received_at_ms, id);
