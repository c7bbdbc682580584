-- How the cashier finds an item: brand, category, synonyms, barcodes besides
-- the primary one, quick keys; and the category tree, as the feed brings them.
ALTER TABLE variants ADD COLUMN brand TEXT;
ALTER TABLE variants ADD COLUMN category_id TEXT;
-- JSON arrays of text.
ALTER TABLE variants ADD COLUMN synonyms TEXT;
ALTER TABLE variants ADD COLUMN extra_barcodes TEXT;
ALTER TABLE variants ADD COLUMN quick_key INTEGER;
CREATE INDEX variants_quick_keys ON variants (category_id, quick_key) WHERE quick_key IS NOT NULL;

-- Barcodes besides each variant's primary one (which is variants.gtin).
CREATE TABLE variant_barcodes (
    gtin        TEXT PRIMARY KEY,
    variant_id  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX variant_barcodes_by_variant ON variant_barcodes (variant_id);

CREATE TABLE categories (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    feed_seq   INTEGER NOT NULL
);

-- Search gains the brand and synonyms, and every barcode: rebuilt.
DROP TRIGGER variants_search_insert;
DROP TRIGGER variants_search_update;
DROP TRIGGER variants_search_delete;
DROP TABLE variant_search;

CREATE VIRTUAL TABLE variant_search USING fts5(
    name,
    brand,
    synonyms,
    sku,
    code,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
-- Ranking inside FTS5 (ORDER BY rank) with name matches weighing most: far
-- cheaper than calling bm25() per row from outside.
INSERT INTO variant_search (variant_search, rank) VALUES ('rank', 'bm25(10.0, 6.0, 5.0, 4.0, 1.0)');

-- Synonyms are indexed as their JSON text: the tokenizer drops the brackets,
-- quotes and commas. Barcodes as printed: GTIN-14's padding zeros left off.
CREATE TRIGGER variants_search_insert AFTER INSERT ON variants BEGIN
    INSERT INTO variant_search (rowid, name, brand, synonyms, sku, code)
    VALUES (new.rowid, new.name, new.brand, new.synonyms, new.sku,
            ltrim(new.gtin, '0') || COALESCE(' ' || (SELECT group_concat(ltrim(value, '0'), ' ') FROM json_each(new.extra_barcodes)), ''));
END;

CREATE TRIGGER variants_search_update AFTER UPDATE ON variants BEGIN
    DELETE FROM variant_search WHERE rowid = old.rowid;
    INSERT INTO variant_search (rowid, name, brand, synonyms, sku, code)
    VALUES (new.rowid, new.name, new.brand, new.synonyms, new.sku,
            ltrim(new.gtin, '0') || COALESCE(' ' || (SELECT group_concat(ltrim(value, '0'), ' ') FROM json_each(new.extra_barcodes)), ''));
END;

CREATE TRIGGER variants_search_delete AFTER DELETE ON variants BEGIN
    DELETE FROM variant_search WHERE rowid = old.rowid;
END;

INSERT INTO variant_search (rowid, name, brand, synonyms, sku, code)
SELECT rowid, name, brand, synonyms, sku, ltrim(gtin, '0') FROM variants;
