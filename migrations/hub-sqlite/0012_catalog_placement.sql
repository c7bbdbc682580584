-- The category tree and brands, and how each variant is found at the till:
-- brand, category, synonyms, barcodes besides the primary one, quick key.
CREATE TABLE categories (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    parent_id      BLOB REFERENCES categories (id),
    name           TEXT NOT NULL,
    position       INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    updated_at_ms  INTEGER NOT NULL
);
CREATE INDEX categories_by_tenant ON categories (tenant_id, parent_id);

CREATE TABLE brands (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    name           TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    CONSTRAINT brands_name_unique UNIQUE (tenant_id, name)
);

ALTER TABLE variants ADD COLUMN brand_id BLOB REFERENCES brands (id);
ALTER TABLE variants ADD COLUMN category_id BLOB REFERENCES categories (id);
-- JSON arrays of text.
ALTER TABLE variants ADD COLUMN synonyms TEXT;
ALTER TABLE variants ADD COLUMN extra_barcodes TEXT;
ALTER TABLE variants ADD COLUMN quick_key INTEGER CHECK (quick_key BETWEEN 0 AND 65535);

-- Every barcode of every variant, primary or not: a barcode names one variant
-- of a tenant, whichever list it was given in.
CREATE TABLE variant_barcodes (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    gtin        TEXT NOT NULL,
    variant_id  BLOB NOT NULL REFERENCES variants (id),
    CONSTRAINT variant_barcodes_gtin_unique PRIMARY KEY (tenant_id, gtin)
);
INSERT INTO variant_barcodes (tenant_id, gtin, variant_id) SELECT tenant_id, gtin, id FROM variants;
