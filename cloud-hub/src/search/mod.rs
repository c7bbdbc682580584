//! The hub's store search: an embedded full-text index per tenant
//! (tantivy), kept from the tenant's catalog changes, answering a store's
//! searches with the store's own price and stock.
//!
//! A search finds the best [`CANDIDATES`] matches in the tenant's index
//! (words, typos, synonyms, phrases; the catalog-wide filters), or the best
//! [`STORE_CANDIDATES`] when it filters by the store's stock or price, reads their
//! line of the store's catalog view from the database in one query, keeps
//! those that pass the store's filters (stock, price, orderable), counts
//! the facets over them and ranks them: by relevance, then by what the
//! store can promise, so among equally good matches the one on the shelf
//! comes first. The database stays the truth for price and stock; the index
//! only says which items match.
//!
//! Indexes are built the first time a tenant is searched and kept level by
//! [`run`], which hears every feed commit. A search also applies a step of
//! changes itself when the index is behind, so HQ's edit is found by the
//! next search; a big import is applied by the task while searches go on
//! over the index as it stood.

mod index;
mod query;
mod synonyms;

use crate::domain::search::{
    AttributeFacet, CategoryFacet, FacetValue, Facets, SearchHit, SearchResults, StoreQuery,
    CANDIDATES, STORE_CANDIDATES,
};
use crate::storage::{DbError, DbResult, DynStorage};
use index::TenantIndex;
use pos_shared::{CategoryId, StoreId, TenantId, Timestamp, VariantId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tantivy::collector::TopDocs;
use tantivy::schema::Value;
use tantivy::TantivyDocument;
use tokio::sync::OnceCell;

pub use index::{canonical_unit, indexed_text, spaced};
pub use synonyms::Synonyms;

/// How long a search waits for the index to be free to apply a step of
/// changes before it answers from the index as it stands.
const CATCH_UP_WAIT: Duration = Duration::from_millis(250);
/// How long the task lets commits gather before it applies them.
const SETTLE: Duration = Duration::from_millis(50);
/// Facet values listed per facet.
const FACET_VALUES: usize = 20;
/// Attributes listed among the facets.
const FACET_ATTRIBUTES: usize = 10;
/// Matches whose relevance is within this share of each other rank as
/// equals, and the store's stock orders them.
const RELEVANCE_BAND: f32 = 0.05;

/// Every tenant's index in this hub process.
pub struct StoreSearch {
    storage: DynStorage,
    synonyms: Synonyms,
    indexes: Mutex<HashMap<TenantId, Arc<OnceCell<Arc<TenantIndex>>>>>,
}

impl StoreSearch {
    pub fn new(storage: DynStorage) -> Self {
        StoreSearch {
            storage,
            synonyms: Synonyms::shipped(),
            indexes: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant's index, built on first use.
    async fn index(&self, tenant: TenantId) -> DbResult<Arc<TenantIndex>> {
        let cell = {
            let mut indexes = self.indexes.lock().unwrap_or_else(|e| e.into_inner());
            indexes.entry(tenant).or_default().clone()
        };
        cell.get_or_try_init(|| async {
            let index = TenantIndex::new(tenant)
                .map_err(|e| DbError::Corrupt(format!("search index: {e}")))?;
            index.catch_up(&self.storage, None).await?;
            Ok(Arc::new(index))
        })
        .await
        .cloned()
    }

    /// Brings every built index whose tenant's feed moved level with it:
    /// one read of every tenant's head, then only the tenants behind.
    pub async fn catch_up_all(&self) -> DbResult<()> {
        let built: HashMap<TenantId, Arc<TenantIndex>> = {
            let indexes = self.indexes.lock().unwrap_or_else(|e| e.into_inner());
            indexes
                .iter()
                .filter_map(|(t, c)| c.get().map(|i| (*t, i.clone())))
                .collect()
        };
        if built.is_empty() {
            return Ok(());
        }
        for (tenant, head) in self.storage.feed_heads().await? {
            match built.get(&tenant) {
                Some(index) if index.level() < head => {
                    index.catch_up(&self.storage, None).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Makes sure the tenant's index is built and level with its feed (for
    /// benchmarks and tools; searches do not wait for a whole catch-up).
    pub async fn ready(&self, tenant: TenantId) -> DbResult<()> {
        self.index(tenant)
            .await?
            .catch_up(&self.storage, None)
            .await?;
        Ok(())
    }

    /// The index's part of a search alone: how many of the best
    /// [`CANDIDATES`] match, with nothing read from the database. For
    /// measuring what the store's figures add to a search.
    pub async fn index_only(&self, tenant: TenantId, q: &StoreQuery) -> DbResult<usize> {
        let index = self.index(tenant).await?;
        Ok(self.candidates(&index, q, CANDIDATES)?.len())
    }

    /// The store's answer to `q`. Not found: the store.
    pub async fn search(
        &self,
        tenant: TenantId,
        store: StoreId,
        q: &StoreQuery,
    ) -> DbResult<SearchResults> {
        let index = self.index(tenant).await?;
        // The index may lag the catalog by a step; a timeout leaves that to
        // the task, and a failed step is logged there when it recurs.
        let _ = tokio::time::timeout(CATCH_UP_WAIT, index.catch_up(&self.storage, Some(1))).await;
        let store_filters =
            q.in_stock || q.orderable || q.min_price.is_some() || q.max_price.is_some();
        // The store's filters are met only by reading the store's figures:
        // they look further down the matches.
        let wanted = if store_filters {
            STORE_CANDIDATES
        } else {
            CANDIDATES
        };
        let candidates = self.candidates(&index, q, wanted)?;
        let best = candidates.first().map_or(0.0, |c| c.relevance);
        // Without the store's filters every match stands, and the store's
        // figures are needed only for the bands the first hits come from.
        let limit = q.limit.max(1);
        let read = if store_filters || candidates.len() <= limit {
            candidates.len()
        } else {
            let last = band(best, candidates[limit - 1].relevance);
            candidates
                .iter()
                .take_while(|c| band(best, c.relevance) <= last)
                .count()
        };
        let ids: Vec<VariantId> = candidates[..read].iter().map(|c| c.id).collect();
        let lines = self
            .storage
            .items_at_store(tenant, store, &q.channel, Timestamp::now(), &ids)
            .await?;
        let mut lines: HashMap<VariantId, _> =
            lines.into_iter().map(|l| (l.variant_id, l)).collect();
        let mut hits = Vec::new();
        let mut passed = Vec::new();
        for c in &candidates[..read] {
            // Not in the catalog view: deleted since the index last heard.
            let Some(line) = lines.remove(&c.id) else {
                continue;
            };
            // In stock: what it can promise, on its shelf and not on hold.
            let in_stock =
                line.available.is_positive() && line.listed && !line.reasons.contains(&"blocked");
            if (q.in_stock && !in_stock)
                || (q.orderable && !line.orderable)
                || q.min_price.is_some_and(|m| line.price.minor() < m)
                || q.max_price.is_some_and(|m| line.price.minor() > m)
            {
                continue;
            }
            hits.push(SearchHit {
                variant_id: line.variant_id,
                sku: line.sku,
                name: line.name,
                barcode: line.barcode,
                brand: c.brand.clone(),
                category: c.category.and_then(|id| index.category_name(id)),
                category_id: c.category,
                price: line.price,
                price_source: line.price_source,
                on_hand: line.on_hand,
                available: line.available,
                orderable: line.orderable,
                reasons: line.reasons,
                relevance: c.relevance,
            });
            passed.push(c);
        }
        let (facets, matched) = if store_filters {
            (facets(&index, passed.iter().copied()), passed.len())
        } else {
            let gone = read - hits.len();
            let stood: HashSet<VariantId> = passed.iter().map(|c| c.id).collect();
            let standing = candidates[..read]
                .iter()
                .filter(|c| stood.contains(&c.id))
                .chain(&candidates[read..]);
            (facets(&index, standing), candidates.len() - gone)
        };
        hits.sort_by(|a, b| {
            band(best, a.relevance)
                .cmp(&band(best, b.relevance))
                .then(b.orderable.cmp(&a.orderable))
                .then(b.available.cmp(&a.available))
                .then(b.relevance.total_cmp(&a.relevance))
                .then(a.sku.cmp(&b.sku))
        });
        hits.truncate(limit);
        Ok(SearchResults {
            store_id: store,
            q: q.text.clone(),
            matched: u32::try_from(matched).unwrap_or(u32::MAX),
            hits,
            facets,
        })
    }

    /// The best matches of the words under the catalog-wide filters, with
    /// what the index keeps of each for hits and facets.
    fn candidates(
        &self,
        index: &TenantIndex,
        q: &StoreQuery,
        wanted: usize,
    ) -> DbResult<Vec<Candidate>> {
        let filters = query::CatalogFilters {
            category: q.category,
            brand: q.brand.as_deref(),
            attributes: &q.attributes,
        };
        let searcher = index.reader.searcher();
        let Some(query) = query::build(index, &searcher, &self.synonyms, &q.text, &filters) else {
            return Ok(Vec::new());
        };
        let broken = |e: tantivy::TantivyError| DbError::Corrupt(format!("search index: {e}"));
        let top = searcher
            .search(&*query, &TopDocs::with_limit(wanted))
            .map_err(broken)?;
        let f = index.fields;
        let mut found = Vec::with_capacity(top.len());
        for (relevance, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(broken)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
            };
            let Some(id) = text(f.id).and_then(|t| t.parse().ok()) else {
                continue;
            };
            let attributes = doc
                .get_all(f.attribute)
                .filter_map(|v| v.as_str())
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            found.push(Candidate {
                id: VariantId::from_uuid(id),
                relevance,
                brand: text(f.brand),
                category: text(f.category)
                    .and_then(|t| t.parse().ok())
                    .map(CategoryId::from_uuid),
                attributes,
            });
        }
        Ok(found)
    }
}

/// A match in the index, before the store's say.
struct Candidate {
    id: VariantId,
    relevance: f32,
    brand: Option<String>,
    category: Option<CategoryId>,
    attributes: Vec<(String, String)>,
}

/// Which band of relevance a match falls in, 0 the best: bands are
/// [`RELEVANCE_BAND`] of the best match wide. Within a band, hits are ranked
/// by what the store can take an order for, then the most it can promise.
fn band(best: f32, relevance: f32) -> u32 {
    if best <= 0.0 {
        0
    } else {
        ((best - relevance) / (best * RELEVANCE_BAND)).floor() as u32
    }
}

/// How the matches fall by category, brand and attribute; the most first,
/// ties by name.
fn facets<'a>(index: &TenantIndex, matches: impl Iterator<Item = &'a Candidate>) -> Facets {
    let mut categories: HashMap<CategoryId, u32> = HashMap::new();
    let mut brands: HashMap<&str, u32> = HashMap::new();
    let mut attributes: BTreeMap<&str, HashMap<&str, u32>> = BTreeMap::new();
    for c in matches {
        if let Some(id) = c.category {
            *categories.entry(id).or_default() += 1;
        }
        if let Some(brand) = &c.brand {
            *brands.entry(brand).or_default() += 1;
        }
        for (k, v) in &c.attributes {
            *attributes.entry(k).or_default().entry(v).or_default() += 1;
        }
    }
    let values = |counts: HashMap<&str, u32>| -> Vec<FacetValue> {
        let mut list: Vec<FacetValue> = counts
            .into_iter()
            .map(|(value, count)| FacetValue {
                value: value.to_owned(),
                count,
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        list.truncate(FACET_VALUES);
        list
    };
    let mut categories: Vec<CategoryFacet> = categories
        .into_iter()
        .filter_map(|(category_id, count)| {
            Some(CategoryFacet {
                category_id,
                name: index.category_name(category_id)?,
                count,
            })
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    categories.truncate(FACET_VALUES);
    let mut attributes: Vec<AttributeFacet> = attributes
        .into_iter()
        .map(|(key, counts)| AttributeFacet {
            key: key.to_owned(),
            values: values(counts),
        })
        .collect();
    attributes.sort_by_key(|a| std::cmp::Reverse(a.values.iter().map(|v| v.count).sum::<u32>()));
    attributes.truncate(FACET_ATTRIBUTES);
    Facets {
        categories,
        brands: values(brands),
        attributes,
    }
}

/// Keeps every built index level with its tenant's catalog: wakes on each
/// feed commit (of any hub process on the database), lets a burst settle,
/// and applies what changed.
pub async fn run(search: Arc<StoreSearch>) {
    let mut commits = search.storage.watch_feed();
    loop {
        if commits.changed().await.is_err() {
            return;
        }
        tokio::time::sleep(SETTLE).await;
        commits.borrow_and_update();
        if let Err(e) = search.catch_up_all().await {
            tracing::warn!(error = %e, "store search: catching up failed; trying again at the next change");
        }
    }
}
