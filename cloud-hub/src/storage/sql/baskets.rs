//! The recommendations' projection for both backends: the sales read from a
//! tenant's events, what a step of them adds (one upsert per row, summed in
//! memory first), and the build from the sales ledger that a tenant's first
//! step, or a place the events were pruned past, starts from. Expanded
//! inside `sql_storage!`.

/// Till sales' lines read a page at a time when the projection is built
/// from the ledger.
pub(crate) const REBUILD_PAGE: usize = 20_000;

/// The parts of a sale's event the projection reads; the rest of its JSON
/// is skipped, not kept.
#[derive(serde::Deserialize)]
struct SaleInEvent {
    store_id: pos_shared::StoreId,
    occurred_at: pos_shared::Timestamp,
    lines: Vec<LineInEvent>,
}

#[derive(serde::Deserialize)]
struct LineInEvent {
    variant_id: pos_shared::VariantId,
    qty: pos_shared::Qty,
}

/// The parts of a stock movement's event the projection reads.
#[derive(serde::Deserialize)]
struct MovementInEvent {
    store_id: pos_shared::StoreId,
    variant_id: pos_shared::VariantId,
    delta: pos_shared::Qty,
    reason: pos_shared::sync::MovementReason,
    #[serde(default)]
    sale_id: Option<serde::de::IgnoredAny>,
    occurred_at: pos_shared::Timestamp,
}

/// What the event `kind` with JSON `data` sold: a till's sale (its lines
/// one basket), or a sale movement of no till's sale; nothing for other
/// movements, and for a till sale's own (its sale's event counts them).
pub(crate) fn sold_in(
    kind: &str,
    data: &str,
) -> Result<Option<crate::domain::baskets::SoldEvent>, serde_json::Error> {
    use crate::domain::baskets::SoldEvent;
    if kind == "pos.sale.recorded" {
        let sale: SaleInEvent = serde_json::from_str(data)?;
        return Ok(Some(SoldEvent {
            store_id: sale.store_id,
            occurred_at_ms: sale.occurred_at.unix_millis(),
            lines: sale
                .lines
                .into_iter()
                .map(|l| (l.variant_id, l.qty.milli()))
                .collect(),
            basket: true,
        }));
    }
    let m: MovementInEvent = serde_json::from_str(data)?;
    Ok(
        (m.reason == pos_shared::sync::MovementReason::Sale && m.sale_id.is_none()).then(|| {
            SoldEvent {
                store_id: m.store_id,
                occurred_at_ms: m.occurred_at.unix_millis(),
                lines: vec![(m.variant_id, -m.delta.milli())],
                basket: false,
            }
        }),
    )
}

/// Counts ledger rows `(sale, store, item, occurred at, delta)`, in sale
/// order, as the worker counts sales' events, leaving out the sale `cut`
/// (read whole with the next page); the tally and the last sale counted.
pub(crate) fn tally_sales(
    rows: &[(uuid::Uuid, uuid::Uuid, uuid::Uuid, i64, i64)],
    cut: Option<uuid::Uuid>,
) -> (crate::domain::baskets::BasketTally, Option<uuid::Uuid>) {
    use pos_shared::{StoreId, VariantId};
    let mut tally = crate::domain::baskets::BasketTally::default();
    let mut last = None;
    let mut kept = rows.iter().filter(|r| Some(r.0) != cut).peekable();
    while let Some(first) = kept.next() {
        let mut lines = vec![(VariantId::from_uuid(first.2), -first.4)];
        while let Some(line) = kept.next_if(|r| r.0 == first.0) {
            lines.push((VariantId::from_uuid(line.2), -line.4));
        }
        tally.add_sale(StoreId::from_uuid(first.1), first.3, &lines);
        last = Some(first.0);
    }
    (tally, last)
}

/// Implements [`crate::storage::BasketStorage`] on `$storage`.
macro_rules! sql_basket_paths {
    ($storage:ty) => {
        impl $storage {
            /// Upserts `rows` of `columns` values each (the key's, then the
            /// counts) into `table`, adding the counts to those there.
            async fn add_basket_rows(
                tx: &mut Tx<'_>,
                table: &str,
                key: &str,
                counts: &[&str],
                rows: Vec<Vec<BasketValue>>,
            ) -> DbResult<()> {
                let Some(width) = rows.first().map(Vec::len) else { return Ok(()) };
                let columns = format!("{key}, {}", counts.join(", "));
                let adds: Vec<String> = counts.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
                for chunk in rows.chunks(Self::rows_per_statement(width)) {
                    let values: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * width, width)).collect();
                    let sql = format!(
                        "INSERT INTO {table} ({columns}) VALUES {} ON CONFLICT ({key}) DO UPDATE SET {}",
                        values.join(", "),
                        adds.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for value in chunk.iter().flatten() {
                        query = match value {
                            BasketValue::Id(id) => query.bind(*id),
                            BasketValue::Int(n) => query.bind(*n),
                        };
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Adds what `tally` counted to the projection's rows.
            async fn add_tally(tx: &mut Tx<'_>, tenant: TenantId, tally: &$crate::domain::baskets::BasketTally) -> DbResult<()> {
                let t = tenant.as_uuid();
                let pairs = tally
                    .pairs
                    .iter()
                    .map(|((store, item, day, other), n)| {
                        vec![
                            BasketValue::Id(t),
                            BasketValue::Id(store.as_uuid()),
                            BasketValue::Id(item.as_uuid()),
                            BasketValue::Int(*day),
                            BasketValue::Id(other.as_uuid()),
                            BasketValue::Int(*n),
                        ]
                    })
                    .collect();
                Self::add_basket_rows(tx, "basket_pairs", "tenant_id, store_id, item_id, day, other_id", &["sales"], pairs).await?;
                let chain = tally
                    .chain_pairs
                    .iter()
                    .map(|((item, day, other), n)| {
                        vec![
                            BasketValue::Id(t),
                            BasketValue::Id(item.as_uuid()),
                            BasketValue::Int(*day),
                            BasketValue::Id(other.as_uuid()),
                            BasketValue::Int(*n),
                        ]
                    })
                    .collect();
                Self::add_basket_rows(tx, "chain_basket_pairs", "tenant_id, item_id, day, other_id", &["sales"], chain).await?;
                let sold = tally
                    .sold
                    .iter()
                    .map(|((store, day, item), (units, sales))| {
                        vec![
                            BasketValue::Id(t),
                            BasketValue::Id(store.as_uuid()),
                            BasketValue::Int(*day),
                            BasketValue::Id(item.as_uuid()),
                            BasketValue::Int(*units),
                            BasketValue::Int(*sales),
                        ]
                    })
                    .collect();
                Self::add_basket_rows(
                    tx,
                    "item_sales_daily",
                    "tenant_id, store_id, day, variant_id",
                    &["units_milli", "sales"],
                    sold,
                )
                .await?;
                Ok(())
            }

            /// [`BasketStorage::rebuild_baskets`], its losing a race with
            /// another hub's worker an error.
            async fn build_baskets(&self, tenant: TenantId, was: Option<u64>, since_ms: i64) -> DbResult<Option<u64>> {
                let mut tx = self.pool.begin().await?;
                match Self::WRITERS {
                    // One writer at a time: the ledger and the head cannot move.
                    $crate::storage::sql::Writers::OneAtATime => Self::lock_tenant(&mut tx, tenant).await?,
                    // A snapshot sees a commit's movements and its numbered
                    // events together or not at all, with no lock that would
                    // hold the tills' uploads back while the ledger is read.
                    $crate::storage::sql::Writers::SideBySide => {
                        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
                    }
                }
                let place: Option<(i64,)> = sqlx::query_as("SELECT through_seq FROM basket_places WHERE tenant_id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?;
                if place.map(|(p,)| p.max(0) as u64) != was {
                    return Ok(None);
                }
                let (head,): (i64,) = sqlx::query_as("SELECT event_seq FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(DbError::NotFound("tenant"))?;
                for table in ["basket_pairs", "chain_basket_pairs", "item_sales_daily"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1"))
                        .bind(tenant.as_uuid())
                        .execute(&mut *tx)
                        .await?;
                }
                // Stock sold outside a till's sale (an order, HQ's): each
                // movement a sale of its own, no pairs.
                sqlx::query(
                    "INSERT INTO item_sales_daily (tenant_id, store_id, day, variant_id, units_milli, sales) \
                     SELECT $1, store_id, occurred_at_ms / 86400000, variant_id, CAST(SUM(-delta_milli) AS BIGINT), COUNT(*) \
                     FROM stock_movements WHERE tenant_id = $1 AND reason = 'sale' AND sale_id IS NULL AND occurred_at_ms >= $2 \
                     GROUP BY store_id, occurred_at_ms / 86400000, variant_id",
                )
                .bind(tenant.as_uuid())
                .bind(since_ms)
                .execute(&mut *tx)
                .await?;
                // Till sales a page at a time by sale (the ledger's index),
                // counted as the worker counts a sale's event.
                let mut after: Option<Uuid> = None;
                loop {
                    // Read on from the last sale by the index's order (a
                    // range, not a filter, on both backends).
                    let sql = format!(
                        "SELECT sale_id, store_id, variant_id, occurred_at_ms, delta_milli FROM stock_movements \
                         WHERE tenant_id = $1 AND sale_id IS NOT NULL{} \
                           AND reason = 'sale' AND occurred_at_ms >= $2 \
                         ORDER BY sale_id LIMIT $3",
                        if after.is_some() { " AND sale_id > $4" } else { "" }
                    );
                    let query = sqlx::query_as::<_, (Uuid, Uuid, Uuid, i64, i64)>(&sql)
                        .bind(tenant.as_uuid())
                        .bind(since_ms)
                        .bind($crate::storage::sql::baskets::REBUILD_PAGE as i64);
                    let rows = match after {
                        Some(after) => query.bind(after),
                        None => query,
                    }
                    .fetch_all(&mut *tx)
                    .await?;
                    let full = rows.len() == $crate::storage::sql::baskets::REBUILD_PAGE;
                    // A full page may end inside a sale: that sale is read
                    // whole with the next page.
                    let last = rows.last().map(|r| r.0);
                    let complete = match (full, last) {
                        (true, Some(cut)) if rows.first().is_some_and(|r| r.0 != cut) => Some(cut),
                        _ => None,
                    };
                    let (tally, last_whole) = $crate::storage::sql::baskets::tally_sales(&rows, complete);
                    after = last_whole.or(after);
                    Self::add_tally(&mut tx, tenant, &tally).await?;
                    if !full {
                        break;
                    }
                }
                sqlx::query(
                    "INSERT INTO basket_places (tenant_id, through_seq, built_at_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (tenant_id) DO UPDATE SET through_seq = excluded.through_seq, built_at_ms = excluded.built_at_ms",
                )
                .bind(tenant.as_uuid())
                .bind(head)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(head.max(0) as u64))
            }
        }

        /// One value of a projection row.
        enum BasketValue {
            Id(Uuid),
            Int(i64),
        }

        #[async_trait::async_trait]
        impl BasketStorage for $storage {
            async fn event_heads(&self) -> DbResult<Vec<(TenantId, u64)>> {
                let rows: Vec<(Uuid, i64)> = sqlx::query_as("SELECT id, event_seq FROM tenants")
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(t, seq)| (TenantId::from_uuid(t), seq.max(0) as u64)).collect())
            }

            async fn basket_place(&self, tenant: TenantId) -> DbResult<Option<u64>> {
                let row: Option<(i64,)> = sqlx::query_as("SELECT through_seq FROM basket_places WHERE tenant_id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(seq,)| seq.max(0) as u64))
            }

            async fn sold_events(
                &self,
                tenant: TenantId,
                after: u64,
                upto: u64,
            ) -> DbResult<Vec<$crate::domain::baskets::SoldEvent>> {
                let mut tx = self.pool.begin().await?;
                let (floor,): (i64,) = sqlx::query_as("SELECT event_floor FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(DbError::NotFound("tenant"))?;
                let floor = floor.max(0) as u64;
                if after < floor {
                    return Err(DbError::CursorExpired { since: after, floor });
                }
                let rows: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT seq, event_type, data FROM hub_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 \
                     AND event_type IN ('pos.sale.recorded', 'inventory.stock.adjusted') ORDER BY seq",
                )
                .bind(tenant.as_uuid())
                .bind(i64::try_from(after).unwrap_or(i64::MAX))
                .bind(i64::try_from(upto).unwrap_or(i64::MAX))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?; // Read only.
                let mut sold = Vec::new();
                for (seq, kind, data) in rows {
                    let corrupt = |e: serde_json::Error| DbError::Corrupt(format!("event {seq} ({kind}): {e}"));
                    sold.extend($crate::storage::sql::baskets::sold_in(&kind, &data).map_err(corrupt)?);
                }
                Ok(sold)
            }

            async fn record_baskets(
                &self,
                tenant: TenantId,
                from: u64,
                through: u64,
                tally: &$crate::domain::baskets::BasketTally,
            ) -> DbResult<bool> {
                let mut tx = self.pool.begin().await?;
                // The place first: a writer from the start (SQLite), and the
                // row another hub's worker waits on and then finds moved.
                let moved = sqlx::query("UPDATE basket_places SET through_seq = $3 WHERE tenant_id = $1 AND through_seq = $2")
                    .bind(tenant.as_uuid())
                    .bind(i64::try_from(from).unwrap_or(i64::MAX))
                    .bind(i64::try_from(through).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if moved == 0 {
                    return Ok(false);
                }
                Self::add_tally(&mut tx, tenant, tally).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn rebuild_baskets(&self, tenant: TenantId, was: Option<u64>, since_ms: i64) -> DbResult<Option<u64>> {
                match self.build_baskets(tenant, was, since_ms).await {
                    // Another hub's worker built it or moved on while this
                    // snapshot read (PostgreSQL): its commit stands.
                    Err(DbError::Other(sqlx::Error::Database(e)))
                        if e.is_unique_violation() || e.code().as_deref() == Some("40001") =>
                    {
                        Ok(None)
                    }
                    built => built,
                }
            }

            async fn prune_baskets(&self, tenant: TenantId, before_day: i64) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                for table in ["basket_pairs", "chain_basket_pairs", "item_sales_daily"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1 AND day < $2"))
                        .bind(tenant.as_uuid())
                        .bind(before_day)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_basket_paths;

#[cfg(test)]
mod tests {
    use super::sold_in;
    use serde_json::json;

    #[test]
    fn a_sale_is_a_basket_and_its_own_movements_count_nothing() {
        let (store, tea, milk) = (
            pos_shared::StoreId::new(),
            pos_shared::VariantId::new(),
            pos_shared::VariantId::new(),
        );
        // The event as the hub stores it, with fields the projection skips.
        let sale = json!({"sale_id": pos_shared::SaleId::new(), "store_id": store, "receipt_no": "T1-000001",
            "occurred_at": "2026-12-05T10:00:00Z", "total": {"minor": 100, "currency": "INR"},
            "lines": [{"variant_id": tea, "qty": "2", "name": "Tea", "barcode": "8901234567890"},
                      {"variant_id": milk, "qty": "0.5"}]});
        let sold = sold_in("pos.sale.recorded", &sale.to_string())
            .unwrap()
            .unwrap();
        assert!(sold.basket);
        assert_eq!(sold.store_id, store);
        assert_eq!(sold.lines, vec![(tea, 2000), (milk, 500)]);
        let movement = |sale_id: serde_json::Value, reason: &str| {
            json!({"movement_id": pos_shared::MovementId::new(), "store_id": store, "variant_id": tea,
                   "delta": "-3", "reason": reason, "sale_id": sale_id, "occurred_at": "2026-12-05T10:00:00Z"})
            .to_string()
        };
        let till_sales = movement(json!(pos_shared::SaleId::new()), "sale");
        assert_eq!(
            sold_in("inventory.stock.adjusted", &till_sales).unwrap(),
            None
        );
        let order = sold_in("inventory.stock.adjusted", &movement(json!(null), "sale"))
            .unwrap()
            .unwrap();
        assert!(!order.basket);
        assert_eq!(order.lines, vec![(tea, 3000)]);
        let receipt = movement(json!(null), "receipt");
        assert_eq!(sold_in("inventory.stock.adjusted", &receipt).unwrap(), None);
        assert!(sold_in("pos.sale.recorded", "{\"lines\": 3}").is_err());
    }
}
