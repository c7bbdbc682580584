//! Suppliers, purchase orders and goods receipts at the hub, for both
//! backends (migration 0050). An order's received figures are always summed
//! from its receipts' lines, so the one record of a delivery is its fact; a
//! receipt's accepted lines go through the ledger's one movement path into
//! their batches. Every change of an order reaches the store's terminals as
//! a `purchase_order_changed` feed change (and HQ as its event). A receipt's
//! upload is in `sql/goods_receipts.rs`. Expanded inside `sql_storage!`.

/// `PO-000042`.
pub(crate) fn po_number(seq: i64) -> String {
    format!("PO-{seq:06}")
}

/// Implements [`crate::storage::PurchaseStorage`] and the receipt fact's
/// upload on `$storage`.
macro_rules! sql_purchase_paths {
    ($storage:ty) => {
        use $crate::domain::purchasing::{
            NewPurchaseOrder, NewSupplier, OrderLineReport, PurchaseOrderReport, PurchaseOrderSummary, RaisedOrder,
            ReceiptReport, ReceiptSummary, ReceivedItem, Supplier,
        };
        use $crate::storage::sql::purchasing::po_number;
        use pos_shared::purchase::{GoodsReceived, PurchaseOrderState as PurchaseState, OrderedLine, PurchaseOrder};

        type SupplierDbRow = (Uuid, String, Option<String>, Option<String>, i64);
        const SUPPLIER_DB_SELECT: &str = "SELECT id, name, gstin, phone, created_at_ms FROM suppliers";

        /// How far back a store's tills hold its orders that are no longer
        /// expected (their snapshot's reach).
        const TILLS_HOLD_ORDERS_MS: i64 = 180 * 86_400_000;
        /// The orders a store's tills hold, `$3` being now less
        /// [`TILLS_HOLD_ORDERS_MS`]: every one still expected, and the recent others.
        const HELD_BY_TILLS: &str = "(state IN ('open', 'part_received') OR raised_at_ms > $3)";

        fn supplier_from_row((id, name, gstin, phone, created): SupplierDbRow) -> Supplier {
            Supplier { supplier_id: id, name, gstin, phone, created_at: Timestamp::from_unix_millis(created) }
        }

        type PurchaseRow = (Uuid, i64, Uuid, Uuid, String, String, i64, String, Option<String>, String, i64, i64);
        /// An order's header, its supplier's name and its counts, `o` being `purchase_orders`.
        const PURCHASE_SELECT: &str = "SELECT o.id, o.seq, o.store_id, o.supplier_id, s.name, o.state, o.raised_at_ms, o.raised_by, \
             o.expected_on, o.note, \
             (SELECT COUNT(*) FROM purchase_order_lines l WHERE l.po_id = o.id), \
             (SELECT COUNT(*) FROM goods_receipts r WHERE r.po_id = o.id) \
             FROM purchase_orders o JOIN suppliers s ON s.id = o.supplier_id";

        fn purchase_from_row(row: PurchaseRow) -> DbResult<PurchaseOrderSummary> {
            let (id, seq, store, supplier, supplier_name, state, raised, by, expected_on, note, lines, receipts) = row;
            Ok(PurchaseOrderSummary {
                po_id: id,
                number: po_number(seq),
                store_id: StoreId::from_uuid(store),
                supplier_id: supplier,
                supplier_name,
                state: PurchaseState::parse(&state).ok_or_else(|| DbError::Corrupt(format!("purchase order {id}: state {state:?}")))?,
                raised_at: Timestamp::from_unix_millis(raised),
                raised_by: by,
                expected_on,
                note,
                lines: u64::try_from(lines).unwrap_or_default(),
                receipts: u64::try_from(receipts).unwrap_or_default(),
                overdue: false,
            })
            .map(|mut o| {
                // Still expected after its day (dates compare as text).
                let today = time::OffsetDateTime::now_utc().date().to_string();
                o.overdue = o.state.expecting() && o.expected_on.as_deref().is_some_and(|d| *d < *today.as_str());
                o
            })
        }

        type GoodsReceiptRow = (Uuid, Uuid, Uuid, Option<Uuid>, Option<i64>, Uuid, String, i64, String, String, String, Option<String>, Option<Uuid>, i64, i64, i64);
        /// A receipt's header and its lines' sums, `r` being `goods_receipts`.
        const GOODS_RECEIPT_SELECT: &str = "SELECT r.id, r.store_id, r.terminal_id, r.po_id, \
             (SELECT o.seq FROM purchase_orders o WHERE o.id = r.po_id), r.supplier_id, s.name, r.received_at_ms, \
             r.received_by, r.bill_no, r.note, r.order_was, \
             (SELECT e.id FROM goods_receipts e WHERE e.tenant_id = r.tenant_id AND e.supplier_id = r.supplier_id \
                AND r.bill_no <> '' AND lower(e.bill_no) = lower(r.bill_no) AND e.id <> r.id \
                AND (e.recorded_at_ms, e.id) < (r.recorded_at_ms, r.id) ORDER BY e.recorded_at_ms, e.id LIMIT 1), \
             (SELECT COUNT(*) FROM goods_receipt_lines l WHERE l.receipt_id = r.id), \
             (SELECT COUNT(*) FROM goods_receipt_lines l WHERE l.receipt_id = r.id AND l.received_milli > 0), \
             (SELECT COUNT(*) FROM goods_receipt_lines l WHERE l.receipt_id = r.id AND l.damaged_milli > 0) \
             FROM goods_receipts r JOIN suppliers s ON s.id = r.supplier_id";

        fn goods_receipt_from_row(row: GoodsReceiptRow) -> DbResult<ReceiptSummary> {
            let (id, store, terminal, po, seq, supplier, supplier_name, at, by, bill_no, note, order_was, same_bill_as, lines, received, damaged) = row;
            Ok(ReceiptSummary {
                receipt_id: id,
                store_id: StoreId::from_uuid(store),
                terminal_id: TerminalId::from_uuid(terminal),
                po_id: po,
                po_number: seq.map(po_number),
                supplier_id: supplier,
                supplier_name,
                received_at: Timestamp::from_unix_millis(at),
                received_by: serde_json::from_str(&by).map_err(|e| DbError::Corrupt(format!("goods receipt {id}: received_by: {e}")))?,
                bill_no,
                note,
                order_was: order_was.as_deref().and_then(PurchaseState::parse),
                same_bill_as,
                lines: u64::try_from(lines).unwrap_or_default(),
                lines_received: u64::try_from(received).unwrap_or_default(),
                lines_damaged: u64::try_from(damaged).unwrap_or_default(),
            })
        }

        impl $storage {
            /// An order with everything received against it, or `None`.
            async fn purchase_order_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<Option<PurchaseOrderReport>> {
                let row: Option<PurchaseRow> = sqlx::query_as(&format!("{PURCHASE_SELECT} WHERE o.tenant_id = $1 AND o.id = $2"))
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let summary = purchase_from_row(row)?;
                let ordered: Vec<(Uuid, Option<String>, Option<String>, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT l.variant_id, v.sku, v.name, l.ordered_milli, l.unit_cost_minor FROM purchase_order_lines l \
                     LEFT JOIN variants v ON v.tenant_id = l.tenant_id AND v.id = l.variant_id \
                     WHERE l.tenant_id = $1 AND l.po_id = $2 ORDER BY l.line_no",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                let came: Vec<(Uuid, Option<String>, Option<String>, i64, i64)> = sqlx::query_as(
                    "SELECT gl.variant_id, v.sku, v.name, CAST(SUM(gl.received_milli) AS BIGINT), CAST(SUM(gl.damaged_milli) AS BIGINT) \
                     FROM goods_receipt_lines gl JOIN goods_receipts r ON r.id = gl.receipt_id \
                     LEFT JOIN variants v ON v.tenant_id = gl.tenant_id AND v.id = gl.variant_id \
                     WHERE r.tenant_id = $1 AND r.po_id = $2 GROUP BY gl.variant_id, v.sku, v.name ORDER BY v.sku",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                let mut came: std::collections::HashMap<Uuid, (Option<String>, Option<String>, i64, i64)> =
                    came.into_iter().map(|(v, sku, name, r, d)| (v, (sku, name, r, d))).collect();
                let line = |variant: Uuid, sku: Option<String>, name: Option<String>, ordered: i64, received: i64, damaged: i64, cost: Option<i64>| {
                    let (short, excess) = $crate::domain::purchasing::differences(Qty::from_milli(ordered), Qty::from_milli(received));
                    OrderLineReport {
                        variant_id: VariantId::from_uuid(variant),
                        sku: sku.unwrap_or_default(),
                        name: name.unwrap_or_default(),
                        ordered: Qty::from_milli(ordered),
                        received: Qty::from_milli(received),
                        damaged: Qty::from_milli(damaged),
                        short,
                        excess,
                        unit_cost_minor: cost,
                    }
                };
                let mut items = Vec::with_capacity(ordered.len() + came.len());
                for (variant, sku, name, qty, cost) in ordered {
                    let (_, _, received, damaged) = came.remove(&variant).unwrap_or_default();
                    items.push(line(variant, sku, name, qty, received, damaged, cost));
                }
                let mut unordered: Vec<_> = came.into_iter().collect();
                unordered.sort_by(|a, b| (&a.1 .0, a.0).cmp(&(&b.1 .0, b.0)));
                for (variant, (sku, name, received, damaged)) in unordered {
                    items.push(line(variant, sku, name, 0, received, damaged, None));
                }
                let deliveries: Vec<GoodsReceiptRow> =
                    sqlx::query_as(&format!("{GOODS_RECEIPT_SELECT} WHERE r.tenant_id = $1 AND r.po_id = $2 ORDER BY r.recorded_at_ms, r.id"))
                        .bind(tenant.as_uuid())
                        .bind(id)
                        .fetch_all(&mut **tx)
                        .await?;
                let deliveries = deliveries.into_iter().map(goods_receipt_from_row).collect::<DbResult<Vec<_>>>()?;
                // Before any delivery nothing differs: everything is still to come.
                let differs = !deliveries.is_empty()
                    && (deliveries.iter().any(|d| d.order_was.is_some() || d.same_bill_as.is_some())
                        || items.iter().any(|i| i.short.is_positive() || i.excess.is_positive() || i.damaged.is_positive()));
                // What the order is worth at its agreed costs, and what came of
                // it; absent when no line has a cost.
                let costed: Vec<&OrderLineReport> = items.iter().filter(|i| i.unit_cost_minor.is_some()).collect();
                let value = |qty: fn(&OrderLineReport) -> Qty| {
                    (!costed.is_empty()).then(|| {
                        costed.iter().fold(0i64, |sum, i| {
                            sum.saturating_add($crate::domain::supplier_bills::amount_minor(qty(i), i.unit_cost_minor.unwrap_or(0)))
                        })
                    })
                };
                let ordered_minor = value(|i| i.ordered);
                let received_minor = value(|i| i.received);
                Ok(Some(PurchaseOrderReport { summary, items, differs, deliveries, ordered_minor, received_minor }))
            }

            /// An order as the store's terminals hear of it.
            fn order_for_terminals(report: &PurchaseOrderReport) -> PurchaseOrder {
                let s = &report.summary;
                PurchaseOrder {
                    po_id: s.po_id,
                    number: s.number.clone(),
                    store_id: s.store_id,
                    supplier_id: s.supplier_id,
                    supplier_name: s.supplier_name.clone(),
                    state: s.state,
                    raised_at: s.raised_at,
                    expected_on: s.expected_on.clone(),
                    note: s.note.clone(),
                    lines: report
                        .items
                        .iter()
                        .filter(|i| i.ordered.is_positive())
                        .map(|i| OrderedLine {
                            variant_id: i.variant_id,
                            ordered: i.ordered,
                            received: i.received,
                            unit_cost_minor: i.unit_cost_minor,
                        })
                        .collect(),
                }
            }

            /// Tells the store's terminals (and HQ) where the order stands now.
            async fn announce_purchase_order(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<PurchaseOrderReport> {
                let report = Self::purchase_order_in(tx, tenant, id).await?.ok_or(DbError::NotFound("purchase order"))?;
                let change = ChangeBody::PurchaseOrderChanged(Self::order_for_terminals(&report));
                Self::append_change(tx, tenant, Some(report.summary.store_id), &change).await?;
                Ok(report)
            }

            /// The store's orders for its snapshot: every one still expected,
            /// and the others raised in the last 180 days (the till knows the
            /// store's suppliers from them), at most 500, oldest first.
            pub(crate) async fn snapshot_purchase_orders(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<Vec<PurchaseOrder>> {
                let mut ids: Vec<(Uuid,)> = sqlx::query_as(&format!(
                    "SELECT id FROM purchase_orders WHERE tenant_id = $1 AND store_id = $2 AND {HELD_BY_TILLS} \
                     ORDER BY seq DESC LIMIT 500"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(now_ms() - TILLS_HOLD_ORDERS_MS)
                .fetch_all(&mut **tx)
                .await?;
                ids.reverse();
                let mut orders = Vec::with_capacity(ids.len());
                for (id,) in ids {
                    if let Some(report) = Self::purchase_order_in(tx, tenant, id).await? {
                        orders.push(Self::order_for_terminals(&report));
                    }
                }
                Ok(orders)
            }
        }

        impl $storage {
            /// Refuses a GSTIN another of the tenant's suppliers is listed
            /// under: one registration is one supplier, so bills and input
            /// tax match one name.
            async fn gstin_is_free(tx: &mut Tx<'_>, tenant: TenantId, supplier: Uuid, gstin: Option<&str>) -> DbResult<()> {
                let Some(gstin) = gstin else { return Ok(()) };
                let holder: Option<(String,)> = sqlx::query_as("SELECT name FROM suppliers WHERE tenant_id = $1 AND gstin = $2 AND id <> $3")
                    .bind(tenant.as_uuid())
                    .bind(gstin)
                    .bind(supplier)
                    .fetch_optional(&mut **tx)
                    .await?;
                match holder {
                    Some((name,)) => Err(DbError::InvalidField {
                        field: "gstin",
                        detail: format!("{gstin} is the GSTIN of {name:?}, already on the list"),
                    }),
                    None => Ok(()),
                }
            }
        }

        #[async_trait::async_trait]
        impl PurchaseStorage for $storage {
            async fn add_supplier(&self, tenant: TenantId, new: &NewSupplier) -> DbResult<(Supplier, bool)> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let existing: Option<(Uuid, SupplierDbRow)> = sqlx::query_as::<_, (Uuid, Uuid, String, Option<String>, Option<String>, i64)>(
                    "SELECT tenant_id, id, name, gstin, phone, created_at_ms FROM suppliers WHERE id = $1",
                )
                .bind(new.supplier_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|(t, id, name, gstin, phone, at)| (t, (id, name, gstin, phone, at)));
                if let Some((owner, row)) = existing {
                    if owner != tenant.as_uuid() || row.1 != new.name {
                        return Err(DbError::Conflict("supplier_id reused".into()));
                    }
                    return Ok((supplier_from_row(row), false));
                }
                Self::gstin_is_free(&mut tx, tenant, new.supplier_id, new.gstin.as_deref()).await?;
                let now = now_ms();
                let inserted = sqlx::query(
                    "INSERT INTO suppliers (id, tenant_id, name, name_key, gstin, phone, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(new.supplier_id)
                .bind(tenant.as_uuid())
                .bind(&new.name)
                .bind(new.name.to_lowercase())
                .bind(&new.gstin)
                .bind(&new.phone)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from_sqlx);
                match inserted {
                    Ok(_) => {}
                    Err(DbError::Conflict(_)) => {
                        return Err(DbError::InvalidField {
                            field: "name",
                            detail: format!("a supplier named {:?} is already on the list", new.name),
                        })
                    }
                    Err(e) => return Err(e),
                }
                Self::commit(tx).await?;
                let added = Supplier {
                    supplier_id: new.supplier_id,
                    name: new.name.clone(),
                    gstin: new.gstin.clone(),
                    phone: new.phone.clone(),
                    created_at: Timestamp::from_unix_millis(now),
                };
                Ok((added, true))
            }

            async fn edit_supplier(&self, tenant: TenantId, edit: &NewSupplier) -> DbResult<Supplier> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let was: SupplierDbRow = sqlx::query_as(&format!("{SUPPLIER_DB_SELECT} WHERE tenant_id = $1 AND id = $2"))
                    .bind(tenant.as_uuid())
                    .bind(edit.supplier_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(DbError::NotFound("supplier"))?;
                Self::gstin_is_free(&mut tx, tenant, edit.supplier_id, edit.gstin.as_deref()).await?;
                let updated = sqlx::query(
                    "UPDATE suppliers SET name = $3, name_key = $4, gstin = $5, phone = $6 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(edit.supplier_id)
                .bind(&edit.name)
                .bind(edit.name.to_lowercase())
                .bind(&edit.gstin)
                .bind(&edit.phone)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from_sqlx);
                match updated {
                    Ok(_) => {}
                    Err(DbError::Conflict(_)) => {
                        return Err(DbError::InvalidField {
                            field: "name",
                            detail: format!("a supplier named {:?} is already on the list", edit.name),
                        })
                    }
                    Err(e) => return Err(e),
                }
                // Tills know a supplier by the name on the orders they hold.
                let renamed = was.1 != edit.name;
                if renamed {
                    let held: Vec<(Uuid,)> = sqlx::query_as(&format!(
                        "SELECT id FROM purchase_orders WHERE tenant_id = $1 AND supplier_id = $2 AND {HELD_BY_TILLS} ORDER BY seq"
                    ))
                    .bind(tenant.as_uuid())
                    .bind(edit.supplier_id)
                    .bind(now_ms() - TILLS_HOLD_ORDERS_MS)
                    .fetch_all(&mut *tx)
                    .await?;
                    for (id,) in held {
                        Self::announce_purchase_order(&mut tx, tenant, id).await?;
                    }
                }
                Self::commit(tx).await?;
                if renamed {
                    self.feed_changed();
                }
                let (id, _, _, _, created) = was;
                Ok(supplier_from_row((id, edit.name.clone(), edit.gstin.clone(), edit.phone.clone(), created)))
            }

            async fn suppliers(&self, tenant: TenantId, find: Option<&str>, page: RecordedPage) -> DbResult<Recorded<Supplier>> {
                if let Some(after) = page.after {
                    self.supplier(tenant, after).await.map_err(|_| DbError::InvalidField {
                        field: "cursor",
                        detail: CURSOR_REFUSED.into(),
                    })?;
                }
                // A part of the name, its wildcards taken as plain characters.
                let part = find.map(|f| {
                    let escaped = f.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    format!("%{escaped}%")
                });
                let rows: Vec<SupplierDbRow> = sqlx::query_as(&format!(
                    "{SUPPLIER_DB_SELECT} WHERE tenant_id = $1 AND ($2 IS NULL OR (created_at_ms, id) > \
                     (SELECT created_at_ms, id FROM suppliers WHERE tenant_id = $1 AND id = $2)) \
                     AND ($4 IS NULL OR name_key LIKE $4 ESCAPE '\\' OR gstin LIKE $5 ESCAPE '\\') ORDER BY created_at_ms, id LIMIT $3"
                ))
                .bind(tenant.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .bind(part.clone())
                .bind(part.map(|p| p.to_uppercase()))
                .fetch_all(&self.pool)
                .await?;
                Ok(Recorded::from_overfetch(rows.into_iter().map(supplier_from_row).collect(), page.limit))
            }

            async fn supplier(&self, tenant: TenantId, id: Uuid) -> DbResult<Supplier> {
                let row: Option<SupplierDbRow> = sqlx::query_as(&format!("{SUPPLIER_DB_SELECT} WHERE tenant_id = $1 AND id = $2"))
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(supplier_from_row).ok_or(DbError::NotFound("supplier"))
            }

            async fn raise_purchase_order(&self, tenant: TenantId, new: &NewPurchaseOrder) -> DbResult<RaisedOrder> {
                self.store(tenant, new.store_id).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                if let Some(existing) = Self::purchase_order_in(&mut tx, tenant, new.po_id).await? {
                    let ordered: Vec<(VariantId, Qty)> =
                        existing.items.iter().filter(|i| i.ordered.is_positive()).map(|i| (i.variant_id, i.ordered)).collect();
                    let asked: Vec<(VariantId, Qty)> = new.lines.iter().map(|l| (l.variant_id, l.ordered)).collect();
                    let same = existing.summary.store_id == new.store_id && existing.summary.supplier_id == new.supplier_id && ordered == asked;
                    if !same {
                        return Err(DbError::Conflict("po_id reused".into()));
                    }
                    return Ok(RaisedOrder::Existing(existing));
                }
                let owner: Option<(Uuid,)> = sqlx::query_as("SELECT tenant_id FROM suppliers WHERE id = $1")
                    .bind(new.supplier_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if owner.is_none_or(|(t,)| t != tenant.as_uuid()) {
                    return Err(DbError::NotFound("supplier"));
                }
                for (index, line) in new.lines.iter().enumerate() {
                    let at = |error: DbError| DbError::AtItem { index, error: Box::new(error) };
                    Self::require_live(&mut tx, tenant, line.variant_id).await.map_err(at)?;
                    Self::check_unit(&mut tx, tenant, line.variant_id, line.ordered, "qty").await.map_err(at)?;
                }
                let (seq,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM purchase_orders WHERE tenant_id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO purchase_orders (id, tenant_id, store_id, supplier_id, seq, state, expected_on, note, raised_at_ms, raised_by, updated_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $8)",
                )
                .bind(new.po_id)
                .bind(tenant.as_uuid())
                .bind(new.store_id.as_uuid())
                .bind(new.supplier_id)
                .bind(seq)
                .bind(&new.expected_on)
                .bind(&new.note)
                .bind(now)
                .bind(&new.raised_by)
                .execute(&mut *tx)
                .await?;
                const LINE_COLUMNS: usize = 6;
                let rows: Vec<String> = (0..new.lines.len()).map(|i| Self::param_row(i * LINE_COLUMNS, LINE_COLUMNS)).collect();
                let sql = format!(
                    "INSERT INTO purchase_order_lines (po_id, line_no, tenant_id, variant_id, ordered_milli, unit_cost_minor) VALUES {}",
                    rows.join(", ")
                );
                let mut query = sqlx::query(&sql);
                for (i, line) in new.lines.iter().enumerate() {
                    query = query
                        .bind(new.po_id)
                        .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
                        .bind(tenant.as_uuid())
                        .bind(line.variant_id.as_uuid())
                        .bind(line.ordered.milli())
                        .bind(line.unit_cost_minor);
                }
                query.execute(&mut *tx).await?;
                let report = Self::announce_purchase_order(&mut tx, tenant, new.po_id).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(RaisedOrder::Created(report))
            }

            async fn purchase_orders(
                &self,
                tenant: TenantId,
                store: StoreId,
                state: Option<PurchaseState>,
                page: RecordedPage,
            ) -> DbResult<Recorded<PurchaseOrderSummary>> {
                self.check_cursor("purchase_orders", tenant, store, page).await?;
                let rows: Vec<PurchaseRow> = sqlx::query_as(&format!(
                    "{PURCHASE_SELECT} WHERE o.tenant_id = $1 AND o.store_id = $2 AND ($3 IS NULL OR o.state = $3) \
                     AND ($4 IS NULL OR (o.raised_at_ms, o.id) > \
                          (SELECT raised_at_ms, id FROM purchase_orders WHERE tenant_id = $1 AND id = $4)) \
                     ORDER BY o.raised_at_ms, o.id LIMIT $5"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(state.map(|s| s.as_str()))
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                Ok(Recorded::from_overfetch(rows.into_iter().map(purchase_from_row).collect::<DbResult<Vec<_>>>()?, page.limit))
            }

            async fn purchase_order(&self, tenant: TenantId, id: Uuid) -> DbResult<PurchaseOrderReport> {
                let mut tx = self.pool.begin().await?;
                let report = Self::purchase_order_in(&mut tx, tenant, id).await?;
                tx.commit().await?; // Read only.
                report.ok_or(DbError::NotFound("purchase order"))
            }

            async fn end_purchase_order(&self, tenant: TenantId, id: Uuid, to: PurchaseState) -> DbResult<PurchaseOrderReport> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let report = Self::purchase_order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("purchase order"))?;
                let state = report.summary.state;
                if state == to {
                    return Ok(report);
                }
                let number = &report.summary.number;
                if !state.expecting() {
                    return Err(DbError::State {
                        field: "state",
                        detail: format!("{number} is already {}: nothing more is expected against it", state.as_str()),
                    });
                }
                if to == PurchaseState::Cancelled && report.anything_accepted() {
                    return Err(DbError::State {
                        field: "state",
                        detail: format!("goods were taken into stock against {number}: close it instead, and what came stands"),
                    });
                }
                sqlx::query("UPDATE purchase_orders SET state = $1, updated_at_ms = $2 WHERE id = $3")
                    .bind(to.as_str())
                    .bind(now_ms())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let report = Self::announce_purchase_order(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(report)
            }

            async fn goods_receipts(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<ReceiptSummary>> {
                self.check_cursor("goods_receipts", tenant, store, page).await?;
                let rows: Vec<GoodsReceiptRow> = sqlx::query_as(&format!(
                    "{GOODS_RECEIPT_SELECT} WHERE r.tenant_id = $1 AND r.store_id = $2 \
                     AND ($3 IS NULL OR (r.recorded_at_ms, r.id) > \
                          (SELECT recorded_at_ms, id FROM goods_receipts WHERE tenant_id = $1 AND id = $3)) \
                     ORDER BY r.recorded_at_ms, r.id LIMIT $4"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                Ok(Recorded::from_overfetch(rows.into_iter().map(goods_receipt_from_row).collect::<DbResult<Vec<_>>>()?, page.limit))
            }

            async fn enter_supplier_bill(&self, tenant: TenantId, new: &$crate::domain::supplier_bills::NewSupplierBill) -> DbResult<$crate::domain::supplier_bills::EnteredBill> {
                self.enter_supplier_bill_in(tenant, new).await
            }

            async fn supplier_bill(&self, tenant: TenantId, id: Uuid) -> DbResult<$crate::domain::supplier_bills::SupplierBill> {
                let mut tx = self.pool.begin().await?;
                let bill = Self::supplier_bill_in(&mut tx, tenant, id).await?;
                tx.commit().await?; // Read only.
                bill.ok_or(DbError::NotFound("supplier bill"))
            }

            async fn supplier_bills(
                &self,
                tenant: TenantId,
                supplier: Uuid,
                page: RecordedPage,
            ) -> DbResult<Recorded<$crate::domain::supplier_bills::SupplierBill>> {
                self.supplier_bills_page(tenant, supplier, page).await
            }

            async fn goods_receipt(&self, tenant: TenantId, id: Uuid) -> DbResult<ReceiptReport> {
                let row: Option<GoodsReceiptRow> = sqlx::query_as(&format!("{GOODS_RECEIPT_SELECT} WHERE r.tenant_id = $1 AND r.id = $2"))
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                let summary = goods_receipt_from_row(row.ok_or(DbError::NotFound("goods receipt"))?)?;
                type LineRow = (Uuid, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, i64, i64, Option<Uuid>);
                let rows: Vec<LineRow> = sqlx::query_as(
                    "SELECT l.variant_id, v.sku, v.name, l.batch_code, l.batch_expires_on, l.store_expires_on, l.received_milli, l.damaged_milli, l.movement_id \
                     FROM goods_receipt_lines l LEFT JOIN variants v ON v.tenant_id = l.tenant_id AND v.id = l.variant_id \
                     WHERE l.tenant_id = $1 AND l.receipt_id = $2 ORDER BY l.line_no",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                let items = rows
                    .into_iter()
                    .map(|(variant, sku, name, code, expires, store_expires_on, received, damaged, movement)| ReceivedItem {
                        variant_id: VariantId::from_uuid(variant),
                        sku: sku.unwrap_or_default(),
                        name: name.unwrap_or_default(),
                        batch: code.zip(expires).map(|(code, expires_on)| pos_shared::sync::Batch { code, expires_on }),
                        store_expires_on,
                        received: Qty::from_milli(received),
                        damaged: Qty::from_milli(damaged),
                        movement_id: movement.map(pos_shared::MovementId::from_uuid),
                    })
                    .collect();
                Ok(ReceiptReport { summary, items })
            }
        }
    };
}
pub(crate) use sql_purchase_paths;
