//! Transfers between stores at the hub, for both backends. A transfer writes
//! its movements through the same path as every movement (positions, feed,
//! events, orderability), in one transaction with the transfer's own row and
//! the batches it took. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::TransferStorage`] on `$storage`.
macro_rules! sql_transfer_paths {
    ($storage:ty) => {
        use $crate::domain::transfers::{allot_arrivals, NewTransfer, Transfer, TransferBatch, TransferOutcome, TransferState};

        type TransferRow = (
            Uuid, Uuid, Uuid, Uuid, i64, String, String, i64, Option<i64>, Option<i64>,
            Option<Uuid>, String, String, Option<String>, Option<String>,
        );
        const TRANSFER_COLUMNS: &str = "id, from_store_id, to_store_id, variant_id, qty_milli, note, state, \
             dispatched_at_ms, received_qty_milli, received_at_ms, request_id, \
             (SELECT name FROM stores s WHERE s.id = stock_transfers.from_store_id), \
             (SELECT name FROM stores s WHERE s.id = stock_transfers.to_store_id), dispatched_by, received_by";

        fn transfer_from_row(row: TransferRow) -> DbResult<Transfer> {
            let (id, from, to, variant, qty, note, state, dispatched, received, received_at, request_id, from_name, to_name, dispatched_by, received_by) = row;
            Ok(Transfer {
                transfer_id: id,
                request_id,
                from_store_id: StoreId::from_uuid(from),
                from_store_name: from_name,
                to_store_id: StoreId::from_uuid(to),
                to_store_name: to_name,
                variant_id: VariantId::from_uuid(variant),
                qty: Qty::from_milli(qty),
                note,
                state: TransferState::parse(&state)
                    .ok_or_else(|| DbError::Corrupt(format!("transfer {id}: state {state:?}")))?,
                dispatched_at: Timestamp::from_unix_millis(dispatched),
                dispatched_by,
                received_qty: received.map(Qty::from_milli),
                shortfall: received.map(|r| Qty::from_milli(qty - r)),
                received_at: received_at.map(Timestamp::from_unix_millis),
                received_by,
                batches: Vec::new(),
            })
        }

        type TransferBatchRow = (String, String, i64, Option<i64>);

        fn transfer_batch_from_row((code, expires_on, qty, received): TransferBatchRow) -> TransferBatch {
            TransferBatch {
                code,
                expires_on,
                qty: Qty::from_milli(qty),
                received_qty: received.map(Qty::from_milli),
            }
        }

        impl $storage {
            async fn transfer_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<Option<Transfer>> {
                let row: Option<TransferRow> = sqlx::query_as(&format!(
                    "SELECT {TRANSFER_COLUMNS} FROM stock_transfers WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                match row {
                    Some(row) => Ok(Some(Self::with_batches(tx, tenant, transfer_from_row(row)?).await?)),
                    None => Ok(None),
                }
            }

            async fn with_batches(tx: &mut Tx<'_>, tenant: TenantId, mut transfer: Transfer) -> DbResult<Transfer> {
                let rows: Vec<TransferBatchRow> = sqlx::query_as(
                    "SELECT code, expires_on, qty_milli, received_milli FROM stock_transfer_batches \
                     WHERE tenant_id = $1 AND transfer_id = $2 ORDER BY expires_on, code",
                )
                .bind(tenant.as_uuid())
                .bind(transfer.transfer_id)
                .fetch_all(&mut **tx)
                .await?;
                transfer.batches = rows.into_iter().map(transfer_batch_from_row).collect();
                Ok(transfer)
            }

            /// Puts what arrived of a transfer's batches into the destination's
            /// batches, first expiry first, and records it per batch.
            async fn receive_batches(tx: &mut Tx<'_>, tenant: TenantId, transfer: &Transfer, arrived: Qty) -> DbResult<()> {
                let sent: Vec<i64> = transfer.batches.iter().map(|b| b.qty.milli()).collect();
                for (batch, got) in transfer.batches.iter().zip(allot_arrivals(&sent, arrived.milli())) {
                    sqlx::query(
                        "UPDATE stock_transfer_batches SET received_milli = $4 WHERE tenant_id = $1 AND transfer_id = $2 AND code = $3",
                    )
                    .bind(tenant.as_uuid())
                    .bind(transfer.transfer_id)
                    .bind(&batch.code)
                    .bind(got)
                    .execute(&mut **tx)
                    .await?;
                    if got == 0 {
                        continue;
                    }
                    let incoming = MovementRecord {
                        movement_id: pos_shared::MovementId::new(),
                        store_id: transfer.to_store_id,
                        variant_id: transfer.variant_id,
                        delta: Qty::from_milli(got),
                        reason: MovementReason::TransferIn,
                        sale_id: None,
                        terminal_id: None,
                        occurred_at: Timestamp::now(),
                        batch: Some(pos_shared::sync::Batch { code: batch.code.clone(), expires_on: batch.expires_on.clone() }),
                    };
                    Self::move_batches(tx, tenant, &incoming, false).await?;
                }
                Ok(())
            }

            /// Reads the transfer back inside `tx` and emits `event_type` with it,
            /// at the store the step happened at (the source on dispatch, the
            /// destination on receipt); the destination's tills hear it too,
            /// to receive it or to stop offering it.
            async fn announce_transfer(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid, event_type: &'static str) -> DbResult<Transfer> {
                let transfer = Self::transfer_in(tx, tenant, id).await?.ok_or(DbError::NotFound("transfer"))?;
                let store = match transfer.state {
                    TransferState::InTransit => transfer.from_store_id,
                    TransferState::Received => transfer.to_store_id,
                };
                let data = serde_json::to_value(&transfer).map_err(|e| DbError::Corrupt(e.to_string()))?;
                Self::emit_event(tx, tenant, $crate::domain::events::by_hub(event_type, Some(store), data)).await?;
                let change = ChangeBody::TransferChanged(transfer.clone());
                Self::insert_changes(tx, tenant, &[(Some(transfer.to_store_id), change)]).await?;
                Ok(transfer)
            }
        }

        #[async_trait::async_trait]
        impl TransferStorage for $storage {
            async fn dispatch_transfer(&self, tenant: TenantId, new: &NewTransfer) -> DbResult<TransferOutcome> {
                self.store(tenant, new.from_store_id).await?;
                self.store(tenant, new.to_store_id)
                    .await
                    .map_err(|e| match e {
                        DbError::NotFound(_) => DbError::NotFound("destination store"),
                        other => other,
                    })?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                if let Some(existing) = Self::transfer_in(&mut tx, tenant, new.transfer_id).await? {
                    let same = existing.from_store_id == new.from_store_id
                        && existing.to_store_id == new.to_store_id
                        && existing.variant_id == new.variant_id
                        && existing.qty == new.qty;
                    if !same {
                        return Err(DbError::Conflict("transfer_id reused".into()));
                    }
                    return Ok(TransferOutcome::Existing(existing));
                }
                // A till knows requests and transfers by one id space.
                let request: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM transfer_requests WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(new.transfer_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if request.is_some() {
                    return Err(DbError::Conflict("transfer_id reused".into()));
                }
                Self::require_live(&mut tx, tenant, new.variant_id).await?;
                Self::check_unit(&mut tx, tenant, new.variant_id, new.qty, "qty").await?;
                let now = now_ms();
                let available = Self::available_in(&mut tx, tenant, new.from_store_id, new.variant_id).await?;
                if new.qty.milli() > available {
                    return Err(DbError::InvalidField {
                        field: "qty",
                        detail: format!(
                            "only {} available to send (on hand at the source less what orders hold)",
                            Qty::from_milli(available.max(0))
                        ),
                    });
                }
                sqlx::query(
                    "INSERT INTO stock_transfers (id, tenant_id, from_store_id, to_store_id, variant_id, qty_milli, note, state, dispatched_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'in_transit', $8)",
                )
                .bind(new.transfer_id)
                .bind(tenant.as_uuid())
                .bind(new.from_store_id.as_uuid())
                .bind(new.to_store_id.as_uuid())
                .bind(new.variant_id.as_uuid())
                .bind(new.qty.milli())
                .bind(&new.note)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let out = MovementRecord {
                    movement_id: pos_shared::MovementId::from_uuid(new.transfer_id),
                    store_id: new.from_store_id,
                    variant_id: new.variant_id,
                    delta: Qty::from_milli(-new.qty.milli()),
                    reason: MovementReason::TransferOut,
                    sale_id: None,
                    terminal_id: None,
                    occurred_at: Timestamp::from_unix_millis(now),
                    batch: None,
                };
                if Self::apply_movement_with(&mut tx, tenant, &out, true).await? == MovementOutcome::Duplicate {
                    // Another movement already has this id.
                    return Err(DbError::Conflict("transfer_id reused".into()));
                }
                let transfer = Self::announce_transfer(&mut tx, tenant, new.transfer_id, "inventory.transfer.dispatched").await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(TransferOutcome::Created(transfer))
            }

            /// Records what arrived (all that was sent when `received` is
            /// `None`); receiving again with the same quantity changes nothing.
            async fn receive_transfer(&self, tenant: TenantId, id: Uuid, received: Option<Qty>) -> DbResult<Transfer> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let transfer = Self::transfer_in(&mut tx, tenant, id)
                    .await?
                    .ok_or(DbError::NotFound("transfer"))?;
                let arrived = received.unwrap_or(transfer.qty);
                if arrived.milli() > transfer.qty.milli() {
                    return Err(DbError::InvalidField {
                        field: "received_qty",
                        detail: format!("received_qty is more than the {} sent", transfer.qty),
                    });
                }
                if let Some(qty) = received {
                    Self::check_unit(&mut tx, tenant, transfer.variant_id, qty, "received_qty").await?;
                }
                if transfer.state == TransferState::Received {
                    if transfer.received_qty == Some(arrived) {
                        return Ok(transfer);
                    }
                    return Err(DbError::State {
                        field: "transfer_id",
                        detail: format!(
                            "the transfer was already received ({} arrived)",
                            transfer.received_qty.unwrap_or(Qty::ZERO)
                        ),
                    });
                }
                let now = now_ms();
                let movement_id = pos_shared::MovementId::new();
                Self::receive_batches(&mut tx, tenant, &transfer, arrived).await?;
                if arrived.is_positive() {
                    let incoming = MovementRecord {
                        movement_id,
                        store_id: transfer.to_store_id,
                        variant_id: transfer.variant_id,
                        delta: arrived,
                        reason: MovementReason::TransferIn,
                        sale_id: None,
                        terminal_id: None,
                        occurred_at: Timestamp::from_unix_millis(now),
                        batch: None,
                    };
                    Self::apply_movement_with(&mut tx, tenant, &incoming, true).await?;
                }
                sqlx::query(
                    "UPDATE stock_transfers SET state = 'received', received_qty_milli = $1, received_movement_id = $2, received_at_ms = $3 \
                     WHERE tenant_id = $4 AND id = $5",
                )
                .bind(arrived.milli())
                .bind(arrived.is_positive().then(|| movement_id.as_uuid()))
                .bind(now)
                .bind(tenant.as_uuid())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let transfer = Self::announce_transfer(&mut tx, tenant, id, "inventory.transfer.received").await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(transfer)
            }

            async fn transfer(&self, tenant: TenantId, id: Uuid) -> DbResult<Transfer> {
                let mut tx = self.pool.begin().await?;
                let transfer = Self::transfer_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                transfer.ok_or(DbError::NotFound("transfer"))
            }

            /// The store's transfers either way, in the order they were dispatched.
            async fn transfers(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<Transfer>> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                if let Some(after) = page.after {
                    let cursor = Self::transfer_in(&mut tx, tenant, after).await?;
                    if !cursor.is_some_and(|t| t.from_store_id == store || t.to_store_id == store) {
                        return Err(DbError::InvalidField { field: "cursor", detail: CURSOR_REFUSED.into() });
                    }
                }
                let rows: Vec<TransferRow> = sqlx::query_as(&format!(
                    "SELECT {TRANSFER_COLUMNS} FROM stock_transfers \
                     WHERE tenant_id = $1 AND (from_store_id = $2 OR to_store_id = $2) \
                     AND ($3 IS NULL OR (dispatched_at_ms, id) > \
                          (SELECT dispatched_at_ms, id FROM stock_transfers WHERE tenant_id = $1 AND id = $3)) \
                     ORDER BY dispatched_at_ms, id LIMIT $4"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&mut *tx)
                .await?;
                let mut page = Recorded::from_overfetch(
                    rows.into_iter().map(transfer_from_row).collect::<DbResult<Vec<_>>>()?,
                    page.limit,
                );
                // The page's batches in one read: those of the store's
                // transfers from the page's first to its last.
                if let (Some(first), Some(last)) = (page.items.first(), page.items.last()) {
                    let rows: Vec<(Uuid, String, String, i64, Option<i64>)> = sqlx::query_as(
                        "SELECT b.transfer_id, b.code, b.expires_on, b.qty_milli, b.received_milli \
                         FROM stock_transfer_batches b JOIN stock_transfers t ON t.tenant_id = b.tenant_id AND t.id = b.transfer_id \
                         WHERE t.tenant_id = $1 AND (t.from_store_id = $2 OR t.to_store_id = $2) \
                         AND (t.dispatched_at_ms, t.id) >= ($3, $4) AND (t.dispatched_at_ms, t.id) <= ($5, $6) \
                         ORDER BY b.expires_on, b.code",
                    )
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(first.dispatched_at.unix_millis())
                    .bind(first.transfer_id)
                    .bind(last.dispatched_at.unix_millis())
                    .bind(last.transfer_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut by_transfer: std::collections::HashMap<Uuid, Vec<TransferBatch>> = std::collections::HashMap::new();
                    for (id, code, expires_on, qty, received) in rows {
                        by_transfer.entry(id).or_default().push(transfer_batch_from_row((code, expires_on, qty, received)));
                    }
                    for transfer in &mut page.items {
                        transfer.batches = by_transfer.remove(&transfer.transfer_id).unwrap_or_default();
                    }
                }
                Self::commit(tx).await?;
                Ok(page)
            }
        }

    };
}

pub(crate) use sql_transfer_paths;
