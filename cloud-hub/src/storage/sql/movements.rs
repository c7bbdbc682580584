//! A set of stock movements at one store applied together, for both
//! backends: HQ's bulk movements, the lines of a till's sale or return, and
//! every single movement (a set of one). Whatever the number of movements,
//! the set costs one read of what the ledger knows of their items, one insert
//! of the movements, one upsert of the positions and one insert each of feed
//! changes and events; only batch-tracked stock (a batch named, or stock
//! taken out) adds statements per movement. Expanded inside `sql_storage!`.
//!
//! The checks and the events are worked out in order, movement by movement,
//! from what was read and what the earlier movements of the set did, so a set
//! gives what applying its movements one at a time would: the same refusal at
//! the same movement, the same orderability and low-stock events. The caller
//! holds what makes that read stay true to the commit (the tenant alone, or
//! shared with the positions locked: [`super::writes`]).

use crate::domain::ledger::MovementOutcome;
use crate::storage::{DbError, DbResult};

/// What a movement of a set whose id is already in the ledger comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replays {
    /// A duplicate, not compared (the caller's own ids: a transfer, an order).
    Counted,
    /// A duplicate if it is the same movement, else refused: HQ's retries.
    MustMatch,
    /// Refused: a till's fact whose line ids already belong to another fact.
    Refused,
}

/// The rules a set of movements is applied under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MovementRules {
    /// HQ's movements: quantities must count in the item's unit and the
    /// item must not be deleted. A till's sale or return is stored as it was
    /// made, of an item deleted since too.
    pub from_hq: bool,
    /// Raise orderability and low-stock events; off where the caller's
    /// transaction as a whole leaves what is available unchanged.
    pub watch_orderability: bool,
    pub replays: Replays,
}

/// The outcome of a set of one movement, its refusal unwrapped from the
/// set's [`DbError::AtItem`].
pub(crate) fn only_outcome(set: DbResult<Vec<MovementOutcome>>) -> DbResult<MovementOutcome> {
    let mut outcomes = set.map_err(|e| match e {
        DbError::AtItem { error, .. } => *error,
        other => other,
    })?;
    outcomes.pop().ok_or(DbError::NotFound("movement"))
}

/// The statement that reads what the ledger knows of `n` items at a store
/// (their standing): the tenant, the store and the time as `$1`–`$3`,
/// the variants after. The store's row comes back even when no variant
/// matches, so "no such store" and "no such items" are told apart. An item
/// is withdrawn (its sixth column) 1 when disabled and 2 when deleted: one
/// column, so `pos_item_standing` keeps the row hubs of other versions read,
/// and a deleted item, which no one can order, counts as disabled.
/// `movement_alone.rs` builds PostgreSQL's functions from it.
pub(crate) fn standing_sql(n: usize) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("${}", 4 + i)).collect();
    format!(
        "SELECT s.status, s.hours, va.id, va.details, COALESCE(p.on_hand_milli, 0), \
         CAST(CASE WHEN va.deleted_at_ms IS NOT NULL THEN 2 WHEN va.disabled_at_ms IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), \
         CAST(CASE WHEN p.delisted THEN 0 ELSE 1 END AS BIGINT), {}, \
         (SELECT rp.point_milli FROM reorder_points rp WHERE rp.tenant_id = $1 AND rp.store_id = $2 AND rp.variant_id = va.id), \
         CAST(CASE WHEN p.blocked THEN 1 ELSE 0 END AS BIGINT), \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM stock_batches sb WHERE sb.tenant_id = $1 AND sb.store_id = $2 \
              AND sb.variant_id = va.id AND sb.on_hand_milli > 0) THEN 1 ELSE 0 END AS BIGINT) \
         FROM stores s \
         LEFT JOIN variants va ON va.tenant_id = s.tenant_id AND va.id IN ({}) \
         LEFT JOIN stock_positions p ON p.tenant_id = s.tenant_id AND p.store_id = s.id AND p.variant_id = va.id \
         WHERE s.tenant_id = $1 AND s.id = $2",
        // Only the movement's events read it.
        crate::storage::sql::projection::Held::UntilReleased.sql("$3"),
        list.join(", ")
    )
}

/// What makes a movement the same movement when its id comes again: where,
/// what, how much, why, and the batch (code, expiry) it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredMovement {
    pub store: uuid::Uuid,
    pub variant: uuid::Uuid,
    pub delta: i64,
    pub reason: String,
    pub batch: Option<(String, String)>,
}

impl StoredMovement {
    pub(crate) fn of(m: &pos_shared::sync::MovementRecord) -> Self {
        StoredMovement {
            store: m.store_id.as_uuid(),
            variant: m.variant_id.as_uuid(),
            delta: m.delta.milli(),
            reason: m.reason.as_str().to_owned(),
            batch: m
                .batch
                .as_ref()
                .map(|b| (b.code.clone(), b.expires_on.clone())),
        }
    }
}

/// Implements `apply_movements` on `$storage`.
macro_rules! sql_movement_paths {
    ($storage:ty) => {
        use $crate::storage::sql::movements::{MovementRules, Replays, StoredMovement};

        /// A row of `standing_sql`: the store's status and hours, the
        /// variant, its details, on hand, withdrawn, listed, held, reorder
        /// point, blocked, batched.
        type StandingRow = (String, Option<String>, Option<Uuid>, Option<String>, i64, i64, i64, i64, Option<i64>, i64, i64);

        /// What the ledger knows of an item at the store, read once per set.
        struct Standing {
            /// The variant's details (its unit).
            details: Option<String>,
            on_hand_milli: i64,
            /// Whether any of its batches holds stock at the store: if none
            /// does, stock taken out without a batch named comes from
            /// untracked stock and the batch ledger is not read.
            batched: bool,
            /// Taken out of the catalog by HQ.
            deleted: bool,
            /// `None` where orderability is not watched.
            state: Option<OrderState>,
        }

        impl $storage {
            /// Applies `movements` (all at `store`) inside `tx`, in order; the
            /// outcome of each, or the first refusal as
            /// [`DbError::AtItem`] with the movement's index. A refusal
            /// leaves writes of the set in `tx`: the caller rolls it back.
            /// `announce` are changes to the store's feed (a till's sales),
            /// each written with the movements, after the first `n` of them.
            async fn apply_movements(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                movements: &[MovementRecord],
                rules: MovementRules,
                announce: Vec<(usize, ChangeBody)>,
            ) -> DbResult<Vec<MovementOutcome>> {
                if movements.is_empty() {
                    for (_, change) in announce {
                        Self::append_change(tx, tenant, Some(store), &change).await?;
                    }
                    return Ok(Vec::new());
                }
                if let Some(index) = movements.iter().position(|m| m.store_id != store) {
                    return Err(DbError::AtItem {
                        index,
                        error: Box::new(DbError::InvalidField {
                            field: "store_id",
                            detail: format!("a movement at store {} in a set for store {store}", movements[index].store_id),
                        }),
                    });
                }
                let now = now_ms();
                let mut standing = Self::standing(tx, tenant, store, movements, rules.watch_orderability, now).await?;
                let inserted = Self::insert_movements(tx, tenant, movements, &standing, now).await?;
                let stored = match rules.replays {
                    Replays::MustMatch => Self::stored_replays(tx, tenant, movements, &inserted).await?,
                    _ => std::collections::HashMap::new(),
                };

                let mut outcomes = Vec::with_capacity(movements.len());
                let mut first_of: std::collections::HashMap<Uuid, usize> = std::collections::HashMap::new();
                let mut moved: std::collections::BTreeMap<Uuid, i64> = std::collections::BTreeMap::new();
                let mut changes = Vec::new();
                let mut events = Vec::new();
                let mut announce = announce.into_iter().peekable();
                for (index, m) in movements.iter().enumerate() {
                    while let Some((_, change)) = announce.next_if(|(after, _)| *after <= index) {
                        events.push($crate::domain::events::for_change(Some(store), &change));
                        changes.push((Some(store), change));
                    }
                    let at = |error: DbError| DbError::AtItem { index, error: Box::new(error) };
                    let variant = m.variant_id.as_uuid();
                    let Some(item) = standing.get_mut(&variant) else {
                        return Err(at(DbError::NotFound("variant")));
                    };
                    if rules.from_hq {
                        Self::unit_allows(variant, item.details.as_deref(), m.delta, "delta").map_err(at)?;
                    }
                    let earlier = *first_of.entry(m.movement_id.as_uuid()).or_insert(index);
                    if earlier != index || !inserted.contains(&m.movement_id.as_uuid()) {
                        match rules.replays {
                            Replays::Counted => {}
                            Replays::Refused => return Err(at(DbError::Conflict("movement_id already recorded".into()))),
                            Replays::MustMatch => {
                                // A replay is the same movement; the same id on
                                // anything else is a caller's bug that must not
                                // pass as a replay.
                                let same = |s: &StoredMovement| *s == StoredMovement::of(m);
                                let was = match earlier != index {
                                    true => Some(StoredMovement::of(&movements[earlier])),
                                    false => stored.get(&m.movement_id.as_uuid()).cloned(),
                                };
                                if !was.as_ref().is_some_and(same) {
                                    return Err(at(DbError::Conflict("movement_id reused".into())));
                                }
                            }
                        }
                        outcomes.push(MovementOutcome::Duplicate);
                        continue;
                    }
                    // A replay of a movement made before the item was
                    // deleted is still a duplicate; only a new one is refused.
                    if rules.from_hq && item.deleted {
                        return Err(at(DbError::Deleted("variant")));
                    }
                    let batched = m.batch.is_some() || item.batched;
                    let (change, effects) = Self::movement_effects(store, m, item).map_err(at)?;
                    if batched {
                        Self::move_batches(tx, tenant, m, rules.from_hq).await.map_err(at)?;
                        item.batched |= m.batch.is_some();
                    }
                    *moved.entry(variant).or_insert(0) += m.delta.milli();
                    events.extend(effects);
                    changes.push((Some(store), change));
                    outcomes.push(MovementOutcome::Recorded);
                }
                for (_, change) in announce {
                    events.push($crate::domain::events::for_change(Some(store), &change));
                    changes.push((Some(store), change));
                }
                Self::add_to_positions(tx, tenant, store, &moved, now).await?;
                Self::insert_changes(tx, tenant, &changes).await?;
                Self::emit_events(tx, tenant, events).await?;
                Ok(outcomes)
            }

            /// What a new movement does to its item's `standing`, which it
            /// brings up to date: its feed change, and the events HQ hears
            /// of (the change's, then orderability and low stock), or the
            /// refusal of a position the ledger cannot hold, or HQ's movement
            /// past [`pos_shared::limits::MAX_POSITION`] either way (one that
            /// brings the position back towards zero always may; a till's
            /// sale or return is a fact and only the first applies).
            fn movement_effects(
                store: StoreId,
                m: &MovementRecord,
                item: &mut Standing,
            ) -> DbResult<(ChangeBody, Vec<NewEvent>)> {
                let was = Qty::from_milli(item.on_hand_milli);
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
                        detail: format!("the store's stock of the item would be {will_be}; a store holds at most {most} either way"),
                    });
                }
                item.on_hand_milli = will_be.milli();
                let change = ChangeBody::StockMoved(m.clone());
                // HQ hears of every change tills hear of, from the same commit.
                let mut events = vec![$crate::domain::events::for_change(Some(store), &change)];
                if let Some(before) = item.state {
                    let after = OrderState { on_hand_milli: will_be.milli(), ..before };
                    events.extend(before.flip(&after, store, m.variant_id));
                    events.extend(before.stock_alert(&after, store, m.variant_id));
                    item.state = Some(after);
                }
                Ok((change, events))
            }

            /// An item's [`Standing`] from a row of `standing_sql`;
            /// `None` for the store's row when no variant matched.
            fn standing_from_row(
                store: StoreId,
                row: StandingRow,
                watch: bool,
                now: i64,
            ) -> DbResult<Option<(Uuid, Standing)>> {
                let (status, hours, variant, details, on_hand, withdrawn, listed, held, point, blocked, batched) = row;
                let Some(variant) = variant else { return Ok(None) };
                let state = match watch {
                    true => Some(Self::order_state_from(store, &status, hours, [listed, on_hand, held, withdrawn, blocked], point, now)?),
                    false => None,
                };
                Ok(Some((variant, Standing { details, on_hand_milli: on_hand, batched: batched != 0, deleted: withdrawn == 2, state })))
            }

            /// Reads, in as few statements as the backend allows, what the ledger
            /// knows of the set's items at `store` (and, when `watch`, what
            /// decides whether they can be ordered). Items the tenant does
            /// not have are left out; deleted ones are in (a till that sold
            /// one before it heard of the deletion still counts). No store
            /// is [`DbError::NotFound`].
            async fn standing(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                movements: &[MovementRecord],
                watch: bool,
                now: i64,
            ) -> DbResult<std::collections::HashMap<Uuid, Standing>> {
                let mut variants: Vec<Uuid> = movements.iter().map(|m| m.variant_id.as_uuid()).collect();
                variants.sort_unstable();
                variants.dedup();
                let mut standing = std::collections::HashMap::with_capacity(variants.len());
                for chunk in variants.chunks(Self::rows_per_statement(1)) {
                    let sql = $crate::storage::sql::movements::standing_sql(chunk.len());
                    let mut query = sqlx::query_as::<_, StandingRow>(&sql).bind(tenant.as_uuid()).bind(store.as_uuid()).bind(now);
                    for v in chunk {
                        query = query.bind(*v);
                    }
                    let rows = query.fetch_all(&mut **tx).await?;
                    if rows.is_empty() {
                        return Err(DbError::NotFound("store"));
                    }
                    for row in rows {
                        standing.extend(Self::standing_from_row(store, row, watch, now)?);
                    }
                }
                Ok(standing)
            }

            /// Inserts the movements of known items, skipping ids the ledger
            /// already has; the ids it inserted.
            async fn insert_movements(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                movements: &[MovementRecord],
                standing: &std::collections::HashMap<Uuid, Standing>,
                now: i64,
            ) -> DbResult<std::collections::HashSet<Uuid>> {
                let known: Vec<&MovementRecord> = movements.iter().filter(|m| standing.contains_key(&m.variant_id.as_uuid())).collect();
                let mut inserted = std::collections::HashSet::with_capacity(known.len());
                for chunk in known.chunks(Self::rows_per_statement(12)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * 12, 12)).collect();
                    let sql = format!(
                        "INSERT INTO stock_movements (id, tenant_id, store_id, variant_id, delta_milli, reason, sale_id, terminal_id, \
                         occurred_at_ms, recorded_at_ms, batch_code, batch_expires_on) VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query_as::<_, (Uuid,)>(&sql);
                    for m in chunk {
                        query = query
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
                            .bind(m.batch.as_ref().map(|b| b.expires_on.clone()));
                    }
                    inserted.extend(query.fetch_all(&mut **tx).await?.into_iter().map(|(id,)| id));
                }
                Ok(inserted)
            }

            /// What the ledger holds under the ids of the set it did not
            /// insert, by id.
            async fn stored_replays(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                movements: &[MovementRecord],
                inserted: &std::collections::HashSet<Uuid>,
            ) -> DbResult<std::collections::HashMap<Uuid, StoredMovement>> {
                let mut replayed: Vec<Uuid> = movements
                    .iter()
                    .map(|m| m.movement_id.as_uuid())
                    .filter(|id| !inserted.contains(id))
                    .collect();
                replayed.sort_unstable();
                replayed.dedup();
                let mut stored = std::collections::HashMap::with_capacity(replayed.len());
                for chunk in replayed.chunks(Self::rows_per_statement(1)) {
                    let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", 2 + i)).collect();
                    let sql = format!(
                        "SELECT id, store_id, variant_id, delta_milli, reason, batch_code, batch_expires_on \
                         FROM stock_movements WHERE tenant_id = $1 AND id IN ({})",
                        list.join(", ")
                    );
                    type Row = (Uuid, Uuid, Uuid, i64, String, Option<String>, Option<String>);
                    let mut query = sqlx::query_as::<_, Row>(&sql).bind(tenant.as_uuid());
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    for (id, store, variant, delta, reason, code, expires_on) in query.fetch_all(&mut **tx).await? {
                        let batch = code.map(|code| (code, expires_on.unwrap_or_default()));
                        stored.insert(id, StoredMovement { store, variant, delta, reason, batch });
                    }
                }
                Ok(stored)
            }

            /// Adds each item's total delta to its position at `store`,
            /// creating positions not there yet.
            async fn add_to_positions(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                moved: &std::collections::BTreeMap<Uuid, i64>,
                now: i64,
            ) -> DbResult<()> {
                let moved: Vec<(&Uuid, &i64)> = moved.iter().collect();
                for chunk in moved.chunks(Self::rows_per_statement(2)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| format!("($1, $2, ${}, ${}, $3)", 4 + 2 * i, 5 + 2 * i)).collect();
                    let sql = format!(
                        "INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms) VALUES {} \
                         ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE \
                         SET on_hand_milli = stock_positions.on_hand_milli + excluded.on_hand_milli, updated_at_ms = excluded.updated_at_ms",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(tenant.as_uuid()).bind(store.as_uuid()).bind(now);
                    for (variant, delta) in chunk {
                        query = query.bind(**variant).bind(**delta);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Refuses `qty` at `field` unless it counts in the unit its
            /// variant's `details` give (whole pieces of an `each` item, …).
            fn unit_allows(variant: Uuid, details: Option<&str>, qty: Qty, field: &'static str) -> DbResult<()> {
                let unit = match details {
                    None => pos_shared::item::Unit::Each,
                    Some(details) => serde_json::from_str::<pos_shared::item::ItemDetails>(details)
                        .map_err(|e| DbError::Corrupt(format!("variant {variant} details: {e}")))?
                        .unit,
                };
                unit.check_qty(qty).map_err(|detail| DbError::InvalidField { field, detail })
            }
        }
    };
}

pub(crate) use sql_movement_paths;
