//! Delivery orders for both backends: placement (store selection by the
//! tenant's strategy and every line's reservation in one transaction under
//! the tenant lock, so concurrent placements never hold more than is
//! available), steps, and reads. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::OrderStorage`] on `$storage`.
macro_rules! sql_order_paths {
    ($storage:ty) => {
        use $crate::domain::orders as orders;

        type OrderRow = (
            (Uuid, Uuid, String, String, String, String, f64, f64, String, String, i64, i64, Option<i64>,
            Option<String>, Option<i64>),
            (i64, String, Option<i64>, Option<String>, Option<String>),
        );
        const ORDER_COLUMNS: &str = "o.id, o.store_id, o.idempotency_key, o.channel, o.state, o.contact, \
             o.customer_lat, o.customer_lon, o.lines, o.request_hash, o.distance_m, o.created_at_ms, \
             o.confirmed_at_ms, o.cancel_reason, s.sla_minutes, o.total_minor, o.currency, o.packed_total_minor, o.picker, o.pack_stats";
        const ORDER_FROM: &str = "orders o JOIN stores s ON s.tenant_id = o.tenant_id AND s.id = o.store_id";

        /// Orders that have not reached delivery count against capacity.
        const OPEN_ORDER_STATES: &str = "('delivered', 'closed', 'cancelled')";

        /// A line resolved to a live variant.
        struct ResolvedLine {
            variant: VariantId,
            qty: Qty,
        }

        impl $storage {
            async fn order_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<Option<orders::Order>> {
                let row = sqlx::query(&format!(
                    "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.tenant_id = $1 AND o.id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let row: OrderRow = {
                    use sqlx::Row;
                    (
                        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?, row.try_get(4)?, row.try_get(5)?,
                         row.try_get(6)?, row.try_get(7)?, row.try_get(8)?, row.try_get(9)?, row.try_get(10)?, row.try_get(11)?,
                         row.try_get(12)?, row.try_get(13)?, row.try_get(14)?),
                        (row.try_get(15)?, row.try_get(16)?, row.try_get(17)?, row.try_get(18)?, row.try_get(19)?),
                    )
                };
                let steps: Vec<(Option<String>, String, String, i64, Option<String>)> = sqlx::query_as(
                    "SELECT from_state, to_state, actor, at_ms, reason FROM order_transitions WHERE order_id = $1 ORDER BY seq",
                )
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                let mut order = Self::order_from_row(row, steps)?;
                (order.payment, order.delivery) = Self::delivery_of(tx, id).await?;
                Ok(Some(order))
            }

            fn order_from_row(
                ((id, store, key, channel, state, contact, lat, lon, lines, _hash, distance, created, confirmed, cancel_reason, sla),
                 (total, currency, packed_total, picker, pack_stats)): OrderRow,
                steps: Vec<(Option<String>, String, String, i64, Option<String>)>,
            ) -> DbResult<orders::Order> {
                let parse = |s: &str| {
                    orders::OrderState::parse(s).ok_or_else(|| DbError::Corrupt(format!("order {id}: state {s:?}")))
                };
                let lines: Vec<orders::OrderLine> = serde_json::from_str(&lines)
                    .map_err(|e| DbError::Corrupt(format!("order {id}: lines: {e}")))?;
                let mut transitions = Vec::with_capacity(steps.len());
                for (from, to, actor, at, reason) in steps {
                    transitions.push(orders::Transition {
                        from: from.as_deref().map(parse).transpose()?,
                        to: parse(&to)?,
                        actor,
                        at: Timestamp::from_unix_millis(at),
                        reason,
                    });
                }
                let confirmed_at = confirmed.map(Timestamp::from_unix_millis);
                let due_at = confirmed
                    .zip(sla)
                    .map(|(c, m)| Timestamp::from_unix_millis(c.saturating_add(m.saturating_mul(60_000))));
                let currency = pos_shared::Currency::parse(&currency)
                    .map_err(|e| DbError::Corrupt(format!("order {id}: currency: {e}")))?;
                let picker = picker
                    .map(|p| serde_json::from_str(&p))
                    .transpose()
                    .map_err(|e| DbError::Corrupt(format!("order {id}: picker: {e}")))?;
                let pack_stats = pack_stats
                    .map(|p| serde_json::from_str(&p))
                    .transpose()
                    .map_err(|e| DbError::Corrupt(format!("order {id}: pack_stats: {e}")))?;
                Ok(orders::Order {
                    pack_stats,
                    id,
                    store_id: StoreId::from_uuid(store),
                    total: Money::new(total, currency),
                    packed_total: packed_total.map(|m| Money::new(m, currency)),
                    picker,
                    state: parse(&state)?,
                    channel,
                    idempotency_key: key,
                    customer_lat: lat,
                    customer_lon: lon,
                    contact,
                    distance_m: u64::try_from(distance).unwrap_or(0),
                    lines,
                    created_at: Timestamp::from_unix_millis(created),
                    confirmed_at,
                    due_at,
                    cancel_reason,
                    transitions,
                    // Filled in by `order_in` from `order_delivery`.
                    payment: None,
                    delivery: None,
                })
            }

            async fn record_step(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                order: &orders::Order,
                to: orders::OrderState,
                actor: &str,
                reason: Option<&str>,
                now: i64,
            ) -> DbResult<()> {
                let from = order.transitions.last().map(|t| t.to);
                sqlx::query(
                    "INSERT INTO order_transitions (order_id, seq, from_state, to_state, actor, at_ms, reason) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(order.id)
                .bind(i64::try_from(order.transitions.len()).unwrap_or(i64::MAX))
                .bind(from.map(|s| s.as_str()))
                .bind(to.as_str())
                .bind(actor)
                .bind(now)
                .bind(reason)
                .execute(&mut **tx)
                .await?;
                let data = serde_json::json!({
                    "order_id": order.id, "store_id": order.store_id, "from": from, "to": to,
                    "actor": actor, "reason": reason,
                });
                Self::emit_event(tx, tenant, $crate::domain::events::by_hub(to.event_type(), Some(order.store_id), data.clone())).await?;
                if to == orders::OrderState::AssignedToStore {
                    Self::emit_event(tx, tenant, $crate::domain::events::by_hub("store.dark_store.assigned", Some(order.store_id), data)).await?;
                }
                Ok(())
            }

            /// Moves the order inside `tx`, releasing its held stock when it is
            /// cancelled.
            async fn step_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                order: &orders::Order,
                to: orders::OrderState,
                actor: &str,
                reason: Option<&str>,
                now: i64,
            ) -> DbResult<()> {
                orders::transition(order.state, to).map_err(|e| DbError::State { field: "to", detail: e.to_string() })?;
                sqlx::query(
                    "UPDATE orders SET state = $3, updated_at_ms = $4, \
                     confirmed_at_ms = CASE WHEN $3 = 'confirmed' THEN $4 ELSE confirmed_at_ms END, \
                     cancel_reason = CASE WHEN $3 = 'cancelled' THEN $5 ELSE cancel_reason END \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(order.id)
                .bind(to.as_str())
                .bind(now)
                .bind(reason)
                .execute(&mut **tx)
                .await?;
                if to == orders::OrderState::Cancelled {
                    for line in &order.lines {
                        if let Some(r) = Self::reservation_in(tx, tenant, line.reservation_id).await? {
                            if r.state == ReservationState::Held {
                                Self::release_in(tx, tenant, &r, now, ReservationState::Released).await?;
                            }
                        }
                    }
                }
                if to == orders::OrderState::AssignedToStore {
                    Self::hold_for_store(tx, tenant, order, now).await?;
                }
                if to == orders::OrderState::Packed {
                    Self::pack_as_ordered(tx, tenant, order, now).await?;
                }
                Self::record_step(tx, tenant, order, to, actor, reason, now).await?;
                Self::publish_order(tx, tenant, order.id, now).await
            }

            /// Cancels the order a lapsed reservation held stock for, if it
            /// still could be (the expiry sweep, inside its transaction).
            pub(crate) async fn cancel_order_for_expiry(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                order_ref: &str,
                now: i64,
            ) -> DbResult<()> {
                let Ok(id) = Uuid::parse_str(order_ref) else { return Ok(()) };
                let Some(order) = Self::order_in(tx, tenant, id).await? else { return Ok(()) };
                if !order.state.cancellable() {
                    return Ok(());
                }
                Self::step_in(tx, tenant, &order, orders::OrderState::Cancelled, "hub", Some("reservation_expired"), now).await
            }

            async fn resolve_line(tx: &mut Tx<'_>, tenant: TenantId, line: &orders::LineRequest) -> DbResult<Option<ResolvedLine>> {
                // A deleted item resolves, and is refused as deleted (its
                // orderability gate), not as an id nobody knows; by barcode a
                // live item under it comes first.
                let row: Option<(Uuid,)> = match (&line.variant_id, &line.barcode) {
                    (Some(id), _) => sqlx::query_as(
                        "SELECT id FROM variants WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(id.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?,
                    (None, Some(code)) => match pos_shared::Gtin::parse(code) {
                        Err(_) => None,
                        Ok(code) => sqlx::query_as(
                        "SELECT id FROM variants WHERE tenant_id = $1 AND gtin = $2 \
                         ORDER BY CASE WHEN deleted_at_ms IS NULL THEN 0 ELSE 1 END, deleted_at_ms DESC, id LIMIT 1",
                    )
                    .bind(tenant.as_uuid())
                    .bind(code.as_str())
                    .fetch_optional(&mut **tx)
                    .await?,
                    },
                    (None, None) => None,
                };
                Ok(row.map(|(id,)| ResolvedLine {
                    variant: VariantId::from_uuid(id),
                    qty: line.qty,
                }))
            }

            /// What is wrong with a line at `store`, if anything, and its cover
            /// (available over asked).
            async fn line_at(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                line: &ResolvedLine,
                now: i64,
            ) -> DbResult<(Option<orders::LineProblem>, f64, Option<OrderState>)> {
                let state = Self::order_state(tx, tenant, store, line.variant, now).await?;
                let Some(s) = state else { return Ok((Some(orders::LineProblem::UnknownItem), 0.0, None)) };
                let item_gates = $crate::domain::orderability::Gates {
                    status: $crate::domain::orderability::StoreStatus::Open,
                    outside_hours: false,
                    ..s.gates()
                };
                let reasons = $crate::domain::orderability::reasons(item_gates, Qty::from_milli(1));
                let available = s.on_hand_milli - s.held_milli;
                let cover = available.max(0) as f64 / line.qty.milli().max(1) as f64;
                if !reasons.is_empty() {
                    let reasons = reasons.into_iter().map(str::to_owned).collect();
                    return Ok((Some(orders::LineProblem::NotOrderable { reasons }), cover, state));
                }
                if available < line.qty.milli() {
                    let short_by = Qty::from_milli(line.qty.milli() - available.max(0));
                    return Ok((Some(orders::LineProblem::Short { short_by }), cover, state));
                }
                Ok((None, cover, state))
            }

            /// Up to five of the item's substitutes at `store` (those of its
            /// recommendations, `sql/recommendations.rs`) that can be ordered
            /// there in the line's quantity.
            async fn substitutes(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                line: &ResolvedLine,
                now: i64,
            ) -> DbResult<Vec<VariantId>> {
                // The same candidates as a store's recommendations, each
                // checked for the line's quantity.
                let rows = Self::substitute_candidates(tx, tenant, store, line.variant, 50)
                    .await?
                    .unwrap_or_default();
                let mut found = Vec::new();
                for (id, ..) in rows {
                    let other = ResolvedLine { variant: VariantId::from_uuid(id), qty: line.qty };
                    if Self::line_at(tx, tenant, store, &other, now).await?.0.is_none() {
                        found.push(other.variant);
                        if found.len() == 5 {
                            break;
                        }
                    }
                }
                Ok(found)
            }
        }

        #[async_trait::async_trait]
        impl OrderStorage for $storage {
            async fn place_order(&self, tenant: TenantId, new: &orders::NewOrder) -> DbResult<orders::Placement> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let seen: Option<(Uuid, String)> = sqlx::query_as(
                    "SELECT id, request_hash FROM orders WHERE tenant_id = $1 AND idempotency_key = $2",
                )
                .bind(tenant.as_uuid())
                .bind(&new.idempotency_key)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((id, hash)) = seen {
                    if hash != new.request_hash {
                        return Err(DbError::Conflict("idempotency_key reused".into()));
                    }
                    let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                    return Ok(orders::Placement::Existing(order));
                }
                let now = now_ms();
                let at = Timestamp::from_unix_millis(now);
                let mut resolved = Vec::with_capacity(new.lines.len());
                for (i, line) in new.lines.iter().enumerate() {
                    let found = Self::resolve_line(&mut tx, tenant, line).await?;
                    if let Some(found) = &found {
                        // Whole pieces of a counted item, as every stock write.
                        Self::check_unit(&mut tx, tenant, found.variant, found.qty, "lines")
                            .await
                            .map_err(|e| match e {
                                DbError::InvalidField { field, detail } => {
                                    DbError::InvalidField { field, detail: format!("lines[{i}].qty: {detail}") }
                                }
                                e => e,
                            })?;
                    }
                    resolved.push(found);
                }
                let rows: Vec<StoreRow> = sqlx::query_as(&format!(
                    "SELECT {STORE_COLUMNS} FROM stores WHERE tenant_id = $1 AND kind = 'dark_store' AND lat IS NOT NULL ORDER BY code"
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                let mut candidates = Vec::with_capacity(rows.len());
                for row in rows {
                    let store = Self::store_from_row(row)?;
                    if !new.stores.is_empty() && !new.stores.contains(&store.id) {
                        continue;
                    }
                    let Some(f) = store.fulfilment else { continue };
                    let (open_orders,): (i64,) = sqlx::query_as(&format!(
                        "SELECT COUNT(*) FROM orders WHERE tenant_id = $1 AND store_id = $2 AND state NOT IN {OPEN_ORDER_STATES}"
                    ))
                    .bind(tenant.as_uuid())
                    .bind(store.id.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                    let distance_m = orders::distance_m(f.lat, f.lon, new.lat, new.lon);
                    let mut lines_fit = true;
                    let mut cover = f64::INFINITY;
                    if distance_m <= f64::from(f.delivery_radius_m) {
                        for line in &resolved {
                            match line {
                                None => lines_fit = false,
                                Some(line) => {
                                    let (problem, c, _) = Self::line_at(&mut tx, tenant, store.id, line, now).await?;
                                    lines_fit &= problem.is_none();
                                    cover = cover.min(c);
                                }
                            }
                        }
                    }
                    candidates.push(orders::Candidate {
                        store_id: store.id,
                        distance_m,
                        radius_m: f.delivery_radius_m,
                        open: store.status == $crate::domain::orderability::StoreStatus::Open && !store.outside_hours(at),
                        open_orders: u32::try_from(open_orders).unwrap_or(u32::MAX),
                        capacity: f.order_capacity,
                        lines_fit,
                        cover,
                    });
                }
                let (strategy_name, currency): (String, String) = sqlx::query_as("SELECT order_strategy, currency FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                let strategy = orders::strategy(&strategy_name).unwrap_or_else(|| Box::new(orders::Nearest));
                let chosen = match strategy.choose(&candidates) {
                    Ok(store) => store,
                    Err(reason) => {
                        // Weighed against the nearest store in range, open or not.
                        let candidate = candidates
                            .iter()
                            .filter(|c| c.in_range())
                            .min_by(|a, b| a.distance_m.total_cmp(&b.distance_m))
                            .map(|c| c.store_id);
                        let mut lines = Vec::new();
                        for (index, line) in resolved.iter().enumerate() {
                            let Some(line) = line else {
                                lines.push(orders::LineRefusal { index, problem: orders::LineProblem::UnknownItem, substitutes: Vec::new() });
                                continue;
                            };
                            let Some(store) = candidate else { continue };
                            if let (Some(problem), _, _) = Self::line_at(&mut tx, tenant, store, line, now).await? {
                                let substitutes = Self::substitutes(&mut tx, tenant, store, line, now).await?;
                                lines.push(orders::LineRefusal { index, problem, substitutes });
                            }
                        }
                        return Ok(orders::Placement::Refused(orders::Refusal { reason, candidate_store_id: candidate, lines }));
                    }
                };
                let distance = candidates.iter().find(|c| c.store_id == chosen).map(|c| c.distance_m).unwrap_or(0.0);
                let id = Uuid::now_v7();
                let expires_at = Timestamp::from_unix_millis(now.saturating_add(i64::try_from(new.hold.as_millis()).unwrap_or(i64::MAX)));
                let mut lines = Vec::with_capacity(resolved.len());
                for line in resolved.iter().flatten() {
                    let hold = $crate::domain::reservations::NewReservation {
                        reservation_id: Uuid::now_v7(),
                        store_id: chosen,
                        variant_id: line.variant,
                        qty: line.qty,
                        order_ref: id.to_string(),
                        expires_at,
                    };
                    // Checked again against this line's predecessors in the
                    // same order (two lines of one item).
                    let before = Self::order_state(&mut tx, tenant, chosen, line.variant, now).await?;
                    let available = Self::available_in(&mut tx, tenant, chosen, line.variant).await?;
                    if line.qty.milli() > available {
                        return Err(DbError::InvalidField {
                            field: "lines",
                            detail: format!("only {} of {} available for the order's lines together", Qty::from_milli(available.max(0)), line.variant),
                        });
                    }
                    let held = Self::hold_in(&mut tx, tenant, &hold, before, now).await?;
                    let price = Self::effective_price_in(&mut tx, tenant, chosen, line.variant, &new.channel, at)
                        .await?
                        .ok_or(DbError::NotFound("variant"))?;
                    lines.push(orders::OrderLine {
                        variant_id: line.variant,
                        qty: line.qty,
                        reservation_id: held.reservation_id,
                        unit_price: Some(price.price),
                    });
                }
                let currency = pos_shared::Currency::parse(&currency).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let mut total = Money::zero(currency);
                for line in &lines {
                    let amount = line.unit_price.unwrap_or(Money::zero(currency)).times(line.qty);
                    total = amount
                        .and_then(|a| total.checked_add(a))
                        .map_err(|e| DbError::InvalidField { field: "lines", detail: format!("the order's total: {e}") })?;
                }
                let lines_json = serde_json::to_string(&lines).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO orders (id, tenant_id, store_id, idempotency_key, request_hash, channel, state, customer_lat, \
                     customer_lon, contact, lines, distance_m, created_at_ms, updated_at_ms, total_minor, currency) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11, $12, $12, $13, $14)",
                )
                .bind(id)
                .bind(tenant.as_uuid())
                .bind(chosen.as_uuid())
                .bind(&new.idempotency_key)
                .bind(&new.request_hash)
                .bind(&new.channel)
                .bind(new.lat)
                .bind(new.lon)
                .bind(&new.contact)
                .bind(lines_json)
                .bind(distance.round() as i64)
                .bind(now)
                .bind(total.minor())
                .bind(currency.as_str())
                .execute(&mut *tx)
                .await?;
                if let Some(payment) = &new.payment {
                    // Packing captures up to the authorisation; less than the
                    // total would leave the customer's order unpaid for.
                    if payment.authorized.currency() != currency || payment.authorized.minor() < total.minor() {
                        return Err(DbError::InvalidField {
                            field: "payment.authorized",
                            detail: format!(
                                "the authorisation ({} {}) is less than the order's total ({} {})",
                                payment.authorized.minor(), payment.authorized.currency(), total.minor(), currency
                            ),
                        });
                    }
                    Self::record_payment_in(&mut tx, tenant, id, payment).await?;
                }
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                let actor = $crate::acting::current().unwrap_or_else(|| "hub".to_owned());
                Self::record_step(&mut tx, tenant, &order, orders::OrderState::Pending, &actor, Some(strategy.name()), now).await?;
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(orders::Placement::Created(order))
            }

            async fn order(&self, tenant: TenantId, id: Uuid) -> DbResult<orders::Order> {
                let mut tx = self.pool.begin().await?;
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                Self::commit(tx).await?;
                Ok(order)
            }

            async fn transition_order(
                &self,
                tenant: TenantId,
                id: Uuid,
                to: orders::OrderState,
                actor: &str,
                reason: Option<&str>,
            ) -> DbResult<orders::Order> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                Self::step_in(&mut tx, tenant, &order, to, actor, reason, now_ms()).await?;
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(order)
            }

            async fn orders(
                &self,
                tenant: TenantId,
                state: Option<orders::OrderState>,
                store: Option<StoreId>,
                after: Option<Uuid>,
                limit: u32,
            ) -> DbResult<Vec<orders::Order>> {
                let mut tx = self.pool.begin().await?;
                let ids: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM orders WHERE tenant_id = $1 AND ($2 IS NULL OR state = $2) \
                     AND ($3 IS NULL OR store_id = $3) AND ($4 IS NULL OR id > $4) ORDER BY id LIMIT $5",
                )
                .bind(tenant.as_uuid())
                .bind(state.map(|s| s.as_str()))
                .bind(store.map(|s| s.as_uuid()))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
                let mut found = Vec::with_capacity(ids.len());
                for (id,) in ids {
                    found.extend(Self::order_in(&mut tx, tenant, id).await?);
                }
                Self::commit(tx).await?;
                Ok(found)
            }

            async fn set_order_strategy(&self, tenant: TenantId, strategy: &str) -> DbResult<()> {
                sqlx::query("UPDATE tenants SET order_strategy = $2 WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .bind(strategy)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use sql_order_paths;
