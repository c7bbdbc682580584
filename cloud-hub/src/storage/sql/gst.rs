//! GST returns' SQL, for both backends: a store's GSTIN, the tax documents
//! written with each uploaded sale and return (and built once from the facts
//! stored before them), and the period's figures as aggregates over them
//! (`domain::gst` turns the figures into returns). Expanded inside
//! `sql_storage!`.

/// Which supply a document of the period is reported as: a credit note takes
/// its invoice's buyer, value and inter-state flag (a note whose invoice the
/// hub has not seen is B2C small). `$1` tenant, `$2` GSTIN, `$3..$4` the
/// period, `$5` the B2CL threshold.
pub(crate) const CLASSED_DOCUMENTS: &str = "WITH docs AS ( \
       SELECT d.id, d.kind, d.number, d.issued_at_ms, d.value_minor, d.terminal_id, d.inter_state, \
              CASE WHEN d.kind = 'invoice' THEN d.buyer_gstin ELSE o.buyer_gstin END AS buyer, \
              CASE WHEN d.kind = 'invoice' THEN d.value_minor ELSE o.value_minor END AS invoice_value, \
              CASE WHEN d.kind = 'invoice' THEN d.inter_state ELSE o.inter_state END AS invoice_inter \
       FROM gst_documents d \
       LEFT JOIN gst_documents o ON o.id = d.original_id \
       WHERE d.tenant_id = $1 AND d.gstin = $2 AND d.issued_at_ms >= $3 AND d.issued_at_ms < $4 \
     ), classed AS ( \
       SELECT docs.*, CASE WHEN buyer IS NOT NULL THEN 'b2b' \
                           WHEN invoice_inter AND invoice_value > $5 THEN 'b2cl' \
                           ELSE 'b2cs' END AS supply, \
              CASE WHEN kind = 'invoice' THEN 1 ELSE -1 END AS sign \
       FROM docs \
     ) ";

/// Implements [`crate::storage::ReportStorage`] and the tax documents'
/// writes on `$storage`; `$snapshot_isolation` makes a period's aggregates
/// one consistent view.
macro_rules! sql_gst_paths {
    ($storage:ty, $snapshot_isolation:expr) => {
        use $crate::domain::gst::{self as gst, DocKind, GstFigures, ReturnPeriod, TaxDocument, TaxSums};
        use $crate::storage::sql::gst::CLASSED_DOCUMENTS;

        /// supply, kind, inter-state, rate, HSN, unit, lines, quantity, sums.
        type CellRow = (String, String, bool, Option<i32>, Option<String>, String, i64, i64, i64, i64, i64, i64);
        /// A B2B or B2CL document: id, kind, supply, number, date, value,
        /// buyer, inter-state.
        type HeadRow = (Uuid, String, String, String, i64, i64, Option<String>, bool);

        impl $storage {
            /// Writes the tax documents of facts just stored, inside `tx`:
            /// each with its store and terminal. A document already written
            /// (the same id) is left as it is.
            pub(crate) async fn insert_tax_documents(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                docs: &[(Uuid, Uuid, TaxDocument)],
            ) -> DbResult<()> {
                if docs.is_empty() {
                    return Ok(());
                }
                // The unit each item counts in when sold, for the HSN summary.
                let mut variants: Vec<Uuid> = docs.iter().flat_map(|(_, _, d)| d.lines.iter().map(|l| l.variant_id)).collect();
                variants.sort_unstable();
                variants.dedup();
                let mut units = std::collections::HashMap::new();
                for chunk in variants.chunks(Self::rows_per_statement(1)) {
                    let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", 2 + i)).collect();
                    let sql = format!("SELECT id, details FROM variants WHERE tenant_id = $1 AND id IN ({})", list.join(", "));
                    let mut query = sqlx::query_as::<_, (Uuid, Option<String>)>(&sql).bind(tenant.as_uuid());
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    for (id, details) in query.fetch_all(&mut **tx).await? {
                        let unit = details
                            .and_then(|d| serde_json::from_str::<pos_shared::item::ItemDetails>(&d).ok())
                            .map(|d| d.unit)
                            .unwrap_or_default();
                        units.insert(id, gst::uqc(unit));
                    }
                }
                // Each document is issued under its store's GSTIN of now.
                let mut stores: Vec<Uuid> = docs.iter().map(|(store, _, _)| *store).collect();
                stores.sort_unstable();
                stores.dedup();
                let mut gstins = std::collections::HashMap::new();
                for store in stores {
                    let (gstin,): (Option<String>,) = sqlx::query_as("SELECT gstin FROM stores WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(store)
                        .fetch_one(&mut **tx)
                        .await?;
                    gstins.insert(store, gstin);
                }
                const DOC_COLUMNS: usize = 15;
                for chunk in docs.chunks(Self::rows_per_statement(DOC_COLUMNS)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * DOC_COLUMNS, DOC_COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO gst_documents (id, tenant_id, store_id, terminal_id, kind, number, issued_at_ms, value_minor, buyer_gstin, original_id, inter_state, cashier_id, cashier_name, gstin, buyer_phone) \
                         VALUES {} ON CONFLICT (id) DO NOTHING",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for (store, terminal, d) in chunk {
                        query = query
                            .bind(d.id)
                            .bind(tenant.as_uuid())
                            .bind(*store)
                            .bind(*terminal)
                            .bind(d.kind.as_str())
                            .bind(&d.number)
                            .bind(d.issued_at_ms)
                            .bind(d.value_minor)
                            .bind(d.buyer_gstin.as_deref())
                            .bind(d.original_id)
                            .bind(d.inter_state)
                            .bind(d.cashier.as_ref().map(|c| c.0))
                            .bind(d.cashier.as_ref().map(|c| c.1.as_str()))
                            .bind(gstins.get(store).cloned().flatten())
                            .bind(d.buyer.as_ref().map(|b| b.0.as_str()));
                    }
                    query.execute(&mut **tx).await?;
                }
                Self::meet_billed_customers(tx, tenant, docs).await?;
                const LINE_COLUMNS: usize = 11;
                let lines: Vec<(Uuid, &gst::TaxDocumentLine)> =
                    docs.iter().flat_map(|(_, _, d)| d.lines.iter().map(move |l| (d.id, l))).collect();
                for chunk in lines.chunks(Self::rows_per_statement(LINE_COLUMNS)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * LINE_COLUMNS, LINE_COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO gst_document_lines (document_id, line_no, variant_id, hsn, uqc, rate_bp, qty_milli, taxable_minor, cgst_minor, sgst_minor, igst_minor) \
                         VALUES {} ON CONFLICT (document_id, line_no) DO NOTHING",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for (doc, l) in chunk {
                        query = query
                            .bind(*doc)
                            .bind(l.line_no)
                            .bind(l.variant_id)
                            .bind(l.hsn.as_deref())
                            .bind(units.get(&l.variant_id).copied().unwrap_or("NOS"))
                            .bind(l.rate_bp)
                            .bind(l.qty_milli)
                            .bind(l.sums.taxable)
                            .bind(l.sums.cgst)
                            .bind(l.sums.sgst)
                            .bind(l.sums.igst);
                    }
                    query.execute(&mut **tx).await?;
                }
                const TENDER_COLUMNS: usize = 4;
                let tenders: Vec<(Uuid, i32, &str, i64)> = docs
                    .iter()
                    .flat_map(|(_, _, d)| d.tenders.iter().enumerate().map(move |(i, (method, amount))| (d.id, i as i32, *method, *amount)))
                    .collect();
                for chunk in tenders.chunks(Self::rows_per_statement(TENDER_COLUMNS)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * TENDER_COLUMNS, TENDER_COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO gst_document_tenders (document_id, tender_no, method, amount_minor) VALUES {} \
                         ON CONFLICT (document_id, tender_no) DO NOTHING",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for (doc, no, method, amount) in chunk {
                        query = query.bind(*doc).bind(*no).bind(*method).bind(*amount);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// The data step after migration 0048: the tax documents of the
            /// sales and returns stored before it, a page of facts per
            /// transaction. Returns how many documents it wrote.
            pub(crate) async fn tax_documents_from_facts(&self) -> DbResult<u64> {
                let mut written = 0;
                for table in ["sales", "returns"] {
                    let mut after: Option<Uuid> = None;
                    loop {
                        let page: Vec<(Uuid, Uuid, Uuid, Uuid, String)> = sqlx::query_as(&format!(
                            "SELECT id, tenant_id, store_id, terminal_id, envelope FROM {table} \
                             WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT 500"
                        ))
                        .bind(after)
                        .fetch_all(&self.pool)
                        .await?;
                        let Some(last) = page.last() else { break };
                        after = Some(last.0);
                        let mut by_tenant: std::collections::BTreeMap<Uuid, Vec<(Uuid, Uuid, TaxDocument)>> = Default::default();
                        for (id, tenant, store, terminal, raw) in page {
                            let envelope: Envelope<Fact> = serde_json::from_str(&raw)
                                .map_err(|e| DbError::Corrupt(format!("{table} {id}: {e}")))?;
                            let doc = match &envelope.data {
                                Fact::Sale(sale) => TaxDocument::of_sale(sale),
                                Fact::Return(ret) => TaxDocument::of_return(ret),
                                _ => return Err(DbError::Corrupt(format!("{table} {id}: not a sale or return"))),
                            };
                            by_tenant.entry(tenant).or_default().push((store, terminal, doc));
                        }
                        let mut tx = self.pool.begin().await?;
                        for (tenant, docs) in &by_tenant {
                            // The tenant first: on SQLite the transaction then
                            // starts as a writer. A read turned write fails at
                            // once, without waiting, when another connection
                            // (a hub already serving the file) wrote meanwhile.
                            Self::lock_tenant(&mut tx, TenantId::from_uuid(*tenant)).await?;
                            Self::insert_tax_documents(&mut tx, TenantId::from_uuid(*tenant), docs).await?;
                            written += docs.len() as u64;
                        }
                        tx.commit().await?;
                    }
                }
                Ok(written)
            }
        }

        #[async_trait::async_trait]
        impl ReportStorage for $storage {
            async fn set_store_gstin(
                &self,
                tenant: TenantId,
                store: StoreId,
                gstin: Option<&pos_shared::gstin::Gstin>,
            ) -> DbResult<Store> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                sqlx::query("UPDATE stores SET gstin = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(gstin.map(|g| g.as_str()))
                    .execute(&mut *tx)
                    .await?;
                if let Some(gstin) = gstin {
                    // Bills the store issued before HQ entered its GSTIN were
                    // issued under it; bills stamped with another stay so.
                    sqlx::query("UPDATE gst_documents SET gstin = $3 WHERE tenant_id = $1 AND store_id = $2 AND gstin IS NULL")
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .bind(gstin.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                let event = $crate::domain::events::by_hub(
                    "store.gst.changed",
                    Some(store),
                    serde_json::json!({"store_id": store, "gstin": gstin}),
                );
                Self::emit_event(&mut tx, tenant, event).await?;
                // The store's tills print it on their bills from now on.
                Self::announce_store_profile(&mut tx, tenant, store).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                self.store(tenant, store).await
            }

            async fn gst_figures(
                &self,
                tenant: TenantId,
                gstin: &pos_shared::gstin::Gstin,
                period: ReturnPeriod,
            ) -> DbResult<Option<GstFigures>> {
                // A GSTIN a store trades under, or once did.
                let registered: Option<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM stores WHERE tenant_id = $1 AND gstin = $2 \
                     UNION ALL SELECT id FROM (SELECT id FROM gst_documents WHERE tenant_id = $1 AND gstin = $2 LIMIT 1) g LIMIT 1",
                )
                    .bind(tenant.as_uuid())
                    .bind(gstin.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                if registered.is_none() {
                    return Ok(None);
                }
                let (start, end) = period.bounds_ms();
                // One snapshot for every aggregate, so they add up together.
                let mut tx = self.pool.begin().await?;
                sqlx::query($snapshot_isolation).execute(&mut *tx).await?;
                macro_rules! classed {
                    ($tail:expr) => {
                        format!("{CLASSED_DOCUMENTS}{}", $tail)
                    };
                }
                macro_rules! bind_period {
                    ($q:expr) => {
                        $q.bind(tenant.as_uuid()).bind(gstin.as_str()).bind(start).bind(end).bind(gst::B2CL_ABOVE_MINOR)
                    };
                }
                // One pass over the period's lines, summed by where they are
                // reported (few groups: a hash aggregate).
                let cells: Vec<CellRow> = bind_period!(sqlx::query_as(&classed!(
                    "SELECT c.supply, c.kind, c.inter_state, l.rate_bp, l.hsn, l.uqc, COUNT(*), \
                     CAST(SUM(l.qty_milli) AS BIGINT), CAST(SUM(l.taxable_minor) AS BIGINT), CAST(SUM(l.cgst_minor) AS BIGINT), \
                     CAST(SUM(l.sgst_minor) AS BIGINT), CAST(SUM(l.igst_minor) AS BIGINT) \
                     FROM classed c JOIN gst_document_lines l ON l.document_id = c.id \
                     GROUP BY 1, 2, 3, 4, 5, 6"
                )))
                .fetch_all(&mut *tx)
                .await?;
                // The B2B and B2CL documents, reported one by one: their heads,
                // then their lines by rate, found by id many at a time
                // (a join would scan the month's lines again).
                let heads: Vec<HeadRow> = bind_period!(sqlx::query_as(&classed!(
                    "SELECT c.id, c.kind, c.supply, c.number, c.issued_at_ms, c.value_minor, c.buyer, c.inter_state \
                     FROM classed c WHERE c.supply <> 'b2cs'"
                )))
                .fetch_all(&mut *tx)
                .await?;
                let mut rates: std::collections::HashMap<Uuid, Vec<(i32, TaxSums)>> = std::collections::HashMap::new();
                for chunk in heads.chunks(Self::rows_per_statement(1)) {
                    let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", 1 + i)).collect();
                    let sql = format!(
                        "SELECT document_id, rate_bp, CAST(SUM(taxable_minor) AS BIGINT), CAST(SUM(cgst_minor) AS BIGINT), \
                         CAST(SUM(sgst_minor) AS BIGINT), CAST(SUM(igst_minor) AS BIGINT) FROM gst_document_lines \
                         WHERE document_id IN ({}) AND rate_bp > 0 GROUP BY document_id, rate_bp",
                        list.join(", ")
                    );
                    let mut query = sqlx::query_as::<_, (Uuid, i32, i64, i64, i64, i64)>(&sql);
                    for head in chunk {
                        query = query.bind(head.0);
                    }
                    for (doc, rate_bp, t, c, s, i) in query.fetch_all(&mut *tx).await? {
                        rates.entry(doc).or_default().push((rate_bp, TaxSums { taxable: t, cgst: c, sgst: s, igst: i }));
                    }
                }
                let series: Vec<(Uuid, String, String, String, i64)> = bind_period!(sqlx::query_as(&classed!(
                    "SELECT c.terminal_id, c.kind, MIN(c.number), MAX(c.number), COUNT(*) FROM classed c \
                     GROUP BY c.terminal_id, c.kind ORDER BY 2, 3"
                )))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let kind = |text: &str| DocKind::parse(text).ok_or_else(|| DbError::Corrupt(format!("gst_documents: kind {text:?}")));
                let supply_of = |text: &str| gst::Supply::parse(text).ok_or_else(|| DbError::Corrupt(format!("supply {text:?}")));
                let cells = cells
                    .into_iter()
                    .map(|(supply, k, inter_state, rate_bp, hsn, uqc, lines, qty_milli, t, c, s, i)| {
                        Ok(gst::GstCell {
                            supply: supply_of(&supply)?,
                            kind: kind(&k)?,
                            inter_state,
                            rate_bp,
                            hsn,
                            uqc,
                            lines,
                            qty_milli,
                            sums: TaxSums { taxable: t, cgst: c, sgst: s, igst: i },
                        })
                    })
                    .collect::<DbResult<Vec<_>>>()?;
                let mut documents = Vec::new();
                for (id, k, supply, number, issued_at_ms, value_minor, buyer_gstin, inter_state) in heads {
                    let (kind, supply) = (kind(&k)?, supply_of(&supply)?);
                    for (rate_bp, sums) in rates.remove(&id).unwrap_or_default() {
                        documents.push(gst::DocumentRate {
                            kind,
                            supply,
                            number: number.clone(),
                            issued_at_ms,
                            value_minor,
                            buyer_gstin: buyer_gstin.clone(),
                            inter_state,
                            rate_bp,
                            sums,
                        });
                    }
                }
                let series = series
                    .into_iter()
                    .map(|(terminal_id, k, first, last, count)| Ok(gst::Series { terminal_id, kind: kind(&k)?, first, last, count }))
                    .collect::<DbResult<Vec<_>>>()?;
                Ok(Some(GstFigures::from_cells(cells, documents, series)))
            }

            async fn sales_by(
                &self,
                tenant: TenantId,
                store: Option<StoreId>,
                from_ms: i64,
                to_ms: i64,
                by: $crate::domain::sales_report::SalesBy,
            ) -> DbResult<Vec<($crate::domain::sales_report::SalesKey, String, $crate::domain::sales_report::SalesSums)>> {
                use $crate::domain::sales_report::{SalesBy, SalesKey, SalesSums};
                const IST_MS: i64 = $crate::domain::gst::IST_OFFSET_SECONDS as i64 * 1000;
                let no_number = "CAST(NULL AS BIGINT)";
                let no_id = "CAST(NULL AS UUID)";
                let no_text = "CAST(NULL AS TEXT)";
                let invoice = "CASE WHEN d.kind = 'invoice' THEN 1 ELSE 0 END";
                let note = "CASE WHEN d.kind = 'credit_note' THEN 1 ELSE 0 END";
                let sign = "CASE WHEN d.kind = 'invoice' THEN 1 ELSE -1 END";
                let day = format!("(d.issued_at_ms + {IST_MS}) / 86400000");
                let hour = format!("((d.issued_at_ms + {IST_MS}) / 3600000) % 24");
                // Key columns (a number, an id, a text), the label, and what joins.
                let (number, id, text, label, join) = match by {
                    SalesBy::Day => (day.as_str(), no_id, no_text, "''", ""),
                    SalesBy::Hour => (hour.as_str(), no_id, no_text, "''", ""),
                    SalesBy::Store => (no_number, "d.store_id", no_text, "s.code || ' ' || s.name", "JOIN stores s ON s.id = d.store_id"),
                    SalesBy::Cashier => (no_number, "d.cashier_id", no_text, "COALESCE(d.cashier_name, '')", ""),
                    SalesBy::Tender => (no_number, no_id, "t.method", "''", "JOIN gst_document_tenders t ON t.document_id = d.id"),
                    SalesBy::Category => (
                        no_number,
                        "v.category_id",
                        no_text,
                        "COALESCE(c.name, '')",
                        "JOIN gst_document_lines l ON l.document_id = d.id \
                         LEFT JOIN variants v ON v.id = l.variant_id LEFT JOIN categories c ON c.id = v.category_id \
                         LEFT JOIN costs k ON k.variant_id = l.variant_id",
                    ),
                };
                // Net before GST, the part of it whose cost is known, and
                // that cost (in thousandths of a paisa): of the lines of each
                // document, or of each category's lines.
                let lines_of = |what: &str, costed: bool| {
                    let join = if costed { "JOIN costs k ON k.variant_id = x.variant_id " } else { "" };
                    format!("CAST(COALESCE(SUM({sign} * (SELECT SUM({what}) FROM gst_document_lines x {join}WHERE x.document_id = d.id)), 0) AS BIGINT)")
                };
                let margins = match by {
                    SalesBy::Tender => "CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT)".to_owned(),
                    SalesBy::Category => format!(
                        "CAST(SUM({sign} * l.taxable_minor) AS BIGINT), \
                         CAST(SUM(CASE WHEN k.variant_id IS NULL THEN 0 ELSE {sign} * l.taxable_minor END) AS BIGINT), \
                         CAST(SUM(CASE WHEN k.variant_id IS NULL THEN 0 ELSE {sign} * l.qty_milli * k.unit_cost_minor END) AS BIGINT)"
                    ),
                    _ => format!(
                        "{}, {}, {}",
                        lines_of("x.taxable_minor", false),
                        lines_of("x.taxable_minor", true),
                        lines_of("x.qty_milli * k.unit_cost_minor", true)
                    ),
                };
                // Counts, values and GST: of whole documents, of tenders, or
                // of the lines in each category.
                let sums = match by {
                    SalesBy::Tender => format!(
                        "CAST(SUM({invoice}) AS BIGINT), CAST(SUM({note}) AS BIGINT), \
                         CAST(SUM({invoice} * t.amount_minor) AS BIGINT), CAST(SUM({note} * t.amount_minor) AS BIGINT), \
                         CAST(0 AS BIGINT)"
                    ),
                    SalesBy::Category => format!(
                        "CAST(COUNT(DISTINCT CASE WHEN d.kind = 'invoice' THEN d.id END) AS BIGINT), \
                         CAST(COUNT(DISTINCT CASE WHEN d.kind = 'credit_note' THEN d.id END) AS BIGINT), \
                         CAST(SUM({invoice} * (l.taxable_minor + l.cgst_minor + l.sgst_minor + l.igst_minor)) AS BIGINT), \
                         CAST(SUM({note} * (l.taxable_minor + l.cgst_minor + l.sgst_minor + l.igst_minor)) AS BIGINT), \
                         CAST(SUM({sign} * (l.cgst_minor + l.sgst_minor + l.igst_minor)) AS BIGINT)"
                    ),
                    _ => format!(
                        "CAST(SUM({invoice}) AS BIGINT), CAST(SUM({note}) AS BIGINT), \
                         CAST(SUM({invoice} * d.value_minor) AS BIGINT), CAST(SUM({note} * d.value_minor) AS BIGINT), \
                         CAST(COALESCE(SUM({sign} * (SELECT SUM(x.cgst_minor + x.sgst_minor + x.igst_minor) \
                           FROM gst_document_lines x WHERE x.document_id = d.id)), 0) AS BIGINT)"
                    ),
                };
                // Each item's latest cost to the chain: the latest supplier
                // bill's price, else the latest purchase order's.
                let costs = "WITH priced AS ( \
                       SELECT bl.variant_id, bl.unit_cost_minor, 0 AS pref, b.recorded_at_ms AS at FROM supplier_bill_lines bl \
                       JOIN supplier_bills b ON b.id = bl.bill_id WHERE bl.tenant_id = $1 \
                       UNION ALL \
                       SELECT pl.variant_id, pl.unit_cost_minor, 1 AS pref, p.raised_at_ms AS at FROM purchase_order_lines pl \
                       JOIN purchase_orders p ON p.id = pl.po_id WHERE pl.tenant_id = $1 AND pl.unit_cost_minor IS NOT NULL), \
                     costs AS (SELECT variant_id, unit_cost_minor FROM ( \
                       SELECT variant_id, unit_cost_minor, ROW_NUMBER() OVER (PARTITION BY variant_id ORDER BY pref, at DESC) AS n FROM priced) r \
                       WHERE n = 1)";
                let sql = format!(
                    "{costs} SELECT {number}, {id}, {text}, {label}, {sums}, {margins} FROM gst_documents d {join} \
                     WHERE d.tenant_id = $1 AND d.issued_at_ms >= $2 AND d.issued_at_ms < $3 AND ($4 IS NULL OR d.store_id = $4) \
                     GROUP BY 1, 2, 3, 4"
                );
                type Row = (Option<i64>, Option<Uuid>, Option<String>, String, i64, i64, i64, i64, i64, i64, i64, i64);
                let rows: Vec<Row> = sqlx::query_as(&sql)
                    .bind(tenant.as_uuid())
                    .bind(from_ms)
                    .bind(to_ms)
                    .bind(store.map(|s| s.as_uuid()))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(number, id, text, label, bills, returns, sales_minor, returns_minor, tax_minor, taxable_minor, costed_taxable_minor, cost_milli)| {
                        let key = match (number, text) {
                            (Some(n), _) => SalesKey::Number(n),
                            (None, Some(t)) => SalesKey::Text(t),
                            (None, None) => SalesKey::Id(id),
                        };
                        (key, label, SalesSums { bills, returns, sales_minor, returns_minor, tax_minor, taxable_minor, costed_taxable_minor, cost_milli })
                    })
                    .collect())
            }

            async fn day_book(
                &self,
                tenant: TenantId,
                store: Option<StoreId>,
                from_ms: i64,
                to_ms: i64,
            ) -> DbResult<Vec<$crate::domain::tally::DayBook>> {
                use $crate::domain::tally::{DayBook, RateSums, Voucher};
                const IST_MS: i64 = $crate::domain::gst::IST_OFFSET_SECONDS as i64 * 1000;
                let day = format!("(d.issued_at_ms + {IST_MS}) / 86400000");
                let within = "d.tenant_id = $1 AND d.issued_at_ms >= $2 AND d.issued_at_ms < $3 AND ($4 IS NULL OR d.store_id = $4)";
                let mut tx = self.pool.begin().await?;
                let heads: Vec<(Uuid, i64, String, i64, String, String, String, String)> = sqlx::query_as(&format!(
                    "SELECT d.store_id, {day}, d.kind, COUNT(*), MIN(d.number), MAX(d.number), s.code, s.name \
                     FROM gst_documents d JOIN stores s ON s.id = d.store_id WHERE {within} \
                     GROUP BY d.store_id, {day}, d.kind, s.code, s.name ORDER BY s.code, 2, 3 DESC"
                ))
                .bind(tenant.as_uuid())
                .bind(from_ms)
                .bind(to_ms)
                .bind(store.map(|s| s.as_uuid()))
                .fetch_all(&mut *tx)
                .await?;
                let tenders: Vec<(Uuid, i64, String, String, i64)> = sqlx::query_as(&format!(
                    "SELECT d.store_id, {day}, d.kind, t.method, CAST(SUM(t.amount_minor) AS BIGINT) \
                     FROM gst_documents d JOIN gst_document_tenders t ON t.document_id = d.id WHERE {within} \
                     GROUP BY d.store_id, {day}, d.kind, t.method ORDER BY 4"
                ))
                .bind(tenant.as_uuid())
                .bind(from_ms)
                .bind(to_ms)
                .bind(store.map(|s| s.as_uuid()))
                .fetch_all(&mut *tx)
                .await?;
                let rates: Vec<(Uuid, i64, String, Option<i32>, i64, i64, i64, i64)> = sqlx::query_as(&format!(
                    "SELECT d.store_id, {day}, d.kind, l.rate_bp, CAST(SUM(l.taxable_minor) AS BIGINT), CAST(SUM(l.cgst_minor) AS BIGINT), \
                     CAST(SUM(l.sgst_minor) AS BIGINT), CAST(SUM(l.igst_minor) AS BIGINT) \
                     FROM gst_documents d JOIN gst_document_lines l ON l.document_id = d.id WHERE {within} \
                     GROUP BY d.store_id, {day}, d.kind, l.rate_bp ORDER BY 4"
                ))
                .bind(tenant.as_uuid())
                .bind(from_ms)
                .bind(to_ms)
                .bind(store.map(|s| s.as_uuid()))
                .fetch_all(&mut *tx)
                .await?;
                // Payments against dues, by the method each fact names.
                let credit_day = format!("(c.occurred_at_ms + {IST_MS}) / 86400000");
                let payments: Vec<(Uuid, i64, Option<String>, String, String)> = sqlx::query_as(&format!(
                    "SELECT c.store_id, {credit_day}, c.envelope, s.code, s.name FROM credit_entries c JOIN stores s ON s.id = c.store_id \
                     WHERE c.tenant_id = $1 AND c.kind = 'payment' AND c.occurred_at_ms >= $2 AND c.occurred_at_ms < $3 AND ($4 IS NULL OR c.store_id = $4)"
                ))
                .bind(tenant.as_uuid())
                .bind(from_ms)
                .bind(to_ms)
                .bind(store.map(|s| s.as_uuid()))
                .fetch_all(&mut *tx)
                .await?;
                let kind_of = |k: &str| if k == "credit_note" { Voucher::CreditNote } else { Voucher::Sales };
                let mut books: Vec<DayBook> = heads
                    .into_iter()
                    .map(|(store_id, day, kind, documents, first_number, last_number, store_code, store_name)| {
                        let same = |s: &Uuid, d: &i64, k: &String| *s == store_id && *d == day && *k == kind;
                        DayBook {
                            store_id,
                            store_code,
                            store_name,
                            day,
                            kind: kind_of(&kind),
                            documents,
                            first_number,
                            last_number,
                            tenders: tenders.iter().filter(|t| same(&t.0, &t.1, &t.2)).map(|t| (t.3.clone(), t.4)).collect(),
                            rates: rates
                                .iter()
                                .filter(|r| same(&r.0, &r.1, &r.2))
                                .map(|r| RateSums { rate_bp: r.3, taxable: r.4, cgst: r.5, sgst: r.6, igst: r.7 })
                                .collect(),
                        }
                    })
                    .collect();
                let mut receipts: std::collections::BTreeMap<(Uuid, i64), DayBook> = Default::default();
                for (store_id, day, envelope, store_code, store_name) in payments {
                    let envelope: serde_json::Value = serde_json::from_str(envelope.as_deref().unwrap_or("null"))
                        .map_err(|e| DbError::Corrupt(format!("a dues payment's fact: {e}")))?;
                    let paid: pos_shared::credit::DuesPayment = serde_json::from_value(envelope["data"].clone())
                        .map_err(|e| DbError::Corrupt(format!("a dues payment's fact: {e}")))?;
                    let book = receipts.entry((store_id, day)).or_insert_with(|| DayBook {
                        store_id,
                        store_code,
                        store_name,
                        day,
                        kind: Voucher::Receipt,
                        documents: 0,
                        first_number: String::new(),
                        last_number: String::new(),
                        tenders: vec![],
                        rates: vec![],
                    });
                    book.documents += 1;
                    let method = serde_json::to_value(paid.method)
                        .ok()
                        .and_then(|m| m.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    match book.tenders.iter_mut().find(|(m, _)| *m == method) {
                        Some((_, sum)) => *sum += paid.amount.minor(),
                        None => book.tenders.push((method, paid.amount.minor())),
                    }
                }
                books.extend(receipts.into_values());
                books.sort_by(|a, b| (&a.store_code, a.day, a.kind).cmp(&(&b.store_code, b.day, b.kind)));
                Ok(books)
            }
        }
    };
}
pub(crate) use sql_gst_paths;
