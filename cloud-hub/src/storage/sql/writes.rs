//! The write paths every storage method shares, for both backends: the tenant
//! locks, the feed append and the commit that numbers it, a ledger movement
//! (whose position sum is checked, so it never overflows: SQLite would turn
//! it into a float, PostgreSQL fail), the unit rule for HQ's quantities.
//! Expanded inside `sql_storage!`, which brings the names they use into scope.
//!
//! How writers share a tenant ([`super::Writers`]): on PostgreSQL, HQ's edits
//! take the tenant exclusively and tills' facts and ledger movements share it,
//! each locking the stock positions it moves, in one sorted order, before it
//! writes anything; feed changes and events are numbered at commit
//! (`commit`). On SQLite one transaction writes at a time and numbers as it
//! goes.

/// The advisory lock space of tenants on PostgreSQL (the tenant's id hashed
/// within it; two tenants sharing a hash only wait for each other).
pub(crate) const TENANT_LOCK_SPACE: i32 = 0x504f_5301;

/// Implements the shared write helpers on `$storage` (a pool of `$db`).
macro_rules! sql_write_paths {
    ($storage:ty, $db:ty, $writers:expr) => {
        impl $storage {
            const WRITERS: $crate::storage::sql::Writers = $writers;

            /// Wakes feed long-polls; called after a commit that appended changes.
            fn feed_changed(&self) {
                self.feed_tx.send_modify(|generation| *generation = generation.wrapping_add(1));
            }

            /// Takes the tenant for this transaction alone, first thing in
            /// every transaction of HQ's that may append to its feed: such
            /// transactions queue in one order, see no other writer of the
            /// tenant, and cannot deadlock over stock rows (PostgreSQL), and
            /// start as writers (SQLite).
            async fn lock_tenant(tx: &mut Tx<'_>, tenant: TenantId) -> DbResult<()> {
                Self::take_tenant(tx, tenant, "pg_advisory_xact_lock").await
            }

            /// Takes the tenant shared with other transactions that took it
            /// so (tills' facts, ledger movements), never with one that took
            /// it alone. Such a transaction must lock the stock positions it
            /// moves with [`Self::lock_positions`] before it writes.
            async fn lock_tenant_shared(tx: &mut Tx<'_>, tenant: TenantId) -> DbResult<()> {
                Self::take_tenant(tx, tenant, "pg_advisory_xact_lock_shared").await
            }

            async fn take_tenant(tx: &mut Tx<'_>, tenant: TenantId, how: &str) -> DbResult<()> {
                let found = match Self::WRITERS {
                    $crate::storage::sql::Writers::OneAtATime => {
                        sqlx::query("UPDATE tenants SET feed_seq = feed_seq WHERE id = $1")
                            .bind(tenant.as_uuid())
                            .execute(&mut **tx)
                            .await?
                            .rows_affected()
                    }
                    $crate::storage::sql::Writers::SideBySide => {
                        let sql = format!(
                            "SELECT 1 FROM (SELECT {how}({}, hashtext(CAST($1 AS TEXT)))) AS taken, tenants WHERE id = $1",
                            $crate::storage::sql::writes::TENANT_LOCK_SPACE
                        );
                        sqlx::query(&sql).bind(tenant.as_uuid()).fetch_all(&mut **tx).await?.len() as u64
                    }
                };
                if found == 0 {
                    return Err(DbError::NotFound("tenant"));
                }
                Ok(())
            }

            /// Locks the stock positions of `moves` (store, variant) for the
            /// rest of the transaction, creating those not there yet at zero,
            /// in one sorted order so two transactions never wait on each
            /// other in a circle. Pairs whose store or variant the tenant does
            /// not have are left out (the caller refuses them). Nothing to do
            /// where one transaction writes at a time.
            async fn lock_positions(tx: &mut Tx<'_>, tenant: TenantId, moves: &[(StoreId, VariantId)]) -> DbResult<()> {
                if Self::WRITERS == $crate::storage::sql::Writers::OneAtATime {
                    return Ok(());
                }
                let mut pairs: Vec<(Uuid, Uuid)> = moves.iter().map(|(s, v)| (s.as_uuid(), v.as_uuid())).collect();
                pairs.sort_unstable();
                pairs.dedup();
                for chunk in pairs.chunks(Self::rows_per_statement(2)) {
                    let values: Vec<String> = (0..chunk.len())
                        .map(|i| format!("({i}, CAST(${} AS UUID), CAST(${} AS UUID))", 3 + 2 * i, 4 + 2 * i))
                        .collect();
                    let sql = format!(
                        "INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms) \
                         SELECT $1, m.s, m.v, 0, $2 FROM (VALUES {}) AS m(ord, s, v) \
                         JOIN stores st ON st.id = m.s AND st.tenant_id = $1 \
                         JOIN variants va ON va.id = m.v AND va.tenant_id = $1 \
                         ORDER BY m.ord \
                         ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE SET on_hand_milli = stock_positions.on_hand_milli",
                        values.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(tenant.as_uuid()).bind(now_ms());
                    for (store, variant) in chunk {
                        query = query.bind(*store).bind(*variant);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Commits `tx`. Where writers work side by side, its last
            /// statement first numbers the feed changes and events it wrote
            /// (`pos_number_pending`, migration 0046): the tenant row's lock
            /// is held from there to the commit only, so numbers follow
            /// commit order.
            async fn commit(mut tx: Tx<'_>) -> DbResult<()> {
                if Self::WRITERS == $crate::storage::sql::Writers::SideBySide {
                    sqlx::query("SELECT pos_number_pending()").execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            /// Appends to the tenant's feed inside `tx`, with the event that
            /// tells HQ of the change. One writer at a time: the sequence is
            /// the tenant row's counter, gap-free and in commit order. Side by
            /// side: the change waits unnumbered until [`Self::commit`]
            /// numbers it.
            async fn append_change(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: Option<StoreId>,
                body: &ChangeBody,
            ) -> DbResult<()> {
                let event = $crate::domain::events::for_change(store, body);
                Self::insert_changes(tx, tenant, std::slice::from_ref(&(store, body.clone()))).await?;
                // HQ hears of every change tills hear of, from the same commit.
                Self::emit_event(tx, tenant, event).await
            }

            /// Appends `changes` to the tenant's feed in their order, as many
            /// a statement as the backend takes, without their events (the caller emits
            /// them, interleaved as it needs).
            async fn insert_changes(tx: &mut Tx<'_>, tenant: TenantId, changes: &[(Option<StoreId>, ChangeBody)]) -> DbResult<()> {
                for chunk in changes.chunks(Self::rows_per_statement(5)) {
                    let mut bodies = Vec::with_capacity(chunk.len());
                    for (_, body) in chunk {
                        bodies.push(serde_json::to_string(body).map_err(|e| DbError::Corrupt(e.to_string()))?);
                    }
                    let (rows, first_seq) = Self::numbered_rows(tx, tenant, "feed_seq", chunk.len(), 4).await?;
                    let sql = match first_seq {
                        Some(_) => format!("INSERT INTO feed_changes (tenant_id, seq, store_id, body, committed_at_ms) VALUES {rows}"),
                        None => format!("INSERT INTO feed_pending (tenant_id, store_id, body, committed_at_ms) VALUES {rows}"),
                    };
                    let now = now_ms();
                    let mut query = sqlx::query(&sql);
                    for (i, ((store, _), body)) in chunk.iter().zip(bodies).enumerate() {
                        query = query.bind(tenant.as_uuid());
                        if let Some(first) = first_seq {
                            query = query.bind(first + i as i64);
                        }
                        query = query.bind(store.map(|s| s.as_uuid())).bind(body).bind(now);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// The `VALUES` of `n` rows of `columns` parameters for the feed or
            /// the outbox, and the first number they take: where one writer
            /// works at a time, the tenant row's `counter` moves by `n` now and
            /// each row carries its number (one parameter more, second);
            /// side by side, none (numbered at commit).
            async fn numbered_rows(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                counter: &str,
                n: usize,
                columns: usize,
            ) -> DbResult<(String, Option<i64>)> {
                let (first, width) = match Self::WRITERS {
                    $crate::storage::sql::Writers::OneAtATime => {
                        let (head,): (i64,) = sqlx::query_as(&format!(
                            "UPDATE tenants SET {counter} = {counter} + $2 WHERE id = $1 RETURNING {counter}"
                        ))
                        .bind(tenant.as_uuid())
                        .bind(n as i64)
                        .fetch_one(&mut **tx)
                        .await?;
                        (Some(head - n as i64 + 1), columns + 1)
                    }
                    $crate::storage::sql::Writers::SideBySide => (None, columns),
                };
                let rows: Vec<String> = (0..n).map(|i| Self::param_row(i * width, width)).collect();
                Ok((rows.join(", "), first))
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
            /// held at all. Every caller holds the tenant alone, or
            /// shares it and holds the position's lock (`lock_positions`), so
            /// the read and the write see no other writer between them.
            async fn apply_movement_with(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                m: &MovementRecord,
                watch_orderability: bool,
            ) -> DbResult<MovementOutcome> {
                let rules = $crate::storage::sql::movements::MovementRules {
                    from_hq: false,
                    watch_orderability,
                    replays: $crate::storage::sql::movements::Replays::Counted,
                };
                $crate::storage::sql::movements::only_outcome(
                    Self::apply_movements(tx, tenant, m.store_id, std::slice::from_ref(m), rules, Vec::new()).await,
                )
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
                Self::unit_allows(variant.as_uuid(), row.and_then(|(details,)| details).as_deref(), qty, field)
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

            /// That the variant is in the catalog (not deleted): only such
            /// can be reserved, listed, priced or edited. A deleted one is
            /// refused as deleted, so HQ can tell it from a wrong id.
            async fn require_live(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId) -> DbResult<()> {
                match Self::variant_deleted(tx, tenant, variant).await? {
                    Some(false) => Ok(()),
                    Some(true) => Err(DbError::Deleted("variant")),
                    None => Err(DbError::NotFound("variant")),
                }
            }

            /// Why a variant the caller named is not in the catalog: it was
            /// deleted, or the tenant never had it.
            async fn variant_gone(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId) -> DbResult<DbError> {
                Ok(match Self::variant_deleted(tx, tenant, variant).await? {
                    Some(true) => DbError::Deleted("variant"),
                    _ => DbError::NotFound("variant"),
                })
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
