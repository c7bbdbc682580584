//! A goods receipt arriving from a till, for both backends (migration 0050):
//! stored as a fact with its lines, its accepted lines moved into their
//! batches through the ledger's one movement path, and the order it was
//! received against moved on and announced. Expanded inside `sql_storage!`
//! after `sql/purchasing.rs`, whose names it uses.

/// Implements the receipt fact's upload on `$storage`.
macro_rules! sql_goods_receipt_paths {
    ($storage:ty) => {
        impl $storage {
            /// Stores a delivery taken in at a till inside its fact's
            /// savepoint: the receipt, its lines, its receipt movements into
            /// batches; then the order it was received against moves on
            /// and its terminals hear of it. A receipt against an order
            /// HQ closed or cancelled is kept (the goods are on the shelf)
            /// and shows as a difference.
            async fn insert_goods_receipt(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                receipt: &GoodsReceived,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let tenant = device.tenant_id;
                let supplier: Option<(Uuid, String)> = sqlx::query_as("SELECT tenant_id, name FROM suppliers WHERE id = $1")
                    .bind(receipt.supplier_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some((_, supplier_name)) = supplier.filter(|(owner, _)| *owner == tenant.as_uuid()) else {
                    return Ok(FactStored::Rejected(format!("supplier_id: no supplier {} in this tenant", receipt.supplier_id)));
                };
                let mut number = None;
                let mut order_was = None;
                if let Some(po) = receipt.po_id {
                    let order: Option<(Uuid, Uuid, Uuid, i64, String)> =
                        sqlx::query_as("SELECT tenant_id, store_id, supplier_id, seq, state FROM purchase_orders WHERE id = $1")
                            .bind(po)
                            .fetch_optional(&mut **tx)
                            .await?;
                    let Some((_, store, supplier, seq, state)) = order.filter(|o| o.0 == tenant.as_uuid()) else {
                        return Ok(FactStored::Rejected(format!("po_id: no purchase order {po} in this tenant")));
                    };
                    if store != device.store_id.as_uuid() {
                        return Ok(FactStored::Rejected(format!("po_id: {} is another store's order", po_number(seq))));
                    }
                    if supplier != receipt.supplier_id {
                        return Ok(FactStored::Rejected(format!("supplier_id: {} is ordered from another supplier", po_number(seq))));
                    }
                    number = Some(po_number(seq));
                    order_was = PurchaseState::parse(&state).filter(|s| matches!(s, PurchaseState::Closed | PurchaseState::Cancelled));
                }
                let received_by = serde_json::to_string(&receipt.received_by).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let inserted = sqlx::query(
                    "INSERT INTO goods_receipts (id, tenant_id, store_id, terminal_id, po_id, supplier_id, started_at_ms, received_at_ms, \
                     received_by, bill_no, note, order_was, recorded_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
                )
                .bind(receipt.receipt_id)
                .bind(tenant.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(receipt.po_id)
                .bind(receipt.supplier_id)
                .bind(receipt.started_at.unix_millis())
                .bind(receipt.received_at.unix_millis())
                .bind(&received_by)
                .bind(receipt.bill_no.trim())
                .bind(receipt.note.trim())
                .bind(order_was.map(|s| s.as_str()))
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Ok(FactStored::Duplicate);
                }
                // Every line names an item of the catalog, counted in its unit
                // (whole pieces unless it is sold loose).
                for (i, line) in receipt.lines.iter().enumerate() {
                    let details: Option<(Option<String>,)> = sqlx::query_as("SELECT details FROM variants WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(line.variant_id.as_uuid())
                        .fetch_optional(&mut **tx)
                        .await?;
                    let Some((details,)) = details else {
                        return Ok(FactStored::Rejected(format!(
                            "lines[{i}].variant_id: no variant {} in this tenant's catalog",
                            line.variant_id
                        )));
                    };
                    for (field, qty) in [("received", line.received), ("damaged", line.damaged)] {
                        if let Err(DbError::InvalidField { detail, .. }) =
                            Self::unit_allows(line.variant_id.as_uuid(), details.as_deref(), qty, field)
                        {
                            return Ok(FactStored::Rejected(format!("lines[{i}].{field}: {detail}")));
                        }
                    }
                }
                // A batch code the store already holds with another expiry:
                // the goods are on the shelf, so the receipt stands, taken
                // into the store's batch under its date; the report shows
                // both dates for HQ to sort out with the supplier.
                let mut store_expiry: Vec<Option<String>> = vec![None; receipt.lines.len()];
                for (i, line) in receipt.lines.iter().enumerate() {
                    let Some(batch) = &line.batch else { continue };
                    let known: Option<(String,)> = sqlx::query_as(
                        "SELECT expires_on FROM stock_batches WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3 AND code = $4",
                    )
                    .bind(tenant.as_uuid())
                    .bind(device.store_id.as_uuid())
                    .bind(line.variant_id.as_uuid())
                    .bind(&batch.code)
                    .fetch_optional(&mut **tx)
                    .await?;
                    store_expiry[i] = known.map(|(day,)| day).filter(|day| *day != batch.expires_on);
                }
                let mut movements = receipt.movements();
                for movement in &mut movements {
                    let line = receipt.lines.iter().position(|l| l.movement_id == Some(movement.movement_id));
                    if let (Some(batch), Some(Some(day))) = (movement.batch.as_mut(), line.map(|i| &store_expiry[i])) {
                        batch.expires_on = day.clone();
                    }
                }
                const LINE_COLUMNS: usize = 10;
                let rows_per = Self::rows_per_statement(LINE_COLUMNS);
                for (c, chunk) in receipt.lines.chunks(rows_per).enumerate() {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * LINE_COLUMNS, LINE_COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO goods_receipt_lines (receipt_id, line_no, tenant_id, variant_id, received_milli, damaged_milli, \
                         batch_code, batch_expires_on, store_expires_on, movement_id) VALUES {}",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for (i, line) in chunk.iter().enumerate() {
                        let line_no = c * rows_per + i + 1;
                        query = query
                            .bind(receipt.receipt_id)
                            .bind(i64::try_from(line_no).unwrap_or(i64::MAX))
                            .bind(tenant.as_uuid())
                            .bind(line.variant_id.as_uuid())
                            .bind(line.received.milli())
                            .bind(line.damaged.milli())
                            .bind(line.batch.as_ref().map(|b| b.code.clone()))
                            .bind(line.batch.as_ref().map(|b| b.expires_on.clone()))
                            .bind(store_expiry[c * rows_per + i].clone())
                            .bind(line.movement_id.map(|m| m.as_uuid()));
                    }
                    query.execute(&mut **tx).await?;
                }
                let outcome = Self::apply_fact_movements(tx, device, &movements, None).await?;
                if outcome != FactStored::Accepted {
                    return Ok(outcome);
                }
                let received = receipt.lines.iter().filter(|l| l.received.is_positive()).count();
                let damaged = receipt.lines.iter().filter(|l| l.damaged.is_positive()).count();
                let mut differs = None;
                if let Some(po) = receipt.po_id {
                    // Read with this receipt in it.
                    let now = Self::purchase_order_in(tx, tenant, po).await?.ok_or(DbError::NotFound("purchase order"))?;
                    // Goods taken in against a cancelled order: it was not
                    // called off after all, so it is closed with what came.
                    let cancelled_but_came =
                        now.summary.state == PurchaseState::Cancelled && receipt.lines.iter().any(|l| l.received.is_positive());
                    if cancelled_but_came {
                        sqlx::query("UPDATE purchase_orders SET state = 'closed', updated_at_ms = $1 WHERE id = $2")
                            .bind(now_ms())
                            .bind(po)
                            .execute(&mut **tx)
                            .await?;
                    }
                    if now.summary.state.expecting() {
                        let state = PurchaseOrderReport::state_from_deliveries(&now.items);
                        sqlx::query("UPDATE purchase_orders SET state = $1, updated_at_ms = $2 WHERE id = $3")
                            .bind(state.as_str())
                            .bind(now_ms())
                            .bind(po)
                            .execute(&mut **tx)
                            .await?;
                    }
                    differs = Some(Self::announce_purchase_order(tx, tenant, po).await?.differs);
                }
                let event = $crate::domain::events::by_hub(
                    "purchase.goods_received",
                    Some(device.store_id),
                    serde_json::json!({
                        "receipt_id": receipt.receipt_id, "po_id": receipt.po_id, "po_number": number,
                        "supplier_id": receipt.supplier_id, "supplier_name": supplier_name,
                        "terminal_id": device.terminal_id, "received_by": receipt.received_by,
                        "received_at": receipt.received_at, "bill_no": receipt.bill_no.trim(),
                        "lines": receipt.lines.len(), "lines_received": received, "lines_damaged": damaged,
                        "batch_dates_differ": store_expiry.iter().any(Option::is_some),
                        "order_was": order_was,
                        "order_differs": differs,
                    }),
                );
                Self::emit_event(tx, tenant, event).await?;
                Ok(FactStored::Accepted)
            }
        }
    };
}
pub(crate) use sql_goods_receipt_paths;
