//! One tenant's search index: its schema, the document an item becomes, and
//! keeping it level with the tenant's catalog changes (the tenant-wide part
//! of the change feed). The index lives in memory and is derived: a hub
//! builds it from the catalog the first time a tenant is searched, then
//! applies each change after the feed position it was built at. A position
//! the feed has pruned past means a rebuild, never a gap.

use crate::domain::catalog::{CatalogQuery, CatalogSort};
use crate::storage::{DbError, DbResult, DynStorage};
use pos_shared::catalog::CategoryRecord;
use pos_shared::sync::{ChangeBody, VariantRecord};
use pos_shared::{CategoryId, TenantId, VariantId};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::schema::{STORED, STRING};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// The analyzer of the text fields, by name in the index.
pub const ANALYZER: &str = "item";
/// Catalog changes read and applied per step of a catch-up.
const CHANGES_PER_STEP: u32 = 1_000;
/// Items read per page when the index is built from the catalog.
const ITEMS_PER_PAGE: u32 = 500;
/// The writer's indexing memory; a tenant's items are small.
const WRITER_MEMORY: usize = 32 * 1024 * 1024;

/// The fields of an item's document.
#[derive(Clone, Copy)]
pub struct Fields {
    /// The variant's id: the key changes replace and delete by.
    pub id: Field,
    /// Its name, with positions for phrases.
    pub name: Field,
    /// Everything else it is asked for by: brand, category and the ones
    /// above it, synonyms, attribute values.
    pub extra: Field,
    /// Its SKU and barcodes, whole and lower case.
    pub code: Field,
    /// Its category and every category above it (filters).
    pub category_path: Field,
    /// Its own category (stored, for facets).
    pub category: Field,
    /// Its brand, lower case (filters) …
    pub brand_key: Field,
    /// … and as written (stored, for hits and facets).
    pub brand: Field,
    /// `key=value` of each scalar attribute, lower case (filters, facets).
    pub attribute: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |positions: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                }),
        )
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        name: b.add_text_field("name", text(true)),
        extra: b.add_text_field("extra", text(true)),
        code: b.add_text_field("code", STRING),
        category_path: b.add_text_field("category_path", STRING),
        category: b.add_text_field("category", STRING | STORED),
        brand_key: b.add_text_field("brand_key", STRING),
        brand: b.add_text_field("brand", STORED),
        attribute: b.add_text_field("attribute", STRING | STORED),
    };
    (b.build(), fields)
}

/// Words as the index keeps them: split where letters meet digits too, so
/// "500g" and "500 g" are the same two words.
pub fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut last: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = last {
            if (p.is_ascii_digit() && c.is_alphabetic())
                || (p.is_alphabetic() && c.is_ascii_digit())
            {
                out.push(' ');
            }
        }
        out.push(c);
        last = Some(c);
    }
    out
}

/// A size unit as written, and how the catalog writes it.
const UNITS: [(&str, &str); 23] = [
    ("g", "g"),
    ("gm", "g"),
    ("gms", "g"),
    ("gr", "g"),
    ("gram", "g"),
    ("grams", "g"),
    ("kg", "kg"),
    ("kgs", "kg"),
    ("kilo", "kg"),
    ("ml", "ml"),
    ("mls", "ml"),
    ("l", "l"),
    ("lt", "l"),
    ("ltr", "l"),
    ("ltrs", "l"),
    ("litre", "l"),
    ("litres", "l"),
    ("liter", "l"),
    ("liters", "l"),
    ("pc", "pc"),
    ("pcs", "pc"),
    ("piece", "pc"),
    ("pieces", "pc"),
];

/// How the catalog writes a size unit ("GM", "gms" → "g"; "Ltr" → "l").
pub fn canonical_unit(word: &str) -> Option<&'static str> {
    let word = word.to_lowercase();
    UNITS.iter().find(|(w, _)| *w == word).map(|(_, c)| *c)
}

/// Text as the index reads it: digits apart from letters, and a unit after
/// a number written one way, so "200gm", "200 GM" and "200 g" are alike.
pub fn indexed_text(text: &str) -> String {
    let spaced = spaced(text);
    let mut out: Vec<&str> = Vec::new();
    for word in spaced.split_whitespace() {
        let after_number = out
            .last()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit() || c == '.'));
        match canonical_unit(word).filter(|_| after_number) {
            Some(unit) => out.push(unit),
            None => out.push(word),
        }
    }
    out.join(" ")
}

/// An attribute's value as a filter names it, when it is a scalar.
pub fn attribute_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_lowercase()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A tenant's index and where in its catalog changes it stands.
pub struct TenantIndex {
    pub tenant: TenantId,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    writer: Arc<Mutex<IndexWriter>>,
    /// The tenant's categories, by id, as of `through`.
    categories: RwLock<HashMap<CategoryId, CategoryRecord>>,
    /// Every catalog change up to this feed position is in the index; `None`
    /// until it is first built. Held while changes are applied, so they are
    /// applied once and in order.
    through: tokio::sync::Mutex<Option<u64>>,
    /// `through` as last set, read without waiting for the lock (0 before
    /// the first build).
    level: AtomicU64,
}

/// What a step does to the index.
enum Edit {
    Put(TantivyDocument),
    Drop(VariantId),
}

impl TenantIndex {
    /// An empty index for the tenant; [`TenantIndex::catch_up`] fills it.
    pub fn new(tenant: TenantId) -> tantivy::Result<Self> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(
            ANALYZER,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(TenantIndex {
            tenant,
            index,
            reader,
            fields,
            writer: Arc::new(Mutex::new(writer)),
            categories: RwLock::new(HashMap::new()),
            through: tokio::sync::Mutex::new(None),
            level: AtomicU64::new(0),
        })
    }

    /// Every catalog change up to this feed position is in the index (as
    /// of the last step applied).
    pub fn level(&self) -> u64 {
        self.level.load(Ordering::Acquire)
    }

    /// The category's name, as of the last change applied.
    pub fn category_name(&self, id: CategoryId) -> Option<String> {
        let categories = self.categories.read().unwrap_or_else(|e| e.into_inner());
        categories.get(&id).map(|c| c.name.clone())
    }

    /// The words a text is indexed as.
    pub fn words(&self, text: &str) -> Vec<String> {
        let Some(mut analyzer) = self.index.tokenizers().get(ANALYZER) else {
            return Vec::new();
        };
        let text = indexed_text(text);
        let mut stream = analyzer.token_stream(&text);
        let mut words = Vec::new();
        while let Some(token) = stream.next() {
            words.push(token.text.clone());
        }
        words
    }

    /// Applies the tenant's catalog changes since the index's position, at
    /// most `steps` steps of [`CHANGES_PER_STEP`] (`None`: until level with
    /// the feed). Builds the index from the catalog when it has none yet or
    /// the feed was pruned past it. Whether it is level with the feed.
    pub async fn catch_up(&self, storage: &DynStorage, steps: Option<usize>) -> DbResult<bool> {
        let mut through = self.through.lock().await;
        let mut taken = 0;
        loop {
            if steps.is_some_and(|s| taken >= s) {
                return Ok(false);
            }
            taken += 1;
            let Some(since) = *through else {
                *through = Some(self.build(storage).await?);
                self.level.store(through.unwrap_or(0), Ordering::Release);
                continue;
            };
            let page = match storage
                .catalog_changes(self.tenant, since, CHANGES_PER_STEP)
                .await
            {
                // Behind the pruned feed, or past its head (the database was
                // restored from an earlier copy): built again.
                Err(DbError::CursorExpired { .. } | DbError::CursorAhead { .. }) => {
                    tracing::info!(tenant = %self.tenant, since, "search index outside the feed kept: rebuilding");
                    *through = Some(self.build(storage).await?);
                    self.level.store(through.unwrap_or(0), Ordering::Release);
                    continue;
                }
                page => page?,
            };
            let edits = self.edits(storage, &page.changes).await?;
            if !edits.is_empty() {
                self.apply(edits, false).await?;
            }
            *through = Some(page.next_cursor);
            self.level.store(page.next_cursor, Ordering::Release);
            if !page.has_more {
                return Ok(true);
            }
        }
    }

    /// Fills the index afresh from the tenant's catalog; the feed position
    /// it stands at (read first, so a change made meanwhile is applied again
    /// after, which is harmless: an item's document is replaced whole).
    async fn build(&self, storage: &DynStorage) -> DbResult<u64> {
        let head = storage
            .feed_heads()
            .await?
            .into_iter()
            .find(|(t, _)| *t == self.tenant)
            .map(|(_, head)| head)
            .ok_or(DbError::NotFound("tenant"))?;
        let categories = storage.categories(self.tenant).await?;
        *self.categories.write().unwrap_or_else(|e| e.into_inner()) =
            categories.into_iter().map(|c| (c.category_id, c)).collect();
        let mut edits = Vec::new();
        self.read_items(storage, None, &mut edits).await?;
        self.apply(edits, true).await?;
        Ok(head)
    }

    /// Appends a fresh document for every live item of the tenant, or of one
    /// category, read from the catalog.
    async fn read_items(
        &self,
        storage: &DynStorage,
        category: Option<CategoryId>,
        edits: &mut Vec<Edit>,
    ) -> DbResult<()> {
        let mut after = None;
        loop {
            let page = storage
                .catalog(
                    self.tenant,
                    &CatalogQuery {
                        text: None,
                        category,
                        brand: None,
                        sort: CatalogSort::Sku,
                        after,
                        limit: ITEMS_PER_PAGE,
                    },
                )
                .await?;
            edits.extend(page.items.iter().map(|r| Edit::Put(self.document(r))));
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// What the changes do to the index. A category renamed or moved
    /// changes the words of every item in it and under it: those are read
    /// again from the catalog.
    async fn edits(
        &self,
        storage: &DynStorage,
        changes: &[pos_shared::sync::Change],
    ) -> DbResult<Vec<Edit>> {
        let mut edits = Vec::new();
        let mut moved = HashSet::new();
        for change in changes {
            match &change.body {
                ChangeBody::VariantUpserted(record) => edits.push(Edit::Put(self.document(record))),
                ChangeBody::VariantDeleted { variant_id } => edits.push(Edit::Drop(*variant_id)),
                ChangeBody::CategoryUpserted(category) => {
                    let mut categories = self.categories.write().unwrap_or_else(|e| e.into_inner());
                    let old = categories.insert(category.category_id, category.clone());
                    if old.is_some_and(|o| {
                        o.name != category.name || o.parent_id != category.parent_id
                    }) {
                        moved.insert(category.category_id);
                    }
                }
                _ => {}
            }
        }
        if moved.is_empty() {
            return Ok(edits);
        }
        let under: Vec<CategoryId> = {
            let categories = self.categories.read().unwrap_or_else(|e| e.into_inner());
            categories
                .keys()
                .copied()
                .filter(|c| path(&categories, *c).iter().any(|p| moved.contains(p)))
                .collect()
        };
        for category in under {
            self.read_items(storage, Some(category), &mut edits).await?;
        }
        Ok(edits)
    }

    /// Writes the edits (after deleting everything, for a build), commits
    /// and makes them visible to searches. Blocking work, off the runtime.
    async fn apply(&self, edits: Vec<Edit>, fresh: bool) -> DbResult<()> {
        let writer = self.writer.clone();
        let id = self.fields.id;
        let committed = tokio::task::spawn_blocking(move || -> tantivy::Result<()> {
            let mut writer = writer.lock().unwrap_or_else(|e| e.into_inner());
            if fresh {
                writer.delete_all_documents()?;
            }
            for edit in edits {
                match edit {
                    Edit::Put(doc) => {
                        let key = doc
                            .get_first(id)
                            .and_then(|v| tantivy::schema::Value::as_str(&v).map(str::to_owned))
                            .unwrap_or_default();
                        writer.delete_term(Term::from_field_text(id, &key));
                        writer.add_document(doc)?;
                    }
                    Edit::Drop(variant) => {
                        writer.delete_term(Term::from_field_text(id, &variant.to_string()));
                    }
                }
            }
            writer.commit()?;
            Ok(())
        })
        .await
        .map_err(|e| DbError::Corrupt(format!("search index writer stopped: {e}")))?;
        committed.map_err(|e| DbError::Corrupt(format!("search index: {e}")))?;
        self.reader
            .reload()
            .map_err(|e| DbError::Corrupt(format!("search index: {e}")))
    }

    /// The document an item is indexed as.
    fn document(&self, record: &VariantRecord) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, record.variant_id.to_string());
        doc.add_text(f.name, indexed_text(&record.name));
        doc.add_text(f.code, record.sku.to_lowercase());
        for code in std::iter::once(&record.barcode).chain(&record.placement.extra_barcodes) {
            for form in printed_forms(code.as_str()) {
                doc.add_text(f.code, form);
            }
        }
        if let Some(brand) = &record.placement.brand {
            doc.add_text(f.extra, indexed_text(brand));
            doc.add_text(f.brand_key, brand.trim().to_lowercase());
            doc.add_text(f.brand, brand);
        }
        if let Some(category) = record.placement.category_id {
            doc.add_text(f.category, category.to_string());
            let categories = self.categories.read().unwrap_or_else(|e| e.into_inner());
            for c in path(&categories, category) {
                doc.add_text(f.category_path, c.to_string());
                if let Some(known) = categories.get(&c) {
                    doc.add_text(f.extra, indexed_text(&known.name));
                }
            }
        }
        for synonym in &record.placement.synonyms {
            doc.add_text(f.extra, indexed_text(synonym));
        }
        for (key, value) in &record.details.attributes {
            let Some(text) = attribute_text(value) else {
                continue;
            };
            doc.add_text(f.attribute, format!("{}={text}", key.trim().to_lowercase()));
            match value {
                Value::String(s) => doc.add_text(f.extra, indexed_text(s)),
                // A flag set is a word it is asked for by ("veg", "organic").
                Value::Bool(true) => doc.add_text(f.extra, indexed_text(key)),
                _ => {}
            }
        }
        doc
    }
}

/// A barcode as kept (GTIN-14) and as printed on packs: without the
/// leading zeros that pad an EAN-13, UPC-A or EAN-8 to 14 digits.
fn printed_forms(code: &str) -> Vec<&str> {
    let mut forms = vec![code];
    let mut rest = code;
    while rest.len() > 8 {
        match rest.strip_prefix('0') {
            Some(shorter) => {
                rest = shorter;
                forms.push(rest);
            }
            None => break,
        }
    }
    forms
}

/// A category and every one above it, nearest first; stops at a loop.
fn path(categories: &HashMap<CategoryId, CategoryRecord>, from: CategoryId) -> Vec<CategoryId> {
    let mut path = vec![from];
    let mut at = categories.get(&from).and_then(|c| c.parent_id);
    while let Some(c) = at {
        if path.contains(&c) {
            break;
        }
        path.push(c);
        at = categories.get(&c).and_then(|c| c.parent_id);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_letters_are_words_apart() {
        assert_eq!(spaced("Atta 5kg"), "Atta 5 kg");
        assert_eq!(spaced("500g"), "500 g");
        assert_eq!(spaced("A2 milk"), "A 2 milk");
        assert_eq!(spaced("दाल 1kg"), "दाल 1 kg");
    }

    #[test]
    fn sizes_read_alike_however_written() {
        assert_eq!(indexed_text("Paneer 200gm"), "Paneer 200 g");
        assert_eq!(indexed_text("Milk 1 LTR"), "Milk 1 l");
        assert_eq!(indexed_text("milk 1 litre"), "milk 1 l");
        // Only after a number: "G" alone is a word.
        assert_eq!(indexed_text("Vitamin G Tablets"), "Vitamin G Tablets");
    }

    #[test]
    fn a_barcode_is_found_as_printed() {
        assert_eq!(
            printed_forms("08901000000019"),
            ["08901000000019", "8901000000019"]
        );
        assert_eq!(
            printed_forms("00012345678905"),
            [
                "00012345678905",
                "0012345678905",
                "012345678905",
                "12345678905"
            ]
        );
        assert_eq!(printed_forms("12345678901231"), ["12345678901231"]);
    }

    #[test]
    fn only_scalar_attributes_are_filters() {
        assert_eq!(attribute_text(&Value::from(" Veg ")), Some("veg".into()));
        assert_eq!(attribute_text(&Value::from(true)), Some("true".into()));
        assert_eq!(attribute_text(&Value::from(12)), Some("12".into()));
        assert_eq!(attribute_text(&serde_json::json!(["a"])), None);
    }
}
