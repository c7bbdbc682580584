-- GST per variant: rate in basis points, whether prices include it, HSN code.
-- NULL rate: the item carries no tax class (exempt, or the store is not registered).
ALTER TABLE variants ADD COLUMN tax_rate_bp INTEGER CHECK (tax_rate_bp BETWEEN 0 AND 4000);
ALTER TABLE variants ADD COLUMN tax_inclusive BOOLEAN;
ALTER TABLE variants ADD COLUMN hsn TEXT;
