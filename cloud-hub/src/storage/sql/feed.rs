//! The change feed at the hub, for both backends: reading a store's page of
//! the feed after a cursor, pruning old changes, and a store's snapshot for a
//! terminal starting from scratch. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::FeedStorage`] on `$storage`; `$snapshot_isolation`
/// is the statement that makes a snapshot's reads one consistent view.
macro_rules! sql_feed_paths {
    ($storage:ty, $snapshot_isolation:expr, $snapshot_rows:expr) => {
        /// The per-tenant logs pruned to a length: tills' feed and HQ's events.
        #[derive(Clone, Copy)]
        enum PrunedLog {
            Feed,
            Events,
        }

        impl $storage {

            /// Keeps each tenant's last `keep` entries of `log`. The floor is
            /// raised first, under the tenant lock, so a reader behind it is
            /// told rather than served a range whose entries are half gone.
            async fn prune_log(&self, log: PrunedLog, keep: i64) -> DbResult<u64> {
                // Names from a closed enum, never from input.
                let (table, head_col, floor_col) = match log {
                    PrunedLog::Feed => ("feed_changes", "feed_seq", "feed_floor"),
                    PrunedLog::Events => ("hub_events", "event_seq", "event_floor"),
                };
                let tenants: Vec<(Uuid, i64)> = sqlx::query_as(&format!(
                    "SELECT id, {head_col} FROM tenants WHERE {head_col} - {floor_col} > $1"
                ))
                .bind(keep)
                .fetch_all(&self.pool)
                .await?;
                let mut dropped = 0;
                for (tenant, head) in tenants {
                    let floor = head - keep;
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(&format!("UPDATE tenants SET {floor_col} = $2 WHERE id = $1 AND {floor_col} < $2"))
                        .bind(tenant)
                        .bind(floor)
                        .execute(&mut *tx)
                        .await?;
                    dropped += sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1 AND seq <= $2"))
                        .bind(tenant)
                        .bind(floor)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    Self::commit(tx).await?;
                }
                Ok(dropped)
            }

            /// A page of the tenant's feed after `since`: one store's view of
            /// it (its own changes and tenant-wide ones), or with `None` the
            /// tenant-wide changes alone. With `since_mark`, the change at
            /// `since` must bear it (`FeedDiverged` if another does).
            async fn feed_for(
                &self,
                tenant: TenantId,
                store: Option<StoreId>,
                since: u64,
                since_mark: Option<i64>,
                limit: u32,
            ) -> DbResult<FeedPage> {
                let since = i64::try_from(since).map_err(|_| DbError::NotFound("feed position"))?;
                // Read the head first: every change up to it has committed (the
                // tenant row lock orders commits), so the query below sees them all.
                // With it, the marks of the changes at `since` and at the head.
                let (head, floor, mark_at_since, mark_at_head): (i64, i64, Option<i64>, Option<i64>) = sqlx::query_as(
                    "SELECT t.feed_seq, t.feed_floor, \
                     (SELECT c.committed_at_ms FROM feed_changes c WHERE c.tenant_id = t.id AND c.seq = $2), \
                     (SELECT c.committed_at_ms FROM feed_changes c WHERE c.tenant_id = t.id AND c.seq = t.feed_seq) \
                     FROM tenants t WHERE t.id = $1",
                )
                .bind(tenant.as_uuid())
                .bind(since)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(DbError::NotFound("tenant"))?;
                if since < floor {
                    return Err(DbError::CursorExpired { since: since as u64, floor: floor as u64 });
                }
                // Past the head: the till applied changes this database does
                // not have, and the numbers it holds will be given again to
                // other changes, so it would skip them without a word.
                if since > head {
                    return Err(DbError::CursorAhead { since: since as u64, head: head.max(0) as u64 });
                }
                // The same number on another change: this history is not the
                // one the till followed (restored, then written on). A place
                // no longer kept cannot be told, and is taken on trust.
                if let (Some(want), Some(have)) = (since_mark, mark_at_since) {
                    if want != have {
                        return Err(DbError::FeedDiverged { since: since as u64 });
                    }
                }
                let mut rows: Vec<(i64, String, i64)> = sqlx::query_as(
                    "SELECT seq, body, committed_at_ms FROM feed_changes WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 \
                     AND (store_id IS NULL OR store_id = $4) ORDER BY seq LIMIT $5",
                )
                .bind(tenant.as_uuid())
                .bind(since)
                .bind(head)
                // No store: a store id no row has, which leaves the tenant-wide ones.
                .bind(store.map_or(Uuid::nil(), |s| s.as_uuid()))
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let has_more = rows.len() > limit as usize;
                rows.truncate(limit as usize);
                let (next_cursor, cursor_mark) = match (has_more, rows.last()) {
                    (true, Some((seq, _, mark))) => (*seq, Some(*mark)),
                    _ => (head, mark_at_head),
                };
                let changes = rows
                    .into_iter()
                    .map(|(seq, body, _)| {
                        let body: ChangeBody = serde_json::from_str(&body)
                            .map_err(|e| DbError::Corrupt(format!("feed change {seq}: {e}")))?;
                        Ok(pos_shared::sync::Change { seq: seq as u64, body })
                    })
                    .collect::<DbResult<Vec<_>>>()?;
                Ok(FeedPage { protocol_version: PROTOCOL_VERSION, changes, next_cursor: next_cursor as u64, has_more, cursor_mark })
            }

        }

        #[async_trait::async_trait]
        impl FeedStorage for $storage {
            fn watch_feed(&self) -> tokio::sync::watch::Receiver<u64> {
                self.feed_tx.subscribe()
            }

            async fn feed_heads(&self) -> DbResult<Vec<(TenantId, u64)>> {
                let rows: Vec<(Uuid, i64)> = sqlx::query_as("SELECT id, feed_seq FROM tenants")
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(t, seq)| (TenantId::from_uuid(t), seq.max(0) as u64)).collect())
            }

            async fn feed_stores_moved(&self, tenant: TenantId, after: u64, upto: u64) -> DbResult<Vec<Option<StoreId>>> {
                let rows: Vec<(Option<Uuid>,)> = sqlx::query_as(
                    "SELECT DISTINCT store_id FROM feed_changes WHERE tenant_id = $1 AND seq > $2 AND seq <= $3",
                )
                .bind(tenant.as_uuid())
                .bind(i64::try_from(after).unwrap_or(i64::MAX))
                .bind(i64::try_from(upto).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(s,)| s.map(StoreId::from_uuid)).collect())
            }

            async fn feed(&self, tenant: TenantId, store: StoreId, since: u64, limit: u32) -> DbResult<FeedPage> {
                self.feed_for(tenant, Some(store), since, None, limit).await
            }

            async fn feed_after_mark(
                &self,
                tenant: TenantId,
                store: StoreId,
                since: u64,
                mark: Option<i64>,
                limit: u32,
            ) -> DbResult<FeedPage> {
                self.feed_for(tenant, Some(store), since, mark, limit).await
            }

            async fn catalog_changes(&self, tenant: TenantId, since: u64, limit: u32) -> DbResult<FeedPage> {
                self.feed_for(tenant, None, since, None, limit).await
            }
            async fn prune_feed(&self, keep: u64) -> DbResult<u64> {
                let keep = i64::try_from(keep).unwrap_or(i64::MAX);
                let dropped = self.prune_log(PrunedLog::Feed, keep).await?;
                let events = self.prune_log(PrunedLog::Events, keep).await?;
                if events > 0 {
                    tracing::info!(events, "events pruned");
                }
                Ok(dropped)
            }

            async fn terminal_moved_stock(&self, device: &DeviceIdentity) -> DbResult<bool> {
                let moved: Option<(i32,)> = sqlx::query_as(
                    "SELECT 1 FROM stock_movements WHERE tenant_id = $1 AND store_id = $2 AND terminal_id = $3 LIMIT 1",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
                Ok(moved.is_some())
            }

            /// The store at one feed sequence, handed over as it is read: the
            /// small lists first (held while the variants stream), the
            /// variants and positions a chunk at a time, all in one
            /// consistent view.
            async fn store_snapshot(&self, device: &DeviceIdentity, out: SnapshotSink) -> DbResult<()> {
                use futures_util::TryStreamExt;
                use pos_shared::sync::{SnapshotHeader, SnapshotRecord, PROTOCOL_VERSION};
                let mut tx = self.pool.begin().await?;
                // One consistent view for the head and every row below it.
                sqlx::query($snapshot_isolation).execute(&mut *tx).await?;
                let (tenant, store) = (device.tenant_id.as_uuid(), device.store_id.as_uuid());
                // With the head, the mark of the change there: the till keeps
                // it with its cursor, as it would from a feed page.
                let (head, seq_mark): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT t.feed_seq, (SELECT c.committed_at_ms FROM feed_changes c WHERE c.tenant_id = t.id AND c.seq = t.feed_seq) \
                     FROM tenants t WHERE t.id = $1",
                )
                .bind(tenant)
                .fetch_one(&mut *tx)
                .await?;
                let (variants,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM variants WHERE tenant_id = $1 AND deleted_at_ms IS NULL",
                )
                .bind(tenant)
                .fetch_one(&mut *tx)
                .await?;
                let (positions,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM stock_positions WHERE tenant_id = $1 AND store_id = $2",
                )
                .bind(tenant)
                .bind(store)
                .fetch_one(&mut *tx)
                .await?;
                // What the store may not sell, from its positions (the
                // catalog's read model): few rows, sent after the positions.
                let stopped: Vec<(Uuid, bool, Option<String>)> = sqlx::query_as(&format!(
                    "SELECT p.variant_id, {} FROM stock_positions p \
                     WHERE p.tenant_id = $1 AND p.store_id = $2 AND (p.delisted OR p.blocked) ORDER BY p.variant_id",
                    $crate::storage::sql::projection::AT_STORE
                ))
                .bind(tenant)
                .bind(store)
                .fetch_all(&mut *tx)
                .await?;
                let staff = Self::staff_of_store(&mut tx, device.tenant_id, device.store_id).await?;
                let categories = Self::category_tree(&mut tx, device.tenant_id).await?;
                let prices = Self::store_prices(&mut tx, device.tenant_id, device.store_id).await?;
                let open: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM orders WHERE tenant_id = $1 AND store_id = $2 AND state IN ('assigned_to_store', 'picking') ORDER BY id",
                )
                .bind(tenant)
                .bind(store)
                .fetch_all(&mut *tx)
                .await?;
                let mut orders = Vec::with_capacity(open.len());
                for (id,) in open {
                    if let Some(order) = Self::order_in(&mut tx, device.tenant_id, id).await? {
                        orders.push(Self::pick_order_in(&mut tx, device.tenant_id, &order, now_ms()).await?);
                    }
                }
                let purchase_orders = Self::snapshot_purchase_orders(&mut tx, device.tenant_id, device.store_id).await?;
                let profile = Self::store_profile_in(&mut tx, device.tenant_id, device.store_id).await?;
                let credit_accounts = Self::snapshot_credit_accounts(&mut tx, device.tenant_id, device.store_id).await?;
                let (transfer_requests, transfers) = Self::snapshot_transfers(&mut tx, device.tenant_id, device.store_id).await?;
                let loyalty = Self::snapshot_loyalty(&mut tx, device.tenant_id, device.store_id).await?;
                let header = SnapshotHeader {
                    protocol_version: PROTOCOL_VERSION,
                    seq: head.max(0) as u64,
                    seq_mark,
                    variants: variants.max(0) as u64,
                    positions: positions.max(0) as u64,
                    staff: staff.len() as u64,
                    categories: categories.len() as u64,
                    prices: prices.len() as u64,
                    orders: orders.len() as u64,
                    items_at_store: stopped.len() as u64,
                    purchase_orders: purchase_orders.len() as u64,
                    stores: 1,
                    credit_accounts: credit_accounts.len() as u64,
                    transfers: (transfer_requests.len() + transfers.len()) as u64,
                    loyalty: loyalty.len() as u64,
                };
                if out.send(SnapshotPart::Head(header)).await.is_err() {
                    return Ok(()); // Nobody is waiting for it any more.
                }
                let mut chunk = Vec::with_capacity(SNAPSHOT_CHUNK);
                if let $crate::storage::sql::SnapshotRows::Packed { variants, .. } = ($snapshot_rows) {
                    let mut after = String::new();
                    loop {
                        let (packed,): (String,) = sqlx::query_as(variants)
                            .bind(tenant)
                            .bind(&after)
                            .bind(SNAPSHOT_CHUNK as i64)
                            .fetch_one(&mut *tx)
                            .await?;
                        let rows = $crate::storage::sql::unpack_chunk::<$crate::storage::sql::PackedVariant>(&packed)?;
                        if rows.is_empty() {
                            break;
                        }
                        for row in rows {
                            let row = row.unpack()?;
                            if row.sku() > after.as_str() {
                                after = row.sku().to_owned();
                            }
                            chunk.push(SnapshotRecord::Variant(variant_from_row(row)?));
                        }
                        if !$crate::storage::sql::feed::hand_over(&out, &mut chunk, true).await {
                            return Ok(()); // Nobody is waiting for it any more.
                        }
                    }
                } else {
                    let sql = format!(
                        "SELECT {VARIANT_COLUMNS} FROM {VARIANT_FROM} WHERE v.tenant_id = $1 AND v.deleted_at_ms IS NULL ORDER BY v.id"
                    );
                    let mut rows = sqlx::query_as::<_, VariantRow>(&sql)
                    .bind(tenant)
                    .fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await? {
                        chunk.push(SnapshotRecord::Variant(variant_from_row(row)?));
                        if !$crate::storage::sql::feed::hand_over(&out, &mut chunk, false).await {
                            return Ok(()); // Nobody is waiting for it any more.
                        }
                    }
                }
                // Parents before children, so a till can build its tree as it reads.
                chunk.extend(categories.into_iter().map(SnapshotRecord::Category));
                chunk.extend(prices.into_iter().map(SnapshotRecord::Price));
                chunk.extend(staff.into_iter().map(SnapshotRecord::Staff));
                chunk.extend(orders.into_iter().map(SnapshotRecord::Order));
                chunk.extend(purchase_orders.into_iter().map(SnapshotRecord::PurchaseOrder));
                chunk.push(SnapshotRecord::Store(profile));
                chunk.extend(credit_accounts.into_iter().map(SnapshotRecord::CreditAccount));
                chunk.extend(transfer_requests.into_iter().map(SnapshotRecord::TransferRequest));
                chunk.extend(transfers.into_iter().map(SnapshotRecord::Transfer));
                chunk.extend(loyalty);
                if !$crate::storage::sql::feed::hand_over(&out, &mut chunk, true).await {
                    return Ok(());
                }
                if let $crate::storage::sql::SnapshotRows::Packed { positions, .. } = ($snapshot_rows) {
                    let mut after = Uuid::nil();
                    loop {
                        let (packed,): (String,) = sqlx::query_as(positions)
                            .bind(tenant)
                            .bind(store)
                            .bind(device.terminal_id.as_uuid())
                            .bind(after)
                            .bind(SNAPSHOT_CHUNK as i64)
                            .fetch_one(&mut *tx)
                            .await?;
                        let rows = $crate::storage::sql::unpack_chunk::<$crate::storage::sql::PackedPosition>(&packed)?;
                        if rows.is_empty() {
                            break;
                        }
                        for row in rows {
                            let (variant, on_hand) = row.unpack()?;
                            after = after.max(variant);
                            chunk.push(SnapshotRecord::Position {
                                variant_id: VariantId::from_uuid(variant),
                                on_hand: pos_shared::Qty::from_milli(on_hand),
                            });
                        }
                        if !$crate::storage::sql::feed::hand_over(&out, &mut chunk, true).await {
                            return Ok(()); // Nobody is waiting for it any more.
                        }
                    }
                } else {
                    let mut rows = sqlx::query_as::<_, (Uuid, i64)>(
                        "SELECT p.variant_id, p.on_hand_milli - CAST(COALESCE((SELECT SUM(m.delta_milli) FROM stock_movements m \
                           WHERE m.tenant_id = p.tenant_id AND m.store_id = p.store_id AND m.terminal_id = $3 AND m.variant_id = p.variant_id), 0) AS BIGINT) \
                         FROM stock_positions p WHERE p.tenant_id = $1 AND p.store_id = $2 ORDER BY p.variant_id",
                    )
                    .bind(tenant)
                    .bind(store)
                    .bind(device.terminal_id.as_uuid())
                    .fetch(&mut *tx);
                    while let Some((variant, on_hand)) = rows.try_next().await? {
                        chunk.push(SnapshotRecord::Position {
                            variant_id: VariantId::from_uuid(variant),
                            on_hand: pos_shared::Qty::from_milli(on_hand),
                        });
                        if !$crate::storage::sql::feed::hand_over(&out, &mut chunk, false).await {
                            return Ok(()); // Nobody is waiting for it any more.
                        }
                    }
                }
                chunk.extend(stopped.into_iter().map(|(variant, delisted, hold)| {
                    SnapshotRecord::ItemAtStore(pos_shared::sync::ItemAtStore {
                        store_id: device.store_id,
                        variant_id: VariantId::from_uuid(variant),
                        listed: !delisted,
                        hold,
                    })
                }));
                if !$crate::storage::sql::feed::hand_over(&out, &mut chunk, true).await {
                    return Ok(());
                }
                tx.commit().await?; // Read only: nothing to number.
                Ok(())
            }
        }

    };
}
pub(crate) use sql_feed_paths;

/// Hands a snapshot's records to `out` once `chunk` is full (or, with `all`,
/// whatever it holds); false once nobody listens.
pub(crate) async fn hand_over(
    out: &crate::domain::sync::SnapshotSink,
    chunk: &mut Vec<pos_shared::sync::SnapshotRecord>,
    all: bool,
) -> bool {
    use crate::domain::sync::{SnapshotPart, SNAPSHOT_CHUNK};
    let due = chunk.len() >= SNAPSHOT_CHUNK || (all && !chunk.is_empty());
    if !due {
        return true;
    }
    out.send(SnapshotPart::Records(std::mem::take(chunk)))
        .await
        .is_ok()
}
