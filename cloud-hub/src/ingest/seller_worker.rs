//! The seller-feed task: takes queued feeds (leased per source, so one
//! seller's feeds apply in the order they came, and a crashed hub's feed is
//! taken again when its lease runs out), reads each row by the catalog
//! file's rules (`seller.rs`) and applies it through the [`Applier`], as
//! the feed's run. A row refused is counted, named in the run's first
//! errors and kept for review; every [`PROGRESS_EVERY`] rows the run's
//! counts and the refused rows are written and the lease extended, so a
//! client watching the run sees it move.
//!
//! Rows go in [`BATCH`] at a time: items new to the catalog are made in one
//! transaction (`create_feed_items`, a savepoint each), items already in it
//! take the Applier's one-by-one path (a version only where something
//! changed), and the batch's stock figures are applied in one transaction
//! (`apply_stock_lines`). A row resubmitted from review takes the
//! one-by-one path for all of it ([`apply_row`]).
//!
//! A feed taken again applies from the top: what it already changed is
//! unchanged, and its refused rows are in review once per line.

use super::apply::{refusal, Applied, Applier};
use super::seller::{self, RawRow, Refused, RowRules};
use super::{Command, Entity};
use crate::domain::feeds::{LeasedFeed, NewFeedItem, NewReviewRow};
use crate::domain::ingestion::{
    RunCounts, RunError, RunState, Source, StockAt, StockLine, StockLineKind, StockOutcome,
    RUN_ERRORS_KEPT,
};
use crate::storage::{DbError, DynStorage};
use pos_shared::catalog_row::SeenInFile;
use pos_shared::Timestamp;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long a feed is held by the hub applying it; every progress write
/// extends it.
pub const LEASE_MS: i64 = 5 * 60 * 1000;
/// Rows between progress writes (a whole number of batches).
pub const PROGRESS_EVERY: u64 = 2000;
/// Rows applied together.
pub const BATCH: usize = 500;
/// An upload still arriving after this long was cut off; it is forgotten.
const ABANDONED_MS: i64 = 24 * 3600 * 1000;

pub async fn run(storage: DynStorage, wake: Arc<Notify>, sweep: Duration) {
    loop {
        match storage.lease_feed(Timestamp::now(), LEASE_MS).await {
            Ok(Some(lease)) => {
                if let Err(e) = apply(&storage, &lease).await {
                    tracing::warn!(feed = %lease.feed.id, error = %e, "applying a seller feed failed; it stays queued");
                    tokio::time::sleep(sweep).await;
                }
            }
            Ok(None) => {
                let before =
                    Timestamp::from_unix_millis(Timestamp::now().unix_millis() - ABANDONED_MS);
                if let Err(e) = storage.sweep_abandoned_feeds(before).await {
                    tracing::warn!(error = %e, "forgetting abandoned feed uploads failed");
                }
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(sweep) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the feed queue failed");
                tokio::time::sleep(sweep).await;
            }
        }
    }
}

/// Applies one row's commands: the item, then its stock. What the row did,
/// or why it was refused (a stock command's refusal names the `stock`
/// column); `Err` only when the database fails.
pub async fn apply_row(
    applier: &mut Applier<'_>,
    entities: &[Entity],
) -> Result<Result<Applied, Refused>, DbError> {
    let mut changed = false;
    for entity in entities {
        match applier.try_one(entity).await? {
            Ok(Applied::Changed) => changed = true,
            Ok(Applied::Unchanged) => {}
            Err((field, detail)) => {
                return Ok(Err(match entity.command {
                    Command::StockFigure(_) => (Some("stock".to_owned()), detail),
                    _ => in_feed_terms((field, detail)),
                }));
            }
        }
    }
    Ok(Ok(if changed {
        Applied::Changed
    } else {
        Applied::Unchanged
    }))
}

/// The feed's column for a field the catalog named in its own terms.
fn feed_field(field: &str) -> String {
    let field = field.strip_prefix("variants[0].").unwrap_or(field);
    match field.split(['.', '[']).next().unwrap_or(field) {
        "tax" if field.ends_with("hsn") => "hsn",
        "tax" => "tax_rate",
        "brand_id" => "brand",
        "category_id" => "category",
        "extra_barcodes" => "barcodes",
        "details" if field.contains("image_urls") => "image_urls",
        "details" if field.contains("pack") => "pack",
        "details" => "unit",
        other => other,
    }
    .to_owned()
}

/// What a run has read so far, and what is yet to be written.
#[derive(Default)]
struct Progress {
    counts: RunCounts,
    errors: Vec<RunError>,
    review: Vec<NewReviewRow>,
    came_again: Vec<String>,
}

impl Progress {
    fn refused(&mut self, row: &RawRow, (field, detail): Refused) {
        self.counts.failed += 1;
        if self.errors.len() < RUN_ERRORS_KEPT {
            self.errors.push(RunError {
                entity: row.entity(),
                field: field.clone(),
                detail: detail.clone(),
            });
        }
        self.review.push(NewReviewRow {
            id: uuid::Uuid::now_v7(),
            line: row.line,
            sku: row.sku(),
            cells: row.cells.clone(),
            field,
            error: detail,
        });
    }

    /// Writes the counts and the rows since the last write; `false` when
    /// the lease was lost (another hub has the feed now).
    async fn write(&mut self, storage: &DynStorage, lease: &LeasedFeed) -> Result<bool, DbError> {
        let held = storage
            .feed_progress(
                lease,
                self.counts,
                &self.errors,
                &self.review,
                &self.came_again,
                LEASE_MS,
            )
            .await?;
        self.review.clear();
        self.came_again.clear();
        Ok(held)
    }
}

/// Applies one leased feed as its run; `Err` when the database failed (the
/// feed stays queued and is taken again when its lease runs out).
pub async fn apply(storage: &DynStorage, lease: &LeasedFeed) -> Result<(), DbError> {
    let tenant = lease.tenant;
    let feed = &lease.feed;
    let source = storage.source(tenant, feed.source).await?;
    let currency = storage.tenant_currency(tenant).await?;
    let body = storage.feed_bytes(feed.id).await?;
    let actor = format!("source:{}", source.code);
    crate::acting::scoped(async {
        crate::acting::set(actor);
        let rows = match seller::rows(feed.format, &body) {
            Ok(rows) => rows,
            Err(unreadable) => {
                let errors = [RunError {
                    entity: "header".into(),
                    field: None,
                    detail: unreadable.0.clone(),
                }];
                if storage.finish_feed(lease, Some(&unreadable.0)).await? {
                    storage
                        .finish_run(tenant, feed.run, RunState::Failed, RunCounts::default(), &errors)
                        .await?;
                }
                return Ok(());
            }
        };
        let rules = RowRules {
            currency,
            source: &source,
            as_of: feed.received_at,
        };
        let Some(progress) = apply_rows(storage, lease, &source, rows, rules).await? else {
            tracing::warn!(feed = %feed.id, "the lease of a seller feed was lost; another hub applies it");
            return Ok(());
        };
        if storage.finish_feed(lease, None).await? {
            storage
                .finish_run(
                    tenant,
                    feed.run,
                    RunState::Completed,
                    progress.counts,
                    &progress.errors,
                )
                .await?;
        }
        Ok(())
    })
    .await
}

/// Every row, in order; `None` when the lease was lost on the way.
async fn apply_rows(
    storage: &DynStorage,
    lease: &LeasedFeed,
    source: &Source,
    rows: seller::Rows<'_>,
    rules: RowRules<'_>,
) -> Result<Option<Progress>, DbError> {
    let pending: HashSet<String> = storage
        .pending_review_skus(lease.tenant, source.id)
        .await?
        .into_iter()
        .collect();
    let mut batch = Batch {
        storage,
        applier: Applier::new(storage, lease.tenant, source),
        source,
        known: storage
            .feed_known_skus(lease.tenant, source.id)
            .await?
            .into_iter()
            .collect(),
    };
    let mut seen = SeenInFile::default();
    let mut progress = Progress::default();
    let mut rows = rows.peekable();
    let mut chunk = Vec::with_capacity(BATCH);
    while rows.peek().is_some() {
        chunk.clear();
        for row in rows.by_ref().take(BATCH) {
            let checked = seller::check(&row, rules, Some(&mut seen));
            chunk.push((row, checked));
        }
        let outcomes = batch.apply(&chunk).await?;
        for ((row, _), outcome) in chunk.iter().zip(outcomes) {
            progress.counts.received += 1;
            match outcome {
                Ok(applied) => {
                    match applied {
                        Applied::Changed => progress.counts.applied += 1,
                        Applied::Unchanged => progress.counts.unchanged += 1,
                    }
                    if let Some(sku) = row.sku().filter(|s| pending.contains(s)) {
                        progress.came_again.push(sku);
                    }
                }
                Err(refused) => progress.refused(row, refused),
            }
        }
        if progress.counts.received % PROGRESS_EVERY == 0 && !progress.write(storage, lease).await?
        {
            return Ok(None);
        }
    }
    Ok(progress.write(storage, lease).await?.then_some(progress))
}

/// What a batch of rows is applied with.
struct Batch<'a> {
    storage: &'a DynStorage,
    applier: Applier<'a>,
    source: &'a Source,
    /// SKUs the catalog (or this source) already has: their rows update.
    known: HashSet<String>,
}

type Checked = (RawRow, Result<Vec<Entity>, Refused>);

impl Batch<'_> {
    /// Applies a batch of checked rows; what each did, in order.
    async fn apply(&mut self, rows: &[Checked]) -> Result<Vec<Result<Applied, Refused>>, DbError> {
        let tenant = self.applier.tenant();
        let mut outcomes: Vec<Result<Applied, Refused>> = Vec::with_capacity(rows.len());
        let mut made = vec![None; rows.len()];
        let mut new_items: Vec<(usize, NewFeedItem)> = Vec::new();
        for (i, (_, checked)) in rows.iter().enumerate() {
            let item = match checked {
                Err(refused) => {
                    outcomes.push(Err(refused.clone()));
                    continue;
                }
                Ok(entities) => &entities[0],
            };
            let Command::Item(upsert) = &item.command else {
                outcomes.push(Err((None, "a feed row is an item first".into())));
                continue;
            };
            // A row is applied whole or not at all: its stock is checked
            // before its item is written.
            if let Some(refused) = self.stock_refusal(checked, upsert).await? {
                outcomes.push(Err(refused));
                continue;
            }
            if self.known.contains(&upsert.external_id) {
                let applied = self.applier.try_one(item).await?;
                outcomes.push(applied.map_err(in_feed_terms));
                continue;
            }
            match self.applier.new_product(upsert).await? {
                Ok(product) => {
                    outcomes.push(Ok(Applied::Changed));
                    new_items.push((
                        i,
                        NewFeedItem {
                            external_id: upsert.external_id.clone(),
                            variant_ids: upsert
                                .variants
                                .iter()
                                .map(|v| v.external_id.clone())
                                .collect(),
                            product,
                        },
                    ));
                }
                Err(refused) => outcomes.push(Err(in_feed_terms(refused))),
            }
        }
        if !new_items.is_empty() {
            let items: Vec<NewFeedItem> = new_items.iter().map(|(_, item)| item.clone()).collect();
            let results = self
                .storage
                .create_feed_items(tenant, self.source.id, &items)
                .await?;
            for ((i, item), result) in new_items.into_iter().zip(results) {
                match result {
                    Ok(product) => {
                        self.known.insert(item.external_id);
                        made[i] = product.variants.into_iter().next();
                    }
                    Err(e) => outcomes[i] = Err(in_feed_terms(refusal(e)?)),
                }
            }
        }
        self.stock(rows, &mut outcomes, made).await?;
        Ok(outcomes)
    }

    /// Why a row's stock cannot be taken, in the item's unit (the row's
    /// `unit`, else the item's as it is, else pieces) and within one line's
    /// largest quantity; `None` when it can (or the row has none).
    async fn stock_refusal(
        &self,
        checked: &Result<Vec<Entity>, Refused>,
        upsert: &super::ItemUpsert,
    ) -> Result<Option<Refused>, DbError> {
        let Ok(entities) = checked else {
            return Ok(None);
        };
        let Some(qty) = entities.iter().find_map(|e| match &e.command {
            Command::StockFigure(f) => Some(f.quantity),
            _ => None,
        }) else {
            return Ok(None);
        };
        let refused = |why: String| Ok(Some((Some("stock".to_owned()), why)));
        if let Err(why) = pos_shared::limits::check_line_qty(qty) {
            return refused(why);
        }
        let Some(variant) = upsert.variants.first() else {
            return Ok(None);
        };
        let mut unit = variant.details.unit;
        if variant.keep.unit {
            if let Some(sku) = &variant.sku {
                if let Some(found) = self
                    .storage
                    .variant_by_sku(self.applier.tenant(), sku)
                    .await?
                {
                    unit = found.details.unit;
                }
            }
        }
        match unit.check_qty(qty) {
            Ok(()) => Ok(None),
            Err(why) => refused(why),
        }
    }

    /// The stock figures of the rows whose item went in, in one transaction.
    async fn stock(
        &mut self,
        rows: &[Checked],
        outcomes: &mut [Result<Applied, Refused>],
        mut made: Vec<Option<pos_shared::sync::VariantRecord>>,
    ) -> Result<(), DbError> {
        let tenant = self.applier.tenant();
        let mut figures = Vec::new();
        let mut owners = Vec::new();
        for (i, (_, checked)) in rows.iter().enumerate() {
            let (Ok(entities), Ok(_)) = (checked, &outcomes[i]) else {
                continue;
            };
            let counts: Vec<&super::StockFigure> = entities
                .iter()
                .filter_map(|e| match &e.command {
                    Command::StockFigure(f) => Some(f),
                    _ => None,
                })
                .collect();
            let Some(first) = counts.first() else {
                continue;
            };
            let variant = match made[i].take() {
                Some(v) => Some(v),
                None => self.storage.variant_by_sku(tenant, &first.sku).await?,
            };
            let Some(variant) = variant else {
                outcomes[i] = Err((
                    Some("stock".into()),
                    format!("no item with SKU {:?} in the catalog", first.sku),
                ));
                continue;
            };
            if let Err(why) = variant.details.unit.check_qty(first.quantity) {
                outcomes[i] = Err((Some("stock".into()), why));
                continue;
            }
            for f in counts {
                let Some(store) = self
                    .source
                    .stores
                    .iter()
                    .find(|s| s.external_id == f.location)
                else {
                    continue;
                };
                figures.push(StockLine {
                    at: StockAt {
                        source: self.source.id,
                        store: store.store_id,
                        variant: variant.variant_id,
                    },
                    what: StockLineKind::Figure {
                        quantity: f.quantity,
                        as_of: f.as_of,
                    },
                });
                owners.push(i);
            }
        }
        if figures.is_empty() {
            return Ok(());
        }
        let results = self.storage.apply_stock_lines(tenant, &figures).await?;
        for (i, result) in owners.into_iter().zip(results) {
            match result {
                Ok(StockOutcome::Moved(_)) => {
                    if outcomes[i].is_ok() {
                        outcomes[i] = Ok(Applied::Changed);
                    }
                }
                Ok(StockOutcome::Unchanged | StockOutcome::Stale) => {}
                Err(e) => outcomes[i] = Err((Some("stock".into()), refusal(e)?.1)),
            }
        }
        Ok(())
    }
}

/// A refusal with its field named as the feed's column.
fn in_feed_terms((field, detail): Refused) -> Refused {
    (field.map(|f| feed_field(&f)), detail)
}
