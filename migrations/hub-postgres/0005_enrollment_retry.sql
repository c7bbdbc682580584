-- Lets the installation that used an enrollment code ask again when the answer
-- was lost: the used code's hash and the installation's id are kept.
ALTER TABLE terminals ADD COLUMN used_code_hash TEXT;
ALTER TABLE terminals ADD COLUMN install_id UUID;
