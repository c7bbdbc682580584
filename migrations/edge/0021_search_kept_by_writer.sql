-- The search index is kept by the code that writes variants (store/search_index.rs)
-- rather than by triggers: an FTS5 insert made from a trigger cost four times the
-- same insert as a statement of its own, and a snapshot rebuilds the whole index
-- in one statement at its end instead of row by row.
DROP TRIGGER variants_search_insert;
DROP TRIGGER variants_search_update;
DROP TRIGGER variants_search_delete;
