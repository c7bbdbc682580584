//! The stock ledger at the hub, for both backends: HQ's movements (all of a
//! request or none), a store's movements read back in the order they were
//! recorded, and reorder points. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::LedgerStorage`] on `$storage`.
macro_rules! sql_ledger_paths {
    ($storage:ty) => {
        use $crate::domain::orderability::ReorderLine;

        const CURSOR_REFUSED: &str = "cursor is not from this list: pass back a next_cursor as it came";

        impl $storage {
            /// Refuses a cursor that is not an item of the store's `table`.
            pub(crate) async fn check_cursor(&self, table: &str, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<()> {
                self.store(tenant, store).await?;
                let Some(after) = page.after else { return Ok(()) };
                let found: Option<(Uuid,)> = sqlx::query_as(&format!(
                    "SELECT id FROM {table} WHERE tenant_id = $1 AND store_id = $2 AND id = $3"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(after)
                .fetch_optional(&self.pool)
                .await?;
                match found {
                    Some(_) => Ok(()),
                    None => Err(DbError::InvalidField { field: "cursor", detail: CURSOR_REFUSED.into() }),
                }
            }

            /// The store's reorder points (or one item's), by SKU, with what is available now.
            pub(crate) async fn read_reorder_points(
                &self,
                tenant: TenantId,
                store: StoreId,
                only: Option<VariantId>,
            ) -> DbResult<Vec<ReorderLine>> {
                self.store(tenant, store).await?;
                let rows: Vec<(Uuid, String, String, i64, i64, i64)> = sqlx::query_as(
                    "SELECT r.variant_id, v.sku, v.name, r.point_milli, COALESCE(p.on_hand_milli, 0), COALESCE(h.held, 0) \
                     FROM reorder_points r \
                     JOIN variants v ON v.tenant_id = r.tenant_id AND v.id = r.variant_id AND v.deleted_at_ms IS NULL \
                     LEFT JOIN stock_positions p ON p.tenant_id = r.tenant_id AND p.store_id = r.store_id AND p.variant_id = r.variant_id \
                     LEFT JOIN (SELECT variant_id, CAST(SUM(qty_milli) AS BIGINT) AS held FROM stock_reservations \
                                WHERE tenant_id = $1 AND store_id = $2 AND state = 'held' GROUP BY variant_id) h \
                            ON h.variant_id = r.variant_id \
                     WHERE r.tenant_id = $1 AND r.store_id = $2 AND ($3 IS NULL OR r.variant_id = $3) ORDER BY v.sku",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(only.map(|v| v.as_uuid()))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(variant, sku, name, point, on_hand, held)| ReorderLine {
                        variant_id: VariantId::from_uuid(variant),
                        sku,
                        name,
                        reorder_point: Qty::from_milli(point),
                        available: Qty::from_milli(on_hand - held),
                        low: on_hand - held <= point,
                    })
                    .collect())
            }
        }

        #[async_trait::async_trait]
        impl LedgerStorage for $storage {
            async fn record_movement(
                &self,
                tenant: TenantId,
                movement: &MovementRecord,
            ) -> DbResult<MovementOutcome> {
                $crate::storage::sql::movements::only_outcome(
                    self.record_movements(tenant, movement.store_id, std::slice::from_ref(movement)).await,
                )
            }

            /// Records HQ's movements at one store in one transaction: all of
            /// them or, if any is refused, none (the error says which). A
            /// replay (the same id and movement) is a duplicate, not an error.
            async fn record_movements(&self, tenant: TenantId, store: StoreId, movements: &[MovementRecord]) -> DbResult<Vec<MovementOutcome>> {
                use std::sync::atomic::Ordering::Relaxed;
                if let [alone] = movements {
                    if let Some(outcome) = self.record_alone(tenant, store, alone).await? {
                        self.settled.alone.fetch_add(1, Relaxed);
                        self.feed_changed();
                        return Ok(vec![outcome]);
                    }
                }
                // No such store is found by the movements' first read.
                let mut tx = self.pool.begin().await?;
                // Movements share the tenant and lock only their positions.
                Self::lock_tenant_shared(&mut tx, tenant).await?;
                let moves: Vec<(StoreId, VariantId)> = movements.iter().map(|m| (m.store_id, m.variant_id)).collect();
                Self::lock_positions(&mut tx, tenant, &moves).await?;
                let rules = $crate::storage::sql::movements::MovementRules {
                    from_hq: true,
                    watch_orderability: true,
                    replays: $crate::storage::sql::movements::Replays::MustMatch,
                };
                let outcomes = Self::apply_movements(&mut tx, tenant, store, movements, rules, Vec::new()).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                // Only new movements count: a replay or a refusal says
                // nothing of how writers contend.
                if outcomes == [MovementOutcome::Recorded] {
                    self.settled.in_transaction.fetch_add(1, Relaxed);
                }
                Ok(outcomes)
            }

            /// The store's ledger in commit order (`page_in_commit_order`).
            async fn movements(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<MovementRecord>> {
                self.check_cursor("stock_movements", tenant, store, page).await?;
                let rows: Vec<MovementRow> = sqlx::query_as(&format!(
                    "SELECT {MOVEMENT_COLUMNS} FROM stock_movements m WHERE m.tenant_id = $1 AND m.store_id = $2 {}",
                    $crate::storage::sql::ledger::page_in_commit_order("stock_movements", "m", Self::WRITERS)
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let items = rows.into_iter().map(movement_from_row).collect::<DbResult<Vec<_>>>()?;
                Ok(Recorded::from_overfetch(items, page.limit))
            }

            async fn movements_by_id(&self, tenant: TenantId, ids: &[pos_shared::MovementId]) -> DbResult<Vec<MovementRecord>> {
                let mut found = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(Self::rows_per_statement(1).max(1)) {
                    let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                    let sql = format!(
                        "SELECT {MOVEMENT_COLUMNS} FROM stock_movements m WHERE m.tenant_id = $1 AND m.id IN ({})",
                        list.join(", ")
                    );
                    let mut query = sqlx::query_as::<_, MovementRow>(&sql).bind(tenant.as_uuid());
                    for id in chunk {
                        query = query.bind(id.as_uuid());
                    }
                    for row in query.fetch_all(&self.pool).await? {
                        found.push(movement_from_row(row)?);
                    }
                }
                Ok(found)
            }

            /// Sets (or with `None` clears) an item's reorder point at a store;
            /// a point at or above what is available raises the alert at once.
            async fn set_reorder_point(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                point: Option<Qty>,
            ) -> DbResult<Option<ReorderLine>> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                // A deleted item's point may still be removed, so HQ can
                // withdraw a low alert it left standing; it takes no new one.
                match Self::variant_deleted(&mut tx, tenant, variant).await? {
                    Some(false) => {}
                    Some(true) if point.is_none() => {}
                    Some(true) => return Err(DbError::Deleted("variant")),
                    None => return Err(DbError::NotFound("variant")),
                }
                // A point for an item counted in pieces is a whole number of them.
                if let Some(p) = point {
                    Self::check_unit(&mut tx, tenant, variant, p, "reorder_point").await?;
                }
                let now = now_ms();
                let before = Self::order_state(&mut tx, tenant, store, variant, now).await?;
                match point {
                    Some(p) => {
                        sqlx::query(
                            "INSERT INTO reorder_points (tenant_id, store_id, variant_id, point_milli, updated_at_ms) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE SET point_milli = excluded.point_milli, updated_at_ms = excluded.updated_at_ms",
                        )
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .bind(variant.as_uuid())
                        .bind(p.milli())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("DELETE FROM reorder_points WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3")
                            .bind(tenant.as_uuid())
                            .bind(store.as_uuid())
                            .bind(variant.as_uuid())
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let reset = |s: OrderState| OrderState { reorder_point_milli: point.map(|p| p.milli()), ..s };
                if let Some(event) = before.and_then(|b| b.point_change(&reset(b), store, variant)) {
                    Self::emit_event(&mut tx, tenant, event).await?;
                }
                Self::emit_flip(&mut tx, tenant, before, reset, store, variant).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(self.read_reorder_points(tenant, store, Some(variant)).await?.pop())
            }

            /// Items on hand at the store with no sale movement (a till's
            /// sale or a packed order) since `since`, by SKU.
            async fn dead_stock(
                &self,
                tenant: TenantId,
                store: StoreId,
                since: Timestamp,
                page: $crate::domain::ledger::SkuPage,
            ) -> DbResult<$crate::domain::ledger::DeadStock> {
                self.store(tenant, store).await?;
                let after_sku = page.after;
                // Each item's sales are found by the ledger's (tenant, store,
                // variant) index, for the positions the page is cut from.
                let sql = format!(
                    "SELECT v.id, v.sku, v.name, v.price_minor, v.currency, p.on_hand_milli, \
                     (SELECT MAX(m.occurred_at_ms) FROM stock_movements m WHERE m.tenant_id = p.tenant_id \
                        AND m.store_id = p.store_id AND m.variant_id = p.variant_id AND m.reason = 'sale') \
                     FROM stock_positions p \
                     JOIN variants v ON v.tenant_id = p.tenant_id AND v.id = p.variant_id AND v.deleted_at_ms IS NULL \
                     WHERE p.tenant_id = $1 AND p.store_id = $2 AND p.on_hand_milli > 0{} \
                     AND NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.tenant_id = p.tenant_id \
                        AND m.store_id = p.store_id AND m.variant_id = p.variant_id AND m.reason = 'sale' \
                        AND m.occurred_at_ms >= $3) \
                     ORDER BY v.sku LIMIT {}",
                    if after_sku.is_some() { " AND v.sku > $4" } else { "" },
                    // One more than asked, to tell whether another page follows.
                    u64::from(page.limit) + 1
                );
                let query = sqlx::query_as::<_, (Uuid, String, String, i64, String, i64, Option<i64>)>(&sql)
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(since.unix_millis());
                let query = match after_sku {
                    Some(sku) => query.bind(sku),
                    None => query,
                };
                let rows = query.fetch_all(&self.pool).await?;
                let more = rows.len() > page.limit as usize;
                let mut items = Vec::with_capacity(rows.len());
                for (variant, sku, name, price, currency, on_hand, last_sold) in rows.into_iter().take(page.limit as usize) {
                    let currency = pos_shared::Currency::parse(&currency)
                        .map_err(|e| DbError::Corrupt(format!("variant {variant}: {e}")))?;
                    // milli-units × minor units per unit, to the paisa half
                    // up; i128 holds any position times any price.
                    let value = (i128::from(on_hand) * i128::from(price) * 2 + 1000) / 2000;
                    items.push($crate::domain::ledger::UnsoldLine {
                        variant_id: VariantId::from_uuid(variant),
                        sku,
                        name,
                        on_hand: Qty::from_milli(on_hand),
                        last_sold_at: last_sold.map(Timestamp::from_unix_millis),
                        value_at_base_price: Money::new(i64::try_from(value).unwrap_or(i64::MAX), currency),
                    });
                }
                // The last SKU; the API wraps it as the list's cursor.
                let next_cursor = match (more, items.last()) {
                    (true, Some(last)) => Some(last.sku.clone()),
                    _ => None,
                };
                Ok($crate::domain::ledger::DeadStock { since, items, next_cursor })
            }

            async fn reorder_points(
                &self,
                tenant: TenantId,
                store: StoreId,
            ) -> DbResult<Vec<ReorderLine>> {
                self.read_reorder_points(tenant, store, None).await
            }
        }

    };
}

pub(crate) use sql_ledger_paths;

/// The end of a page of one store's `table` (its rows as `alias`) in commit
/// order: after the cursor row (`$3`, or from the start), `$4` rows. Side by
/// side (PostgreSQL) by the number each row took from its tenant's
/// `recorded_seq` as it committed (migration 0060): a row committed after a
/// reader read a page always takes a number after every row of that page, so
/// a forward reader misses nothing, and rows of transactions still in flight
/// have none and wait. One writer at a time (SQLite) rows are written in
/// commit order, and the rowid, above every rowid the table holds, is it.
pub(crate) fn page_in_commit_order(
    table: &str,
    alias: &str,
    writers: crate::storage::sql::Writers,
) -> String {
    let order = match writers {
        crate::storage::sql::Writers::SideBySide => "recorded_seq",
        crate::storage::sql::Writers::OneAtATime => "rowid",
    };
    format!(
        "AND {alias}.{order} > COALESCE((SELECT {order} FROM {table} WHERE tenant_id = $1 AND id = $3), 0) \
         ORDER BY {alias}.{order} LIMIT $4"
    )
}
