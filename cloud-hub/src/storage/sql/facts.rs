//! The facts terminals upload, for both backends: sales, returns and shift
//! closes, each stored with its stock movements in a savepoint of the upload's
//! transaction, or a run of new sales and returns together
//! ([`super::sale_runs`]). Expanded inside `sql_storage!`.

use crate::domain::sync::FactStored;
use crate::storage::{DbError, DbResult};
use pos_shared::sync::Fact;
use pos_shared::Envelope;

/// What the first insert of a receipt-numbered fact says (`inserted` is the
/// rows it wrote): `None` when it went in; a duplicate when the same fact was
/// stored before; a refusal when its receipt number belongs to another fact of
/// the terminal.
pub(crate) fn first_write(
    inserted: Result<u64, sqlx::Error>,
    receipt_no: &str,
    kind: &str,
) -> DbResult<Option<FactStored>> {
    match inserted.map_err(DbError::from_sqlx) {
        Ok(0) => Ok(Some(FactStored::Duplicate)),
        Ok(_) => Ok(None),
        Err(DbError::Conflict(_)) => Ok(Some(FactStored::Rejected(format!(
            "receipt_no: {receipt_no} is already used by another {kind} of this terminal"
        )))),
        Err(e) => Err(e),
    }
}

/// The table a fact of this kind is kept in, keyed by its id.
pub(crate) fn fact_table(fact: &Fact) -> &'static str {
    match fact {
        Fact::Sale(_) => "sales",
        Fact::Return(_) => "returns",
        Fact::ShiftClosed(_) => "shift_closes",
        Fact::Audit(_) => "audit_log",
        Fact::OrderClaimed(_) | Fact::OrderPacked(_) => "order_facts",
        Fact::StockTakeApproved(_) => "stock_take_parts",
        Fact::GoodsReceived(_) => "goods_receipts",
        Fact::DuesPaid(_) => "credit_entries",
        Fact::CreditReleased(_) => "credit_releases",
        Fact::LoyaltyReleased(_) => "loyalty_releases",
        Fact::TransferDispatched(_) | Fact::TransferReceived(_) => "transfer_facts",
    }
}

/// [`fact_table`] by the fact's type ([`Fact::event_type`], kept in step
/// with it): `None` for no fact's type.
pub(crate) fn fact_table_named(event_type: &str) -> Option<&'static str> {
    Some(match event_type {
        "pos.sale.completed" => "sales",
        "pos.return.completed" => "returns",
        "pos.shift.closed" => "shift_closes",
        "pos.audit.recorded" => "audit_log",
        "order.pick.claimed" | "order.pick.packed" => "order_facts",
        "pos.stock_take.approved" => "stock_take_parts",
        "pos.goods.received" => "goods_receipts",
        "pos.dues.paid" => "credit_entries",
        "pos.credit.released" => "credit_releases",
        "pos.loyalty.released" => "loyalty_releases",
        "pos.transfer.dispatched" | "pos.transfer.received" => "transfer_facts",
        _ => return None,
    })
}

/// Whether a sale moves a customer's account: puts anything on their
/// credit account, or earns or redeems points.
pub(crate) fn on_account(sale: &pos_shared::sale::SaleFact) -> bool {
    sale.tenders
        .iter()
        .any(|t| t.method == pos_shared::sale::TenderMethod::Credit)
        || sale
            .customer
            .as_ref()
            .is_some_and(|c| c.points_earned > 0 || c.points_redeemed > 0)
}

/// How much work one transaction of an upload takes on: a fact counts one,
/// plus one per stock movement it makes. A 1,000-line sale is a commit of its
/// own; a run of small sales shares one.
pub(crate) const FACTS_WORK_PER_COMMIT: usize = 1_000;

/// How long one upload may keep storing before the hub answers for the facts
/// it has stored so far; the till sends the rest in its next upload. Well
/// inside the till's request timeout even while other tills hold the tenant's
/// lock in turn, so a busy hub answers slowly but never times a till out.
pub(crate) const UPLOAD_TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Splits an upload's facts, in order, into runs of at most
/// [`FACTS_WORK_PER_COMMIT`] work (a single bigger fact is a run alone).
pub(crate) fn commit_chunks<T>(facts: &[(Envelope<Fact>, T)]) -> Vec<&[(Envelope<Fact>, T)]> {
    chunk_by_work(
        facts,
        |(envelope, _)| {
            1 + match &envelope.data {
                Fact::Sale(sale) => sale.lines.len(),
                Fact::Return(ret) => ret.lines.len(),
                Fact::OrderPacked(packed) => packed.lines.iter().map(|l| l.picks.len()).sum(),
                Fact::StockTakeApproved(take) => take.lines.len(),
                Fact::GoodsReceived(receipt) => receipt.lines.len(),
                Fact::TransferDispatched(_) => 1,
                Fact::TransferReceived(receipt) => receipt.lines.len(),
                Fact::ShiftClosed(_)
                | Fact::Audit(_)
                | Fact::OrderClaimed(_)
                | Fact::DuesPaid(_)
                | Fact::CreditReleased(_)
                | Fact::LoyaltyReleased(_) => 0,
            }
        },
        FACTS_WORK_PER_COMMIT,
    )
}

/// Consecutive runs of `items` whose work adds up to at most `most`; an item
/// heavier than that alone is a run of its own.
fn chunk_by_work<T>(items: &[T], work: impl Fn(&T) -> usize, most: usize) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    let (mut start, mut taken) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let w = work(item);
        if i > start && taken + w > most {
            chunks.push(&items[start..i]);
            (start, taken) = (i, 0);
        }
        taken += w;
    }
    if start < items.len() {
        chunks.push(&items[start..]);
    }
    chunks
}

/// Implements [`crate::storage::FactStorage`] on `$storage`.
macro_rules! sql_fact_paths {
    ($storage:ty) => {
        impl $storage {

            async fn store_fact_chunk(
                &self,
                device: &DeviceIdentity,
                facts: &[(Envelope<Fact>, String)],
            ) -> DbResult<Vec<FactStored>> {
                let mut tx = self.pool.begin().await?;
                // Sales, returns, shift closes and audit entries share the
                // tenant with other tills' uploads and lock only the stock
                // positions they move; an order's claim or pack moves
                // reservations and orders too and takes the tenant alone.
                let moves = facts.iter().try_fold(Vec::new(), |mut moves, (envelope, _)| {
                    match &envelope.data {
                        // A sale on account moves the customer's account too.
                        Fact::Sale(sale) if $crate::storage::sql::facts::on_account(sale) => return None,
                        Fact::Sale(sale) => moves.extend(sale.movements().iter().map(|m| (m.store_id, m.variant_id))),
                        // A return is weighed against every return of its bill,
                        // from any till: returns take the tenant alone.
                        Fact::Return(_) => return None,
                        Fact::StockTakeApproved(take) => moves.extend(take.movements().iter().map(|m| (m.store_id, m.variant_id))),
                        Fact::ShiftClosed(_) | Fact::Audit(_) => {}
                        // A receipt moves its purchase order on too.
                        Fact::OrderClaimed(_) | Fact::OrderPacked(_) | Fact::GoodsReceived(_) => return None,
                        Fact::DuesPaid(_) | Fact::CreditReleased(_) | Fact::LoyaltyReleased(_) => return None,
                        // A transfer moves its request or its own state on.
                        Fact::TransferDispatched(_) | Fact::TransferReceived(_) => return None,
                    }
                    Some(moves)
                });
                match moves {
                    Some(moves) => {
                        Self::lock_tenant_shared(&mut tx, device.tenant_id).await?;
                        Self::lock_positions(&mut tx, device.tenant_id, &moves).await?;
                    }
                    None => Self::lock_tenant(&mut tx, device.tenant_id).await?,
                }
                let mut outcomes = Vec::with_capacity(facts.len());
                // Quarantined copies of what went in are resolved in one go.
                let mut stored = Vec::with_capacity(facts.len());
                // The tax documents of the sales and returns that went in,
                // written together at the end.
                let mut tax_documents = Vec::new();
                let tax_document = |envelope: &Envelope<Fact>| match &envelope.data {
                    Fact::Sale(sale) => Some((device.store_id.as_uuid(), device.terminal_id.as_uuid(), $crate::domain::gst::TaxDocument::of_sale(sale))),
                    Fact::Return(ret) => Some((device.store_id.as_uuid(), device.terminal_id.as_uuid(), $crate::domain::gst::TaxDocument::of_return(ret))),
                    _ => None,
                };
                let mut at = 0;
                while at < facts.len() {
                    // New sales and returns go in together, else one by one.
                    let run = facts[at..]
                        .iter()
                        .take_while(|(e, _)| match &e.data {
                            Fact::Sale(sale) => !$crate::storage::sql::facts::on_account(sale),
                            // Returns go one by one (`insert_return`).
                            Fact::Return(_) => false,
                            _ => false,
                        })
                        .count();
                    if run > 1 && Self::store_sale_run(&mut tx, device, &facts[at..at + run]).await? {
                        for (envelope, _) in &facts[at..at + run] {
                            tax_documents.extend(tax_document(envelope));
                            stored.push(envelope.event_id);
                            outcomes.push(FactStored::Accepted);
                        }
                        at += run;
                        continue;
                    }
                    let end = at + run.max(1);
                    for (envelope, raw) in &facts[at..end] {
                        let outcome = Self::store_one_fact(&mut tx, device, envelope, raw).await?;
                        if outcome == FactStored::Accepted {
                            tax_documents.extend(tax_document(envelope));
                        }
                        if matches!(outcome, FactStored::Accepted | FactStored::Duplicate) {
                            stored.push(envelope.event_id);
                        }
                        outcomes.push(outcome);
                    }
                    at = end;
                }
                Self::resolve_quarantined(&mut tx, device, &stored).await?;
                Self::insert_tax_documents(&mut tx, device.tenant_id, &tax_documents).await?;
                Self::commit(tx).await?;
                Ok(outcomes)
            }

            /// Stores one fact in a savepoint of `tx`, kept only if it went in.
            async fn store_one_fact(tx: &mut Tx<'_>, device: &DeviceIdentity, envelope: &Envelope<Fact>, raw: &str) -> DbResult<FactStored> {
                let mut savepoint = sqlx::Acquire::begin(&mut **tx).await?;
                let outcome = match &envelope.data {
                    Fact::Sale(sale) => match Self::insert_sale(&mut savepoint, device, sale, raw).await? {
                        FactStored::Accepted => match Self::record_credit_sale(&mut savepoint, device, sale).await? {
                            FactStored::Accepted => Self::record_loyalty_sale(&mut savepoint, device, sale).await?,
                            other => other,
                        },
                        other => other,
                    },
                    Fact::ShiftClosed(report) => Self::insert_shift_close(&mut savepoint, device, report, raw).await?,
                    Fact::Return(ret) => match Self::insert_return(&mut savepoint, device, ret, raw).await? {
                        FactStored::Accepted => match Self::record_credit_refund(&mut savepoint, device, ret).await? {
                            FactStored::Accepted => Self::record_points_back(&mut savepoint, device, ret).await?,
                            other => other,
                        },
                        other => other,
                    },
                    Fact::Audit(entry) => Self::insert_audit(&mut savepoint, device, entry, raw).await?,
                    Fact::OrderClaimed(claim) => Self::insert_order_claim(&mut savepoint, device, claim, raw).await?,
                    Fact::OrderPacked(packed) => Self::insert_order_pack(&mut savepoint, device, packed, raw).await?,
                    Fact::StockTakeApproved(take) => Self::insert_stock_take_part(&mut savepoint, device, take, raw).await?,
                    Fact::GoodsReceived(receipt) => Self::insert_goods_receipt(&mut savepoint, device, receipt, raw).await?,
                    Fact::DuesPaid(payment) => Self::insert_dues_payment(&mut savepoint, device, payment, raw).await?,
                    Fact::CreditReleased(release) => Self::insert_credit_release(&mut savepoint, device, release, raw).await?,
                    Fact::LoyaltyReleased(release) => Self::insert_loyalty_release(&mut savepoint, device, release, raw).await?,
                    Fact::TransferDispatched(dispatch) => Self::insert_transfer_dispatch(&mut savepoint, device, dispatch, raw).await?,
                    Fact::TransferReceived(receipt) => Self::insert_transfer_receipt(&mut savepoint, device, receipt, raw).await?,
                };
                let outcome = match outcome {
                    FactStored::Duplicate => Self::duplicate_or_conflict(&mut savepoint, device, envelope).await?,
                    other => other,
                };
                match outcome {
                    FactStored::Accepted => savepoint.commit().await?,
                    _ => savepoint.rollback().await?,
                }
                Ok(outcome)
            }

            /// A fact whose id is already stored is a duplicate only when it is
            /// the same fact: same tenant, same content. Anything else is an
            /// id conflict, refused so the till quarantines it where HQ sees
            /// it, never acknowledged as if it had been stored.
            async fn duplicate_or_conflict(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                envelope: &Envelope<Fact>,
            ) -> DbResult<FactStored> {
                let table = $crate::storage::sql::facts::fact_table(&envelope.data);
                let stored: Option<(Uuid, String)> = sqlx::query_as(&format!(
                    "SELECT tenant_id, envelope FROM {table} WHERE id = $1"
                ))
                .bind(envelope.event_id)
                .fetch_optional(&mut **tx)
                .await?;
                Ok($crate::domain::sync::judge_duplicate(device, envelope, stored))
            }

            /// A page of the envelopes a store's tills uploaded to `table`, in
            /// the order they were committed at the hub.
            async fn read_kept_facts(&self, table: &str, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<Envelope<Fact>>> {
                self.check_cursor(table, tenant, store, page).await?;
                let rows: Vec<(String,)> = sqlx::query_as(&format!(
                    "SELECT k.envelope FROM {table} k WHERE k.tenant_id = $1 AND k.store_id = $2 {}",
                    $crate::storage::sql::ledger::page_in_commit_order(table, "k", Self::WRITERS)
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let items = rows
                    .into_iter()
                    .map(|(raw,)| serde_json::from_str(&raw).map_err(|e| DbError::Corrupt(format!("{table}: {e}"))))
                    .collect::<DbResult<Vec<_>>>()?;
                Ok(Recorded::from_overfetch(items, page.limit))
            }

            /// Writes one sale and its movements inside `tx` (a savepoint).
            async fn insert_sale(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                sale: &SaleFact,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let inserted = sqlx::query(
                    "INSERT INTO sales (id, tenant_id, store_id, terminal_id, receipt_no, total_minor, currency, occurred_at_ms, received_at_ms, envelope, receipt_key_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                )
                .bind(sale.sale_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(&sale.receipt_no)
                .bind(sale.total.minor())
                .bind(sale.total.currency().as_str())
                .bind(sale.occurred_at.unix_millis())
                .bind(now_ms())
                .bind(raw_envelope)
                .bind(sale.receipt_key.as_deref().map($crate::domain::receipt_links::key_hash))
                .execute(&mut **tx)
                .await;
                if let Some(refused) = $crate::storage::sql::facts::first_write(inserted.map(|d| d.rows_affected()), &sale.receipt_no, "sale")? {
                    return Ok(refused);
                }
                // The origin check has made the sale's store and terminal this device's.
                let movements = sale.movements();
                Self::apply_and_announce(tx, device, &movements, ChangeBody::SaleRecorded(sale.clone())).await
            }

            /// Writes one return and puts its goods back on the shelf, inside `tx`
            /// (a savepoint); idempotent by return id.
            async fn insert_return(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                ret: &ReturnFact,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let inserted = sqlx::query(
                    "INSERT INTO returns (id, tenant_id, store_id, terminal_id, receipt_no, original_sale_id, total_minor, currency, occurred_at_ms, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                )
                .bind(ret.return_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(&ret.receipt_no)
                .bind(ret.original_sale_id.as_uuid())
                .bind(ret.total.minor())
                .bind(ret.total.currency().as_str())
                .bind(ret.occurred_at.unix_millis())
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await;
                if let Some(refused) = $crate::storage::sql::facts::first_write(inserted.map(|d| d.rows_affected()), &ret.receipt_no, "return")? {
                    return Ok(refused);
                }
                if let Some(refused) = Self::returned_past_the_bill(tx, device, ret).await? {
                    return Ok(refused);
                }
                let movements = ret.movements();
                Self::apply_and_announce(tx, device, &movements, ChangeBody::ReturnRecorded(ret.clone())).await
            }

            /// Refuses a return that, with the bill's earlier returns from any
            /// till, takes back more of a line than the bill sold: two tills
            /// taking the same bill back while apart. The till keeps it in
            /// quarantine for HQ; its stock, money and points move once.
            async fn returned_past_the_bill(tx: &mut Tx<'_>, device: &DeviceIdentity, ret: &ReturnFact) -> DbResult<Option<FactStored>> {
                let sale: Option<(String,)> = sqlx::query_as("SELECT envelope FROM sales WHERE tenant_id = $1 AND id = $2")
                    .bind(device.tenant_id.as_uuid())
                    .bind(ret.original_sale_id.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                // A bill the hub has not heard of yet cannot be weighed.
                let Some((sale,)) = sale else {
                    return Ok(None);
                };
                let sale: Envelope<Fact> = serde_json::from_str(&sale).map_err(|e| DbError::Corrupt(format!("sale {}: {e}", ret.original_sale_id)))?;
                let Fact::Sale(sale) = sale.data else {
                    return Ok(None);
                };
                let earlier: Vec<(String,)> = sqlx::query_as(
                    "SELECT envelope FROM returns WHERE tenant_id = $1 AND original_sale_id = $2 AND id <> $3",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(ret.original_sale_id.as_uuid())
                .bind(ret.return_id.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let mut returned = vec![0i64; sale.lines.len()];
                for (raw,) in &earlier {
                    if let Ok(Envelope { data: Fact::Return(r), .. }) = serde_json::from_str::<Envelope<Fact>>(raw) {
                        for l in &r.lines {
                            if let Some(n) = returned.get_mut(l.sale_line) {
                                *n += l.qty.milli();
                            }
                        }
                    }
                }
                for (i, l) in ret.lines.iter().enumerate() {
                    let Some(sold) = sale.lines.get(l.sale_line) else {
                        return Ok(Some(FactStored::Rejected(format!(
                            "lines[{i}].sale_line: bill {} has no line {}",
                            ret.original_receipt_no, l.sale_line
                        ))));
                    };
                    let before = returned[l.sale_line];
                    if before + l.qty.milli() > sold.qty.milli() {
                        return Ok(Some(FactStored::Rejected(format!(
                            "lines[{i}].qty: bill {} sold {} of {} and {} came back already (at another till); this return takes back more than was sold",
                            ret.original_receipt_no,
                            sold.qty,
                            sold.name,
                            pos_shared::Qty::from_milli(before),
                        ))));
                    }
                    returned[l.sale_line] += l.qty.milli();
                }
                Ok(None)
            }

            /// Applies a fact's movements and, when they all went in, tells the
            /// store's other tills (for returns at any till).
            async fn apply_and_announce(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                movements: &[MovementRecord],
                change: ChangeBody,
            ) -> DbResult<FactStored> {
                Self::apply_fact_movements(tx, device, movements, Some(change)).await
            }

            /// Applies a fact's movements, one per line. A line whose variant is
            /// unknown, or whose movement id already belongs to another fact,
            /// refuses the whole fact: the caller's savepoint rolls it back.
            /// `announce` goes to the store's feed with the movements.
            async fn apply_fact_movements(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                movements: &[MovementRecord],
                announce: Option<ChangeBody>,
            ) -> DbResult<FactStored> {
                let rules = $crate::storage::sql::movements::MovementRules {
                    from_hq: false,
                    watch_orderability: true,
                    replays: $crate::storage::sql::movements::Replays::Refused,
                };
                match Self::apply_movements(tx, device.tenant_id, device.store_id, movements, rules, announce.map(|c| (movements.len(), c)).into_iter().collect()).await {
                    Ok(_) => {}
                    Err(DbError::AtItem { index: i, error }) => {
                        return Ok(FactStored::Rejected(match *error {
                            DbError::NotFound("variant") => format!(
                                "lines[{i}].variant_id: no variant {} in this tenant's catalog",
                                movements[i].variant_id
                            ),
                            // A corrupt fact whose quantity no ledger could hold
                            // is this fact's problem, quarantined at its till,
                            // never the whole upload's.
                            DbError::InvalidField { detail, .. } => format!("lines[{i}].qty: {detail}"),
                            DbError::Conflict(_) => format!(
                                "lines[{i}].movement_id: movement {} already belongs to another fact",
                                movements[i].movement_id
                            ),
                            other => return Err(other),
                        }))
                    }
                    Err(other) => return Err(other),
                }
                Ok(FactStored::Accepted)
            }

            /// Keeps a till's audit entry; idempotent by entry id.
            async fn insert_audit(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                entry: &AuditEntry,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let action = serde_json::to_value(entry.action)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let done = sqlx::query(
                    "INSERT INTO audit_log (id, tenant_id, store_id, terminal_id, at_ms, action, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                )
                .bind(entry.entry_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(entry.at.unix_millis())
                .bind(action)
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await?;
                Ok(if done.rows_affected() == 0 { FactStored::Duplicate } else { FactStored::Accepted })
            }

            /// Keeps a shift's Z report; idempotent by shift id.
            async fn insert_shift_close(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                report: &ShiftReport,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let closed_at = report.closed_at.map_or(0, |t| t.unix_millis());
                let done = sqlx::query(
                    "INSERT INTO shift_closes (id, tenant_id, store_id, terminal_id, closed_at_ms, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                )
                .bind(report.shift_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(closed_at)
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await?;
                Ok(if done.rows_affected() == 0 { FactStored::Duplicate } else { FactStored::Accepted })
            }

        }

        #[async_trait::async_trait]
        impl FactStorage for $storage {
            /// Stores checked facts, each in a savepoint of its own (or a run of
            /// new sales and returns in one), so a refused one leaves no trace
            /// and never holds up the rest. The facts go in
            /// transactions of bounded work ([`FACTS_WORK_PER_COMMIT`]): the
            /// tenant's lock is held for one of them at a time, so five tills
            /// draining big backlogs take turns instead of queueing behind a
            /// whole upload each, and work done before a till gives up waiting
            /// stays done (its retry finds those facts as duplicates). Past
            /// [`UPLOAD_TIME_BUDGET`] it stops after the current run: the
            /// outcomes are for a prefix of `facts`, and the rest wait for
            /// the till's next upload.
            async fn accept_facts(
                &self,
                device: &DeviceIdentity,
                facts: &[(Envelope<Fact>, String)],
            ) -> DbResult<Vec<FactStored>> {
                let started = std::time::Instant::now();
                let mut outcomes = Vec::with_capacity(facts.len());
                for chunk in $crate::storage::sql::facts::commit_chunks(facts) {
                    let stored = self.store_fact_chunk(device, chunk).await?;
                    if stored.contains(&FactStored::Accepted) {
                        self.feed_changed();
                    }
                    outcomes.extend(stored);
                    if started.elapsed() > $crate::storage::sql::facts::UPLOAD_TIME_BUDGET {
                        break;
                    }
                }
                Ok(outcomes)
            }

            async fn audit_log(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<AuditEntry>> {
                let page = self.read_kept_facts("audit_log", tenant, store, page).await?;
                let items = page.items
                    .into_iter()
                    .map(|envelope| match envelope.data {
                        Fact::Audit(entry) => Ok(entry),
                        _ => Err(DbError::Corrupt("an audit row holds another fact".into())),
                    })
                    .collect::<DbResult<Vec<_>>>()?;
                Ok(Recorded { items, more: page.more })
            }

            async fn shift_closes(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<ShiftReport>> {
                let page = self.read_kept_facts("shift_closes", tenant, store, page).await?;
                let items = page.items
                    .into_iter()
                    .map(|envelope| match envelope.data {
                        Fact::ShiftClosed(report) => Ok(report),
                        _ => Err(DbError::Corrupt("a shift close holds another fact".into())),
                    })
                    .collect::<DbResult<Vec<_>>>()?;
                Ok(Recorded { items, more: page.more })
            }

            /// The store's sales in the order they were committed at the hub.
            async fn sales(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<SaleSummary>> {
                self.check_cursor("sales", tenant, store, page).await?;
                let rows: Vec<SaleRow> = sqlx::query_as(&format!(
                    "SELECT s.id, s.terminal_id, s.receipt_no, s.total_minor, s.currency, s.occurred_at_ms, s.received_at_ms \
                     FROM sales s WHERE s.tenant_id = $1 AND s.store_id = $2 {}",
                    $crate::storage::sql::ledger::page_in_commit_order("sales", "s", Self::WRITERS)
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let items = rows.into_iter().map(sale_from_row).collect::<DbResult<Vec<_>>>()?;
                Ok(Recorded::from_overfetch(items, page.limit))
            }

            async fn holds_fact(&self, device: &DeviceIdentity, event_type: &str, event_id: Uuid) -> DbResult<Option<bool>> {
                let Some(table) = $crate::storage::sql::facts::fact_table_named(event_type) else {
                    return Ok(None);
                };
                let held: Option<(i64,)> = sqlx::query_as(&format!(
                    "SELECT CAST(1 AS BIGINT) FROM {table} WHERE id = $1 AND tenant_id = $2"
                ))
                .bind(event_id)
                .bind(device.tenant_id.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
                Ok(Some(held.is_some()))
            }

            async fn receipt_by_link(&self, key_hash: &str) -> DbResult<Option<$crate::domain::receipt_links::LinkedReceipt>> {
                // Two rows are read so that a key carried by more than one
                // sale (a till that copied another's) opens neither.
                let rows: Vec<(String, String)> = sqlx::query_as(
                    "SELECT s.envelope, st.name FROM sales s \
                     JOIN stores st ON st.id = s.store_id AND st.tenant_id = s.tenant_id \
                     WHERE s.receipt_key_hash = $1 LIMIT 2",
                )
                .bind(key_hash)
                .fetch_all(&self.pool)
                .await?;
                let mut rows = rows.into_iter();
                let (Some((raw, store_name)), None) = (rows.next(), rows.next()) else {
                    return Ok(None);
                };
                let envelope: Envelope<Fact> = serde_json::from_str(&raw)
                    .map_err(|e| DbError::Corrupt(format!("sales: {e}")))?;
                match envelope.data {
                    Fact::Sale(sale) => Ok(Some($crate::domain::receipt_links::LinkedReceipt { store_name, sale })),
                    _ => Err(DbError::Corrupt("a sales row holds another fact".into())),
                }
            }
        }

    };
}

pub(crate) use sql_fact_paths;

#[cfg(test)]
mod tests {
    use super::chunk_by_work;

    #[test]
    fn an_upload_is_committed_in_runs_of_bounded_work() {
        let sizes = [1, 1, 26, 1001, 3000, 1, 500, 500, 2];
        let runs = chunk_by_work(&sizes, |w| *w, 1000);
        let runs: Vec<Vec<usize>> = runs.iter().map(|r| r.to_vec()).collect();
        assert_eq!(
            runs,
            vec![
                vec![1, 1, 26],
                vec![1001],
                vec![3000],
                vec![1, 500],
                vec![500, 2],
            ]
        );
        assert_eq!(runs.concat(), sizes, "every fact once, in order");
        assert!(chunk_by_work::<usize>(&[], |w| *w, 10).is_empty());
    }
}
