//! Applying a payload's commands for one source: each entity through the
//! same storage calls HQ's API uses (so every rule, version and feed change
//! is the same), with the source's ids mapped to the hub's as they are found
//! or made. An entity that changes nothing makes no version and reaches no
//! till, so a payload applied twice changes nothing the second time.
//!
//! An entity refused (a bad price, an unknown store) is counted and named
//! in the run's errors and the rest goes on; a database failure stops the
//! run, and the payload stays queued for the next try.

use super::{CategoryRef, CategoryUpsert, Command, Entity, ItemUpsert, Parsed, VariantUpsert};
use crate::domain::catalog::{NewProduct, NewVariant, VariantPatch};
use crate::domain::events::by_hub;
use crate::domain::ingestion::{RunCounts, RunError, Source};
use crate::storage::{DbError, DynStorage};
use pos_shared::catalog::{BrandRecord, CategoryRecord};
use pos_shared::sync::VariantRecord;
use pos_shared::{BrandId, CategoryId, ProductId, StoreId, TenantId, VariantId};
use serde_json::json;

/// Why one entity was not applied: the field at fault (in the input's
/// terms, when there is one) and what is wrong.
pub type Refused = (Option<String>, String);

/// What an entity did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Changed,
    Unchanged,
}

/// A refusal, or a failure of the database that stops the run.
pub(super) enum Failure {
    Refused(Refused),
    Database(DbError),
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Other(_) | DbError::Corrupt(_) => Failure::Database(e),
            DbError::InvalidField { field, detail } | DbError::State { field, detail } => {
                Failure::Refused((Some(field.to_owned()), detail))
            }
            DbError::AtItem { error, .. } => Failure::from(*error),
            DbError::Conflict(rule) => {
                let (field, detail) = crate::http::conflicts::describe(&rule);
                Failure::Refused((Some(field.to_owned()), detail.to_owned()))
            }
            other => Failure::Refused((None, other.to_string())),
        }
    }
}

/// A database error as the refusal of one entity when the input is at
/// fault (a barcode taken, a bad field); `Err` when the database failed.
pub fn refusal(e: DbError) -> Result<Refused, DbError> {
    match Failure::from(e) {
        Failure::Refused(refused) => Ok(refused),
        Failure::Database(e) => Err(e),
    }
}

pub(super) fn refuse<T>(field: &str, detail: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Refused((Some(field.to_owned()), detail.into())))
}

/// One run's application for one source.
pub struct Applier<'a> {
    pub(super) storage: &'a DynStorage,
    pub(super) tenant: TenantId,
    pub(super) source: &'a Source,
    categories: Option<Vec<CategoryRecord>>,
    brands: Option<Vec<BrandRecord>>,
    pub counts: RunCounts,
    pub errors: Vec<RunError>,
}

impl<'a> Applier<'a> {
    pub fn new(storage: &'a DynStorage, tenant: TenantId, source: &'a Source) -> Self {
        Applier {
            storage,
            tenant,
            source,
            categories: None,
            brands: None,
            counts: RunCounts::default(),
            errors: Vec::new(),
        }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Applies every entity of `parsed` in order, counting each; `Err` only
    /// when the database fails (the counts so far are kept).
    pub async fn apply_all(&mut self, parsed: Parsed) -> Result<(), DbError> {
        self.counts.received += (parsed.entities.len() + parsed.errors.len()) as u64;
        self.counts.failed += parsed.errors.len() as u64;
        self.errors.extend(parsed.errors);
        // Stock lines in a row go to the ledger in one transaction.
        let mut lines: Vec<&Entity> = Vec::new();
        for entity in &parsed.entities {
            if matches!(
                entity.command,
                Command::StockFigure(_) | Command::StockChange(_)
            ) {
                lines.push(entity);
                continue;
            }
            self.apply_stock(std::mem::take(&mut lines)).await?;
            self.apply_one(entity).await?;
        }
        self.apply_stock(lines).await?;
        if let Some(listing) = &parsed.listing {
            self.retire_missing(listing).await?;
        }
        Ok(())
    }

    /// Applies one entity without counting it: what it did, or why it was
    /// refused; `Err` only when the database fails.
    pub async fn try_one(&mut self, entity: &Entity) -> Result<Result<Applied, Refused>, DbError> {
        let outcome = match &entity.command {
            Command::Category(c) => self.category(c).await,
            Command::Item(item) => self.item(item, entity.location.as_deref()).await,
            Command::Availability(a) => self.availability(a).await,
            Command::StockFigure(_) | Command::StockChange(_) => self.stock_alone(entity).await,
        };
        match outcome {
            Ok(applied) => Ok(Ok(applied)),
            Err(Failure::Refused(refused)) => Ok(Err(refused)),
            Err(Failure::Database(e)) => Err(e),
        }
    }

    /// Counts an entity's outcome; `Err` only when the database failed.
    pub(super) fn count(
        &mut self,
        entity: &Entity,
        outcome: Result<Applied, Failure>,
    ) -> Result<Applied, DbError> {
        match outcome {
            Ok(applied) => {
                match applied {
                    Applied::Changed => self.counts.applied += 1,
                    Applied::Unchanged => self.counts.unchanged += 1,
                }
                Ok(applied)
            }
            Err(Failure::Refused((field, detail))) => {
                self.counts.failed += 1;
                self.errors.push(RunError {
                    entity: entity.name.clone(),
                    field,
                    detail,
                });
                Ok(Applied::Unchanged)
            }
            Err(Failure::Database(e)) => Err(e),
        }
    }

    /// Applies one entity and counts it; `Err` only when the database fails.
    pub async fn apply_one(&mut self, entity: &Entity) -> Result<Applied, DbError> {
        let outcome = self.try_one(entity).await?.map_err(Failure::Refused);
        self.count(entity, outcome)
    }

    /// The stores a payload's location names: that one, or every store the
    /// source feeds when it names none.
    pub(super) fn stores(&self, location: Option<&str>) -> Result<Vec<StoreId>, Failure> {
        match location {
            Some(loc) => self
                .source
                .stores
                .iter()
                .find(|s| s.external_id == loc)
                .map(|s| vec![s.store_id])
                .ok_or_else(|| {
                    Failure::Refused((
                        Some("location".into()),
                        format!(
                            "{loc:?} is not one of the stores source {} feeds",
                            self.source.code
                        ),
                    ))
                }),
            None => Ok(self.source.stores.iter().map(|s| s.store_id).collect()),
        }
    }

    async fn categories(&mut self) -> Result<&mut Vec<CategoryRecord>, DbError> {
        if self.categories.is_none() {
            self.categories = Some(self.storage.categories(self.tenant).await?);
        }
        Ok(self.categories.get_or_insert_with(Vec::new))
    }

    async fn category(&mut self, c: &CategoryUpsert) -> Result<Applied, Failure> {
        let parent = match &c.parent {
            Some(p) => Some(self.mapped_category(p).await?.ok_or_else(|| {
                Failure::Refused((
                    Some("parent_category_id".into()),
                    format!("parent category {p} is not known"),
                ))
            })?),
            None => None,
        };
        let mapped = self.mapped_category(&c.external_id).await?;
        let adopted = mapped.is_some()
            && self
                .storage
                .source_entity_adopted(self.tenant, self.source.id, "category", &c.external_id)
                .await?;
        let categories = self.categories().await?;
        let current =
            mapped.and_then(|id| categories.iter().find(|k| k.category_id == id).cloned());
        let same_place =
            |k: &CategoryRecord| k.parent_id == parent && k.name.eq_ignore_ascii_case(&c.name);
        let wanted = CategoryRecord {
            category_id: current
                .as_ref()
                .map_or_else(CategoryId::new, |k| k.category_id),
            parent_id: parent,
            name: c.name.clone(),
            position: c.position,
        };
        match &current {
            Some(now) if *now == wanted || (adopted && same_place(now)) => {
                return Ok(Applied::Unchanged)
            }
            // Its own: renamed or moved as the source says.
            Some(_) if !adopted => {
                let saved = self.storage.update_category(self.tenant, &wanted).await?;
                self.remember_category(saved);
                self.map("category", &c.external_id, wanted.category_id.as_uuid())
                    .await?;
                return Ok(Applied::Changed);
            }
            // New to the source, or one it adopted that it now names
            // otherwise: one of that name and place is used as it is
            // (adopted), else the source makes its own.
            _ => {}
        }
        if let Some(there) = categories
            .iter()
            .find(|k| same_place(k))
            .map(|k| k.category_id)
        {
            self.storage
                .adopt_source_entity(
                    self.tenant,
                    self.source.id,
                    "category",
                    &c.external_id,
                    there.as_uuid(),
                )
                .await?;
            return Ok(if mapped == Some(there) {
                Applied::Unchanged
            } else {
                Applied::Changed
            });
        }
        let made = CategoryRecord {
            category_id: CategoryId::new(),
            ..wanted
        };
        let saved = self.storage.create_category(self.tenant, &made).await?;
        self.remember_category(saved);
        self.map("category", &c.external_id, made.category_id.as_uuid())
            .await?;
        Ok(Applied::Changed)
    }

    async fn map(
        &self,
        entity: &'static str,
        external: &str,
        canonical: uuid::Uuid,
    ) -> Result<(), DbError> {
        self.storage
            .map_source_entity(self.tenant, self.source.id, entity, external, canonical)
            .await
    }

    fn remember_category(&mut self, saved: CategoryRecord) {
        if let Some(list) = &mut self.categories {
            list.retain(|k| k.category_id != saved.category_id);
            list.push(saved);
        }
    }

    async fn mapped_category(&mut self, external: &str) -> Result<Option<CategoryId>, Failure> {
        let id = self
            .storage
            .source_entity(self.tenant, self.source.id, "category", external)
            .await?
            .map(CategoryId::from_uuid);
        let categories = self.categories().await?;
        Ok(id.filter(|id| categories.iter().any(|k| k.category_id == *id)))
    }

    /// The category a path of names leads to, making missing levels.
    async fn category_path(&mut self, path: &[String]) -> Result<CategoryId, Failure> {
        let mut parent: Option<CategoryId> = None;
        for name in path {
            let categories = self.categories().await?;
            let found = categories
                .iter()
                .find(|k| k.parent_id == parent && k.name.eq_ignore_ascii_case(name))
                .map(|k| k.category_id);
            let id = match found {
                Some(id) => id,
                None => {
                    let made = CategoryRecord {
                        category_id: CategoryId::new(),
                        parent_id: parent,
                        name: name.clone(),
                        position: 0,
                    };
                    let saved = self.storage.create_category(self.tenant, &made).await?;
                    let id = saved.category_id;
                    self.remember_category(saved);
                    id
                }
            };
            parent = Some(id);
        }
        parent.ok_or_else(|| {
            Failure::Refused((Some("category".into()), "an empty category path".into()))
        })
    }

    async fn brand(&mut self, name: &str) -> Result<BrandId, Failure> {
        if self.brands.is_none() {
            self.brands = Some(self.storage.brands(self.tenant).await?);
        }
        let brands = self.brands.get_or_insert_with(Vec::new);
        if let Some(b) = brands.iter().find(|b| b.name.eq_ignore_ascii_case(name)) {
            return Ok(b.brand_id);
        }
        let made = self
            .storage
            .create_brand(
                self.tenant,
                &BrandRecord {
                    brand_id: BrandId::new(),
                    name: name.to_owned(),
                },
            )
            .await?;
        let id = made.brand_id;
        brands.push(made);
        Ok(id)
    }

    fn sku(&self, v: &VariantUpsert) -> String {
        v.sku
            .clone()
            .unwrap_or_else(|| format!("{}:{}", self.source.code, v.external_id))
    }

    /// The variant a source's variant already is: by mapping, else by SKU;
    /// and what the mapping says now.
    async fn existing(
        &self,
        v: &VariantUpsert,
    ) -> Result<(Option<VariantRecord>, Option<uuid::Uuid>), Failure> {
        let mapped = self
            .storage
            .source_entity(self.tenant, self.source.id, "variant", &v.external_id)
            .await?;
        if let Some(id) = mapped {
            match self
                .storage
                .catalog_item(self.tenant, VariantId::from_uuid(id))
                .await
            {
                Ok(found) => return Ok((Some(found), mapped)),
                Err(DbError::NotFound(_) | DbError::Deleted(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let sku = self.sku(v);
        let found = self.storage.variant_by_sku(self.tenant, &sku).await?;
        if let Some(found) = &found {
            // An item by this SKU that another source (or another of this
            // source's ids) brought is not this one: refused, never merged.
            let owners = self
                .storage
                .entity_owners(self.tenant, "variant", found.variant_id.as_uuid())
                .await?;
            if owners
                .iter()
                .any(|(source, external)| *source != self.source.id || *external != v.external_id)
            {
                return Err(Failure::Refused((
                    Some("sku".into()),
                    format!("SKU {sku:?} is already another source item's; this item is not merged with it"),
                )));
            }
        }
        Ok((found, mapped))
    }

    /// Where an item goes: its category (a path's missing levels made) and
    /// its brand (made when new).
    async fn placement(
        &mut self,
        item: &ItemUpsert,
    ) -> Result<(Option<CategoryId>, Option<BrandId>), Failure> {
        let category = match &item.category {
            Some(CategoryRef::External(ext)) => {
                Some(self.mapped_category(ext).await?.ok_or_else(|| {
                    Failure::Refused((
                        Some("category".into()),
                        format!("category {ext} is not known: send it with the menu's categories"),
                    ))
                })?)
            }
            Some(CategoryRef::Path(path)) => Some(self.category_path(path).await?),
            None => None,
        };
        let brand = match &item.brand {
            Some(name) => Some(self.brand(name).await?),
            None => None,
        };
        Ok((category, brand))
    }

    /// The product an item new to the catalog is to be, checked, with its
    /// category and brand found or made; not yet written (a feed makes many
    /// at once with `create_feed_items`).
    pub async fn new_product(
        &mut self,
        item: &ItemUpsert,
    ) -> Result<Result<NewProduct, Refused>, DbError> {
        let made = async {
            check_variants(item)?;
            let (category, brand) = self.placement(item).await?;
            Ok(NewProduct {
                id: ProductId::new(),
                name: item.name.clone(),
                brand,
                category,
                synonyms: item.synonyms.clone(),
                variants: item.variants.iter().map(|v| self.new_variant(v)).collect(),
            })
        }
        .await;
        match made {
            Ok(product) => Ok(Ok(product)),
            Err(Failure::Refused(refused)) => Ok(Err(refused)),
            Err(Failure::Database(e)) => Err(e),
        }
    }

    async fn item(
        &mut self,
        item: &ItemUpsert,
        location: Option<&str>,
    ) -> Result<Applied, Failure> {
        check_variants(item)?;
        let stores = self.stores(location)?;
        let (category, brand) = self.placement(item).await?;
        let mut existing = Vec::with_capacity(item.variants.len());
        let mut mappings = Vec::with_capacity(item.variants.len());
        for v in &item.variants {
            let (found, mapped) = self.existing(v).await?;
            existing.push(found);
            mappings.push(mapped);
        }
        let mapped_product = self
            .storage
            .source_entity(self.tenant, self.source.id, "product", &item.external_id)
            .await?
            .map(ProductId::from_uuid);
        let product = existing
            .iter()
            .flatten()
            .map(|r| r.product_id)
            .next()
            .or(mapped_product);
        let mut changed = false;
        let mut records = Vec::with_capacity(item.variants.len());
        let product = match product {
            None => {
                let made = self
                    .storage
                    .create_product(
                        self.tenant,
                        &NewProduct {
                            id: ProductId::new(),
                            name: item.name.clone(),
                            brand,
                            category,
                            synonyms: item.synonyms.clone(),
                            variants: item.variants.iter().map(|v| self.new_variant(v)).collect(),
                        },
                    )
                    .await?;
                changed = true;
                records = made.variants;
                made.id
            }
            Some(product) => {
                for (v, current) in item.variants.iter().zip(existing) {
                    let (record, moved) = match current {
                        Some(current) => self.update(item, v, current, brand, category).await?,
                        None => (
                            self.storage
                                .add_variant(self.tenant, product, &self.new_variant(v))
                                .await?,
                            true,
                        ),
                    };
                    changed |= moved;
                    records.push(record);
                }
                product
            }
        };
        // Mappings already so are not written again: a payload applied
        // again writes nothing.
        if mapped_product != Some(product) {
            self.storage
                .map_source_entity(
                    self.tenant,
                    self.source.id,
                    "product",
                    &item.external_id,
                    product.as_uuid(),
                )
                .await?;
        }
        for ((v, record), mapped) in item.variants.iter().zip(&records).zip(&mappings) {
            if *mapped != Some(record.variant_id.as_uuid()) {
                self.storage
                    .map_source_entity(
                        self.tenant,
                        self.source.id,
                        "variant",
                        &v.external_id,
                        record.variant_id.as_uuid(),
                    )
                    .await?;
            }
        }
        if let Some(available) = item.available {
            for record in &records {
                changed |= self
                    .set_available(&stores, record.variant_id, available, true)
                    .await?;
            }
        }
        if changed {
            self.storage
                .record_ingestion_event(
                    self.tenant,
                    by_hub(
                        "catalog.product.upserted",
                        None,
                        json!({
                            "source_id": self.source.id, "external_id": item.external_id, "product_id": product,
                            "variant_ids": records.iter().map(|r| r.variant_id).collect::<Vec<_>>(),
                        }),
                    ),
                )
                .await?;
        }
        Ok(if changed {
            Applied::Changed
        } else {
            Applied::Unchanged
        })
    }

    fn new_variant(&self, v: &VariantUpsert) -> NewVariant {
        NewVariant {
            name: v.name.clone(),
            sku: self.sku(v),
            barcode: v.barcode.clone(),
            price: v.price,
            tax: v.tax.clone(),
            modifiers: v.modifiers.clone(),
            extra_barcodes: v.extra_barcodes.clone().unwrap_or_default(),
            quick_key: v.quick_key.flatten(),
            details: v.details.clone(),
        }
    }

    /// Brings an existing variant to what the source says; whether it moved.
    async fn update(
        &self,
        item: &ItemUpsert,
        v: &VariantUpsert,
        current: VariantRecord,
        brand: Option<BrandId>,
        category: Option<CategoryId>,
    ) -> Result<(VariantRecord, bool), Failure> {
        let mut details = v.details.clone();
        let now = &current.details;
        if v.keep.unit {
            details.unit = now.unit;
        }
        if v.keep.pack {
            details.pack.clone_from(&now.pack);
        }
        if v.keep.image_urls {
            details.image_urls.clone_from(&now.image_urls);
        }
        if v.keep.attributes {
            details.attributes.clone_from(&now.attributes);
        }
        let patch = VariantPatch {
            name: Some(v.name.clone()),
            sku: Some(self.sku(v)),
            barcode: v.barcode.clone(),
            extra_barcodes: v.extra_barcodes.clone(),
            tax: (!v.keep.tax).then(|| v.tax.clone()),
            modifiers: Some(v.modifiers.clone()),
            quick_key: v.quick_key,
            synonyms: (!item.synonyms.is_empty()).then(|| item.synonyms.clone()),
            brand: item.brand.as_ref().map(|_| brand),
            category: item.category.as_ref().map(|_| category),
            details: Some(details),
            // One version with the rest: never a new name at the old price.
            price: Some(v.price),
        };
        let record = self
            .storage
            .update_variant(self.tenant, &current, &patch)
            .await?;
        let moved = record != current;
        if record.price != current.price {
            let before = current.price;
            self.storage
                .record_ingestion_event(
                    self.tenant,
                    by_hub(
                        "pricing.price.updated",
                        None,
                        json!({
                            "source_id": self.source.id, "variant_id": record.variant_id,
                            "price": record.price, "previous": before,
                        }),
                    ),
                )
                .await?;
        }
        Ok((record, moved))
    }
}

fn check_variants(item: &ItemUpsert) -> Result<(), Failure> {
    for (i, v) in item.variants.iter().enumerate() {
        check_variant(v)
            .map_err(|(f, d)| Failure::Refused((Some(format!("variants[{i}].{f}")), d)))?;
    }
    Ok(())
}

/// The rules HQ's API holds a new variant to, on what a source sent.
pub fn check_variant(v: &VariantUpsert) -> Result<(), (String, String)> {
    if v.name.chars().count() > 200 {
        return Err(("name".into(), "at most 200 characters".into()));
    }
    if v.sku
        .as_ref()
        .is_some_and(|s| s.trim().is_empty() || s.chars().count() > 64)
    {
        return Err(("sku".into(), "a SKU is 1 to 64 characters".into()));
    }
    if v.price.is_negative() {
        return Err(("price".into(), "a price is not negative".into()));
    }
    pos_shared::limits::check_price(v.price).map_err(|e| ("price".to_owned(), e.to_string()))?;
    if let Some(tax) = &v.tax {
        tax.validate().map_err(|(f, d)| (format!("tax.{f}"), d))?;
    }
    pos_shared::modifiers::validate_groups(&v.modifiers, v.price)
        .map_err(|(at, d)| (format!("modifiers{at}"), d))?;
    for (g, group) in v.modifiers.iter().enumerate() {
        for (o, option) in group.options.iter().enumerate() {
            pos_shared::limits::check_price(option.price)
                .map_err(|e| (format!("modifiers[{g}].options[{o}].price"), e.to_string()))?;
        }
    }
    v.details.validate()
}
