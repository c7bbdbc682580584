//! Transfers at the store, for both backends (migration 0053): HQ's
//! requests that a store pick and send stock, and the dispatches and
//! arrivals tills upload as facts. A dispatch starts the transfer (its
//! movement takes the batches first expiry first, as HQ's dispatch does);
//! an arrival takes the stock in by the batches the till scanned. The first
//! dispatch of a request and the first arrival of a transfer stand; a second
//! is refused with [`pos_shared::transfer::TRANSFER_SETTLED`] so its till
//! takes its movements back. Expanded inside `sql_storage!` after
//! `sql/transfers.rs`, whose names it uses.

/// Implements the request half of [`crate::storage::TransferStorage`] and
/// the transfer facts' upload on `$storage`.
macro_rules! sql_transfer_request_paths {
    ($storage:ty) => {
        use $crate::domain::transfers::{NewTransferRequest, TransferRequest, TransferRequestOutcome, TransferRequestState};
        use pos_shared::transfer::{TransferDispatched, TransferReceived, TRANSFER_SETTLED};

        type TransferRequestRow = (Uuid, Uuid, Uuid, Uuid, i64, String, String, i64, Option<Uuid>, String, String);
        const TRANSFER_REQUEST_COLUMNS: &str = "id, from_store_id, to_store_id, variant_id, qty_milli, note, state, raised_at_ms, transfer_id, \
             (SELECT name FROM stores s WHERE s.id = transfer_requests.from_store_id), \
             (SELECT name FROM stores s WHERE s.id = transfer_requests.to_store_id)";

        fn transfer_request_from_row(row: TransferRequestRow) -> DbResult<TransferRequest> {
            let (id, from, to, variant, qty, note, state, raised, transfer_id, from_name, to_name) = row;
            Ok(TransferRequest {
                request_id: id,
                from_store_id: StoreId::from_uuid(from),
                from_store_name: from_name,
                to_store_id: StoreId::from_uuid(to),
                to_store_name: to_name,
                variant_id: VariantId::from_uuid(variant),
                qty: Qty::from_milli(qty),
                note,
                state: TransferRequestState::parse(&state)
                    .ok_or_else(|| DbError::Corrupt(format!("transfer request {id}: state {state:?}")))?,
                raised_at: Timestamp::from_unix_millis(raised),
                transfer_id,
            })
        }

        impl $storage {
            async fn transfer_request_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<Option<TransferRequest>> {
                let row: Option<TransferRequestRow> = sqlx::query_as(&format!(
                    "SELECT {TRANSFER_REQUEST_COLUMNS} FROM transfer_requests WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(transfer_request_from_row).transpose()
            }

            /// Tells the source store's tills (and HQ) where the request stands.
            async fn announce_transfer_request(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<TransferRequest> {
                let request = Self::transfer_request_in(tx, tenant, id).await?.ok_or(DbError::NotFound("transfer request"))?;
                let change = ChangeBody::TransferRequested(request.clone());
                Self::append_change(tx, tenant, Some(request.from_store_id), &change).await?;
                Ok(request)
            }

            /// What a new till of the store takes on: the requests it is to
            /// send (open ones) and the transfers on their way to it.
            pub(crate) async fn snapshot_transfers(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
            ) -> DbResult<(Vec<TransferRequest>, Vec<Transfer>)> {
                let rows: Vec<TransferRequestRow> = sqlx::query_as(&format!(
                    "SELECT {TRANSFER_REQUEST_COLUMNS} FROM transfer_requests \
                     WHERE tenant_id = $1 AND from_store_id = $2 AND state = 'open' ORDER BY raised_at_ms, id LIMIT 1000"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let requests = rows.into_iter().map(transfer_request_from_row).collect::<DbResult<Vec<_>>>()?;
                let ids: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM stock_transfers WHERE tenant_id = $1 AND to_store_id = $2 AND state = 'in_transit' \
                     ORDER BY dispatched_at_ms, id LIMIT 1000",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let mut transfers = Vec::with_capacity(ids.len());
                for (id,) in ids {
                    transfers.extend(Self::transfer_in(tx, tenant, id).await?);
                }
                Ok((requests, transfers))
            }

            /// Whether `qty` counts in the item's unit, as a refusal of the
            /// fact naming `field` when it does not.
            async fn fact_qty_refused(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId, qty: Qty, field: &'static str) -> DbResult<Option<String>> {
                let details: Option<(Option<String>,)> = sqlx::query_as("SELECT details FROM variants WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(variant.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some((details,)) = details else {
                    return Ok(Some(format!("variant_id: no variant {variant} in this tenant's catalog")));
                };
                Ok(match Self::unit_allows(variant.as_uuid(), details.as_deref(), qty, field) {
                    Err(DbError::InvalidField { detail, .. }) => Some(format!("{field}: {detail}")),
                    _ => None,
                })
            }

            async fn insert_transfer_fact(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                id: Uuid,
                transfer: Uuid,
                kind: &str,
                raw_envelope: &str,
            ) -> DbResult<bool> {
                let inserted = sqlx::query(
                    "INSERT INTO transfer_facts (id, tenant_id, store_id, terminal_id, transfer_id, kind, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(transfer)
                .bind(kind)
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await?;
                Ok(inserted.rows_affected() == 1)
            }

            /// Stores a request's dispatch made at a till inside its fact's
            /// savepoint: the transfer it starts, its `transfer_out`
            /// movement (batches first expiry first), the request moved on.
            /// A dispatch of a request HQ cancelled stands (the goods left).
            async fn insert_transfer_dispatch(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                dispatch: &TransferDispatched,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let tenant = device.tenant_id;
                let Some(request) = Self::transfer_request_in(tx, tenant, dispatch.request_id).await? else {
                    return Ok(FactStored::Rejected(format!("request_id: no transfer request {} in this tenant", dispatch.request_id)));
                };
                if request.from_store_id != device.store_id {
                    return Ok(FactStored::Rejected("request_id: the request is for another store to send".into()));
                }
                if request.variant_id != dispatch.variant_id {
                    return Ok(FactStored::Rejected(format!("variant_id: the request is for item {}", request.variant_id)));
                }
                if dispatch.qty > request.qty {
                    return Ok(FactStored::Rejected(format!("qty: {} is more than the {} asked for", dispatch.qty, request.qty)));
                }
                if !Self::insert_transfer_fact(tx, device, dispatch.transfer_id, dispatch.transfer_id, "dispatch", raw_envelope).await? {
                    return Ok(FactStored::Duplicate);
                }
                if let (TransferRequestState::Dispatched, Some(first)) = (request.state, request.transfer_id) {
                    let by = Self::transfer_in(tx, tenant, first).await?.and_then(|t| t.dispatched_by);
                    return Ok(FactStored::Rejected(format!(
                        "{TRANSFER_SETTLED} the request was already dispatched{} as transfer {first}; this till's dispatch is taken back",
                        by.map(|b| format!(" by {b}")).unwrap_or_default()
                    )));
                }
                if let Some(refusal) = Self::fact_qty_refused(tx, tenant, dispatch.variant_id, dispatch.qty, "qty").await? {
                    return Ok(FactStored::Rejected(refusal));
                }
                let taken = sqlx::query(
                    "INSERT INTO stock_transfers (id, tenant_id, from_store_id, to_store_id, variant_id, qty_milli, note, state, \
                     dispatched_at_ms, request_id, dispatched_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'in_transit', $8, $9, $10) ON CONFLICT (id) DO NOTHING",
                )
                .bind(dispatch.transfer_id)
                .bind(tenant.as_uuid())
                .bind(request.from_store_id.as_uuid())
                .bind(request.to_store_id.as_uuid())
                .bind(request.variant_id.as_uuid())
                .bind(dispatch.qty.milli())
                .bind(&request.note)
                .bind(dispatch.dispatched_at.unix_millis())
                .bind(request.request_id)
                .bind(dispatch.dispatched_by.name.trim())
                .execute(&mut **tx)
                .await?;
                if taken.rows_affected() == 0 {
                    return Ok(FactStored::Rejected(format!("transfer_id: {} is another transfer's id", dispatch.transfer_id)));
                }
                let outcome = Self::apply_fact_movements(tx, device, &dispatch.movements(), None).await?;
                if outcome != FactStored::Accepted {
                    return Ok(outcome);
                }
                sqlx::query("UPDATE transfer_requests SET state = 'dispatched', transfer_id = $1, updated_at_ms = $2 WHERE tenant_id = $3 AND id = $4")
                    .bind(dispatch.transfer_id)
                    .bind(now_ms())
                    .bind(tenant.as_uuid())
                    .bind(request.request_id)
                    .execute(&mut **tx)
                    .await?;
                Self::announce_transfer_request(tx, tenant, request.request_id).await?;
                Self::announce_transfer(tx, tenant, dispatch.transfer_id, "inventory.transfer.dispatched").await?;
                Ok(FactStored::Accepted)
            }

            /// Stores an arrival taken in at a till inside its fact's
            /// savepoint: what came of each batch sent, its `transfer_in`
            /// movements, the transfer received with its shortfall.
            async fn insert_transfer_receipt(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                receipt: &TransferReceived,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let tenant = device.tenant_id;
                let Some(transfer) = Self::transfer_in(tx, tenant, receipt.transfer_id).await? else {
                    return Ok(FactStored::Rejected(format!("transfer_id: no transfer {} in this tenant", receipt.transfer_id)));
                };
                if transfer.to_store_id != device.store_id {
                    return Ok(FactStored::Rejected("transfer_id: the transfer goes to another store".into()));
                }
                if transfer.variant_id != receipt.variant_id {
                    return Ok(FactStored::Rejected(format!("variant_id: the transfer is of item {}", transfer.variant_id)));
                }
                if !Self::insert_transfer_fact(tx, device, receipt.receipt_id, receipt.transfer_id, "receipt", raw_envelope).await? {
                    return Ok(FactStored::Duplicate);
                }
                if transfer.state == TransferState::Received {
                    return Ok(FactStored::Rejected(format!(
                        "{TRANSFER_SETTLED} the transfer was already received{} ({} arrived); this till's receipt is taken back",
                        transfer.received_by.map(|b| format!(" by {b}")).unwrap_or_else(|| " at HQ".into()),
                        transfer.received_qty.unwrap_or(Qty::ZERO)
                    )));
                }
                let arrived = receipt.arrived();
                if arrived > transfer.qty {
                    return Ok(FactStored::Rejected(format!("lines: {arrived} arrived of the {} sent", transfer.qty)));
                }
                let mut into_batches: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
                for (i, line) in receipt.lines.iter().enumerate() {
                    if let Some(refusal) = Self::fact_qty_refused(tx, tenant, receipt.variant_id, line.qty, "qty").await? {
                        return Ok(FactStored::Rejected(format!("lines[{i}].{refusal}")));
                    }
                    let Some(batch) = &line.batch else { continue };
                    let sent = transfer.batches.iter().find(|b| b.code == batch.code && b.expires_on == batch.expires_on);
                    match sent {
                        None => {
                            return Ok(FactStored::Rejected(format!(
                                "lines[{i}].batch.code: batch {} expiring {} was not sent in this transfer",
                                batch.code, batch.expires_on
                            )))
                        }
                        Some(sent) if line.qty > sent.qty => {
                            return Ok(FactStored::Rejected(format!(
                                "lines[{i}].qty: {} arrived of batch {}, of which {} was sent",
                                line.qty, batch.code, sent.qty
                            )))
                        }
                        Some(_) => {
                            into_batches.insert(&batch.code, line.qty.milli());
                        }
                    }
                }
                for sent in &transfer.batches {
                    sqlx::query(
                        "UPDATE stock_transfer_batches SET received_milli = $4 WHERE tenant_id = $1 AND transfer_id = $2 AND code = $3",
                    )
                    .bind(tenant.as_uuid())
                    .bind(transfer.transfer_id)
                    .bind(&sent.code)
                    .bind(into_batches.get(sent.code.as_str()).copied().unwrap_or(0))
                    .execute(&mut **tx)
                    .await?;
                }
                let outcome = Self::apply_fact_movements(tx, device, &receipt.movements(), None).await?;
                if outcome != FactStored::Accepted {
                    return Ok(outcome);
                }
                sqlx::query(
                    "UPDATE stock_transfers SET state = 'received', received_qty_milli = $1, received_movement_id = $2, received_at_ms = $3, \
                     received_by = $4 WHERE tenant_id = $5 AND id = $6",
                )
                .bind(arrived.milli())
                .bind(receipt.lines.first().map(|l| l.movement_id.as_uuid()))
                .bind(receipt.received_at.unix_millis())
                .bind(receipt.received_by.name.trim())
                .bind(tenant.as_uuid())
                .bind(transfer.transfer_id)
                .execute(&mut **tx)
                .await?;
                Self::announce_transfer(tx, tenant, transfer.transfer_id, "inventory.transfer.received").await?;
                Ok(FactStored::Accepted)
            }
        }

        #[async_trait::async_trait]
        impl TransferRequestStorage for $storage {
            async fn request_transfer(&self, tenant: TenantId, new: &NewTransferRequest) -> DbResult<TransferRequestOutcome> {
                self.store(tenant, new.from_store_id).await?;
                self.store(tenant, new.to_store_id)
                    .await
                    .map_err(|e| match e {
                        DbError::NotFound(_) => DbError::NotFound("destination store"),
                        other => other,
                    })?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                if let Some(existing) = Self::transfer_request_in(&mut tx, tenant, new.request_id).await? {
                    let same = existing.from_store_id == new.from_store_id
                        && existing.to_store_id == new.to_store_id
                        && existing.variant_id == new.variant_id
                        && existing.qty == new.qty;
                    if !same {
                        return Err(DbError::Conflict("request_id reused".into()));
                    }
                    return Ok(TransferRequestOutcome::Existing(existing));
                }
                // A till knows requests and transfers by one id space.
                if Self::transfer_in(&mut tx, tenant, new.request_id).await?.is_some() {
                    return Err(DbError::Conflict("request_id reused".into()));
                }
                Self::require_live(&mut tx, tenant, new.variant_id).await?;
                Self::check_unit(&mut tx, tenant, new.variant_id, new.qty, "qty").await?;
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO transfer_requests (id, tenant_id, from_store_id, to_store_id, variant_id, qty_milli, note, state, raised_at_ms, updated_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $8)",
                )
                .bind(new.request_id)
                .bind(tenant.as_uuid())
                .bind(new.from_store_id.as_uuid())
                .bind(new.to_store_id.as_uuid())
                .bind(new.variant_id.as_uuid())
                .bind(new.qty.milli())
                .bind(&new.note)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let request = Self::announce_transfer_request(&mut tx, tenant, new.request_id).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(TransferRequestOutcome::Created(request))
            }

            async fn cancel_transfer_request(&self, tenant: TenantId, id: Uuid) -> DbResult<TransferRequest> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let request = Self::transfer_request_in(&mut tx, tenant, id)
                    .await?
                    .ok_or(DbError::NotFound("transfer request"))?;
                match request.state {
                    TransferRequestState::Cancelled => return Ok(request),
                    TransferRequestState::Dispatched => {
                        return Err(DbError::State {
                            field: "request_id",
                            detail: format!(
                                "the store already dispatched it as transfer {}",
                                request.transfer_id.map(|t| t.to_string()).unwrap_or_default()
                            ),
                        })
                    }
                    TransferRequestState::Open => {}
                }
                sqlx::query("UPDATE transfer_requests SET state = 'cancelled', updated_at_ms = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(now_ms())
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let request = Self::announce_transfer_request(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(request)
            }

            async fn transfer_request(&self, tenant: TenantId, id: Uuid) -> DbResult<TransferRequest> {
                let mut tx = self.pool.begin().await?;
                let request = Self::transfer_request_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                request.ok_or(DbError::NotFound("transfer request"))
            }

            /// Requests from or to the store, in the order they were raised.
            async fn transfer_requests(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<TransferRequest>> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                if let Some(after) = page.after {
                    let cursor = Self::transfer_request_in(&mut tx, tenant, after).await?;
                    if !cursor.is_some_and(|r| r.from_store_id == store || r.to_store_id == store) {
                        return Err(DbError::InvalidField { field: "cursor", detail: CURSOR_REFUSED.into() });
                    }
                }
                let rows: Vec<TransferRequestRow> = sqlx::query_as(&format!(
                    "SELECT {TRANSFER_REQUEST_COLUMNS} FROM transfer_requests \
                     WHERE tenant_id = $1 AND (from_store_id = $2 OR to_store_id = $2) \
                     AND ($3 IS NULL OR (raised_at_ms, id) > \
                          (SELECT raised_at_ms, id FROM transfer_requests WHERE tenant_id = $1 AND id = $3)) \
                     ORDER BY raised_at_ms, id LIMIT $4"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&mut *tx)
                .await?;
                Self::commit(tx).await?;
                Ok(Recorded::from_overfetch(
                    rows.into_iter().map(transfer_request_from_row).collect::<DbResult<Vec<_>>>()?,
                    page.limit,
                ))
            }
        }
    };
}

pub(crate) use sql_transfer_request_paths;
