-- Modifier and add-on groups of a variant (restaurant menus), as JSON.
ALTER TABLE variants ADD COLUMN modifiers TEXT;
