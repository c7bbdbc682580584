//! Stock a source owns, for both backends: an absolute snapshot becomes the
//! one adjustment movement that reaches it (so applying it again moves
//! nothing), and a delta is applied once by the source's id for it. Each in
//! one transaction under the tenant lock, with the movement, the mark and
//! the `inventory.stock.changed` event. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::SourceStockStorage`] on `$storage`.
macro_rules! sql_source_stock_paths {
    ($storage:ty) => {
        impl $storage {
            /// The as-of time of the newest snapshot applied, if any.
            async fn stock_mark(tx: &mut Tx<'_>, source: Uuid, store: StoreId, variant: VariantId) -> DbResult<Option<i64>> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT as_of_ms FROM source_stock_marks WHERE source_id = $1 AND store_id = $2 AND variant_id = $3",
                )
                .bind(source)
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                Ok(row.map(|(at,)| at))
            }

            /// Moves the ledger by `delta` for the source and announces it.
            async fn source_movement(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                source: Uuid,
                store: StoreId,
                variant: VariantId,
                delta: Qty,
                on_hand: Qty,
            ) -> DbResult<()> {
                Self::require_live(tx, tenant, variant).await?;
                let movement = MovementRecord {
                    movement_id: pos_shared::MovementId::new(),
                    store_id: store,
                    variant_id: variant,
                    delta,
                    reason: MovementReason::Adjustment,
                    sale_id: None,
                    terminal_id: None,
                    occurred_at: Timestamp::now(),
                    batch: None,
                };
                Self::apply_movement(tx, tenant, &movement).await?;
                Self::emit_event(
                    tx,
                    tenant,
                    $crate::domain::events::by_hub(
                        "inventory.stock.changed",
                        Some(store),
                        serde_json::json!({
                            "source_id": source, "store_id": store, "variant_id": variant,
                            "movement_id": movement.movement_id, "delta": delta, "on_hand": on_hand,
                        }),
                    ),
                )
                .await
            }

            async fn on_hand(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId, variant: VariantId) -> DbResult<Qty> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT on_hand_milli FROM stock_positions WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                Ok(Qty::from_milli(row.map_or(0, |(m,)| m)))
            }

            /// One figure inside `tx` (the caller holds the tenant lock).
            async fn figure_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                at: $crate::domain::ingestion::StockAt,
                quantity: Qty,
                as_of: Timestamp,
            ) -> DbResult<$crate::domain::ingestion::StockOutcome> {
                use $crate::domain::ingestion::StockOutcome;
                let (source, store, variant) = (at.source, at.store, at.variant);
                let as_of_ms = as_of.unix_millis();
                if Self::stock_mark(tx, source, store, variant).await?.is_some_and(|m| m >= as_of_ms) {
                    return Ok(StockOutcome::Stale);
                }
                // Deltas that happened after the snapshot was taken are not
                // in it, whenever they arrived.
                let (later,): (Option<i64>,) = sqlx::query_as(
                    "SELECT CAST(SUM(change_milli) AS BIGINT) FROM source_stock_deltas \
                     WHERE source_id = $1 AND store_id = $2 AND variant_id = $3 AND at_ms > $4",
                )
                .bind(source)
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .bind(as_of_ms)
                .fetch_one(&mut **tx)
                .await?;
                let target = quantity
                    .checked_add(Qty::from_milli(later.unwrap_or(0)))
                    .ok_or(DbError::InvalidField { field: "inventory", detail: "beyond any stock position".into() })?;
                let current = Self::on_hand(tx, tenant, store, variant).await?;
                sqlx::query(
                    "INSERT INTO source_stock_marks (tenant_id, source_id, store_id, variant_id, as_of_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (source_id, store_id, variant_id) DO UPDATE SET as_of_ms = excluded.as_of_ms",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .bind(as_of_ms)
                .execute(&mut **tx)
                .await?;
                let delta = target
                    .checked_sub(current)
                    .ok_or(DbError::InvalidField { field: "inventory", detail: "beyond any stock position".into() })?;
                if delta.milli() == 0 {
                    return Ok(StockOutcome::Unchanged);
                }
                Self::source_movement(tx, tenant, source, store, variant, delta, target).await?;
                Ok(StockOutcome::Moved(delta))
            }

            /// One change inside `tx` (the caller holds the tenant lock).
            async fn change_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                target: $crate::domain::ingestion::StockAt,
                external_id: &str,
                change: Qty,
                at: Timestamp,
            ) -> DbResult<$crate::domain::ingestion::StockOutcome> {
                use $crate::domain::ingestion::StockOutcome;
                let (source, store, variant) = (target.source, target.store, target.variant);
                let seen: Option<(i64, Uuid, Uuid)> = sqlx::query_as(
                    "SELECT change_milli, store_id, variant_id FROM source_stock_deltas WHERE source_id = $1 AND external_id = $2",
                )
                .bind(source)
                .bind(external_id)
                .fetch_optional(&mut **tx)
                .await?;
                if let Some((was, at_store, of_variant)) = seen {
                    // The same id for another change is the sender's mistake,
                    // not a retry: refused, never taken as done.
                    if was != change.milli() || at_store != store.as_uuid() || of_variant != variant.as_uuid() {
                        return Err(DbError::InvalidField {
                            field: "adjustmentId",
                            detail: format!(
                                "adjustment {external_id:?} was applied before as {} of another item or facility or quantity; a new adjustment needs a new id",
                                Qty::from_milli(was)
                            ),
                        });
                    }
                    return Ok(StockOutcome::Unchanged);
                }
                let counted = Self::stock_mark(tx, source, store, variant).await?.is_some_and(|m| m >= at.unix_millis());
                sqlx::query(
                    "INSERT INTO source_stock_deltas (tenant_id, source_id, external_id, store_id, variant_id, change_milli, at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(external_id)
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .bind(change.milli())
                .bind(at.unix_millis())
                .execute(&mut **tx)
                .await?;
                if counted {
                    return Ok(StockOutcome::Stale);
                }
                let current = Self::on_hand(tx, tenant, store, variant).await?;
                let after = current
                    .checked_add(change)
                    .ok_or(DbError::InvalidField { field: "quantity", detail: "beyond any stock position".into() })?;
                Self::source_movement(tx, tenant, source, store, variant, change, after).await?;
                Ok(StockOutcome::Moved(change))
            }
        }

        #[async_trait::async_trait]
        impl SourceStockStorage for $storage {
            async fn apply_stock_lines(
                &self,
                tenant: TenantId,
                lines: &[$crate::domain::ingestion::StockLine],
            ) -> DbResult<Vec<Result<$crate::domain::ingestion::StockOutcome, DbError>>> {
                use $crate::domain::ingestion::{StockLineKind, StockOutcome};
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let mut outcomes = Vec::with_capacity(lines.len());
                let mut moved = false;
                for line in lines {
                    // A savepoint per line: one refused leaves no trace.
                    let mut point = sqlx::Acquire::begin(&mut *tx).await?;
                    let outcome = match &line.what {
                        StockLineKind::Figure { quantity, as_of } => {
                            Self::figure_in(&mut point, tenant, line.at, *quantity, *as_of).await
                        }
                        StockLineKind::Change { external_id, change, when } => {
                            Self::change_in(&mut point, tenant, line.at, external_id, *change, *when).await
                        }
                    };
                    match outcome {
                        Ok(done) => {
                            point.commit().await?;
                            moved |= matches!(done, StockOutcome::Moved(_));
                            outcomes.push(Ok(done));
                        }
                        Err(e @ (DbError::Other(_) | DbError::Corrupt(_))) => return Err(e),
                        Err(refused) => {
                            point.rollback().await?;
                            outcomes.push(Err(refused));
                        }
                    }
                }
                Self::commit(tx).await?;
                if moved {
                    self.feed_changed();
                }
                Ok(outcomes)
            }
        }
    };
}

pub(crate) use sql_source_stock_paths;
