//! HQ's single stock movement in two round trips on PostgreSQL, where the
//! transactional path (`movements.rs`) takes ten: begin, the tenant, the
//! position, the read, four writes, the numbering, commit.
//!
//! The hub reads the item's standing outside any transaction, with the
//! md5 of the row, and works the movement out in Rust as the transactional
//! path would (the same [`movement_effects`]). Then one call,
//! `pos_move_stock` (migration 0060), takes the same locks, reads the
//! standing again with the same statement and writes only if the row is the
//! same, numbering the feed change and the events as `pos_number_pending`
//! does. Whatever it cannot settle on its own (a standing that moved
//! between the read and the locks, a replayed id, batch-tracked stock, a
//! refusal, an unknown store or item) goes the transactional way, which
//! decides it under its locks: the outcome is always the one that path
//! gives. Expanded inside `sql_storage!`; SQLite, one writer at a time,
//! always takes the transaction.
//!
//! [`movement_effects`]: crate::storage::sql::movements

/// The SQLSTATEs `pos_move_stock` raises when the transactional path must
/// decide: the standing changed since it was read; the id is in the ledger.
pub(crate) const SETTLE_IN_TRANSACTION: [&str; 2] = ["PSM01", "PSM02"];

/// Implements `record_alone` on `$storage`.
macro_rules! sql_movement_alone_paths {
    ($storage:ty) => {
        /// A standing row followed by the md5 of its text.
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
                let standing_sql = Self::standing_sql(1);
                let read = format!("SELECT q.*, md5(CAST(q AS TEXT)) FROM ({standing_sql}) AS q");
                let row: Option<FingerprintedRow> = sqlx::query_as(&read)
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(now)
                    .bind(m.variant_id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?;
                let Some((status, hours, variant, details, on_hand, disabled, listed, held, point, blocked, batched, expected)) = row else {
                    return Ok(None);
                };
                let row = (status, hours, variant, details, on_hand, disabled, listed, held, point, blocked, batched);
                let Some((_, mut item)) = Self::standing_from_row(store, row, true, now)? else {
                    return Ok(None);
                };
                if item.batched || Self::unit_allows(m.variant_id.as_uuid(), item.details.as_deref(), m.delta, "delta").is_err() {
                    return Ok(None);
                }
                let Ok((change, events)) = Self::movement_effects(store, m, &mut item) else {
                    return Ok(None);
                };
                let change = serde_json::to_string(&change).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let mut rows = Vec::with_capacity(events.len());
                for event in events {
                    rows.push(serde_json::json!({
                        "event_id": Uuid::now_v7(),
                        "event_type": event.event_type,
                        "source": event.source,
                        "store_id": event.store,
                        "occurred_at_ms": event.occurred_at.unix_millis(),
                        "trace_id": Uuid::now_v7(),
                        "data": serde_json::to_string(&event.data).map_err(|e| DbError::Corrupt(e.to_string()))?,
                    }));
                }
                let written = sqlx::query(
                    "SELECT pos_move_stock($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(standing_sql)
                .bind(expected)
                .bind($crate::storage::sql::writes::TENANT_LOCK_SPACE)
                .bind(now)
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(m.variant_id.as_uuid())
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
