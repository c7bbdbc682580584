//! A delivery order as its dark store sees it, for both backends: the pick
//! list made once when the order reaches the store (prices, bins, the
//! substitutes offered), its lots read afresh, sending it through the
//! store's feed (and again when another order's pack changed the lots), the
//! hold kept while the store works, and packing as ordered when HQ marks an
//! order packed itself. Expanded inside `sql_storage!`.

/// The store's side of [`crate::storage::OrderStorage`] on `$storage`.
macro_rules! sql_order_store_paths {
    ($storage:ty) => {
        impl $storage {
            /// The pick list the store works from: made once, when the order
            /// first reaches the store, and kept, so the substitutes and
            /// prices a picker was offered are the ones the pack is checked
            /// against.
            async fn pick_lines_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                order: &$crate::domain::orders::Order,
                now: i64,
            ) -> DbResult<Vec<pos_shared::orders::PickLine>> {
                use pos_shared::orders::{PickLine, SubstituteOffer};
                let (stored,): (Option<String>,) = sqlx::query_as("SELECT pick_lines FROM orders WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(order.id)
                    .fetch_one(&mut **tx)
                    .await?;
                if let Some(stored) = stored {
                    let mut lines: Vec<PickLine> = serde_json::from_str(&stored)
                        .map_err(|e| DbError::Corrupt(format!("order {}: pick_lines: {e}", order.id)))?;
                    // What is on the shelf changes as other orders are packed:
                    // the batches are read afresh, the offers stay as made.
                    for line in &mut lines {
                        line.batches = Self::batches_in(tx, tenant, order.store_id, line.variant_id).await?;
                    }
                    return Ok(lines);
                }
                let at = Timestamp::from_unix_millis(now);
                let mut lines = Vec::with_capacity(order.lines.len());
                for (index, line) in order.lines.iter().enumerate() {
                    let (name,): (String,) = sqlx::query_as(
                        "SELECT name FROM variants WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(line.variant_id.as_uuid())
                    .fetch_one(&mut **tx)
                    .await?;
                    let unit_price = match line.unit_price {
                        Some(price) => price,
                        None => Self::effective_price_in(tx, tenant, order.store_id, line.variant_id, &order.channel, at)
                            .await?
                            .map_or(order.total, |p| p.price),
                    };
                    let place: Option<(String, String)> = sqlx::query_as(
                        "SELECT b.code, b.zone FROM bin_slots s JOIN store_bins b ON b.tenant_id = s.tenant_id \
                         AND b.store_id = s.store_id AND b.code = s.bin_code \
                         WHERE s.tenant_id = $1 AND s.store_id = $2 AND s.variant_id = $3",
                    )
                    .bind(tenant.as_uuid())
                    .bind(order.store_id.as_uuid())
                    .bind(line.variant_id.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                    let batches = Self::batches_in(tx, tenant, order.store_id, line.variant_id).await?;
                    let resolved = ResolvedLine { variant: line.variant_id, qty: line.qty };
                    let mut substitutes = Vec::new();
                    for other in Self::substitutes(tx, tenant, order.store_id, &resolved, now).await? {
                        let (other_name,): (String,) = sqlx::query_as("SELECT name FROM variants WHERE tenant_id = $1 AND id = $2")
                            .bind(tenant.as_uuid())
                            .bind(other.as_uuid())
                            .fetch_one(&mut **tx)
                            .await?;
                        let Some(price) = Self::effective_price_in(tx, tenant, order.store_id, other, &order.channel, at).await? else {
                            continue;
                        };
                        // Never more than the customer was promised for the line.
                        let unit_price = if price.price.minor() < unit_price.minor() { price.price } else { unit_price };
                        substitutes.push(SubstituteOffer { variant_id: other, name: other_name, unit_price });
                    }
                    lines.push(PickLine {
                        line: u32::try_from(index).unwrap_or(u32::MAX),
                        variant_id: line.variant_id,
                        name,
                        qty: line.qty,
                        unit_price,
                        bin: place.as_ref().map(|p| p.0.clone()),
                        zone: place.map(|p| p.1),
                        batches,
                        substitutes,
                    });
                }
                let json = serde_json::to_string(&lines).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query("UPDATE orders SET pick_lines = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(order.id)
                    .bind(json)
                    .execute(&mut **tx)
                    .await?;
                Ok(lines)
            }

            /// The store's batches of `variant` on hand, the first to expire first.
            async fn batches_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
            ) -> DbResult<Vec<pos_shared::orders::BatchStock>> {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT code, expires_on, on_hand_milli FROM stock_batches WHERE tenant_id = $1 AND store_id = $2 \
                     AND variant_id = $3 AND on_hand_milli > 0 ORDER BY expires_on, code LIMIT 20",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(code, expires_on, on_hand)| pos_shared::orders::BatchStock {
                        batch: pos_shared::sync::Batch { code, expires_on },
                        on_hand: Qty::from_milli(on_hand),
                    })
                    .collect())
            }

            /// Sends the store's other open orders of `variants` again, so their
            /// pick lists show the batches left after `except` took its goods.
            pub(crate) async fn republish_sharing(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                variants: &std::collections::BTreeSet<VariantId>,
                except: Uuid,
                now: i64,
            ) -> DbResult<()> {
                let open: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM orders WHERE tenant_id = $1 AND store_id = $2 AND state IN ('assigned_to_store', 'picking') AND id <> $3",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(except)
                .fetch_all(&mut **tx)
                .await?;
                for (id,) in open {
                    let Some(order) = Self::order_in(tx, tenant, id).await? else { continue };
                    if order.lines.iter().any(|l| variants.contains(&l.variant_id)) {
                        Self::publish_order(tx, tenant, id, now).await?;
                    }
                }
                Ok(())
            }

            /// The order as its store's devices see it, now.
            pub(crate) async fn pick_order_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                order: &$crate::domain::orders::Order,
                now: i64,
            ) -> DbResult<pos_shared::orders::PickOrder> {
                Ok(pos_shared::orders::PickOrder {
                    order_id: order.id,
                    store_id: order.store_id,
                    state: order.state,
                    channel: order.channel.clone(),
                    placed_at: order.created_at,
                    due_at: order.due_at,
                    picker: order.picker.clone(),
                    lines: Self::pick_lines_in(tx, tenant, order, now).await?,
                    total: order.total,
                })
            }

            /// Tells the order's store, through its feed, where the order
            /// stands: from its assignment on (a cancelled order the store
            /// never had is not news to it).
            pub(crate) async fn publish_order(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid, now: i64) -> DbResult<()> {
                let order = Self::order_in(tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                let reached_store = order.transitions.iter().any(|t| t.to == $crate::domain::orders::OrderState::AssignedToStore);
                if !reached_store {
                    return Ok(());
                }
                let pick = Self::pick_order_in(tx, tenant, &order, now).await?;
                Self::append_change(tx, tenant, Some(order.store_id), &ChangeBody::OrderChanged(pick)).await
            }

            /// An order marked packed without a store's pack (HQ's step, a store
            /// with no picking devices) is packed as ordered: each line's held
            /// stock leaves as a sale movement under the reservation's id and
            /// the packed total is the order's. After a store's pack nothing is
            /// held any more and the total is set: this does nothing.
            async fn pack_as_ordered(tx: &mut Tx<'_>, tenant: TenantId, order: &$crate::domain::orders::Order, now: i64) -> DbResult<()> {
                for line in &order.lines {
                    let Some(r) = Self::reservation_in(tx, tenant, line.reservation_id).await? else { continue };
                    if r.state != ReservationState::Held {
                        continue;
                    }
                    let before = Self::order_state(tx, tenant, r.store_id, r.variant_id, now).await?;
                    sqlx::query("UPDATE stock_reservations SET state = 'committed', settled_at_ms = $1 WHERE tenant_id = $2 AND id = $3")
                        .bind(now)
                        .bind(tenant.as_uuid())
                        .bind(r.reservation_id)
                        .execute(&mut **tx)
                        .await?;
                    Self::refresh_projection(tx, tenant, r.store_id, Touched::Item(r.variant_id)).await?;
                    let freed = |s: OrderState| OrderState { held_milli: s.held_milli.saturating_sub(r.qty.milli()), ..s };
                    Self::emit_flip(tx, tenant, before, freed, r.store_id, r.variant_id).await?;
                    let movement = MovementRecord {
                        movement_id: pos_shared::MovementId::from_uuid(r.reservation_id),
                        store_id: r.store_id,
                        variant_id: r.variant_id,
                        delta: -r.qty,
                        reason: MovementReason::Sale,
                        sale_id: None,
                        terminal_id: None,
                        occurred_at: Timestamp::from_unix_millis(now),
                        batch: None,
                    };
                    Self::apply_movement_with(tx, tenant, &movement, false).await?;
                }
                sqlx::query("UPDATE orders SET packed_total_minor = total_minor WHERE tenant_id = $1 AND id = $2 AND packed_total_minor IS NULL")
                    .bind(tenant.as_uuid())
                    .bind(order.id)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Once the store has an order, its stock stays held until the
            /// store packs it (or HQ cancels it): a picker working offline must
            /// not find the goods promised to someone else.
            async fn hold_for_store(tx: &mut Tx<'_>, tenant: TenantId, order: &$crate::domain::orders::Order, now: i64) -> DbResult<()> {
                const STORE_HOLD_MS: i64 = 7 * 24 * 3_600_000;
                for line in &order.lines {
                    let held: Option<(Uuid, Uuid)> = sqlx::query_as(
                        "UPDATE stock_reservations SET expires_at_ms = $3 WHERE tenant_id = $1 AND id = $2 \
                         AND state = 'held' AND expires_at_ms < $3 RETURNING store_id, variant_id",
                    )
                    .bind(tenant.as_uuid())
                    .bind(line.reservation_id)
                    .bind(now.saturating_add(STORE_HOLD_MS))
                    .fetch_optional(&mut **tx)
                    .await?;
                    if let Some((store, variant)) = held {
                        let item = Touched::Item(VariantId::from_uuid(variant));
                        Self::refresh_projection(tx, tenant, StoreId::from_uuid(store), item).await?;
                    }
                }
                Ok(())
            }

        }
    };
}
pub(crate) use sql_order_store_paths;
