//! Loyalty points at the hub, for both backends (migration 0055): the
//! tenant's rules, a customer's points (`domain::loyalty`), HQ's
//! adjustments, a till's top-up, and the facts that move points (a bill
//! that earned or redeemed them, a till's release). Every change regrants
//! the tills of the stores that know the customer (`domain::escrow`) and
//! reaches them as a `loyalty_account_changed` feed change, in the
//! transaction that made it. Writers hold the tenant alone. Expanded
//! inside `sql_storage!`.

/// Implements [`crate::storage::LoyaltyStorage`] and the loyalty facts'
/// upload on `$storage`.
macro_rules! sql_loyalty_paths {
    ($storage:ty) => {
        use $crate::domain::loyalty::{PointsAdjustment, PointsEntry, PointsReport, PointsShare, PointsStatement};
        use pos_shared::loyalty::{LoyaltyAccount, LoyaltyReleased, LoyaltyRules, PointsGrant};

        type LoyaltyRulesRow = (bool, i64, i64, String, i64, i64);

        impl $storage {
            async fn loyalty_rules_in(tx: &mut Tx<'_>, tenant: TenantId) -> DbResult<Option<LoyaltyRules>> {
                let row: Option<LoyaltyRulesRow> = sqlx::query_as(
                    "SELECT enabled, points_per_100, point_value_minor, currency, max_bill_percent, min_redeem FROM loyalty_rules WHERE tenant_id = $1",
                )
                .bind(tenant.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                row.map(|(enabled, points_per_100, value, currency, max_bill_percent, min_redeem)| {
                    let currency = pos_shared::Currency::parse(&currency).map_err(|e| DbError::Corrupt(format!("loyalty rules: {e}")))?;
                    Ok(LoyaltyRules { enabled, points_per_100, point_value: Money::new(value, currency), max_bill_percent, min_redeem })
                })
                .transpose()
            }

            /// A customer's points and the tills' shares, as stored now.
            async fn points_report_in(tx: &mut Tx<'_>, tenant: TenantId, phone: &str) -> DbResult<Option<PointsReport>> {
                let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT adjusted, keep, created_at_ms, updated_at_ms FROM loyalty_accounts WHERE tenant_id = $1 AND phone = $2",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_optional(&mut **tx)
                .await?;
                let Some((adjusted, keep, created, updated)) = row else {
                    return Ok(None);
                };
                let shares: Vec<(Uuid, i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT terminal_id, granted, released, earned, redeemed FROM loyalty_shares \
                     WHERE tenant_id = $1 AND phone = $2 ORDER BY terminal_id",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_all(&mut **tx)
                .await?;
                let tills: Vec<PointsShare> = shares
                    .into_iter()
                    .map(|(terminal, granted, released, earned, redeemed)| PointsShare {
                        terminal_id: TerminalId::from_uuid(terminal),
                        granted,
                        released,
                        earned,
                        redeemed,
                    })
                    .collect();
                // A return's take-back is on its till's share (earned less);
                // the gross and the take-back are read from the entries.
                let (taken_back,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(-earned), 0) AS BIGINT) FROM loyalty_entries \
                     WHERE tenant_id = $1 AND phone = $2 AND kind = 'return'",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_one(&mut **tx)
                .await?;
                let net_earned: i64 = tills.iter().map(|t| t.earned).sum();
                let earned = net_earned + taken_back;
                let redeemed: i64 = tills.iter().map(|t| t.redeemed).sum();
                Ok(Some(PointsReport {
                    phone: phone.to_owned(),
                    balance: net_earned + adjusted - redeemed,
                    earned,
                    redeemed,
                    adjusted,
                    taken_back,
                    keep,
                    tills,
                    created_at: Timestamp::from_unix_millis(created),
                    updated_at: Timestamp::from_unix_millis(updated),
                }))
            }

            /// The enrolled tills of the stores that know the customer: that
            /// hold their profile, or where they earned or redeemed points.
            async fn points_home(tx: &mut Tx<'_>, tenant: TenantId, phone: &str) -> DbResult<Vec<(TerminalId, StoreId)>> {
                let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
                    "SELECT t.id, t.store_id FROM terminals t WHERE t.tenant_id = $1 AND t.enrolled_at_ms IS NOT NULL \
                     AND t.device_token_hash IS NOT NULL AND t.store_id IN ( \
                       SELECT p.store_id FROM customer_store_profiles p WHERE p.tenant_id = $1 AND p.phone = $2 \
                       UNION SELECT x.store_id FROM loyalty_shares s JOIN terminals x ON x.id = s.terminal_id \
                       WHERE s.tenant_id = $1 AND s.phone = $2) \
                     ORDER BY t.id",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_all(&mut **tx)
                .await?;
                Ok(rows.into_iter().map(|(t, s)| (TerminalId::from_uuid(t), StoreId::from_uuid(s))).collect())
            }

            /// The account as the tills hear it.
            fn points_for_tills(report: &PointsReport) -> LoyaltyAccount {
                LoyaltyAccount {
                    phone: report.phone.clone(),
                    balance: report.balance,
                    keep: report.keep,
                    grants: report
                        .tills
                        .iter()
                        .filter(|t| t.granted > 0)
                        .map(|t| PointsGrant { terminal_id: t.terminal_id, granted: t.granted })
                        .collect(),
                }
            }

            /// Regrants the home tills on a customer's points, stores what
            /// moved and tells the stores that know the customer; with
            /// `always` false, nothing is written or told unless a grant or
            /// the keep moved.
            async fn regrant_points(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                phone: &str,
                always: bool,
                released_by: Option<TerminalId>,
            ) -> DbResult<PointsReport> {
                let mut report = Self::points_report_in(tx, tenant, phone).await?.ok_or(DbError::NotFound("loyalty account"))?;
                let home = Self::points_home(tx, tenant, phone).await?;
                for (till, _) in &home {
                    if !report.tills.iter().any(|s| s.terminal_id == *till) {
                        report.tills.push(PointsShare { terminal_id: *till, granted: 0, released: 0, earned: 0, redeemed: 0 });
                    }
                }
                let on = Self::loyalty_rules_in(tx, tenant).await?.is_some_and(|r| r.enabled);
                let before: Vec<i64> = report.tills.iter().map(|t| t.granted).collect();
                let kept = report.keep;
                let tills: Vec<TerminalId> = home.iter().map(|(t, _)| *t).collect();
                report.keep = $crate::domain::escrow::regrant(report.limit(), !on, &mut report.tills, &tills, released_by);
                let moved = report.keep != kept || report.tills.iter().map(|t| t.granted).ne(before.iter().copied());
                if always || moved {
                    Self::store_points_grants(tx, tenant, &report, &before).await?;
                    let mut stores: Vec<StoreId> = home.iter().map(|(_, s)| *s).collect();
                    stores.sort_unstable();
                    stores.dedup();
                    let change = ChangeBody::LoyaltyAccountChanged(Self::points_for_tills(&report));
                    for store in stores {
                        Self::append_change(tx, tenant, Some(store), &change).await?;
                    }
                }
                Ok(report)
            }

            /// Writes the grants that moved (from `before`) and the keep.
            async fn store_points_grants(tx: &mut Tx<'_>, tenant: TenantId, report: &PointsReport, before: &[i64]) -> DbResult<()> {
                for (i, till) in report.tills.iter().enumerate() {
                    if before.get(i) == Some(&till.granted) {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO loyalty_shares (tenant_id, phone, terminal_id, granted, released, earned, redeemed) \
                         VALUES ($1, $2, $3, $4, 0, 0, 0) \
                         ON CONFLICT (tenant_id, phone, terminal_id) DO UPDATE SET granted = excluded.granted",
                    )
                    .bind(tenant.as_uuid())
                    .bind(&report.phone)
                    .bind(till.terminal_id.as_uuid())
                    .bind(till.granted)
                    .execute(&mut **tx)
                    .await?;
                }
                sqlx::query("UPDATE loyalty_accounts SET keep = $3, updated_at_ms = $4 WHERE tenant_id = $1 AND phone = $2")
                    .bind(tenant.as_uuid())
                    .bind(&report.phone)
                    .bind(report.keep)
                    .bind(now_ms())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Opens a customer's points account, if it is not there yet.
            async fn open_points_account(tx: &mut Tx<'_>, tenant: TenantId, phone: &str) -> DbResult<()> {
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO loyalty_accounts (tenant_id, phone, adjusted, keep, created_at_ms, updated_at_ms) \
                     VALUES ($1, $2, 0, 0, $3, $3) ON CONFLICT (tenant_id, phone) DO NOTHING",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Puts a stored sale's points on the customer's account (inside
            /// the sale's savepoint); a sale that earned and redeemed none is
            /// left as it is.
            async fn record_loyalty_sale(tx: &mut Tx<'_>, device: &DeviceIdentity, sale: &SaleFact) -> DbResult<FactStored> {
                let Some(customer) = sale.customer.as_ref().filter(|c| c.points_earned > 0 || c.points_redeemed > 0) else {
                    return Ok(FactStored::Accepted);
                };
                if !pos_shared::credit::is_account_phone(&customer.phone) {
                    return Ok(FactStored::Rejected("customer.phone: points are kept by a phone of +91 and ten digits".into()));
                }
                let inserted = sqlx::query(
                    "INSERT INTO loyalty_entries (id, tenant_id, phone, kind, store_id, terminal_id, earned, redeemed, value_minor, reference, occurred_at_ms, received_at_ms, redeemed_minor) \
                     VALUES ($1, $2, $3, 'bill', $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
                )
                .bind(sale.sale_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(&customer.phone)
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(customer.points_earned)
                .bind(customer.points_redeemed)
                .bind(sale.total.minor())
                .bind(&sale.receipt_no)
                .bind(sale.occurred_at.unix_millis())
                .bind(now_ms())
                .bind(
                    sale.tenders
                        .iter()
                        .filter(|t| t.method == pos_shared::sale::TenderMethod::Points)
                        .map(|t| t.amount.minor())
                        .sum::<i64>(),
                )
                .execute(&mut **tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Ok(FactStored::Accepted);
                }
                Self::open_points_account(tx, device.tenant_id, &customer.phone).await?;
                Self::add_to_points_share(tx, device, &customer.phone, customer.points_earned, customer.points_redeemed).await?;
                Self::regrant_points(tx, device.tenant_id, &customer.phone, true, None).await?;
                Ok(FactStored::Accepted)
            }

            /// Adds to a till's heard figures on a customer's points.
            async fn add_to_points_share(tx: &mut Tx<'_>, device: &DeviceIdentity, phone: &str, earned: i64, redeemed: i64) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO loyalty_shares (tenant_id, phone, terminal_id, granted, released, earned, redeemed) \
                     VALUES ($1, $2, $3, 0, 0, $4, $5) \
                     ON CONFLICT (tenant_id, phone, terminal_id) DO UPDATE SET \
                     earned = loyalty_shares.earned + excluded.earned, redeemed = loyalty_shares.redeemed + excluded.redeemed",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(phone)
                .bind(device.terminal_id.as_uuid())
                .bind(earned)
                .bind(redeemed)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Gives a return's points refund back to the customer (inside the
            /// return's savepoint), at the bill's own value of a point: the
            /// returning till may let them be redeemed again.
            async fn record_points_back(tx: &mut Tx<'_>, device: &DeviceIdentity, ret: &ReturnFact) -> DbResult<FactStored> {
                let back: i64 = ret
                    .refunds
                    .iter()
                    .filter(|t| t.method == pos_shared::sale::TenderMethod::Points)
                    .map(|t| t.amount.minor())
                    .sum();
                let bill: Option<(String, i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT phone, earned, redeemed, redeemed_minor, value_minor FROM loyalty_entries \
                     WHERE tenant_id = $1 AND id = $2 AND kind = 'bill'",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(ret.original_sale_id.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                let refused = || {
                    Ok(FactStored::Rejected(format!(
                        "refunds: bill {} was not paid in points, so none go back",
                        ret.original_receipt_no
                    )))
                };
                let Some((phone, earned, redeemed, paid, value)) = bill else {
                    return if back > 0 { refused() } else { Ok(FactStored::Accepted) };
                };
                if back > 0 && (redeemed <= 0 || paid <= 0) {
                    return refused();
                }
                let points = if back > 0 { (i128::from(back) * i128::from(redeemed) / i128::from(paid)) as i64 } else { 0 };
                // What this return takes back of what the bill earned, as its
                // till did: the share of the bill returned so far, less what
                // earlier returns took.
                let (earlier,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) FROM returns \
                     WHERE tenant_id = $1 AND original_sale_id = $2 AND id <> $3",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(ret.original_sale_id.as_uuid())
                .bind(ret.return_id.as_uuid())
                .fetch_one(&mut **tx)
                .await?;
                let taken = pos_shared::loyalty::taken_back(earned, value, earlier + ret.total.minor())
                    - pos_shared::loyalty::taken_back(earned, value, earlier);
                if points == 0 && taken == 0 {
                    return Ok(FactStored::Accepted);
                }
                sqlx::query(
                    "INSERT INTO loyalty_entries (id, tenant_id, phone, kind, store_id, terminal_id, earned, redeemed, value_minor, reference, occurred_at_ms, received_at_ms) \
                     VALUES ($1, $2, $3, 'return', $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                )
                .bind(ret.return_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(&phone)
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(-taken)
                .bind(-points)
                .bind(ret.total.minor())
                .bind(&ret.receipt_no)
                .bind(ret.occurred_at.unix_millis())
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                Self::add_to_points_share(tx, device, &phone, -taken, -points).await?;
                Self::regrant_points(tx, device.tenant_id, &phone, true, None).await?;
                Ok(FactStored::Accepted)
            }

            /// Stores a till's release: its released total only ever grows.
            async fn insert_loyalty_release(tx: &mut Tx<'_>, device: &DeviceIdentity, release: &LoyaltyReleased, raw: &str) -> DbResult<FactStored> {
                let tables = &$crate::storage::sql::escrow::LOYALTY_ESCROW;
                let kept = (release.release_id, release.phone.as_str(), release.released);
                if !Self::keep_release(tx, device, tables, kept, raw).await? {
                    return Ok(FactStored::Duplicate);
                }
                if Self::points_report_in(tx, device.tenant_id, &release.phone).await?.is_none() {
                    return Ok(FactStored::Rejected(format!(
                        "phone: {} has no points at the hub, so none can be given back",
                        release.phone
                    )));
                }
                Self::raise_released(tx, device, tables, &release.phone, release.released).await?;
                Self::regrant_points(tx, device.tenant_id, &release.phone, true, Some(device.terminal_id)).await?;
                Ok(FactStored::Accepted)
            }

            /// Gives a till that joined the store its share of the points of
            /// every customer the store knows; accounts whose shares did not
            /// move stay unannounced.
            pub(crate) async fn regrant_store_points(&self, tenant: TenantId, store: StoreId) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                for phone in Self::points_known_at(&mut tx, tenant, store).await? {
                    Self::regrant_points(&mut tx, tenant, &phone, false, None).await?;
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(())
            }

            /// The customers with points whom the store knows: its tills hold
            /// their profile, or they earned or redeemed points there.
            async fn points_known_at(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<Vec<String>> {
                let phones: Vec<(String,)> = sqlx::query_as(
                    "SELECT a.phone FROM loyalty_accounts a WHERE a.tenant_id = $1 AND a.phone IN ( \
                       SELECT p.phone FROM customer_store_profiles p WHERE p.tenant_id = $1 AND p.store_id = $2 \
                       UNION SELECT s.phone FROM loyalty_shares s JOIN terminals t ON t.id = s.terminal_id \
                       WHERE s.tenant_id = $1 AND t.store_id = $2) \
                     ORDER BY a.phone",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                Ok(phones.into_iter().map(|(p,)| p).collect())
            }

            /// The rules and the points of the customers the store knows,
            /// for a new till's snapshot.
            pub(crate) async fn snapshot_loyalty(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<Vec<pos_shared::sync::SnapshotRecord>> {
                let mut records = Vec::new();
                if let Some(rules) = Self::loyalty_rules_in(tx, tenant).await? {
                    records.push(pos_shared::sync::SnapshotRecord::LoyaltyRules(rules));
                }
                for phone in Self::points_known_at(tx, tenant, store).await? {
                    if let Some(report) = Self::points_report_in(tx, tenant, &phone).await? {
                        records.push(pos_shared::sync::SnapshotRecord::LoyaltyAccount(Self::points_for_tills(&report)));
                    }
                }
                Ok(records)
            }
        }

        #[async_trait::async_trait]
        impl LoyaltyStorage for $storage {
            async fn set_loyalty_rules(&self, tenant: TenantId, rules: &LoyaltyRules) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let (currency,): (String,) = sqlx::query_as("SELECT currency FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                if rules.point_value.currency().as_str() != currency {
                    return Err(DbError::InvalidField {
                        field: "point_value",
                        detail: format!("the chain sells in {currency}: give a point's value in {currency}"),
                    });
                }
                sqlx::query(
                    "INSERT INTO loyalty_rules (tenant_id, enabled, points_per_100, point_value_minor, currency, max_bill_percent, min_redeem, updated_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id) DO UPDATE SET \
                     enabled = excluded.enabled, points_per_100 = excluded.points_per_100, point_value_minor = excluded.point_value_minor, \
                     currency = excluded.currency, max_bill_percent = excluded.max_bill_percent, min_redeem = excluded.min_redeem, \
                     updated_at_ms = excluded.updated_at_ms",
                )
                .bind(tenant.as_uuid())
                .bind(rules.enabled)
                .bind(rules.points_per_100)
                .bind(rules.point_value.minor())
                .bind(rules.point_value.currency().as_str())
                .bind(rules.max_bill_percent)
                .bind(rules.min_redeem)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                Self::append_change(&mut tx, tenant, None, &ChangeBody::LoyaltyRulesChanged(rules.clone())).await?;
                // Turned on or off: every account's shares follow.
                let phones: Vec<(String,)> = sqlx::query_as("SELECT phone FROM loyalty_accounts WHERE tenant_id = $1 ORDER BY phone")
                    .bind(tenant.as_uuid())
                    .fetch_all(&mut *tx)
                    .await?;
                for (phone,) in phones {
                    Self::regrant_points(&mut tx, tenant, &phone, false, None).await?;
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(())
            }

            async fn loyalty_rules(&self, tenant: TenantId) -> DbResult<Option<LoyaltyRules>> {
                let mut tx = self.pool.begin().await?;
                Self::loyalty_rules_in(&mut tx, tenant).await
            }

            async fn points_statement(&self, tenant: TenantId, phone: &str) -> DbResult<PointsStatement> {
                let mut tx = self.pool.begin().await?;
                let account = Self::points_report_in(&mut tx, tenant, phone).await?.ok_or(DbError::NotFound("loyalty account"))?;
                let rows: Vec<(Uuid, String, i64, Option<Uuid>, i64, i64, String)> = sqlx::query_as(
                    "SELECT id, kind, occurred_at_ms, store_id, earned, redeemed, reference FROM loyalty_entries \
                     WHERE tenant_id = $1 AND phone = $2 ORDER BY occurred_at_ms, id",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_all(&mut *tx)
                .await?;
                let mut balance = 0i64;
                let entries = rows
                    .into_iter()
                    .map(|(id, kind, at, store, earned, redeemed, reference)| {
                        balance += earned - redeemed;
                        // A return's take-back reads as such, not as points
                        // earned below zero; HQ's adjustment as an adjustment
                        // either way.
                        let of = |k: &str| if kind == k { earned } else { 0 };
                        let (earned, taken_back, adjusted) = (of("bill"), -of("return"), of("adjustment"));
                        PointsEntry {
                            id,
                            kind,
                            occurred_at: Timestamp::from_unix_millis(at),
                            store_id: store.map(StoreId::from_uuid),
                            earned,
                            redeemed,
                            taken_back,
                            adjusted,
                            reference,
                            balance,
                        }
                    })
                    .collect();
                Ok(PointsStatement { account, entries })
            }

            async fn adjust_points(&self, tenant: TenantId, adjustment: &PointsAdjustment) -> DbResult<(PointsReport, bool)> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let known: Option<(String, i64, String)> = sqlx::query_as(
                    "SELECT phone, earned, reference FROM loyalty_entries WHERE tenant_id = $1 AND id = $2 AND kind = 'adjustment'",
                )
                .bind(tenant.as_uuid())
                .bind(adjustment.adjustment_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((phone, points, reason)) = known {
                    if phone != adjustment.phone || points != adjustment.points || reason != adjustment.reason {
                        return Err(DbError::Conflict("adjustment_id reused".into()));
                    }
                    let report = Self::points_report_in(&mut tx, tenant, &phone).await?.ok_or(DbError::NotFound("loyalty account"))?;
                    return Ok((report, false));
                }
                Self::open_points_account(&mut tx, tenant, &adjustment.phone).await?;
                let report = Self::points_report_in(&mut tx, tenant, &adjustment.phone).await?.ok_or(DbError::NotFound("loyalty account"))?;
                // Only points the hub holds free can be taken off: the tills
                // may already have let the rest be redeemed.
                let free = report.limit() - $crate::domain::escrow::held(&report.tills);
                if adjustment.points < 0 && report.balance <= 0 {
                    return Err(DbError::InvalidField {
                        field: "points",
                        detail: format!("{} has no points to take off (balance {})", adjustment.phone, report.balance),
                    });
                }
                if adjustment.points < 0 && free + adjustment.points < 0 {
                    return Err(DbError::InvalidField {
                        field: "points",
                        detail: format!(
                            "at most {} points can be taken off now: the rest are with the tills, for redeeming offline",
                            free.max(0)
                        ),
                    });
                }
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO loyalty_entries (id, tenant_id, phone, kind, store_id, terminal_id, earned, redeemed, value_minor, reference, occurred_at_ms, received_at_ms) \
                     VALUES ($1, $2, $3, 'adjustment', NULL, NULL, $4, 0, 0, $5, $6, $6)",
                )
                .bind(adjustment.adjustment_id)
                .bind(tenant.as_uuid())
                .bind(&adjustment.phone)
                .bind(adjustment.points)
                .bind(&adjustment.reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE loyalty_accounts SET adjusted = adjusted + $3, updated_at_ms = $4 WHERE tenant_id = $1 AND phone = $2")
                    .bind(tenant.as_uuid())
                    .bind(&adjustment.phone)
                    .bind(adjustment.points)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let report = Self::regrant_points(&mut tx, tenant, &adjustment.phone, true, None).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok((report, true))
            }

            async fn loyalty_top_up(&self, device: &DeviceIdentity, phone: &str, need: i64) -> DbResult<LoyaltyAccount> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, device.tenant_id).await?;
                let mut report = Self::points_report_in(&mut tx, device.tenant_id, phone).await?.ok_or(DbError::NotFound("loyalty account"))?;
                if Self::loyalty_rules_in(&mut tx, device.tenant_id).await?.is_some_and(|r| r.enabled) {
                    if !report.tills.iter().any(|s| s.terminal_id == device.terminal_id) {
                        report.tills.push(PointsShare { terminal_id: device.terminal_id, granted: 0, released: 0, earned: 0, redeemed: 0 });
                    }
                    let before: Vec<i64> = report.tills.iter().map(|t| t.granted).collect();
                    let raised = $crate::domain::escrow::top_up(report.limit(), &mut report.tills, device.terminal_id, need);
                    if raised > 0 {
                        Self::store_points_grants(&mut tx, device.tenant_id, &report, &before).await?;
                        let change = ChangeBody::LoyaltyAccountChanged(Self::points_for_tills(&report));
                        Self::append_change(&mut tx, device.tenant_id, Some(device.store_id), &change).await?;
                    }
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(Self::points_for_tills(&report))
            }
        }
    };
}

pub(crate) use sql_loyalty_paths;
