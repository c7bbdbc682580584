-- In-store barcodes: EAN-13s the hub numbers itself for items without a
-- manufacturer's barcode, under a GS1 prefix of 20-29 chosen per tenant. The
-- next item number lives on the tenant row and is taken under the tenant
-- lock in the transaction that gives the barcode, so concurrent requests
-- never share one; variant_barcodes keeps every barcode unique as before.
ALTER TABLE tenants ADD COLUMN in_store_prefix TEXT NOT NULL DEFAULT '29';
ALTER TABLE tenants ADD COLUMN in_store_next BIGINT NOT NULL DEFAULT 1;
