//! Stock takes at the hub, for both backends: each part of a store's
//! approval is kept as a fact, its lines in `stock_take_lines`, its
//! adjustments through the ledger's one movement path; the first approval of
//! a take the hub hears of is the take's (migration 0049). Expanded inside
//! `sql_storage!`.

/// Implements [`crate::storage::StockTakeStorage`] and the approval fact's
/// upload on `$storage`.
macro_rules! sql_stock_take_paths {
    ($storage:ty) => {
        use $crate::domain::stock_takes::{StockTakeLine, StockTakeReport, StockTakeSummary};
        use pos_shared::stock_take::StockTakeApproved;

        type StockTakeRow = (Uuid, Uuid, Uuid, String, String, bool, i64, i64, String, i64, i64, i64, i64, i64, i64);
        /// The take's header and its lines' sums, `t` being `stock_takes`.
        const STOCK_TAKE_SELECT: &str = "SELECT t.id, t.store_id, t.terminal_id, t.name, t.scope, t.blind, \
             t.started_at_ms, t.approved_at_ms, t.approved_by, t.parts, \
             (SELECT COUNT(*) FROM stock_take_parts p WHERE p.take_id = t.id), \
             (SELECT COUNT(*) FROM stock_take_lines l WHERE l.take_id = t.id), \
             (SELECT COUNT(*) FROM stock_take_lines l WHERE l.take_id = t.id AND l.movement_id IS NOT NULL), \
             (SELECT CAST(COALESCE(SUM(l.counted_milli - l.expected_milli), 0) AS BIGINT) FROM stock_take_lines l \
              WHERE l.take_id = t.id AND l.counted_milli < l.expected_milli), \
             (SELECT CAST(COALESCE(SUM(l.counted_milli - l.expected_milli), 0) AS BIGINT) FROM stock_take_lines l \
              WHERE l.take_id = t.id AND l.counted_milli > l.expected_milli) \
             FROM stock_takes t";

        fn stock_take_from_row(row: StockTakeRow) -> DbResult<StockTakeSummary> {
            let (id, store, terminal, name, scope, blind, started, approved, by, parts, received, lines, adjusted, missing, found) = row;
            let corrupt = |what: &str, e: serde_json::Error| DbError::Corrupt(format!("stock take {id}: {what}: {e}"));
            Ok(StockTakeSummary {
                take_id: id,
                store_id: StoreId::from_uuid(store),
                terminal_id: TerminalId::from_uuid(terminal),
                name,
                scope: serde_json::from_str(&scope).map_err(|e| corrupt("scope", e))?,
                blind,
                started_at: Timestamp::from_unix_millis(started),
                approved_at: Timestamp::from_unix_millis(approved),
                approved_by: serde_json::from_str(&by).map_err(|e| corrupt("approved_by", e))?,
                parts: u32::try_from(parts).unwrap_or(u32::MAX),
                parts_received: u32::try_from(received).unwrap_or(u32::MAX),
                lines: u64::try_from(lines).unwrap_or_default(),
                lines_adjusted: u64::try_from(adjusted).unwrap_or_default(),
                net_variance: Qty::from_milli(missing.saturating_add(found)),
                missing: Qty::from_milli(-missing),
                found: Qty::from_milli(found),
            })
        }

        impl $storage {
            /// Stores one part of a take's approval inside its fact's
            /// savepoint: the take's header when it is the first the hub
            /// hears of, the part, its lines and its adjustments. A part of
            /// another approval of a take already approved is refused (the
            /// till quarantines it, where HQ sees it), so stock moves once.
            async fn insert_stock_take_part(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                part: &StockTakeApproved,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let tenant = device.tenant_id;
                let scope = serde_json::to_string(&part.scope).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let approved_by = serde_json::to_string(&part.approved_by).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let received = now_ms();
                let created = sqlx::query(
                    "INSERT INTO stock_takes (id, tenant_id, store_id, terminal_id, approval_id, name, scope, blind, \
                     started_at_ms, approved_at_ms, approved_by, parts, received_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING",
                )
                .bind(part.take_id)
                .bind(tenant.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(part.approval_id)
                .bind(part.name.trim())
                .bind(&scope)
                .bind(part.blind)
                .bind(part.started_at.unix_millis())
                .bind(part.approved_at.unix_millis())
                .bind(&approved_by)
                .bind(i64::from(part.parts))
                .bind(received)
                .execute(&mut **tx)
                .await?
                .rows_affected()
                    == 1;
                if !created {
                    let (owner, store, approval, parts, by, approved_at): (Uuid, Uuid, Uuid, i64, String, i64) = sqlx::query_as(
                        "SELECT tenant_id, store_id, approval_id, parts, approved_by, approved_at_ms FROM stock_takes WHERE id = $1",
                    )
                    .bind(part.take_id)
                    .fetch_one(&mut **tx)
                    .await?;
                    if owner != tenant.as_uuid() || store != device.store_id.as_uuid() {
                        return Ok(FactStored::Rejected(format!("take_id: stock take {} is another store's", part.take_id)));
                    }
                    if approval != part.approval_id {
                        let who = serde_json::from_str::<pos_shared::sale::SaleCashier>(&by).map(|c| c.name).unwrap_or_default();
                        return Ok(FactStored::Rejected(format!(
                            "{}: approved by {who} at {} (stock take {}); this approval moved no stock at the hub and its till takes its adjustments back",
                            pos_shared::stock_take::SUPERSEDED_APPROVAL,
                            Timestamp::from_unix_millis(approved_at),
                            part.take_id,
                        )));
                    }
                    if parts != i64::from(part.parts) {
                        return Ok(FactStored::Rejected(format!(
                            "parts: the approval of stock take {} has {parts} parts, not {}",
                            part.take_id, part.parts
                        )));
                    }
                }
                let inserted = sqlx::query(
                    "INSERT INTO stock_take_parts (id, tenant_id, store_id, terminal_id, take_id, part, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                )
                .bind(part.part_id)
                .bind(tenant.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(part.take_id)
                .bind(i64::from(part.part))
                .bind(received)
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await;
                match inserted.map_err(DbError::from_sqlx) {
                    Ok(r) if r.rows_affected() == 0 => return Ok(FactStored::Duplicate),
                    Ok(_) => {}
                    Err(DbError::Conflict(_)) => {
                        return Ok(FactStored::Rejected(format!(
                            "part: part {} of stock take {} is already stored under another id",
                            part.part, part.take_id
                        )))
                    }
                    Err(e) => return Err(e),
                }
                // A piece is counted whole: a count with a fraction of one
                // is refused unless its item is sold loose.
                for (i, line) in part.lines.iter().enumerate() {
                    if line.counted.milli() % 1000 == 0 {
                        continue;
                    }
                    let details: Option<(Option<String>,)> = sqlx::query_as("SELECT details FROM variants WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(line.variant_id.as_uuid())
                        .fetch_optional(&mut **tx)
                        .await?;
                    let measured = details
                        .and_then(|(d,)| d)
                        .and_then(|d| serde_json::from_str::<pos_shared::item::ItemDetails>(&d).ok())
                        .is_some_and(|d| d.unit.is_measured());
                    if !measured {
                        return Ok(FactStored::Rejected(format!(
                            "lines[{i}].counted: {} is not a whole number, and item {} is counted in whole pieces",
                            line.counted, line.variant_id
                        )));
                    }
                }
                const LINE_COLUMNS: usize = 6;
                for chunk in part.lines.chunks(Self::rows_per_statement(LINE_COLUMNS)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * LINE_COLUMNS, LINE_COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO stock_take_lines (take_id, variant_id, tenant_id, counted_milli, expected_milli, movement_id) VALUES {}",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for line in chunk {
                        query = query
                            .bind(part.take_id)
                            .bind(line.variant_id.as_uuid())
                            .bind(tenant.as_uuid())
                            .bind(line.counted.milli())
                            .bind(line.expected.milli())
                            .bind(line.movement_id.map(|m| m.as_uuid()));
                    }
                    match query.execute(&mut **tx).await.map_err(DbError::from_sqlx) {
                        Ok(_) => {}
                        Err(DbError::Conflict(_)) => {
                            return Ok(FactStored::Rejected(format!(
                                "lines: an item of part {} is already in another part of stock take {}",
                                part.part, part.take_id
                            )))
                        }
                        Err(e) => return Err(e),
                    }
                }
                let outcome = Self::apply_fact_movements(tx, device, &part.movements(), None).await?;
                if outcome != FactStored::Accepted {
                    return Ok(outcome);
                }
                if created {
                    let event = $crate::domain::events::by_hub(
                        "inventory.stock_take.approved",
                        Some(device.store_id),
                        serde_json::json!({
                            "take_id": part.take_id, "name": part.name.trim(), "scope": part.scope,
                            "approved_by": part.approved_by, "approved_at": part.approved_at,
                            "terminal_id": device.terminal_id, "parts": part.parts,
                        }),
                    );
                    Self::emit_event(tx, tenant, event).await?;
                }
                Ok(FactStored::Accepted)
            }

            async fn stock_take_summary(&self, tenant: TenantId, id: Uuid) -> DbResult<StockTakeSummary> {
                let row: Option<StockTakeRow> = sqlx::query_as(&format!("{STOCK_TAKE_SELECT} WHERE t.tenant_id = $1 AND t.id = $2"))
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                stock_take_from_row(row.ok_or(DbError::NotFound("stock take"))?)
            }
        }

        #[async_trait::async_trait]
        impl StockTakeStorage for $storage {
            async fn stock_takes(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<StockTakeSummary>> {
                self.check_cursor("stock_takes", tenant, store, page).await?;
                let rows: Vec<StockTakeRow> = sqlx::query_as(&format!(
                    "{STOCK_TAKE_SELECT} WHERE t.tenant_id = $1 AND t.store_id = $2 {}",
                    $crate::storage::sql::ledger::page_in_commit_order("stock_takes", "t", Self::WRITERS)
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                Ok(Recorded::from_overfetch(
                    rows.into_iter().map(stock_take_from_row).collect::<DbResult<Vec<_>>>()?,
                    page.limit,
                ))
            }

            async fn stock_take(&self, tenant: TenantId, id: Uuid) -> DbResult<StockTakeReport> {
                let summary = self.stock_take_summary(tenant, id).await?;
                let rows: Vec<(Uuid, Option<String>, Option<String>, i64, i64, Option<Uuid>)> = sqlx::query_as(
                    "SELECT l.variant_id, v.sku, v.name, l.counted_milli, l.expected_milli, l.movement_id \
                     FROM stock_take_lines l LEFT JOIN variants v ON v.tenant_id = l.tenant_id AND v.id = l.variant_id \
                     WHERE l.tenant_id = $1 AND l.take_id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                let mut items: Vec<StockTakeLine> = rows
                    .into_iter()
                    .map(|(variant, sku, name, counted, expected, movement)| StockTakeLine {
                        variant_id: VariantId::from_uuid(variant),
                        sku: sku.unwrap_or_default(),
                        name: name.unwrap_or_default(),
                        counted: Qty::from_milli(counted),
                        expected: Qty::from_milli(expected),
                        variance: Qty::from_milli(counted.saturating_sub(expected)),
                        movement_id: movement.map(pos_shared::MovementId::from_uuid),
                    })
                    .collect();
                // What differed first, the largest shortfall first; then the
                // rest by SKU.
                items.sort_by(|a, b| {
                    (a.variance.milli() == 0, a.variance.milli(), &a.sku).cmp(&(b.variance.milli() == 0, b.variance.milli(), &b.sku))
                });
                Ok(StockTakeReport { summary, items })
            }
        }
    };
}
pub(crate) use sql_stock_take_paths;
