-- GST returns and sales reports (domain/gst, domain/sales_report.rs,
-- ARCHITECTURE.md "GST returns"). A store's GST registration, and the tax
-- documents its tills issue, one row per sale (an invoice) or return (a
-- credit note), with its lines' tax as the till computed it and how it was
-- settled. Written in the transaction that stores the fact, so a return
-- period's figures are aggregates over these rows, never a parse of the
-- uploaded envelopes.
ALTER TABLE stores ADD COLUMN gstin TEXT;

CREATE TABLE gst_documents (
    -- The sale's or the return's id.
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    store_id      UUID NOT NULL REFERENCES stores (id),
    terminal_id   UUID NOT NULL REFERENCES terminals (id),
    kind          TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    -- The receipt number: a terminal's numbers are one series.
    number        TEXT NOT NULL,
    issued_at_ms  BIGINT NOT NULL,
    -- What the buyer paid (an invoice) or was refunded (a credit note).
    value_minor   BIGINT NOT NULL,
    -- The buyer's GSTIN on an invoice (a B2B supply); NULL on a credit note,
    -- whose buyer is its invoice's.
    buyer_gstin   TEXT,
    -- A credit note's invoice (it may reach the hub after the note).
    original_id   UUID,
    -- Taxed as an inter-state supply (IGST).
    inter_state   BOOLEAN NOT NULL,
    -- The GSTIN it was issued under: the store's when the fact reached the
    -- hub, or when HQ first gave the store one. A later change of the
    -- store's GSTIN leaves it as it is, so a filed month stays the same.
    gstin         TEXT,
    -- Who rang the sale up, when the till named a cashier (sales reports).
    cashier_id    UUID,
    cashier_name  TEXT
);
CREATE INDEX gst_documents_by_time ON gst_documents (tenant_id, issued_at_ms);
CREATE INDEX gst_documents_by_gstin ON gst_documents (tenant_id, gstin, issued_at_ms);

CREATE TABLE gst_document_lines (
    document_id    UUID NOT NULL REFERENCES gst_documents (id),
    line_no        INTEGER NOT NULL,
    variant_id     UUID NOT NULL,
    hsn            TEXT,
    -- The GST portal's unit quantity code of the item's unit when sold.
    uqc            TEXT NOT NULL,
    -- NULL: the item had no tax class when it was sold.
    rate_bp        INTEGER,
    qty_milli      BIGINT NOT NULL,
    taxable_minor  BIGINT NOT NULL,
    cgst_minor     BIGINT NOT NULL,
    sgst_minor     BIGINT NOT NULL,
    igst_minor     BIGINT NOT NULL,
    PRIMARY KEY (document_id, line_no)
);

-- How each was settled: what a sale took by method (cash net of change
-- given), what a return refunded.
CREATE TABLE gst_document_tenders (
    document_id   UUID NOT NULL REFERENCES gst_documents (id),
    tender_no     INTEGER NOT NULL,
    method        TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    PRIMARY KEY (document_id, tender_no)
);

-- The documents of facts stored before this migration, from their envelopes.
INSERT INTO hub_data_steps (step) VALUES ('gst_documents_from_facts');
