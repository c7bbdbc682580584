//! Stock reservations at the hub, for both backends: taken under the tenant
//! lock against on hand less what is already held (so two orders cannot both
//! take the last unit), settled by their holder or by the expiry sweep.
//! Committing writes the sale movement in the same transaction. Expanded
//! inside `sql_storage!`.

/// Implements [`crate::storage::ReservationStorage`] on `$storage`.
macro_rules! sql_reservation_paths {
    ($storage:ty) => {
        use $crate::domain::reservations::{
            NewReservation, Reservation, ReservationOutcome, ReservationState, Settlement,
        };

        type ReservationRow = (Uuid, Uuid, Uuid, i64, String, String, i64, i64, Option<i64>);
        const RESERVATION_COLUMNS: &str =
            "id, store_id, variant_id, qty_milli, order_ref, state, expires_at_ms, created_at_ms, settled_at_ms";

        fn reservation_from_row(row: ReservationRow) -> DbResult<Reservation> {
            let (id, store, variant, qty, order_ref, state, expires, created, settled) = row;
            Ok(Reservation {
                reservation_id: id,
                store_id: StoreId::from_uuid(store),
                variant_id: VariantId::from_uuid(variant),
                qty: pos_shared::Qty::from_milli(qty),
                order_ref,
                state: ReservationState::parse(&state)
                    .ok_or_else(|| DbError::Corrupt(format!("reservation {id}: state {state:?}")))?,
                expires_at: Timestamp::from_unix_millis(expires),
                created_at: Timestamp::from_unix_millis(created),
                settled_at: settled.map(Timestamp::from_unix_millis),
            })
        }

        impl $storage {
            async fn reservation_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<Option<Reservation>> {
                let row: Option<ReservationRow> = sqlx::query_as(&format!(
                    "SELECT {RESERVATION_COLUMNS} FROM stock_reservations WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(reservation_from_row).transpose()
            }

            /// Inserts a held reservation checked by the caller (against
            /// `before`, the item's state at the store), announced with any
            /// orderability flip it makes.
            async fn hold_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                new: &NewReservation,
                before: Option<OrderState>,
                now: i64,
            ) -> DbResult<Reservation> {
                sqlx::query(
                    "INSERT INTO stock_reservations (id, tenant_id, store_id, variant_id, qty_milli, order_ref, state, expires_at_ms, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'held', $7, $8)",
                )
                .bind(new.reservation_id)
                .bind(tenant.as_uuid())
                .bind(new.store_id.as_uuid())
                .bind(new.variant_id.as_uuid())
                .bind(new.qty.milli())
                .bind(&new.order_ref)
                .bind(new.expires_at.unix_millis())
                .bind(now)
                .execute(&mut **tx)
                .await
                // Ids are unique across tenants: another's is taken too.
                .map_err(DbError::from_sqlx)?;
                Self::refresh_projection(tx, tenant, new.store_id, Touched::Item(new.variant_id)).await?;
                let created = Self::reservation_in(tx, tenant, new.reservation_id)
                    .await?
                    .ok_or(DbError::NotFound("reservation"))?;
                let event = $crate::domain::events::by_hub("inventory.stock.reserved", Some(new.store_id), serde_json::json!(created));
                Self::emit_event(tx, tenant, event).await?;
                let held = |s: OrderState| OrderState { held_milli: s.held_milli.saturating_add(new.qty.milli()), ..s };
                Self::emit_flip(tx, tenant, before, held, new.store_id, new.variant_id).await?;
                Ok(created)
            }

            /// Releases a held reservation inside `tx` as `state` (released,
            /// or expired), announced as a release with any orderability
            /// flip; the reservation as settled.
            async fn release_in(tx: &mut Tx<'_>, tenant: TenantId, r: &Reservation, now: i64, state: ReservationState) -> DbResult<Reservation> {
                // The events still count it as held (`Held`): its release
                // now announces the turn it makes, a lapse's too.
                let before = Self::order_state(tx, tenant, r.store_id, r.variant_id, now).await?;
                sqlx::query("UPDATE stock_reservations SET state = $4, settled_at_ms = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(now)
                    .bind(tenant.as_uuid())
                    .bind(r.reservation_id)
                    .bind(state.as_str())
                    .execute(&mut **tx)
                    .await?;
                Self::refresh_projection(tx, tenant, r.store_id, Touched::Item(r.variant_id)).await?;
                let settled = Self::reservation_in(tx, tenant, r.reservation_id)
                    .await?
                    .ok_or(DbError::NotFound("reservation"))?;
                let event = $crate::domain::events::by_hub("inventory.stock.released", Some(r.store_id), serde_json::json!(settled));
                Self::emit_event(tx, tenant, event).await?;
                let freed = |s: OrderState| OrderState { held_milli: s.held_milli.saturating_sub(r.qty.milli()), ..s };
                Self::emit_flip(tx, tenant, before, freed, r.store_id, r.variant_id).await?;
                Ok(settled)
            }

            /// On hand less what reservations hold until released
            /// (`projection::Held::UntilReleased`).
            pub(crate) async fn available_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
            ) -> DbResult<i64> {
                let (available,): (i64,) = sqlx::query_as(
                    "SELECT COALESCE((SELECT on_hand_milli FROM stock_positions \
                                      WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3), 0) \
                          - COALESCE((SELECT CAST(SUM(qty_milli) AS BIGINT) FROM stock_reservations \
                                      WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 \
                                      AND state = 'held'), 0)",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .fetch_one(&mut **tx)
                .await?;
                Ok(available)
            }

            /// Settles `r`, held and past its expiry, as expired: the stock
            /// it held is free again, announced as a release (its state
            /// `expired`) with the turn that makes, and an order whose stock
            /// lapsed before picking is cancelled. The sweep's work, and a
            /// holder's release of a reservation the sweep has not reached.
            async fn expire_in(tx: &mut Tx<'_>, tenant: TenantId, r: &Reservation, now: i64) -> DbResult<Reservation> {
                let expired = Self::release_in(tx, tenant, r, now, ReservationState::Expired).await?;
                Self::cancel_order_for_expiry(tx, tenant, &r.order_ref, now).await?;
                Ok(expired)
            }
        }

        #[async_trait::async_trait]
        impl ReservationStorage for $storage {
            async fn reserve(&self, tenant: TenantId, new: &NewReservation) -> DbResult<ReservationOutcome> {
                let shop = self.store(tenant, new.store_id).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                if let Some(existing) = Self::reservation_in(&mut tx, tenant, new.reservation_id).await? {
                    let same = existing.store_id == new.store_id
                        && existing.variant_id == new.variant_id
                        && existing.qty == new.qty
                        && existing.order_ref == new.order_ref;
                    if !same {
                        return Err(DbError::Conflict("reservation_id reused".into()));
                    }
                    return Ok(ReservationOutcome::Existing(existing.as_at(Timestamp::now())));
                }
                Self::require_live(&mut tx, tenant, new.variant_id).await?;
                Self::check_unit(&mut tx, tenant, new.variant_id, new.qty, "qty").await?;
                if shop.status != $crate::domain::orderability::StoreStatus::Open {
                    return Err(DbError::State {
                        field: "store_id",
                        detail: format!("the store is {}; it takes no orders until it opens", shop.status.as_str()),
                    });
                }
                if shop.outside_hours(Timestamp::now()) {
                    return Err(DbError::State {
                        field: "store_id",
                        detail: "the store is outside its opening hours; it takes orders when it opens".into(),
                    });
                }
                let now = now_ms();
                let before = Self::order_state(&mut tx, tenant, new.store_id, new.variant_id, now).await?;
                let refusal = match before {
                    Some(s) if s.disabled => Some("HQ has stopped orders for the item at every store (item_disabled)"),
                    Some(s) if !s.listed => Some("this store does not sell the item (it is not in its assortment)"),
                    Some(s) if s.blocked => Some("the item's stock at this store is on hold (blocked)"),
                    _ => None,
                };
                if let Some(detail) = refusal {
                    return Err(DbError::State { field: "variant_id", detail: detail.into() });
                }
                let available = Self::available_in(&mut tx, tenant, new.store_id, new.variant_id).await?;
                if new.qty.milli() > available {
                    return Err(DbError::InvalidField {
                        field: "qty",
                        detail: format!(
                            "only {} available to reserve (on hand less what other orders hold)",
                            pos_shared::Qty::from_milli(available.max(0))
                        ),
                    });
                }
                let created = Self::hold_in(&mut tx, tenant, new, before, now).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(ReservationOutcome::Created(created))
            }

            async fn reservation(&self, tenant: TenantId, id: Uuid) -> DbResult<Reservation> {
                // (Read as of now: see `Reservation::as_at`.)
                let mut tx = self.pool.begin().await?;
                let found = Self::reservation_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                Ok(found.ok_or(DbError::NotFound("reservation"))?.as_at(Timestamp::now()))
            }

            async fn settle_reservation(&self, tenant: TenantId, id: Uuid, how: Settlement) -> DbResult<Reservation> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let now = now_ms();
                let stored = Self::reservation_in(&mut tx, tenant, id)
                    .await?
                    .ok_or(DbError::NotFound("reservation"))?;
                // Past its expiry it is expired for its holder, whether or
                // not the sweep has marked it yet.
                let r = stored.clone().as_at(Timestamp::from_unix_millis(now));
                let target = match how {
                    Settlement::Release => ReservationState::Released,
                    Settlement::Commit => ReservationState::Committed,
                };
                if r.state == target {
                    return Ok(r);
                }
                // Releasing a lapsed reservation frees its stock, as the
                // sweep would: the holder need not wait for it, and a
                // release after the sweep finds it freed already.
                if how == Settlement::Release && r.state == ReservationState::Expired {
                    if stored.state == ReservationState::Expired {
                        return Ok(stored);
                    }
                    let expired = Self::expire_in(&mut tx, tenant, &stored, now).await?;
                    Self::commit(tx).await?;
                    self.feed_changed();
                    return Ok(expired);
                }
                if r.state != ReservationState::Held {
                    return Err(DbError::State {
                        field: "reservation_id",
                        detail: format!(
                            "reservation {id} is {}; only a held reservation can be {}",
                            r.state.as_str(),
                            target.as_str()
                        ),
                    });
                }
                let before = Self::order_state(&mut tx, tenant, r.store_id, r.variant_id, now).await?;
                sqlx::query("UPDATE stock_reservations SET state = $1, settled_at_ms = $2 WHERE tenant_id = $3 AND id = $4")
                    .bind(target.as_str())
                    .bind(now)
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Self::refresh_projection(&mut tx, tenant, r.store_id, Touched::Item(r.variant_id)).await?;
                if how == Settlement::Commit {
                    // The goods leave: a sale movement whose id is the reservation's.
                    let movement = MovementRecord {
                        movement_id: pos_shared::MovementId::from_uuid(id),
                        store_id: r.store_id,
                        variant_id: r.variant_id,
                        delta: -r.qty,
                        reason: MovementReason::Sale,
                        sale_id: None,
                        terminal_id: None,
                        occurred_at: Timestamp::from_unix_millis(now),
                        batch: None,
                    };
                    // Settled once (only a held one is): a movement already
                    // under its id is another movement, and the goods would
                    // leave the reservation without leaving the stock.
                    if Self::apply_movement_with(&mut tx, tenant, &movement, false).await? == MovementOutcome::Duplicate {
                        return Err(DbError::Conflict("reservation_id taken by a movement".into()));
                    }
                }
                let settled = Self::reservation_in(&mut tx, tenant, id)
                    .await?
                    .ok_or(DbError::NotFound("reservation"))?;
                let event_type = match how {
                    Settlement::Release => "inventory.stock.released",
                    Settlement::Commit => "inventory.stock.committed",
                };
                let event = $crate::domain::events::by_hub(event_type, Some(r.store_id), serde_json::json!(settled));
                Self::emit_event(&mut tx, tenant, event).await?;
                if how == Settlement::Release {
                    let freed = |s: OrderState| OrderState { held_milli: s.held_milli.saturating_sub(r.qty.milli()), ..s };
                    Self::emit_flip(&mut tx, tenant, before, freed, r.store_id, r.variant_id).await?;
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(settled)
            }

            /// Marks lapsed reservations expired, a batch at a time, one
            /// transaction per tenant so each expiry is announced with it.
            async fn expire_reservations(&self, now: Timestamp) -> DbResult<u64> {
                let now = now.unix_millis();
                let due: Vec<(Uuid, Uuid)> = sqlx::query_as(
                    "SELECT tenant_id, id FROM stock_reservations WHERE state = 'held' AND expires_at_ms <= $1 \
                     ORDER BY tenant_id, expires_at_ms LIMIT 500",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut done = 0;
                for batch in due.chunk_by(|a, b| a.0 == b.0) {
                    let tenant = TenantId::from_uuid(batch[0].0);
                    let mut tx = self.pool.begin().await?;
                    Self::lock_tenant(&mut tx, tenant).await?;
                    for (_, id) in batch {
                        // Settled by its holder since it was read: leave it.
                        let Some(r) = Self::reservation_in(&mut tx, tenant, *id).await? else { continue };
                        if r.state != ReservationState::Held {
                            continue;
                        }
                        Self::expire_in(&mut tx, tenant, &r, now).await?;
                        done += 1;
                    }
                    Self::commit(tx).await?;
                }
                if done > 0 {
                    self.feed_changed();
                }
                Ok(done)
            }
        }

    };
}
pub(crate) use sql_reservation_paths;
