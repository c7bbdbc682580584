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
                if !Self::variant_live(tx, tenant, variant).await? {
                    return Err(DbError::NotFound("variant"));
                }
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

            /// An absolute figure applied in the caller's transaction, which
            /// holds the tenant lock (see `apply_stock_figure`).
            #[allow(clippy::too_many_arguments)]
            async fn stock_figure_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                source: Uuid,
                store: StoreId,
                variant: VariantId,
                quantity: Qty,
                as_of: Timestamp,
            ) -> DbResult<$crate::domain::ingestion::StockOutcome> {
                use $crate::domain::ingestion::StockOutcome;
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
                let outcome = if delta.milli() == 0 {
                    StockOutcome::Unchanged
                } else {
                    Self::source_movement(tx, tenant, source, store, variant, delta, target).await?;
                    StockOutcome::Moved(delta)
                };
                Ok(outcome)
            }
        }

        #[async_trait::async_trait]
        impl SourceStockStorage for $storage {
            async fn apply_stock_figure(
                &self,
                tenant: TenantId,
                source: Uuid,
                store: StoreId,
                variant: VariantId,
                quantity: Qty,
                as_of: Timestamp,
            ) -> DbResult<$crate::domain::ingestion::StockOutcome> {
                use $crate::domain::ingestion::StockOutcome;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let outcome = Self::stock_figure_in(&mut tx, tenant, source, store, variant, quantity, as_of).await?;
                tx.commit().await?;
                if matches!(outcome, StockOutcome::Moved(_)) {
                    self.feed_changed();
                }
                Ok(outcome)
            }

            async fn apply_stock_change(
                &self,
                tenant: TenantId,
                source: Uuid,
                external_id: &str,
                store: StoreId,
                variant: VariantId,
                change: Qty,
                at: Timestamp,
            ) -> DbResult<$crate::domain::ingestion::StockOutcome> {
                use $crate::domain::ingestion::StockOutcome;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let seen: Option<(i64,)> = sqlx::query_as(
                    "SELECT change_milli FROM source_stock_deltas WHERE source_id = $1 AND external_id = $2",
                )
                .bind(source)
                .bind(external_id)
                .fetch_optional(&mut *tx)
                .await?;
                if seen.is_some() {
                    return Ok(StockOutcome::Unchanged);
                }
                let counted = Self::stock_mark(&mut tx, source, store, variant).await?.is_some_and(|m| m >= at.unix_millis());
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
                .execute(&mut *tx)
                .await?;
                let outcome = if counted {
                    StockOutcome::Stale
                } else {
                    let current = Self::on_hand(&mut tx, tenant, store, variant).await?;
                    let after = current
                        .checked_add(change)
                        .ok_or(DbError::InvalidField { field: "quantity", detail: "beyond any stock position".into() })?;
                    Self::source_movement(&mut tx, tenant, source, store, variant, change, after).await?;
                    StockOutcome::Moved(change)
                };
                tx.commit().await?;
                if matches!(outcome, StockOutcome::Moved(_)) {
                    self.feed_changed();
                }
                Ok(outcome)
            }
        }
    };
}

pub(crate) use sql_source_stock_paths;
