-- GST class per variant, as the feed brings it (NULL rate: no tax class).
ALTER TABLE variants ADD COLUMN tax_rate_bp INTEGER;
ALTER TABLE variants ADD COLUMN tax_inclusive INTEGER;
ALTER TABLE variants ADD COLUMN hsn TEXT;
