//! Credit accounts at the hub, for both backends (migration 0052): HQ's
//! accounts and statements, a till's top-up, and the facts that move an
//! account (a sale on account, a payment, a till's release). Every change
//! regrants the store's tills (`domain::credit::regrant`) and reaches them as
//! a `credit_account_changed` feed change, in the transaction that made it.
//! Writers hold the tenant alone, so an account's shares are read and
//! written by one transaction at a time. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::CreditStorage`] and the credit facts'
/// upload on `$storage`.
macro_rules! sql_credit_paths {
    ($storage:ty) => {
        use $crate::domain::credit::{
            Ageing, CreditAccountReport, CreditStatement, SetCreditAccount, StatementEntry, TillShare,
        };
        use pos_shared::credit::{CreditAccount, CreditGrant, CreditReleased, DuesPayment};

        /// A line of an account's statement as a fact makes it, for this
        /// terminal: a sale put on the account, a payment, a refund.
        struct CreditEntry<'a> {
            id: Uuid,
            phone: &'a str,
            kind: &'static str,
            amount: i64,
            reference: String,
            occurred_at: Timestamp,
            /// The payment fact as uploaded; sales and returns keep theirs.
            envelope: Option<&'a str>,
        }

        type CreditAccountDbRow = (Uuid, String, Uuid, Option<String>, i64, String, i64, bool, i64, i64);
        const CREDIT_ACCOUNT_SELECT: &str = "SELECT id, phone, store_id, name, limit_minor, currency, keep_minor, closed, \
             created_at_ms, updated_at_ms FROM credit_accounts";

        impl $storage {
            /// An account and its tills' shares, as stored now.
            async fn credit_report_in(tx: &mut Tx<'_>, tenant: TenantId, phone: &str) -> DbResult<Option<CreditAccountReport>> {
                let row: Option<CreditAccountDbRow> = sqlx::query_as(&format!("{CREDIT_ACCOUNT_SELECT} WHERE tenant_id = $1 AND phone = $2"))
                    .bind(tenant.as_uuid())
                    .bind(phone)
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some((id, phone, store, name, limit, currency, keep, closed, created, updated)) = row else {
                    return Ok(None);
                };
                let currency = pos_shared::Currency::parse(&currency).map_err(|e| DbError::Corrupt(format!("credit account {phone}: {e}")))?;
                let m = |minor| Money::new(minor, currency);
                let shares: Vec<(Uuid, i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT terminal_id, granted_minor, released_minor, lent_minor, paid_minor FROM credit_shares \
                     WHERE tenant_id = $1 AND phone = $2 ORDER BY terminal_id",
                )
                .bind(tenant.as_uuid())
                .bind(&phone)
                .fetch_all(&mut **tx)
                .await?;
                let tills: Vec<TillShare> = shares
                    .into_iter()
                    .map(|(terminal, granted, released, lent, paid)| TillShare {
                        terminal_id: TerminalId::from_uuid(terminal),
                        granted: m(granted),
                        released: m(released),
                        lent: m(lent),
                        paid: m(paid),
                    })
                    .collect();
                let dues: i64 = tills.iter().map(|t| t.lent.minor() - t.paid.minor()).sum();
                Ok(Some(CreditAccountReport {
                    account_id: id,
                    phone,
                    name,
                    store_id: StoreId::from_uuid(store),
                    limit: m(limit),
                    dues: m(dues),
                    headroom: m(limit - dues),
                    keep: m(keep),
                    closed,
                    tills,
                    created_at: Timestamp::from_unix_millis(created),
                    updated_at: Timestamp::from_unix_millis(updated),
                }))
            }

            /// The store's currency; not found unless `store` is the tenant's.
            async fn credit_store_is(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<String> {
                let found: Option<(String,)> = sqlx::query_as("SELECT currency FROM stores WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                found.map(|(c,)| c).ok_or(DbError::NotFound("store"))
            }

            /// The account as the store's tills hear it.
            fn credit_for_tills(report: &CreditAccountReport) -> CreditAccount {
                CreditAccount {
                    phone: report.phone.clone(),
                    name: report.name.clone(),
                    store_id: report.store_id,
                    limit: report.limit,
                    dues: report.dues,
                    keep: report.keep,
                    closed: report.closed,
                    grants: report
                        .tills
                        .iter()
                        .filter(|t| t.granted.minor() > 0)
                        .map(|t| CreditGrant { terminal_id: t.terminal_id, granted: t.granted })
                        .collect(),
                }
            }

            /// Regrants the store's tills on the account, stores what moved
            /// and tells the store's tills (and HQ) where it stands now.
            async fn regrant_credit(tx: &mut Tx<'_>, tenant: TenantId, phone: &str) -> DbResult<CreditAccountReport> {
                Self::regrant_credit_when(tx, tenant, phone, true, None).await
            }

            /// Gives a till that joined the store its share of every account
            /// of the store; accounts whose shares did not move stay unannounced.
            pub(crate) async fn regrant_store_credit(&self, tenant: TenantId, store: StoreId) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let phones: Vec<(String,)> = sqlx::query_as(
                    "SELECT phone FROM credit_accounts WHERE tenant_id = $1 AND store_id = $2 AND NOT closed ORDER BY created_at_ms, id",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                for (phone,) in phones {
                    Self::regrant_credit_when(&mut tx, tenant, &phone, false, None).await?;
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(())
            }

            /// [`Self::regrant_credit`]; with `always` false, nothing is
            /// written or announced unless a grant or the keep moved.
            async fn regrant_credit_when(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                phone: &str,
                always: bool,
                released_by: Option<TerminalId>,
            ) -> DbResult<CreditAccountReport> {
                let mut report = Self::credit_report_in(tx, tenant, phone).await?.ok_or(DbError::NotFound("credit account"))?;
                let home: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM terminals WHERE tenant_id = $1 AND store_id = $2 AND enrolled_at_ms IS NOT NULL \
                     AND device_token_hash IS NOT NULL ORDER BY id",
                )
                .bind(tenant.as_uuid())
                .bind(report.store_id.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let home: Vec<TerminalId> = home.into_iter().map(|(t,)| TerminalId::from_uuid(t)).collect();
                let zero = Money::new(0, report.limit.currency());
                for till in &home {
                    if !report.tills.iter().any(|s| s.terminal_id == *till) {
                        report.tills.push(TillShare { terminal_id: *till, granted: zero, released: zero, lent: zero, paid: zero });
                    }
                }
                let before: Vec<i64> = report.tills.iter().map(|t| t.granted.minor()).collect();
                let kept = report.keep;
                let keep = $crate::domain::credit::regrant(report.limit.minor(), report.closed, &mut report.tills, &home, released_by);
                report.keep = Money::new(keep, report.limit.currency());
                let moved = report.keep != kept || report.tills.iter().map(|t| t.granted.minor()).ne(before.iter().copied());
                if always || moved {
                    Self::store_grants(tx, tenant, &report, &before).await?;
                }
                Ok(report)
            }

            /// Writes the grants that moved (from `before`) and the keep, and
            /// announces the account.
            async fn store_grants(tx: &mut Tx<'_>, tenant: TenantId, report: &CreditAccountReport, before: &[i64]) -> DbResult<()> {
                for (i, till) in report.tills.iter().enumerate() {
                    if before.get(i) == Some(&till.granted.minor()) {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO credit_shares (tenant_id, phone, terminal_id, granted_minor, released_minor, lent_minor, paid_minor) \
                         VALUES ($1, $2, $3, $4, 0, 0, 0) \
                         ON CONFLICT (tenant_id, phone, terminal_id) DO UPDATE SET granted_minor = excluded.granted_minor",
                    )
                    .bind(tenant.as_uuid())
                    .bind(&report.phone)
                    .bind(till.terminal_id.as_uuid())
                    .bind(till.granted.minor())
                    .execute(&mut **tx)
                    .await?;
                }
                sqlx::query("UPDATE credit_accounts SET keep_minor = $3, updated_at_ms = $4 WHERE tenant_id = $1 AND phone = $2")
                    .bind(tenant.as_uuid())
                    .bind(&report.phone)
                    .bind(report.keep.minor())
                    .bind(now_ms())
                    .execute(&mut **tx)
                    .await?;
                let change = ChangeBody::CreditAccountChanged(Self::credit_for_tills(report));
                Self::append_change(tx, tenant, Some(report.store_id), &change).await
            }

            /// Writes a statement entry; false when its id is already there.
            async fn insert_credit_entry(tx: &mut Tx<'_>, device: &DeviceIdentity, entry: &CreditEntry<'_>) -> DbResult<bool> {
                let inserted = sqlx::query(
                    "INSERT INTO credit_entries (id, tenant_id, phone, kind, store_id, terminal_id, amount_minor, reference, occurred_at_ms, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                )
                .bind(entry.id)
                .bind(device.tenant_id.as_uuid())
                .bind(entry.phone)
                .bind(entry.kind)
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(entry.amount)
                .bind(&entry.reference)
                .bind(entry.occurred_at.unix_millis())
                .bind(now_ms())
                .bind(entry.envelope)
                .execute(&mut **tx)
                .await?;
                Ok(inserted.rows_affected() == 1)
            }

            /// Adds to a till's heard figures on an account.
            async fn add_to_share(tx: &mut Tx<'_>, tenant: TenantId, phone: &str, terminal: TerminalId, lent: i64, paid: i64) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO credit_shares (tenant_id, phone, terminal_id, granted_minor, released_minor, lent_minor, paid_minor) \
                     VALUES ($1, $2, $3, 0, 0, $4, $5) \
                     ON CONFLICT (tenant_id, phone, terminal_id) DO UPDATE SET \
                     lent_minor = credit_shares.lent_minor + excluded.lent_minor, \
                     paid_minor = credit_shares.paid_minor + excluded.paid_minor",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .bind(terminal.as_uuid())
                .bind(lent)
                .bind(paid)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// The account a fact names, or why the fact is refused.
            async fn account_for_fact(tx: &mut Tx<'_>, tenant: TenantId, phone: &str, kind: &str) -> DbResult<Result<CreditAccountReport, FactStored>> {
                Ok(match Self::credit_report_in(tx, tenant, phone).await? {
                    Some(account) => Ok(account),
                    None => Err(FactStored::Rejected(format!(
                        "customer.phone: {phone} has no credit account at the hub, so the {kind} cannot be put on it; open the account and resend"
                    ))),
                })
            }

            /// Puts a stored sale's on-account tenders on the customer's
            /// account (inside the sale's savepoint); a sale without one is
            /// left as it is.
            async fn record_credit_sale(tx: &mut Tx<'_>, device: &DeviceIdentity, sale: &SaleFact) -> DbResult<FactStored> {
                let on_account: i64 = sale
                    .tenders
                    .iter()
                    .filter(|t| t.method == pos_shared::sale::TenderMethod::Credit)
                    .map(|t| t.amount.minor())
                    .sum();
                let Some(customer) = sale.customer.as_ref().filter(|_| on_account > 0) else {
                    return Ok(FactStored::Accepted);
                };
                let account = match Self::account_for_fact(tx, device.tenant_id, &customer.phone, "sale").await? {
                    Ok(a) => a,
                    Err(refused) => return Ok(refused),
                };
                if account.store_id != device.store_id {
                    return Ok(FactStored::Rejected(format!(
                        "customer.phone: {}'s credit account is kept at another store",
                        customer.phone
                    )));
                }
                let entry = CreditEntry {
                    id: sale.sale_id.as_uuid(),
                    phone: &customer.phone,
                    kind: "sale",
                    amount: on_account,
                    reference: sale.receipt_no.clone(),
                    occurred_at: sale.occurred_at,
                    envelope: None,
                };
                Self::insert_credit_entry(tx, device, &entry).await?;
                Self::add_to_share(tx, device.tenant_id, &customer.phone, device.terminal_id, on_account, 0).await?;
                Self::regrant_credit(tx, device.tenant_id, &customer.phone).await?;
                Ok(FactStored::Accepted)
            }

            /// Takes a return's refund to the customer's account off what is
            /// owed (inside the return's savepoint): the account is the one
            /// the original sale was put on.
            async fn record_credit_refund(tx: &mut Tx<'_>, device: &DeviceIdentity, ret: &ReturnFact) -> DbResult<FactStored> {
                let back: i64 = ret
                    .refunds
                    .iter()
                    .filter(|t| t.method == pos_shared::sale::TenderMethod::Credit)
                    .map(|t| t.amount.minor())
                    .sum();
                if back <= 0 {
                    return Ok(FactStored::Accepted);
                }
                let phone: Option<(String,)> = sqlx::query_as(
                    "SELECT phone FROM credit_entries WHERE tenant_id = $1 AND id = $2 AND kind = 'sale'",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(ret.original_sale_id.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                let Some((phone,)) = phone else {
                    return Ok(FactStored::Rejected(format!(
                        "refunds: bill {} was not put on a credit account, so nothing goes back on one",
                        ret.original_receipt_no
                    )));
                };
                let entry = CreditEntry {
                    id: ret.return_id.as_uuid(),
                    phone: &phone,
                    kind: "refund",
                    amount: back,
                    reference: ret.receipt_no.clone(),
                    occurred_at: ret.occurred_at,
                    envelope: None,
                };
                Self::insert_credit_entry(tx, device, &entry).await?;
                // Taken off what is owed like a payment at this till: the
                // till counts it in what it may lend again.
                Self::add_to_share(tx, device.tenant_id, &phone, device.terminal_id, 0, back).await?;
                Self::regrant_credit(tx, device.tenant_id, &phone).await?;
                Ok(FactStored::Accepted)
            }

            /// Stores a payment against an account's dues (inside its savepoint).
            async fn insert_dues_payment(tx: &mut Tx<'_>, device: &DeviceIdentity, payment: &DuesPayment, raw: &str) -> DbResult<FactStored> {
                let entry = CreditEntry {
                    id: payment.payment_id,
                    phone: &payment.phone,
                    kind: "payment",
                    amount: payment.amount.minor(),
                    reference: match &payment.reference {
                        Some(r) => format!("{} {r}", payment.method.label()),
                        None => payment.method.label().to_owned(),
                    },
                    occurred_at: payment.occurred_at,
                    envelope: Some(raw),
                };
                if !Self::insert_credit_entry(tx, device, &entry).await? {
                    return Ok(FactStored::Duplicate);
                }
                let account = match Self::account_for_fact(tx, device.tenant_id, &payment.phone, "payment").await? {
                    Ok(account) => account,
                    Err(refused) => return Ok(refused),
                };
                if account.limit.currency() != payment.amount.currency() {
                    return Ok(FactStored::Rejected(format!(
                        "amount.currency: the account is kept in {}, not {}",
                        account.limit.currency(),
                        payment.amount.currency()
                    )));
                }
                Self::add_to_share(tx, device.tenant_id, &payment.phone, device.terminal_id, 0, payment.amount.minor()).await?;
                Self::regrant_credit(tx, device.tenant_id, &payment.phone).await?;
                Ok(FactStored::Accepted)
            }

            /// Stores a till's release: its released total only ever grows.
            async fn insert_credit_release(tx: &mut Tx<'_>, device: &DeviceIdentity, release: &CreditReleased, raw: &str) -> DbResult<FactStored> {
                let tables = &$crate::storage::sql::escrow::CREDIT_ESCROW;
                let kept = (release.release_id, release.phone.as_str(), release.released.minor());
                if !Self::keep_release(tx, device, tables, kept, raw).await? {
                    return Ok(FactStored::Duplicate);
                }
                if let Err(refused) = Self::account_for_fact(tx, device.tenant_id, &release.phone, "release").await? {
                    return Ok(refused);
                }
                Self::raise_released(tx, device, tables, &release.phone, release.released.minor()).await?;
                Self::regrant_credit_when(tx, device.tenant_id, &release.phone, true, Some(device.terminal_id)).await?;
                Ok(FactStored::Accepted)
            }

            /// The store's accounts for a new till's snapshot.
            pub(crate) async fn snapshot_credit_accounts(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<Vec<CreditAccount>> {
                let phones: Vec<(String,)> = sqlx::query_as(
                    "SELECT phone FROM credit_accounts WHERE tenant_id = $1 AND store_id = $2 ORDER BY created_at_ms, id",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let mut accounts = Vec::with_capacity(phones.len());
                for (phone,) in phones {
                    if let Some(report) = Self::credit_report_in(tx, tenant, &phone).await? {
                        accounts.push(Self::credit_for_tills(&report));
                    }
                }
                Ok(accounts)
            }
        }

        #[async_trait::async_trait]
        impl CreditStorage for $storage {
            async fn set_credit_account(&self, tenant: TenantId, set: &SetCreditAccount) -> DbResult<(CreditAccountReport, bool)> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let currency = Self::credit_store_is(&mut tx, tenant, set.store_id).await?;
                if set.limit.currency().as_str() != currency {
                    return Err(DbError::InvalidField {
                        field: "limit",
                        detail: format!("the store sells in {currency}: give the limit in {currency}"),
                    });
                }
                let existing = Self::credit_report_in(&mut tx, tenant, &set.phone).await?;
                let now = now_ms();
                let opened = match &existing {
                    Some(account) => {
                        if account.store_id != set.store_id {
                            return Err(DbError::Conflict("credit account at another store".into()));
                        }
                        if account.limit.currency() != set.limit.currency() {
                            return Err(DbError::InvalidField {
                                field: "limit",
                                detail: format!("the account is kept in {}", account.limit.currency()),
                            });
                        }
                        sqlx::query(
                            "UPDATE credit_accounts SET name = $3, limit_minor = $4, closed = $5, updated_at_ms = $6 WHERE tenant_id = $1 AND phone = $2",
                        )
                        .bind(tenant.as_uuid())
                        .bind(&set.phone)
                        .bind(&set.name)
                        .bind(set.limit.minor())
                        .bind(set.closed)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        false
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO credit_accounts (id, tenant_id, phone, store_id, name, limit_minor, currency, keep_minor, closed, created_at_ms, updated_at_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $9)",
                        )
                        .bind(Uuid::now_v7())
                        .bind(tenant.as_uuid())
                        .bind(&set.phone)
                        .bind(set.store_id.as_uuid())
                        .bind(&set.name)
                        .bind(set.limit.minor())
                        .bind(set.limit.currency().as_str())
                        .bind(set.closed)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        // The holder is one of the chain's customers from now on.
                        Self::meet_customer(&mut tx, tenant, &set.phone, set.name.as_deref(), set.store_id).await?;
                        true
                    }
                };
                let report = Self::regrant_credit(&mut tx, tenant, &set.phone).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok((report, opened))
            }

            async fn credit_accounts(&self, tenant: TenantId, store: StoreId, page: RecordedPage) -> DbResult<Recorded<CreditAccountReport>> {
                let mut tx = self.pool.begin().await?;
                Self::credit_store_is(&mut tx, tenant, store).await?;
                if let Some(after) = page.after {
                    let known: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM credit_accounts WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(after)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if known.is_none() {
                        return Err(DbError::InvalidField {
                            field: "cursor",
                            detail: "cursor is not from this list: pass back a next_cursor as it came".into(),
                        });
                    }
                }
                let phones: Vec<(String,)> = sqlx::query_as(
                    "SELECT phone FROM credit_accounts WHERE tenant_id = $1 AND store_id = $2 AND ($3 IS NULL OR (created_at_ms, id) > \
                     (SELECT created_at_ms, id FROM credit_accounts WHERE tenant_id = $1 AND id = $3)) ORDER BY created_at_ms, id LIMIT $4",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&mut *tx)
                .await?;
                let mut accounts = Vec::with_capacity(phones.len());
                for (phone,) in phones {
                    if let Some(report) = Self::credit_report_in(&mut tx, tenant, &phone).await? {
                        accounts.push(report);
                    }
                }
                tx.commit().await?;
                Ok(Recorded::from_overfetch(accounts, page.limit))
            }

            async fn credit_statement(&self, tenant: TenantId, phone: &str) -> DbResult<CreditStatement> {
                let mut tx = self.pool.begin().await?;
                let account = Self::credit_report_in(&mut tx, tenant, phone).await?.ok_or(DbError::NotFound("credit account"))?;
                let rows: Vec<(Uuid, String, i64, Uuid, i64, String)> = sqlx::query_as(
                    "SELECT id, kind, occurred_at_ms, terminal_id, amount_minor, reference FROM credit_entries \
                     WHERE tenant_id = $1 AND phone = $2 ORDER BY occurred_at_ms, id",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let currency = account.limit.currency();
                let mut balance = 0i64;
                let entries: Vec<StatementEntry> = rows
                    .into_iter()
                    .map(|(id, kind, at, terminal, amount, reference)| {
                        let signed = if kind == "sale" { amount } else { -amount };
                        balance += signed;
                        StatementEntry {
                            id,
                            kind,
                            occurred_at: Timestamp::from_unix_millis(at),
                            terminal_id: TerminalId::from_uuid(terminal),
                            amount: Money::new(signed, currency),
                            reference,
                            balance: Money::new(balance, currency),
                        }
                    })
                    .collect();
                let ageing = Ageing::of(&entries, Timestamp::now());
                Ok(CreditStatement { account, entries, ageing })
            }

            async fn credit_top_up(&self, device: &DeviceIdentity, phone: &str, need: Money) -> DbResult<CreditAccount> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, device.tenant_id).await?;
                let mut report = Self::credit_report_in(&mut tx, device.tenant_id, phone).await?.ok_or(DbError::NotFound("credit account"))?;
                if report.store_id != device.store_id {
                    return Err(DbError::NotFound("credit account"));
                }
                if need.currency() != report.limit.currency() {
                    return Err(DbError::InvalidField { field: "need", detail: format!("the account is kept in {}", report.limit.currency()) });
                }
                if !report.closed {
                    if !report.tills.iter().any(|s| s.terminal_id == device.terminal_id) {
                        let zero = Money::new(0, need.currency());
                        report.tills.push(TillShare { terminal_id: device.terminal_id, granted: zero, released: zero, lent: zero, paid: zero });
                    }
                    let before: Vec<i64> = report.tills.iter().map(|t| t.granted.minor()).collect();
                    let raised = $crate::domain::credit::top_up(report.limit.minor(), &mut report.tills, device.terminal_id, need.minor());
                    if raised > 0 {
                        Self::store_grants(&mut tx, device.tenant_id, &report, &before).await?;
                    }
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(Self::credit_for_tills(&report))
            }
        }
    };
}
pub(crate) use sql_credit_paths;
