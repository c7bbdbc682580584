-- The words the search index holds, one row per word with how many items
-- hold it: a word the cashier typed that no item's word starts with is
-- corrected to the nearest of these (a typo-tolerant search offline).
CREATE VIRTUAL TABLE variant_search_terms USING fts5vocab(variant_search, 'row');
