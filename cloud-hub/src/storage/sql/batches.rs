//! Batch stock at the hub, for both backends: each movement that names a
//! batch moves that batch; outgoing stock that names none (a till's sale, a
//! transfer) is taken from the batch that expires first. A till's sale that
//! names the batch its pack's symbol carried takes from that batch as far as
//! it goes, and is never refused for it. A sweep announces
//! batches about to expire, once each. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::BatchStorage`] on `$storage`.
macro_rules! sql_batch_paths {
    ($storage:ty) => {
        use $crate::domain::batches::BatchLine;

        impl $storage {
            /// Moves the batch stock of `m` inside `tx` (its ledger row and
            /// position are written by the caller).
            async fn move_batches(tx: &mut Tx<'_>, tenant: TenantId, m: &MovementRecord, from_hq: bool) -> DbResult<()> {
                let delta = m.delta.milli();
                let Some(batch) = &m.batch else {
                    if delta < 0 {
                        Self::take_first_expiring(tx, tenant, m, -delta).await?;
                    }
                    return Ok(());
                };
                if m.reason == MovementReason::Sale && delta < 0 {
                    return Self::take_sold_batch(tx, tenant, m, &batch.code, -delta).await;
                }
                // The batch, and any the item has under the same code in
                // another case: codes are kept as printed (GS1's lot codes
                // may hold either case), so HQ's `lot-4a` typed for `LOT-4A`
                // would otherwise start a second batch of the same goods, or
                // miss the one there.
                let alike: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT code, expires_on, on_hand_milli FROM stock_batches \
                     WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND LOWER(code) = LOWER($4) ORDER BY code",
                )
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .bind(&batch.code)
                .fetch_all(&mut **tx)
                .await?;
                let existing = alike.iter().find(|(code, ..)| *code == batch.code).map(|(_, e, h)| (e.clone(), *h));
                if let Some((twin, ..)) = alike.first().filter(|_| existing.is_none() && from_hq) {
                    return Err(DbError::InvalidField {
                        field: "batch.code",
                        detail: format!("the store holds this item's batch as {twin}, not {}: name it as printed, {twin}", batch.code),
                    });
                }
                match existing {
                    Some((expires_on, _)) if expires_on != batch.expires_on => Err(DbError::InvalidField {
                        field: "batch.expires_on",
                        detail: format!("batch {} of this item expires on {expires_on}", batch.code),
                    }),
                    Some((_, on_hand)) if on_hand + delta < 0 => Err(DbError::InvalidField {
                        field: "batch.code",
                        detail: format!("only {} of batch {} at the store", Qty::from_milli(on_hand), batch.code),
                    }),
                    Some(_) => {
                        sqlx::query(
                            "UPDATE stock_batches SET on_hand_milli = on_hand_milli + $5 \
                             WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND code = $4",
                        )
                        .bind(tenant.as_uuid())
                        .bind(m.store_id.as_uuid())
                        .bind(m.variant_id.as_uuid())
                        .bind(&batch.code)
                        .bind(delta)
                        .execute(&mut **tx)
                        .await?;
                        Ok(())
                    }
                    None if delta < 0 => Err(DbError::InvalidField {
                        field: "batch.code",
                        detail: format!("the store has no stock of batch {}", batch.code),
                    }),
                    None => {
                        sqlx::query(
                            "INSERT INTO stock_batches (tenant_id, store_id, variant_id, code, expires_on, on_hand_milli) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(tenant.as_uuid())
                        .bind(m.store_id.as_uuid())
                        .bind(m.variant_id.as_uuid())
                        .bind(&batch.code)
                        .bind(&batch.expires_on)
                        .bind(delta)
                        .execute(&mut **tx)
                        .await?;
                        Ok(())
                    }
                }
            }

            /// A till's sale of a scanned batch: the shelf sold it, so the sale
            /// is never refused for the batch ledger. What the named batch holds
            /// comes out of it (whatever date the pack printed); the rest, or
            /// all of it when the hub never heard of the batch, comes out of
            /// the batches that expire first.
            async fn take_sold_batch(tx: &mut Tx<'_>, tenant: TenantId, m: &MovementRecord, code: &str, qty: i64) -> DbResult<()> {
                let on_hand: Option<(i64,)> = sqlx::query_as(
                    "SELECT on_hand_milli FROM stock_batches \
                     WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND code = $4",
                )
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .bind(code)
                .fetch_optional(&mut **tx)
                .await?;
                let take = on_hand.map_or(0, |(h,)| h).clamp(0, qty);
                if take > 0 {
                    sqlx::query(
                        "UPDATE stock_batches SET on_hand_milli = on_hand_milli - $5 \
                         WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND code = $4",
                    )
                    .bind(tenant.as_uuid())
                    .bind(m.store_id.as_uuid())
                    .bind(m.variant_id.as_uuid())
                    .bind(code)
                    .bind(take)
                    .execute(&mut **tx)
                    .await?;
                }
                if qty > take {
                    Self::take_first_expiring(tx, tenant, m, qty - take).await?;
                }
                Ok(())
            }

            /// Takes `qty` milli-units out of the item's batches, earliest
            /// expiry first among those still good on the movement's day (an
            /// expired batch is pulled, not sold: it goes last); what no batch
            /// holds came from untracked stock.
            /// A transfer's dispatch (whose movement id is the transfer's)
            /// notes the batches it took, so they arrive as themselves.
            async fn take_first_expiring(tx: &mut Tx<'_>, tenant: TenantId, m: &MovementRecord, qty: i64) -> DbResult<()> {
                let batches: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT code, expires_on, on_hand_milli FROM stock_batches \
                     WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND on_hand_milli > 0 \
                     ORDER BY CASE WHEN expires_on < $4 THEN 1 ELSE 0 END, expires_on, code",
                )
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .bind(m.occurred_at.local_date(0))
                .fetch_all(&mut **tx)
                .await?;
                let mut left = qty;
                for (code, expires_on, on_hand) in batches {
                    if left == 0 {
                        break;
                    }
                    let take = left.min(on_hand);
                    sqlx::query(
                        "UPDATE stock_batches SET on_hand_milli = on_hand_milli - $5 \
                         WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND code = $4",
                    )
                    .bind(tenant.as_uuid())
                    .bind(m.store_id.as_uuid())
                    .bind(m.variant_id.as_uuid())
                    .bind(&code)
                    .bind(take)
                    .execute(&mut **tx)
                    .await?;
                    if m.reason == MovementReason::TransferOut {
                        sqlx::query(
                            "INSERT INTO stock_transfer_batches (tenant_id, transfer_id, code, expires_on, qty_milli) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(tenant.as_uuid())
                        .bind(m.movement_id.as_uuid())
                        .bind(&code)
                        .bind(&expires_on)
                        .bind(take)
                        .execute(&mut **tx)
                        .await?;
                    }
                    left -= take;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl BatchStorage for $storage {
            /// Announces, once each, batches still in stock that expire on or
            /// before `cutoff` (`YYYY-MM-DD`); how many were announced.
            async fn announce_expiring_batches(&self, cutoff: &str) -> DbResult<u64> {
                let tenants: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT DISTINCT tenant_id FROM stock_batches \
                     WHERE on_hand_milli > 0 AND alerted_at_ms IS NULL AND expires_on <= $1",
                )
                .bind(cutoff)
                .fetch_all(&self.pool)
                .await?;
                let mut announced = 0;
                for (tenant,) in tenants {
                    let tenant = TenantId::from_uuid(tenant);
                    // One transaction per tenant: its events take its sequence.
                    let mut tx = self.pool.begin().await?;
                    Self::lock_tenant(&mut tx, tenant).await?;
                    let due: Vec<(Uuid, Uuid, String, String, i64)> = sqlx::query_as(
                        "SELECT store_id, variant_id, code, expires_on, on_hand_milli FROM stock_batches \
                         WHERE tenant_id = $1 AND on_hand_milli > 0 AND alerted_at_ms IS NULL AND expires_on <= $2 \
                         ORDER BY expires_on, code",
                    )
                    .bind(tenant.as_uuid())
                    .bind(cutoff)
                    .fetch_all(&mut *tx)
                    .await?;
                    for (store, variant, code, expires_on, on_hand) in due {
                        let event = $crate::domain::events::by_hub(
                            "inventory.batch.expiring",
                            Some(StoreId::from_uuid(store)),
                            serde_json::json!({
                                "store_id": store, "variant_id": variant, "code": code,
                                "expires_on": expires_on, "on_hand": Qty::from_milli(on_hand),
                            }),
                        );
                        Self::emit_event(&mut tx, tenant, event).await?;
                        sqlx::query(
                            "UPDATE stock_batches SET alerted_at_ms = $5 \
                             WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND code = $4",
                        )
                        .bind(tenant.as_uuid())
                        .bind(store)
                        .bind(variant)
                        .bind(&code)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                        announced += 1;
                    }
                    Self::commit(tx).await?;
                }
                if announced > 0 {
                    self.feed_changed();
                }
                Ok(announced)
            }

            /// The store's batches in stock, soonest to expire first.
            async fn batches(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<BatchLine>> {
                self.store(tenant, store).await?;
                let rows: Vec<(Uuid, String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT b.variant_id, v.sku, v.name, b.code, b.expires_on, b.on_hand_milli, b.alerted_at_ms \
                     FROM stock_batches b JOIN variants v ON v.tenant_id = b.tenant_id AND v.id = b.variant_id \
                     WHERE b.tenant_id = $1 AND b.store_id = $2 AND b.on_hand_milli > 0 \
                     ORDER BY b.expires_on, v.sku, b.code",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(variant, sku, name, code, expires_on, on_hand, alerted)| BatchLine {
                        store_id: store,
                        variant_id: VariantId::from_uuid(variant),
                        sku,
                        name,
                        code,
                        expires_on,
                        on_hand: Qty::from_milli(on_hand),
                        alerted: alerted.is_some(),
                    })
                    .collect())
            }
        }

    };
}

pub(crate) use sql_batch_paths;
