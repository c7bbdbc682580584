//! Supplier bills at the hub, for both backends (migration 0051): a bill
//! is kept with the receipts it charges for (each receipt billed once) and
//! its lines; its match against those receipts and their orders is worked
//! out when it is read, from what the receipts accepted, so it is never out
//! of date. Expanded inside `sql_storage!`; the trait methods are in
//! `sql/purchasing.rs`.

/// Implements the supplier-bill half of [`crate::storage::PurchaseStorage`]
/// as inherent methods on `$storage`.
macro_rules! sql_supplier_bill_paths {
    ($storage:ty) => {
        use $crate::domain::supplier_bills::{
            BillLineMatch, BilledReceipt, EnteredBill, NewSupplierBill, SupplierBill,
        };

        impl $storage {
            /// A bill and its match, or `None`.
            async fn supplier_bill_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<Option<SupplierBill>> {
                let head: Option<(Uuid, String, String, String, i64, String)> = sqlx::query_as(
                    "SELECT b.supplier_id, s.name, b.bill_no, b.bill_date, b.recorded_at_ms, b.recorded_by \
                     FROM supplier_bills b JOIN suppliers s ON s.id = b.supplier_id WHERE b.tenant_id = $1 AND b.id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                let Some((supplier_id, supplier_name, bill_no, bill_date, recorded_at, recorded_by)) = head else {
                    return Ok(None);
                };
                let receipts: Vec<(Uuid, Option<i64>, i64)> = sqlx::query_as(
                    "SELECT r.id, (SELECT o.seq FROM purchase_orders o WHERE o.id = r.po_id), r.received_at_ms \
                     FROM supplier_bill_receipts br JOIN goods_receipts r ON r.id = br.receipt_id \
                     WHERE br.tenant_id = $1 AND br.bill_id = $2 ORDER BY r.received_at_ms, r.id",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                let billed: Vec<(Uuid, Option<String>, Option<String>, i64, i64)> = sqlx::query_as(
                    "SELECT l.variant_id, v.sku, v.name, l.qty_milli, l.unit_cost_minor FROM supplier_bill_lines l \
                     LEFT JOIN variants v ON v.tenant_id = l.tenant_id AND v.id = l.variant_id \
                     WHERE l.tenant_id = $1 AND l.bill_id = $2 ORDER BY l.line_no",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                let received: Vec<(Uuid, Option<String>, Option<String>, i64)> = sqlx::query_as(
                    "SELECT gl.variant_id, v.sku, v.name, CAST(SUM(gl.received_milli) AS BIGINT) FROM goods_receipt_lines gl \
                     JOIN supplier_bill_receipts br ON br.receipt_id = gl.receipt_id \
                     LEFT JOIN variants v ON v.tenant_id = gl.tenant_id AND v.id = gl.variant_id \
                     WHERE br.tenant_id = $1 AND br.bill_id = $2 GROUP BY gl.variant_id, v.sku, v.name ORDER BY v.sku",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                let agreed: Vec<(Uuid, Option<i64>)> = sqlx::query_as(
                    "SELECT pl.variant_id, MAX(pl.unit_cost_minor) FROM purchase_order_lines pl \
                     JOIN goods_receipts r ON r.po_id = pl.po_id \
                     JOIN supplier_bill_receipts br ON br.receipt_id = r.id \
                     WHERE br.tenant_id = $1 AND br.bill_id = $2 GROUP BY pl.variant_id",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                // Items the bill's orders had (their receipts without an order
                // have none to compare with).
                let ordered: std::collections::HashSet<Uuid> = agreed.iter().map(|(v, _)| *v).collect();
                let against_orders = receipts.iter().any(|(_, seq, _)| seq.is_some());
                let agreed: std::collections::HashMap<Uuid, i64> =
                    agreed.into_iter().filter_map(|(v, c)| Some((v, c?))).collect();
                let mut came: std::collections::HashMap<Uuid, i64> = received.iter().map(|(v, _, _, q)| (*v, *q)).collect();
                let mut lines = Vec::with_capacity(billed.len() + received.len());
                let mut total = 0i64;
                for (variant, sku, name, qty, cost) in billed {
                    let got = Qty::from_milli(came.remove(&variant).unwrap_or(0));
                    let qty = Qty::from_milli(qty);
                    let amount = $crate::domain::supplier_bills::amount_minor(qty, cost);
                    total = total.saturating_add(amount);
                    let agreed_cost = agreed.get(&variant).copied();
                    let mut findings = $crate::domain::supplier_bills::findings(Some((qty, cost)), got, agreed_cost);
                    if against_orders && !ordered.contains(&variant) {
                        findings.push($crate::domain::supplier_bills::BillFinding::NotOrdered);
                    }
                    lines.push(BillLineMatch {
                        variant_id: VariantId::from_uuid(variant),
                        sku: sku.unwrap_or_default(),
                        name: name.unwrap_or_default(),
                        billed: qty,
                        received: got,
                        unit_cost_minor: Some(cost),
                        ordered_cost_minor: agreed_cost,
                        billed_minor: amount,
                        findings,
                    });
                }
                for (variant, sku, name, _) in received {
                    if let Some(left) = came.remove(&variant) {
                        let got = Qty::from_milli(left);
                        let ordered = agreed.get(&variant).copied();
                        let findings = $crate::domain::supplier_bills::findings(None, got, ordered);
                        if findings.is_empty() {
                            continue; // Only damaged: nothing to bill.
                        }
                        lines.push(BillLineMatch {
                            variant_id: VariantId::from_uuid(variant),
                            sku: sku.unwrap_or_default(),
                            name: name.unwrap_or_default(),
                            billed: Qty::ZERO,
                            received: got,
                            unit_cost_minor: None,
                            ordered_cost_minor: ordered,
                            billed_minor: 0,
                            findings,
                        });
                    }
                }
                Ok(Some(SupplierBill {
                    bill_id: id,
                    supplier_id,
                    supplier_name,
                    bill_no,
                    bill_date,
                    recorded_at: Timestamp::from_unix_millis(recorded_at),
                    recorded_by,
                    receipts: receipts
                        .into_iter()
                        .map(|(receipt_id, seq, at)| BilledReceipt {
                            receipt_id,
                            po_number: seq.map($crate::storage::sql::purchasing::po_number),
                            received_at: Timestamp::from_unix_millis(at),
                        })
                        .collect(),
                    matched: lines.iter().all(|l| l.findings.is_empty()),
                    lines,
                    billed_minor: total,
                }))
            }

            async fn enter_supplier_bill_in(&self, tenant: TenantId, new: &NewSupplierBill) -> DbResult<EnteredBill> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                if let Some(existing) = Self::supplier_bill_in(&mut tx, tenant, new.bill_id).await? {
                    let mut had: Vec<Uuid> = existing.receipts.iter().map(|r| r.receipt_id).collect();
                    let mut asked = new.receipt_ids.clone();
                    had.sort_unstable();
                    asked.sort_unstable();
                    if existing.supplier_id != new.supplier_id || existing.bill_no != new.bill_no || had != asked {
                        return Err(DbError::Conflict("bill_id reused".into()));
                    }
                    return Ok(EnteredBill::Existing(existing));
                }
                let owner: Option<(Uuid,)> = sqlx::query_as("SELECT tenant_id FROM suppliers WHERE id = $1")
                    .bind(new.supplier_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if owner.is_none_or(|(t,)| t != tenant.as_uuid()) {
                    return Err(DbError::InvalidField {
                        field: "supplier_id",
                        detail: format!("no supplier {} on this tenant's list", new.supplier_id),
                    });
                }
                let taken: Option<(Uuid,)> =
                    sqlx::query_as("SELECT id FROM supplier_bills WHERE tenant_id = $1 AND supplier_id = $2 AND bill_no = $3")
                        .bind(tenant.as_uuid())
                        .bind(new.supplier_id)
                        .bind(&new.bill_no)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((other,)) = taken {
                    return Err(DbError::InvalidField {
                        field: "bill_no",
                        detail: format!("this supplier's bill {} is already entered (bill {other})", new.bill_no),
                    });
                }
                for (i, receipt) in new.receipt_ids.iter().enumerate() {
                    let found: Option<(Uuid, Uuid, Option<Uuid>)> = sqlx::query_as(
                        "SELECT r.tenant_id, r.supplier_id, (SELECT br.bill_id FROM supplier_bill_receipts br WHERE br.receipt_id = r.id) \
                         FROM goods_receipts r WHERE r.id = $1",
                    )
                    .bind(*receipt)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let refuse = |detail: String| DbError::InvalidField { field: "receipt_ids", detail: format!("receipt_ids[{i}]: {detail}") };
                    match found {
                        Some((t, _, _)) if t != tenant.as_uuid() => return Err(refuse(format!("no goods receipt {receipt}"))),
                        None => return Err(refuse(format!("no goods receipt {receipt}"))),
                        Some((_, supplier, _)) if supplier != new.supplier_id => {
                            return Err(refuse(format!("goods receipt {receipt} is another supplier's delivery")))
                        }
                        Some((_, _, Some(bill))) => {
                            return Err(refuse(format!("goods receipt {receipt} is already billed (bill {bill})")))
                        }
                        Some(_) => {}
                    }
                }
                for (index, line) in new.lines.iter().enumerate() {
                    let at = |error: DbError| DbError::AtItem { index, error: Box::new(error) };
                    if Self::variant_deleted(&mut tx, tenant, line.variant_id).await?.is_none() {
                        return Err(at(DbError::NotFound("variant")));
                    }
                    Self::check_unit(&mut tx, tenant, line.variant_id, line.qty, "qty").await.map_err(at)?;
                }
                sqlx::query(
                    "INSERT INTO supplier_bills (id, tenant_id, supplier_id, bill_no, bill_date, recorded_at_ms, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(new.bill_id)
                .bind(tenant.as_uuid())
                .bind(new.supplier_id)
                .bind(&new.bill_no)
                .bind(&new.bill_date)
                .bind(now_ms())
                .bind(&new.recorded_by)
                .execute(&mut *tx)
                .await?;
                for receipt in &new.receipt_ids {
                    sqlx::query("INSERT INTO supplier_bill_receipts (bill_id, receipt_id, tenant_id) VALUES ($1, $2, $3)")
                        .bind(new.bill_id)
                        .bind(*receipt)
                        .bind(tenant.as_uuid())
                        .execute(&mut *tx)
                        .await?;
                }
                const LINE_COLUMNS: usize = 6;
                let rows: Vec<String> = (0..new.lines.len()).map(|i| Self::param_row(i * LINE_COLUMNS, LINE_COLUMNS)).collect();
                let sql = format!(
                    "INSERT INTO supplier_bill_lines (bill_id, line_no, tenant_id, variant_id, qty_milli, unit_cost_minor) VALUES {}",
                    rows.join(", ")
                );
                let mut query = sqlx::query(&sql);
                for (i, line) in new.lines.iter().enumerate() {
                    query = query
                        .bind(new.bill_id)
                        .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
                        .bind(tenant.as_uuid())
                        .bind(line.variant_id.as_uuid())
                        .bind(line.qty.milli())
                        .bind(line.unit_cost_minor);
                }
                query.execute(&mut *tx).await?;
                let bill = Self::supplier_bill_in(&mut tx, tenant, new.bill_id).await?.ok_or(DbError::NotFound("supplier bill"))?;
                let event = $crate::domain::events::by_hub(
                    "purchase.bill.matched",
                    None,
                    serde_json::json!({
                        "bill_id": bill.bill_id, "supplier_id": bill.supplier_id, "bill_no": bill.bill_no,
                        "billed_minor": bill.billed_minor, "matched": bill.matched,
                        "receipts": bill.receipts.iter().map(|r| r.receipt_id).collect::<Vec<_>>(),
                    }),
                );
                Self::emit_event(&mut tx, tenant, event).await?;
                Self::commit(tx).await?;
                Ok(EnteredBill::Created(bill))
            }

            async fn supplier_bills_page(&self, tenant: TenantId, supplier: Uuid, page: RecordedPage) -> DbResult<Recorded<SupplierBill>> {
                self.supplier(tenant, supplier).await?;
                if let Some(after) = page.after {
                    let known: Option<(Uuid,)> =
                        sqlx::query_as("SELECT id FROM supplier_bills WHERE tenant_id = $1 AND supplier_id = $2 AND id = $3")
                            .bind(tenant.as_uuid())
                            .bind(supplier)
                            .bind(after)
                            .fetch_optional(&self.pool)
                            .await?;
                    if known.is_none() {
                        return Err(DbError::InvalidField { field: "cursor", detail: CURSOR_REFUSED.into() });
                    }
                }
                let ids: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM supplier_bills WHERE tenant_id = $1 AND supplier_id = $2 \
                     AND ($3 IS NULL OR (recorded_at_ms, id) > (SELECT recorded_at_ms, id FROM supplier_bills WHERE tenant_id = $1 AND id = $3)) \
                     ORDER BY recorded_at_ms, id LIMIT $4",
                )
                .bind(tenant.as_uuid())
                .bind(supplier)
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let mut tx = self.pool.begin().await?;
                let mut bills = Vec::with_capacity(ids.len());
                for (id,) in ids {
                    if let Some(bill) = Self::supplier_bill_in(&mut tx, tenant, id).await? {
                        bills.push(bill);
                    }
                }
                tx.commit().await?; // Read only.
                Ok(Recorded::from_overfetch(bills, page.limit))
            }
        }
    };
}
pub(crate) use sql_supplier_bill_paths;
