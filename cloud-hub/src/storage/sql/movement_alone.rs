//! HQ's single stock movement in two round trips on PostgreSQL, where the
//! transactional path (`movements.rs`) takes ten: begin, the tenant, the
//! position, the read, four writes, the numbering, commit.
//!
//! The hub reads the item's standing with `pos_item_standing`, which answers
//! the row and its md5, and works the movement out in Rust as the
//! transactional path would (the same `movement_effects`). Then one call,
//! `pos_move_stock`, takes the same locks in the same order (the tenant
//! shared, then the position, made at zero if new), reads the standing
//! again and writes only if the row is the same: each statement of a
//! volatile PL/pgSQL function reads a snapshot taken when it starts, so the
//! read after the locks sees every writer that held them before. It numbers
//! the ledger row, the feed change and the events from the tenant row,
//! locked from there to the commit, as `pos_number_pending` (migrations 0046,
//! 0060) does, so numbers follow commit order.
//!
//! Whatever it cannot settle on its own goes the transactional way, which
//! decides it under its locks, so the outcome is always the one that path
//! gives: a standing that changed between the read and the locks (the call
//! raises `PSM01`), an id already in the ledger (`PSM02`; either rolls the
//! call back whole, the position row made to lock it included),
//! batch-tracked stock, a refusal, an unknown store, a deleted or unknown
//! item. SQLite, one
//! writer at a time, always takes the transaction.
//!
//! Both functions are built from `movements::standing_sql`, the statement
//! the transactional path reads with, and defined when the hub connects
//! (not by a migration), so they always read what this binary's Rust
//! expects. Their SQL is static, so PostgreSQL plans it once per connection.
//! A hub of another version that redefines them meanwhile (a rolling
//! upgrade) reads a different row: its calls raise `PSM01` and take the
//! transaction, never a wrong outcome.

use crate::storage::DbResult;

/// The SQLSTATEs `pos_move_stock` raises when the transactional path must
/// decide: the standing changed since it was read; the id is in the ledger.
pub(crate) const SETTLE_IN_TRANSACTION: [&str; 2] = ["PSM01", "PSM02"];

/// The names and definitions of `pos_item_standing` and `pos_move_stock`.
fn definitions() -> [(&'static str, String); 2] {
    // `$1`–`$4` in the statement are the functions' first four parameters.
    let standing = crate::storage::sql::movements::standing_sql(1);
    let read = format!(
        "CREATE OR REPLACE FUNCTION pos_item_standing(p_tenant UUID, p_store UUID, p_now BIGINT, p_variant UUID) \
         RETURNS TABLE (r_status TEXT, r_hours TEXT, r_variant UUID, r_details TEXT, r_on_hand BIGINT, \
                        r_disabled BIGINT, r_listed BIGINT, r_held BIGINT, r_point BIGINT, r_blocked BIGINT, \
                        r_batched BIGINT, r_md5 TEXT) \
         LANGUAGE plpgsql STABLE AS $body$\n\
         BEGIN\n    RETURN QUERY SELECT q.*, md5(CAST(q AS TEXT)) FROM ({standing}) AS q;\nEND\n$body$"
    );
    let write = format!(
        "CREATE OR REPLACE FUNCTION pos_move_stock(\n\
             p_tenant UUID, p_store UUID, p_now BIGINT, p_variant UUID, expected TEXT, lock_space INTEGER,\n\
             p_id UUID, p_delta BIGINT, p_reason TEXT, p_sale UUID, p_terminal UUID, p_occurred BIGINT,\n\
             p_change TEXT, p_events TEXT, p_schema INTEGER\n\
         ) RETURNS BIGINT LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $body$\n\
         DECLARE\n\
             standing_now TEXT;\n\
             feed_head BIGINT;\n\
             event_head BIGINT;\n\
             recorded_head BIGINT;\n\
             events BIGINT;\n\
         BEGIN\n\
             PERFORM pg_advisory_xact_lock_shared(lock_space, hashtext(CAST(p_tenant AS TEXT)));\n\
             INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms)\n\
             SELECT p_tenant, p_store, p_variant, 0, p_now\n\
             WHERE EXISTS (SELECT 1 FROM stores WHERE tenant_id = p_tenant AND id = p_store)\n\
               AND EXISTS (SELECT 1 FROM variants WHERE tenant_id = p_tenant AND id = p_variant)\n\
             ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE SET on_hand_milli = stock_positions.on_hand_milli;\n\
             SELECT md5(CAST(q AS TEXT)) INTO standing_now FROM ({standing}) AS q;\n\
             IF standing_now IS DISTINCT FROM expected THEN\n\
                 RAISE EXCEPTION 'the item''s standing changed since it was read' USING ERRCODE = 'PSM01';\n\
             END IF;\n\
             UPDATE stock_positions SET on_hand_milli = on_hand_milli + p_delta, updated_at_ms = p_now\n\
             WHERE tenant_id = p_tenant AND store_id = p_store AND variant_id = p_variant;\n\
             SELECT feed_seq, event_seq, recorded_seq INTO feed_head, event_head, recorded_head\n\
             FROM tenants WHERE id = p_tenant FOR NO KEY UPDATE;\n\
             INSERT INTO stock_movements (id, tenant_id, store_id, variant_id, delta_milli, reason, sale_id, terminal_id,\n\
                                          occurred_at_ms, recorded_at_ms, batch_code, batch_expires_on, recorded_seq)\n\
             VALUES (p_id, p_tenant, p_store, p_variant, p_delta, p_reason, p_sale, p_terminal, p_occurred, p_now, NULL, NULL,\n\
                     recorded_head + 1)\n\
             ON CONFLICT (id) DO NOTHING;\n\
             IF NOT FOUND THEN\n\
                 RAISE EXCEPTION 'movement % is already in the ledger', p_id USING ERRCODE = 'PSM02';\n\
             END IF;\n\
             INSERT INTO feed_changes (tenant_id, seq, store_id, body, committed_at_ms)\n\
             VALUES (p_tenant, feed_head + 1, p_store, p_change, p_now);\n\
             INSERT INTO hub_events (tenant_id, seq, event_id, event_type, source, store_id, occurred_at_ms,\n\
                                     trace_id, schema_version, data, committed_at_ms)\n\
             SELECT p_tenant, event_head + e.n, CAST(e.v->>'event_id' AS UUID), e.v->>'event_type', e.v->>'source',\n\
                    CAST(e.v->>'store_id' AS UUID), CAST(e.v->>'occurred_at_ms' AS BIGINT), CAST(e.v->>'trace_id' AS UUID),\n\
                    p_schema, e.v->>'data', p_now\n\
             FROM json_array_elements(CAST(p_events AS JSON)) WITH ORDINALITY AS e(v, n);\n\
             GET DIAGNOSTICS events = ROW_COUNT;\n\
             UPDATE tenants SET feed_seq = feed_head + 1, event_seq = event_head + events, recorded_seq = recorded_head + 1\n\
                 WHERE id = p_tenant;\n\
             RETURN feed_head + 1;\n\
         END\n$body$"
    );
    [("pos_item_standing", read), ("pos_move_stock", write)]
}

/// Defines both functions unless they already read as this binary's do.
/// Under a lock of its own, so hubs starting together do not redefine them
/// over each other.
pub(crate) async fn define(pool: &sqlx::PgPool) -> DbResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('pos_move_stock'))")
        .execute(&mut *tx)
        .await?;
    for (name, definition) in definitions() {
        // What `pg_proc` keeps: the text between the dollar quotes.
        let body = definition.split("$body$").nth(1).unwrap_or_default();
        let current: Option<(String,)> =
            sqlx::query_as("SELECT prosrc FROM pg_proc WHERE proname = $1 AND pronamespace = CAST(current_schema() AS REGNAMESPACE)")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        if current.is_none_or(|(src,)| src != body) {
            sqlx::raw_sql(&definition).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Implements `record_alone` on `$storage`.
macro_rules! sql_movement_alone_paths {
    ($storage:ty) => {
        /// A `pos_item_standing` row: the standing, then the md5 of its text.
        type FingerprintedRow = (
            String,
            Option<String>,
            Option<Uuid>,
            Option<String>,
            i64,
            i64,
            i64,
            i64,
            Option<i64>,
            i64,
            i64,
            String,
        );

        impl $storage {
            /// Records `m`, HQ's movement at `store`, in two round trips if
            /// it can: `Some(Recorded)` if it did; `None` if the transactional
            /// path must decide (nothing was written).
            async fn record_alone(&self, tenant: TenantId, store: StoreId, m: &MovementRecord) -> DbResult<Option<MovementOutcome>> {
                if Self::WRITERS != $crate::storage::sql::Writers::SideBySide || m.batch.is_some() || m.store_id != store {
                    return Ok(None);
                }
                let now = now_ms();
                let row: Option<FingerprintedRow> = sqlx::query_as("SELECT * FROM pos_item_standing($1, $2, $3, $4)")
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(now)
                    .bind(m.variant_id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?;
                let Some((status, hours, variant, details, on_hand, withdrawn, listed, held, point, blocked, batched, expected)) = row else {
                    return Ok(None);
                };
                let row = (status, hours, variant, details, on_hand, withdrawn, listed, held, point, blocked, batched);
                let Some((_, mut item)) = Self::standing_from_row(store, row, true, now)? else {
                    return Ok(None);
                };
                if item.batched || item.deleted || Self::unit_allows(m.variant_id.as_uuid(), item.details.as_deref(), m.delta, "delta").is_err() {
                    return Ok(None);
                }
                let Ok((change, events)) = Self::movement_effects(store, m, &mut item) else {
                    return Ok(None);
                };
                let change = serde_json::to_string(&change).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let mut rows = Vec::with_capacity(events.len());
                for event in events {
                    rows.push(serde_json::json!({
                        "event_id": event.id(),
                        "event_type": event.event_type,
                        "source": event.source,
                        "store_id": event.store,
                        "occurred_at_ms": event.occurred_at.unix_millis(),
                        "trace_id": Uuid::now_v7(),
                        "data": serde_json::to_string(&event.data).map_err(|e| DbError::Corrupt(e.to_string()))?,
                    }));
                }
                let written = sqlx::query(
                    "SELECT pos_move_stock($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(now)
                .bind(m.variant_id.as_uuid())
                .bind(expected)
                .bind($crate::storage::sql::writes::TENANT_LOCK_SPACE)
                .bind(m.movement_id.as_uuid())
                .bind(m.delta.milli())
                .bind(m.reason.as_str())
                .bind(m.sale_id.map(|s| s.as_uuid()))
                .bind(m.terminal_id.map(|t| t.as_uuid()))
                .bind(m.occurred_at.unix_millis())
                .bind(change)
                .bind(serde_json::Value::Array(rows).to_string())
                .bind(i32::from(pos_shared::event::ENVELOPE_SCHEMA_VERSION))
                .execute(&self.pool)
                .await;
                match written {
                    Ok(_) => Ok(Some(MovementOutcome::Recorded)),
                    Err(sqlx::Error::Database(e))
                        if e.code().is_some_and(|code| $crate::storage::sql::movement_alone::SETTLE_IN_TRANSACTION.contains(&code.as_ref())) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    };
}

pub(crate) use sql_movement_alone_paths;
