//! The write paths every storage method shares, for both backends: the tenant
//! lock, the feed append, a ledger movement (whose position sum is checked, so
//! it never overflows: SQLite would turn it into a float, PostgreSQL fail),
//! the unit rule for HQ's quantities. Expanded inside `sql_storage!`, which
//! brings the names they use into scope.

/// Implements the shared write helpers on `$storage` (a pool of `$db`).
macro_rules! sql_write_paths {
    ($storage:ty, $db:ty) => {
        impl $storage {
            /// Wakes feed long-polls; called after a commit that appended changes.
            fn feed_changed(&self) {
                self.feed_tx.send_modify(|generation| *generation = generation.wrapping_add(1));
            }

            /// Takes the tenant's row lock first thing in every transaction that
            /// may append to its feed, so such transactions queue in one order
            /// and cannot deadlock over stock rows (PostgreSQL), and start as
            /// writers (SQLite).
            async fn lock_tenant(tx: &mut Tx<'_>, tenant: TenantId) -> DbResult<()> {
                let locked = sqlx::query("UPDATE tenants SET feed_seq = feed_seq WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if locked == 0 {
                    return Err(DbError::NotFound("tenant"));
                }
                Ok(())
            }

            /// Appends to the tenant's feed inside `tx`; the sequence is the
            /// tenant row's counter, so it is gap-free and commits in order.
            async fn append_change(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: Option<StoreId>,
                body: &ChangeBody,
            ) -> DbResult<()> {
                let (seq,): (i64,) = sqlx::query_as(
                    "UPDATE tenants SET feed_seq = feed_seq + 1 WHERE id = $1 RETURNING feed_seq",
                )
                .bind(tenant.as_uuid())
                .fetch_one(&mut **tx)
                .await?;
                let body_value = body;
                let body = serde_json::to_string(body).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO feed_changes (tenant_id, seq, store_id, body, committed_at_ms) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(tenant.as_uuid())
                .bind(seq)
                .bind(store.map(|s| s.as_uuid()))
                .bind(body)
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                // HQ hears of every change tills hear of, from the same commit.
                Self::emit_event(tx, tenant, $crate::domain::events::for_change(store, body_value)).await
            }

            /// Adds one movement to the ledger unless its id is already there;
            /// only a new movement moves the position and reaches the feed.
            async fn apply_movement(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                m: &MovementRecord,
            ) -> DbResult<MovementOutcome> {
                Self::apply_movement_with(tx, tenant, m, true).await
            }

            /// `apply_movement`; `watch_orderability` off where the caller's
            /// transaction as a whole leaves what is available unchanged (a
            /// committed reservation: the goods were already held).
            ///
            /// The new position is worked out before it is written. HQ's
            /// movements (no terminal) may not take it past
            /// [`pos_shared::limits::MAX_POSITION`] either way, though one that
            /// brings it back towards zero always may; a till's sale or return
            /// is a fact and is refused only when the position could not be
            /// held at all. Every caller holds the tenant lock, so the read
            /// and the write see no other writer between them.
            async fn apply_movement_with(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                m: &MovementRecord,
                watch_orderability: bool,
            ) -> DbResult<MovementOutcome> {
                let now = now_ms();
                let inserted = sqlx::query(
                    "INSERT INTO stock_movements (id, tenant_id, store_id, variant_id, delta_milli, reason, sale_id, terminal_id, occurred_at_ms, recorded_at_ms, batch_code, batch_expires_on) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
                )
                .bind(m.movement_id.as_uuid())
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .bind(m.delta.milli())
                .bind(m.reason.as_str())
                .bind(m.sale_id.map(|s| s.as_uuid()))
                .bind(m.terminal_id.map(|t| t.as_uuid()))
                .bind(m.occurred_at.unix_millis())
                .bind(now)
                .bind(m.batch.as_ref().map(|b| b.code.clone()))
                .bind(m.batch.as_ref().map(|b| b.expires_on.clone()))
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(MovementOutcome::Duplicate);
                }
                let was: Option<(i64,)> = sqlx::query_as(
                    "SELECT on_hand_milli FROM stock_positions WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3",
                )
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                let was = Qty::from_milli(was.map_or(0, |(milli,)| milli));
                let Some(will_be) = was.checked_add(m.delta) else {
                    return Err(DbError::InvalidField {
                        field: "delta",
                        detail: format!("{} on top of the {was} on hand is more stock than the ledger can hold", m.delta),
                    });
                };
                let most = pos_shared::limits::MAX_POSITION;
                if m.terminal_id.is_none() && will_be.abs_milli() > most.abs_milli() && will_be.abs_milli() > was.abs_milli() {
                    return Err(DbError::InvalidField {
                        field: "delta",
                        detail: format!(
                            "the store's stock of the item would be {will_be}; a store holds at most {most} either way"
                        ),
                    });
                }
                let before = match watch_orderability {
                    true => Self::order_state(tx, tenant, m.store_id, m.variant_id, now).await?,
                    false => None,
                };
                sqlx::query(
                    "INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE \
                     SET on_hand_milli = stock_positions.on_hand_milli + excluded.on_hand_milli, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .bind(m.delta.milli())
                .bind(now)
                .execute(&mut **tx)
                .await?;
                Self::move_batches(tx, tenant, m).await?;
                Self::append_change(tx, tenant, Some(m.store_id), &ChangeBody::StockMoved(m.clone())).await?;
                let moved = |s: OrderState| OrderState { on_hand_milli: will_be.milli(), ..s };
                Self::emit_flip(tx, tenant, before, moved, m.store_id, m.variant_id).await?;
                Ok(MovementOutcome::Recorded)
            }

            /// Refuses `qty` at `field` unless it counts in the variant's unit
            /// (whole pieces of an `each` item, whole grams, …). For HQ's
            /// quantities: a till's sale or return is stored as it was made.
            /// A variant that is not there is left for the caller to report.
            async fn check_unit(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                variant: VariantId,
                qty: Qty,
                field: &'static str,
            ) -> DbResult<()> {
                let row: Option<(Option<String>,)> =
                    sqlx::query_as("SELECT details FROM variants WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(variant.as_uuid())
                        .fetch_optional(&mut **tx)
                        .await?;
                let unit = match row {
                    None | Some((None,)) => pos_shared::item::Unit::Each,
                    Some((Some(details),)) => serde_json::from_str::<pos_shared::item::ItemDetails>(&details)
                        .map_err(|e| DbError::Corrupt(format!("variant {variant} details: {e}")))?
                        .unit,
                };
                unit.check_qty(qty).map_err(|detail| DbError::InvalidField { field, detail })
            }

            /// Records `record` as the variant's next version unless it equals
            /// the latest; returns whether it was a change.
            async fn record_version(tx: &mut Tx<'_>, tenant: TenantId, record: &VariantRecord) -> DbResult<bool> {
                let hash = $crate::domain::catalog::normalized_hash(record);
                let latest: Option<(i64, String)> = sqlx::query_as(
                    "SELECT version, hash FROM catalog_item_versions WHERE tenant_id = $1 AND variant_id = $2 \
                     ORDER BY version DESC LIMIT 1",
                )
                .bind(tenant.as_uuid())
                .bind(record.variant_id.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                if latest.as_ref().is_some_and(|(_, h)| *h == hash) {
                    return Ok(false);
                }
                let json = serde_json::to_string(record).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO catalog_item_versions (tenant_id, variant_id, version, hash, record, recorded_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(tenant.as_uuid())
                .bind(record.variant_id.as_uuid())
                .bind(latest.map_or(1, |(v, _)| v + 1))
                .bind(hash)
                .bind(json)
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                Ok(true)
            }

            /// Whether the tenant has the variant, deleted or not: facts from
            /// tills that sold it before they heard of a deletion still count.
            async fn variant_exists(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId) -> DbResult<bool> {
                Ok(Self::variant_deleted(tx, tenant, variant).await?.is_some())
            }

            /// Whether the variant is in the catalog (not deleted): only such
            /// can be reserved, listed, priced or edited.
            async fn variant_live(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId) -> DbResult<bool> {
                Ok(Self::variant_deleted(tx, tenant, variant).await? == Some(false))
            }

            /// `None` when the tenant has no such variant, else whether it is deleted.
            async fn variant_deleted(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId) -> DbResult<Option<bool>> {
                let found: Option<(Option<i64>,)> =
                    sqlx::query_as("SELECT deleted_at_ms FROM variants WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(variant.as_uuid())
                        .fetch_optional(&mut **tx)
                        .await?;
                Ok(found.map(|(deleted,)| deleted.is_some()))
            }
        }
    };
}
pub(crate) use sql_write_paths;
