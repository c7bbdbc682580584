-- One currency per tenant: every price, window, MRP and store of the tenant
-- is in it. A tenant made before this takes its oldest store's currency (a
-- store always had one), else INR.
ALTER TABLE tenants ADD COLUMN currency TEXT NOT NULL DEFAULT 'INR';
UPDATE tenants SET currency = (
    SELECT s.currency FROM stores s WHERE s.tenant_id = tenants.id ORDER BY s.created_at_ms, s.id LIMIT 1
) WHERE EXISTS (SELECT 1 FROM stores s WHERE s.tenant_id = tenants.id);

-- Data steps the hub runs once at startup, in Rust, where a step must go
-- through the same path as an HQ edit (new version, feed change, event) and
-- so cannot be plain SQL here. A step is pending until done_at_ms is set.
CREATE TABLE hub_data_steps (
    step        TEXT PRIMARY KEY,
    done_at_ms  BIGINT
);
-- Quantities now follow the unit (whole pieces for `each`). Counted items
-- that were already moved or sold in fractions (weighed at the counter)
-- become measured (kg), so that selling them by weight keeps working.
INSERT INTO hub_data_steps (step) VALUES ('measured_units_from_ledger');
