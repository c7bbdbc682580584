//! A dark store's facts about its delivery orders, for both backends: a
//! picker's claim (the first the hub hears of wins; a later one by another
//! terminal is kept and announced as lost) and the packed order (checked
//! against the pick list the store was given, its picks made sale movements
//! with their batches, the order's held stock settled and its total set to
//! what was picked). Each runs inside its fact's savepoint of the upload.
//! Expanded inside `sql_storage!`.

/// Implements the order facts of `FactStorage`'s upload on `$storage`.
macro_rules! sql_order_fact_paths {
    ($storage:ty) => {
        impl $storage {
            /// Keeps the fact by id; `None` when it went in, else what a
            /// second copy is (the caller tells a duplicate from a conflict).
            async fn keep_order_fact(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                id: Uuid,
                order_id: Uuid,
                kind: &str,
                outcome: &str,
                raw_envelope: &str,
            ) -> DbResult<Option<FactStored>> {
                let inserted = sqlx::query(
                    "INSERT INTO order_facts (id, tenant_id, store_id, terminal_id, order_id, kind, outcome, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(order_id)
                .bind(kind)
                .bind(outcome)
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await?;
                Ok((inserted.rows_affected() == 0).then_some(FactStored::Duplicate))
            }

            /// The order a store's fact names, if it is that store's.
            async fn store_order_in(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                id: Uuid,
            ) -> DbResult<Result<$crate::domain::orders::Order, String>> {
                match Self::order_in(tx, device.tenant_id, id).await? {
                    Some(order) if order.store_id == device.store_id => Ok(Ok(order)),
                    Some(_) => Ok(Err(format!("order_id: order {id} is another store's"))),
                    None => Ok(Err(format!("order_id: no order {id}"))),
                }
            }

            /// A device's clock, kept between the order's last step and now,
            /// so the history stays in order whatever the device's clock says.
            fn step_time(order: &$crate::domain::orders::Order, at: Timestamp) -> i64 {
                let floor = order.transitions.last().map_or(0, |t| t.at.unix_millis());
                at.unix_millis().clamp(floor, now_ms().max(floor))
            }

            async fn insert_order_claim(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                claim: &pos_shared::orders::OrderClaim,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                use $crate::domain::orders::OrderState as Step;
                let order = match Self::store_order_in(tx, device, claim.order_id).await? {
                    Ok(order) => order,
                    Err(reason) => return Ok(FactStored::Rejected(reason)),
                };
                let outcome = match (&order.picker, order.state) {
                    (None, Step::AssignedToStore | Step::Picking) => "won",
                    (Some(p), _) if p.terminal_id == claim.picker.terminal_id && p.staff_id == claim.picker.staff_id => "won",
                    (Some(_), _) => "lost",
                    (None, _) => "late",
                };
                if let Some(seen) = Self::keep_order_fact(tx, device, claim.claim_id, claim.order_id, "claim", outcome, raw_envelope).await? {
                    return Ok(seen);
                }
                let data = serde_json::json!({
                    "order_id": order.id, "claim": claim, "winner": order.picker, "state": order.state,
                });
                match outcome {
                    "won" if order.picker.is_none() => {
                        let picker = serde_json::to_string(&claim.picker).map_err(|e| DbError::Corrupt(e.to_string()))?;
                        sqlx::query("UPDATE orders SET picker = $3 WHERE tenant_id = $1 AND id = $2")
                            .bind(device.tenant_id.as_uuid())
                            .bind(order.id)
                            .bind(picker)
                            .execute(&mut **tx)
                            .await?;
                        let at = Self::step_time(&order, claim.claimed_at);
                        if order.state == Step::AssignedToStore {
                            let actor = format!("terminal:{} picker:{}", claim.picker.terminal_id, claim.picker.name);
                            Self::step_in(tx, device.tenant_id, &order, Step::Picking, &actor, None, at).await?;
                        } else {
                            Self::publish_order(tx, device.tenant_id, order.id, at).await?;
                        }
                    }
                    "won" => {}
                    "lost" => {
                        let event = $crate::domain::events::by_hub("store.dark_store.claim_lost", Some(order.store_id), data);
                        Self::emit_event(tx, device.tenant_id, event).await?;
                    }
                    _ => {
                        let event = $crate::domain::events::by_hub("store.dark_store.claim_late", Some(order.store_id), data);
                        Self::emit_event(tx, device.tenant_id, event).await?;
                    }
                }
                Ok(FactStored::Accepted)
            }

            async fn insert_order_pack(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                packed: &pos_shared::orders::PackedOrder,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                use $crate::domain::orders::OrderState as Step;
                let tenant = device.tenant_id;
                let order = match Self::store_order_in(tx, device, packed.order_id).await? {
                    Ok(order) => order,
                    Err(reason) => return Ok(FactStored::Rejected(reason)),
                };
                if let Some(seen) = Self::keep_order_fact(tx, device, packed.pack_id, packed.order_id, "pack", "packed", raw_envelope).await? {
                    return Ok(seen);
                }
                if !order.state.pickable() {
                    let why = match (order.state, &order.cancel_reason) {
                        (Step::Cancelled, Some(reason)) => format!("it was cancelled ({reason})"),
                        (Step::Cancelled, None) => "it was cancelled".to_owned(),
                        (state, _) => format!("it is already {}", state.as_str()),
                    };
                    return Ok(FactStored::Rejected(format!(
                        "order_id: order {} cannot be packed: {why}; put the picked goods back",
                        order.id
                    )));
                }
                let now = now_ms();
                let pick = Self::pick_order_in(tx, tenant, &order, now).await?;
                let mut weighed = std::collections::BTreeSet::new();
                for line in &pick.lines {
                    let (details,): (Option<String>,) = sqlx::query_as("SELECT details FROM variants WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(line.variant_id.as_uuid())
                        .fetch_one(&mut **tx)
                        .await?;
                    let unit = details
                        .and_then(|d| serde_json::from_str::<pos_shared::item::ItemDetails>(&d).ok())
                        .map(|d| d.unit)
                        .unwrap_or_default();
                    if unit.is_measured() {
                        weighed.insert(line.variant_id);
                    }
                }
                let packed_total = match pick.check_pack(packed, |v| weighed.contains(&v)) {
                    Ok(total) => total,
                    Err(refused) => return Ok(FactStored::Rejected(refused.to_string())),
                };
                // The held stock is settled: what was picked leaves as the
                // pack's own movements below, the rest is free again.
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
                    let event = $crate::domain::events::by_hub("inventory.stock.committed", Some(r.store_id), serde_json::json!({
                        "reservation_id": r.reservation_id, "order_ref": r.order_ref, "variant_id": r.variant_id, "qty": r.qty,
                    }));
                    Self::emit_event(tx, tenant, event).await?;
                    let freed = |s: OrderState| OrderState { held_milli: s.held_milli.saturating_sub(r.qty.milli()), ..s };
                    Self::emit_flip(tx, tenant, before, freed, r.store_id, r.variant_id).await?;
                }
                let outcome = Self::apply_fact_movements(tx, device, &packed.movements(), None).await?;
                if outcome != FactStored::Accepted {
                    return Ok(outcome);
                }
                let mut order = order;
                if order.picker.is_none() {
                    let picker = serde_json::to_string(&packed.picker).map_err(|e| DbError::Corrupt(e.to_string()))?;
                    sqlx::query("UPDATE orders SET picker = $3 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(order.id)
                        .bind(picker)
                        .execute(&mut **tx)
                        .await?;
                }
                let actor = format!("terminal:{} picker:{}", packed.picker.terminal_id, packed.picker.name);
                if order.state == Step::AssignedToStore {
                    let at = Self::step_time(&order, packed.started_at);
                    Self::step_in(tx, tenant, &order, Step::Picking, &actor, None, at).await?;
                    order = Self::order_in(tx, tenant, order.id).await?.ok_or(DbError::NotFound("order"))?;
                }
                let stats = pick.pack_stats(packed, |v| weighed.contains(&v));
                let stats_json = serde_json::to_string(&stats).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query("UPDATE orders SET packed_total_minor = $3, pack_stats = $4 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(order.id)
                    .bind(packed_total.minor())
                    .bind(stats_json)
                    .execute(&mut **tx)
                    .await?;
                let short: Vec<u32> = pick
                    .lines
                    .iter()
                    .filter(|l| {
                        let picks = packed.lines.iter().find(|p| p.line == l.line).map_or(&[][..], |p| &p.picks[..]);
                        l.short_in(picks, weighed.contains(&l.variant_id))
                    })
                    .map(|l| l.line)
                    .collect();
                let reason = (!short.is_empty()).then(|| {
                    format!("short on lines {}", short.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))
                });
                let at = Self::step_time(&order, packed.packed_at);
                Self::step_in(tx, tenant, &order, Step::Packed, &actor, reason.as_deref(), at).await?;
                let taken: std::collections::BTreeSet<VariantId> = packed.movements().iter().map(|m| m.variant_id).collect();
                Self::republish_sharing(tx, tenant, order.store_id, &taken, order.id, now).await?;
                Ok(FactStored::Accepted)
            }
        }
    };
}
pub(crate) use sql_order_fact_paths;
