-- The lines of one sale, found from the sale: what a store's customers buy
-- together (recommendations, storage/sql/recommendations.rs).
CREATE INDEX stock_movements_by_sale ON stock_movements (tenant_id, sale_id) WHERE sale_id IS NOT NULL;
