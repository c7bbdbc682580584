//! The seller-feed task: takes queued feeds (leased per source, so one
//! seller's feeds apply in the order they came, and a crashed hub's feed is
//! taken again when its lease runs out), reads each row by the catalog
//! file's rules (`seller.rs`) and applies it through the [`Applier`], as
//! the feed's run. A row refused is counted, named in the run's first
//! errors and kept for review; every [`PROGRESS_EVERY`] rows the run's
//! counts and the refused rows are written and the lease extended, so a
//! client watching the run sees it move.
//!
//! A feed taken again applies from the top: what it already changed is
//! unchanged, and its refused rows are in review once per line.

use super::apply::{Applied, Applier};
use super::seller::{self, RawRow, Refused, RowRules};
use super::{Command, Entity};
use crate::domain::feeds::{LeasedFeed, NewReviewRow};
use crate::domain::ingestion::{RunCounts, RunError, RunState, Source, RUN_ERRORS_KEPT};
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
/// Rows between progress writes.
pub const PROGRESS_EVERY: u64 = 2000;
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
                let field = match entity.command {
                    Command::StockFigure(_) => Some("stock".to_owned()),
                    _ => field.map(|f| feed_field(&f)),
                };
                return Ok(Err((field, detail)));
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
    let mut applier = Applier::new(storage, lease.tenant, source);
    let mut seen = SeenInFile::default();
    let mut progress = Progress::default();
    for row in rows {
        progress.counts.received += 1;
        let outcome = match seller::check(&row, rules, Some(&mut seen)) {
            Ok(entities) => apply_row(&mut applier, &entities).await?,
            Err(refused) => Err(refused),
        };
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
            Err(refused) => progress.refused(&row, refused),
        }
        if progress.counts.received % PROGRESS_EVERY == 0 && !progress.write(storage, lease).await?
        {
            return Ok(None);
        }
    }
    Ok(progress.write(storage, lease).await?.then_some(progress))
}
