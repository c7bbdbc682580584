-- Customers across stores (shared/src/customer.rs, storage/sql/customers.rs):
-- one record per tenant and phone, merged from the stores' customer_profiles
-- documents and from the bills that named a customer, so HQ sees a customer
-- the same at every store and a till finds one first met at another store.
CREATE TABLE customers (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    name            TEXT,
    -- The name in lower case, as searches compare it (SQLite's LOWER
    -- folds only ASCII).
    name_key        TEXT,
    gstin           TEXT,
    -- Where the chain first met the customer.
    first_store_id  BLOB NOT NULL REFERENCES stores (id),
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    -- The store whose edit the record shows last.
    updated_by_store_id BLOB REFERENCES stores (id),
    PRIMARY KEY (tenant_id, phone)
);
CREATE INDEX customers_by_name ON customers (tenant_id, name_key);

-- What each store's profile document last said of a customer, so a merge
-- takes only what that store changed since: a store that syncs again does
-- not put back a name another store has corrected since.
CREATE TABLE customer_store_profiles (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    phone           TEXT NOT NULL,
    name            TEXT,
    gstin           TEXT,
    merged_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, store_id, phone)
);

-- The customer a bill named, for the customer's bills across stores.
ALTER TABLE gst_documents ADD COLUMN buyer_phone TEXT;
CREATE INDEX gst_documents_by_buyer ON gst_documents (tenant_id, buyer_phone, issued_at_ms);

-- The profiles the stores' documents already hold become customers.
INSERT INTO hub_data_steps (step) VALUES ('customers_from_profiles');
