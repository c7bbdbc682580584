-- Offline product search: full-text over names, SKUs and barcodes, with prefix
-- indexes for type-ahead. Kept in step with the replica by triggers, so every
-- way a variant arrives (feed page, snapshot) is searchable at once.
CREATE VIRTUAL TABLE variant_search USING fts5(
    name,
    sku,
    code,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- Barcodes are searched as printed: GTIN-14's padding zeros left off.
CREATE TRIGGER variants_search_insert AFTER INSERT ON variants BEGIN
    INSERT INTO variant_search (rowid, name, sku, code)
    VALUES (new.rowid, new.name, new.sku, ltrim(new.gtin, '0'));
END;

CREATE TRIGGER variants_search_update AFTER UPDATE ON variants BEGIN
    DELETE FROM variant_search WHERE rowid = old.rowid;
    INSERT INTO variant_search (rowid, name, sku, code)
    VALUES (new.rowid, new.name, new.sku, ltrim(new.gtin, '0'));
END;

CREATE TRIGGER variants_search_delete AFTER DELETE ON variants BEGIN
    DELETE FROM variant_search WHERE rowid = old.rowid;
END;

INSERT INTO variant_search (rowid, name, sku, code)
SELECT rowid, name, sku, ltrim(gtin, '0') FROM variants;
