-- A dark store's fulfilment settings, set by HQ: where it is (WGS 84
-- degrees), how far it delivers (metres), how many orders it holds open at
-- once, and the minutes from confirmation an order should take. All absent
-- until set; a store without them takes no orders.
ALTER TABLE stores ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE stores ADD COLUMN lon DOUBLE PRECISION;
ALTER TABLE stores ADD COLUMN delivery_radius_m BIGINT;
ALTER TABLE stores ADD COLUMN order_capacity BIGINT;
ALTER TABLE stores ADD COLUMN sla_minutes BIGINT;
