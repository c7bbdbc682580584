//! A payload's stock lines (ERP snapshots and deltas, a feed's counted
//! stock) resolved to their store and item and applied in batches: a few
//! hundred lines to a transaction, a savepoint each (`apply_stock_lines`),
//! so a snapshot of thousands neither holds the database long nor leaves a
//! refused line half-applied.

use super::apply::{refuse, Applied, Applier, Failure};
use super::{Command, Entity};
use crate::domain::ingestion::{StockAt, StockLine, StockLineKind, StockOutcome};
use crate::storage::DbError;
use pos_shared::sync::VariantRecord;
use pos_shared::StoreId;

/// Stock lines applied in one transaction.
const STOCK_LINES_PER_TRANSACTION: usize = 250;

/// A stock line's refusal with the ledger's field named as the payload's.
fn in_payload_terms(failure: Failure, line: &StockLine) -> Failure {
    match failure {
        Failure::Refused((Some(field), detail)) if field == "delta" => {
            let field = match line.what {
                StockLineKind::Figure { .. } => "inventory",
                StockLineKind::Change { .. } => "quantity",
            };
            Failure::Refused((Some(field.to_owned()), detail))
        }
        other => other,
    }
}

fn stock_applied(outcome: StockOutcome) -> Applied {
    match outcome {
        StockOutcome::Moved(_) => Applied::Changed,
        StockOutcome::Unchanged | StockOutcome::Stale => Applied::Unchanged,
    }
}

impl Applier<'_> {
    /// One stock entity, as a batch of one.
    pub(super) async fn stock_alone(&mut self, entity: &Entity) -> Result<Applied, Failure> {
        let line = self.stock_line(&entity.command).await?;
        let mut outcomes = self.storage.apply_stock_lines(self.tenant, &[line]).await?;
        outcomes
            .pop()
            .unwrap_or(Ok(StockOutcome::Unchanged))
            .map(stock_applied)
            .map_err(Failure::from)
    }

    pub(super) async fn stock_target(
        &self,
        sku: &str,
        location: &str,
    ) -> Result<(StoreId, VariantRecord), Failure> {
        let store = self.stores(Some(location)).map_err(|_| {
            Failure::Refused((
                Some("facilityCode".into()),
                format!(
                    "facility {location:?} is not one of the stores source {} feeds",
                    self.source.code
                ),
            ))
        })?[0];
        let variant = self
            .storage
            .variant_by_sku(self.tenant, sku)
            .await?
            .ok_or_else(|| {
                Failure::Refused((
                    Some("itemSKU".into()),
                    format!("no item with SKU {sku:?} in the catalog"),
                ))
            })?;
        Ok((store, variant))
    }

    /// A stock entity as the line the ledger takes, or why not.
    pub(super) async fn stock_line(&mut self, command: &Command) -> Result<StockLine, Failure> {
        let (sku, location, qty, field) = match command {
            Command::StockFigure(f) => (&f.sku, &f.location, f.quantity, "inventory"),
            Command::StockChange(c) => (&c.sku, &c.location, c.change, "quantity"),
            _ => return refuse("type", "not a stock line"),
        };
        let (store, variant) = self.stock_target(sku, location).await?;
        if let Err(why) = variant.details.unit.check_qty(qty) {
            return refuse(field, why);
        }
        let at = StockAt {
            source: self.source.id,
            store,
            variant: variant.variant_id,
        };
        let what = match command {
            Command::StockFigure(f) => StockLineKind::Figure {
                quantity: f.quantity,
                as_of: f.as_of,
            },
            Command::StockChange(c) => StockLineKind::Change {
                external_id: c.external_id.clone(),
                change: c.change,
                when: c.at,
            },
            _ => return refuse("type", "not a stock line"),
        };
        Ok(StockLine { at, what })
    }

    /// Applies stock entities as one batch (one transaction), counting each.
    pub(super) async fn apply_stock(&mut self, entities: Vec<&Entity>) -> Result<(), DbError> {
        if entities.is_empty() {
            return Ok(());
        }
        let mut ready = Vec::with_capacity(entities.len());
        for entity in entities {
            match self.stock_line(&entity.command).await {
                Ok(line) => ready.push((entity, line)),
                Err(failure) => {
                    self.count(entity, Err(failure))?;
                }
            }
        }
        // In transactions of a few hundred lines: a snapshot of thousands
        // does not hold the database (and the gateway's archive) for long.
        for chunk in ready.chunks(STOCK_LINES_PER_TRANSACTION) {
            let lines: Vec<StockLine> = chunk.iter().map(|(_, l)| l.clone()).collect();
            let outcomes = self.storage.apply_stock_lines(self.tenant, &lines).await?;
            for ((entity, line), outcome) in chunk.iter().zip(outcomes) {
                let outcome = outcome
                    .map(stock_applied)
                    .map_err(|e| in_payload_terms(Failure::from(e), line));
                self.count(entity, outcome)?;
            }
        }
        Ok(())
    }
}
