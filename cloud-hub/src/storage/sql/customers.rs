//! Customers across stores, for both backends (migration 0054): the
//! tenant's record per phone, merged from each store's `customer_profiles`
//! document when a till's sync changes it (only the fields that store
//! changed since its last merge, so the latest edit heard wins) and met on
//! the bills that name a customer; HQ's search and a customer's stores.
//! Expanded inside `sql_storage!`.

/// Implements [`crate::storage::CustomerStorage`] and the merges on `$storage`.
macro_rules! sql_customer_paths {
    ($storage:ty) => {
        use $crate::domain::customers::{CustomerAtStore, CustomerRecord, CustomerReport};

        type CustomerDbRow = (String, Option<String>, Option<String>, Uuid, Option<Uuid>, i64, i64);
        const CUSTOMER_SELECT: &str = "SELECT phone, name, gstin, first_store_id, updated_by_store_id, created_at_ms, updated_at_ms FROM customers";

        fn customer_record_from_row((phone, name, gstin, first, by, created, updated): CustomerDbRow) -> CustomerRecord {
            CustomerRecord {
                phone,
                name,
                gstin,
                first_store_id: StoreId::from_uuid(first),
                updated_by_store_id: by.map(StoreId::from_uuid),
                created_at: Timestamp::from_unix_millis(created),
                updated_at: Timestamp::from_unix_millis(updated),
            }
        }

        impl $storage {
            /// Takes what a store's profile document changed since its last
            /// merge into the tenant's customers (inside the document's
            /// transaction). A field the store did not touch keeps what
            /// another store or an earlier edit gave it.
            async fn merge_store_profiles(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId, doc: &[u8]) -> DbResult<()> {
                use automerge::ReadDoc;
                let doc = automerge::AutoCommit::load(doc).map_err(|e| DbError::Corrupt(format!("customer profiles of store {store}: {e}")))?;
                let profiles = pos_shared::customer::profiles_from_entries(doc.keys(automerge::ROOT).map(|key| {
                    let text = match doc.get(automerge::ROOT, key.as_str()) {
                        Ok(Some((value, _))) => value.as_str().map(str::to_owned),
                        _ => None,
                    };
                    (key, text)
                }));
                let known: Vec<(String, Option<String>, Option<String>)> =
                    sqlx::query_as("SELECT phone, name, gstin FROM customer_store_profiles WHERE tenant_id = $1 AND store_id = $2")
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .fetch_all(&mut **tx)
                        .await?;
                let known: std::collections::HashMap<String, (Option<String>, Option<String>)> =
                    known.into_iter().map(|(phone, name, gstin)| (phone, (name, gstin))).collect();
                let now = now_ms();
                // A GSTIN that is the chain's own registration is no
                // customer's: it does not reach the chain's record.
                let own: Vec<(String,)> = sqlx::query_as("SELECT gstin FROM stores WHERE tenant_id = $1 AND gstin IS NOT NULL")
                    .bind(tenant.as_uuid())
                    .fetch_all(&mut **tx)
                    .await?;
                let own: std::collections::HashSet<String> = own.into_iter().map(|(g,)| g).collect();
                for (phone, mut profile) in profiles {
                    if profile.gstin.as_ref().is_some_and(|g| own.contains(g)) {
                        tracing::warn!(%store, %phone, "a till gave a customer the chain's own GSTIN; not taken");
                        // As if the store had not touched the field.
                        profile.gstin = known.get(&phone).and_then(|(_, g)| g.clone());
                    }
                    // The tills write numbers normalised; anything else is no customer's.
                    if pos_shared::credit::normalize_phone(&phone).as_deref() != Ok(phone.as_str()) {
                        continue;
                    }
                    let said = (profile.name.clone(), profile.gstin.clone());
                    let last = known.get(&phone);
                    if last == Some(&said) {
                        continue;
                    }
                    let new_here = last.is_none();
                    // A field moves when this store changed it and it says
                    // something new: a store that took the chain's profile in
                    // as it was is no editor of it.
                    let record: Option<(Option<String>, Option<String>)> =
                        sqlx::query_as("SELECT name, gstin FROM customers WHERE tenant_id = $1 AND phone = $2")
                            .bind(tenant.as_uuid())
                            .bind(&phone)
                            .fetch_optional(&mut **tx)
                            .await?;
                    let name_moved = last.map_or(said.0.is_some(), |l| l.0 != said.0)
                        && record.as_ref().is_none_or(|r| r.0 != said.0);
                    let gstin_moved = last.map_or(said.1.is_some(), |l| l.1 != said.1)
                        && record.as_ref().is_none_or(|r| r.1 != said.1);
                    sqlx::query(
                        "INSERT INTO customer_store_profiles (tenant_id, store_id, phone, name, gstin, merged_at_ms) VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (tenant_id, store_id, phone) DO UPDATE SET name = excluded.name, gstin = excluded.gstin, merged_at_ms = excluded.merged_at_ms",
                    )
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(&phone)
                    .bind(&said.0)
                    .bind(&said.1)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                    let moved = name_moved || gstin_moved;
                    sqlx::query(
                        "INSERT INTO customers (tenant_id, phone, name, gstin, first_store_id, created_at_ms, updated_at_ms, updated_by_store_id, name_key) \
                         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $11) \
                         ON CONFLICT (tenant_id, phone) DO UPDATE SET \
                         name = CASE WHEN $8 THEN excluded.name ELSE customers.name END, \
                         name_key = CASE WHEN $8 THEN excluded.name_key ELSE customers.name_key END, \
                         gstin = CASE WHEN $9 THEN excluded.gstin ELSE customers.gstin END, \
                         updated_at_ms = CASE WHEN $10 THEN excluded.updated_at_ms ELSE customers.updated_at_ms END, \
                         updated_by_store_id = CASE WHEN $10 THEN excluded.updated_by_store_id ELSE customers.updated_by_store_id END",
                    )
                    .bind(tenant.as_uuid())
                    .bind(&phone)
                    .bind(&said.0)
                    .bind(&said.1)
                    .bind(store.as_uuid())
                    .bind(now)
                    .bind(moved.then(|| store.as_uuid()))
                    .bind(name_moved)
                    .bind(gstin_moved)
                    .bind(moved)
                    .bind(said.0.as_deref().map(str::to_lowercase))
                    .execute(&mut **tx)
                    .await?;
                    if moved {
                        Self::tell_stores_of_customer(tx, tenant, Some(store), &phone).await?;
                    }
                    // A store that newly knows a customer with points: its
                    // tills get their share for redeeming offline.
                    if new_here && Self::points_report_in(tx, tenant, &phone).await?.is_some() {
                        Self::regrant_points(tx, tenant, &phone, false, None).await?;
                    }
                }
                Ok(())
            }

            /// Tells the other stores whose tills hold the customer what the
            /// chain's record says now, so they bill with the corrected name
            /// and GSTIN.
            async fn tell_stores_of_customer(tx: &mut Tx<'_>, tenant: TenantId, editor: Option<StoreId>, phone: &str) -> DbResult<()> {
                let (name, gstin): (Option<String>, Option<String>) =
                    sqlx::query_as("SELECT name, gstin FROM customers WHERE tenant_id = $1 AND phone = $2")
                        .bind(tenant.as_uuid())
                        .bind(phone)
                        .fetch_one(&mut **tx)
                        .await?;
                let stores: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT store_id FROM customer_store_profiles WHERE tenant_id = $1 AND phone = $2 AND store_id <> $3 ORDER BY store_id",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                // HQ edits for every store (no store has the nil id).
                .bind(editor.map_or(Uuid::nil(), |s| s.as_uuid()))
                .fetch_all(&mut **tx)
                .await?;
                let change = ChangeBody::CustomerChanged(pos_shared::customer::Customer { phone: phone.to_owned(), name, gstin });
                for (store,) in stores {
                    Self::append_change(tx, tenant, Some(StoreId::from_uuid(store)), &change).await?;
                }
                Ok(())
            }

            /// Records the customers the bills just stored name, when the
            /// chain meets them for the first time (inside the facts'
            /// transaction). In phone order, so two uploads meeting the same
            /// customers take their rows in the same order.
            async fn meet_billed_customers(tx: &mut Tx<'_>, tenant: TenantId, docs: &[(Uuid, Uuid, TaxDocument)]) -> DbResult<()> {
                let mut met: Vec<(&str, Option<&str>, Option<&str>, Uuid, i64)> = docs
                    .iter()
                    .filter_map(|(store, _, d)| {
                        let (phone, name) = d.buyer.as_ref()?;
                        let normal = pos_shared::credit::normalize_phone(phone).ok()?;
                        (normal == *phone).then_some((phone.as_str(), name.as_deref(), d.buyer_gstin.as_deref(), *store, d.issued_at_ms))
                    })
                    .collect();
                if met.is_empty() {
                    return Ok(());
                }
                met.sort_by_key(|m| (m.0, m.4));
                met.dedup_by_key(|m| m.0);
                const COLUMNS: usize = 9;
                let now = now_ms();
                for chunk in met.chunks(Self::rows_per_statement(COLUMNS)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * COLUMNS, COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO customers (tenant_id, phone, name, gstin, first_store_id, created_at_ms, updated_at_ms, name_key, updated_by_store_id) \
                         VALUES {} ON CONFLICT (tenant_id, phone) DO NOTHING",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for (phone, name, gstin, store, _) in chunk {
                        // A bill's name and GSTIN are its store's profile of the customer.
                        let named = (name.is_some() || gstin.is_some()).then_some(*store);
                        query = query
                            .bind(tenant.as_uuid())
                            .bind(*phone)
                            .bind(*name)
                            .bind(*gstin)
                            .bind(*store)
                            .bind(now)
                            .bind(now)
                            .bind(name.map(str::to_lowercase))
                            .bind(named);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Records a customer the chain meets at `store` outside a bill or
            /// a profile (a credit account's holder), when it has not yet.
            async fn meet_customer(tx: &mut Tx<'_>, tenant: TenantId, phone: &str, name: Option<&str>, store: StoreId) -> DbResult<()> {
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO customers (tenant_id, phone, name, gstin, first_store_id, created_at_ms, updated_at_ms, name_key) \
                     VALUES ($1, $2, $3, NULL, $4, $5, $5, $6) ON CONFLICT (tenant_id, phone) DO NOTHING",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .bind(name)
                .bind(store.as_uuid())
                .bind(now)
                .bind(name.map(str::to_lowercase))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// The data step `customers_from_profiles`: every store's
            /// profile document merged as if its tills had just synced it.
            async fn customers_from_profiles(&self) -> DbResult<u64> {
                let docs: Vec<(Uuid, Uuid, Vec<u8>)> = sqlx::query_as(
                    "SELECT tenant_id, store_id, doc FROM store_documents WHERE purpose = $1 ORDER BY tenant_id, store_id",
                )
                .bind(DocPurpose::CustomerProfiles.as_str())
                .fetch_all(&self.pool)
                .await?;
                for (tenant, store, doc) in &docs {
                    let tenant = TenantId::from_uuid(*tenant);
                    let mut tx = self.pool.begin().await?;
                    Self::lock_tenant(&mut tx, tenant).await?;
                    Self::merge_store_profiles(&mut tx, tenant, StoreId::from_uuid(*store), doc).await?;
                    Self::commit(tx).await?;
                }
                // Credit accounts' holders are customers too.
                let holders: Vec<(Uuid, String, Option<String>, Uuid)> =
                    sqlx::query_as("SELECT tenant_id, phone, name, store_id FROM credit_accounts ORDER BY tenant_id, phone")
                        .fetch_all(&self.pool)
                        .await?;
                for (tenant, phone, name, store) in &holders {
                    let mut tx = self.pool.begin().await?;
                    Self::meet_customer(&mut tx, TenantId::from_uuid(*tenant), phone, name.as_deref(), StoreId::from_uuid(*store)).await?;
                    Self::commit(tx).await?;
                }
                Ok(docs.len() as u64)
            }
        }

        #[async_trait::async_trait]
        impl CustomerStorage for $storage {
            async fn search_customers(&self, tenant: TenantId, q: Option<&str>, limit: u32) -> DbResult<Vec<CustomerRecord>> {
                let q = q.map(str::trim).filter(|q| !q.is_empty());
                let compact: Option<String> = q.map(|q| q.chars().filter(|c| !c.is_whitespace()).collect());
                let rows: Vec<CustomerDbRow> = match (q, compact) {
                    (None, _) | (_, None) => {
                        sqlx::query_as(&format!("{CUSTOMER_SELECT} WHERE tenant_id = $1 ORDER BY updated_at_ms DESC, phone LIMIT $2"))
                            .bind(tenant.as_uuid())
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await?
                    }
                    (Some(q), Some(compact)) => {
                        // A number as people write it: digits, with spaces, dashes, brackets or a +.
                        let digits_only: String = compact.chars().filter(char::is_ascii_digit).collect();
                        let digits = !digits_only.is_empty() && compact.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')'));
                        let escaped = |text: &str| text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                        let (sql, pattern) = if digits {
                            (
                                format!("{CUSTOMER_SELECT} WHERE tenant_id = $1 AND phone LIKE $2 ESCAPE '\\' ORDER BY phone LIMIT $3"),
                                format!("%{}%", escaped(&digits_only)),
                            )
                        } else {
                            (
                                format!("{CUSTOMER_SELECT} WHERE tenant_id = $1 AND name_key LIKE $2 ESCAPE '\\' ORDER BY name_key, phone LIMIT $3"),
                                format!("%{}%", escaped(&q.to_lowercase())),
                            )
                        };
                        sqlx::query_as(&sql)
                            .bind(tenant.as_uuid())
                            .bind(pattern)
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                Ok(rows.into_iter().map(customer_record_from_row).collect())
            }

            async fn edit_customer(&self, tenant: TenantId, phone: &str, patch: &pos_shared::customer::CustomerPatch) -> DbResult<CustomerRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let row: Option<CustomerDbRow> = sqlx::query_as(&format!("{CUSTOMER_SELECT} WHERE tenant_id = $1 AND phone = $2"))
                    .bind(tenant.as_uuid())
                    .bind(phone)
                    .fetch_optional(&mut *tx)
                    .await?;
                let before = customer_record_from_row(row.ok_or(DbError::NotFound("customer"))?);
                // Left out: kept; empty: cleared.
                let said = |field: &Option<String>, was: &Option<String>| match field.as_deref().map(str::trim) {
                    None => was.clone(),
                    Some("") => None,
                    Some(text) => Some(text.to_owned()),
                };
                let name = said(&patch.name, &before.name);
                let gstin = said(&patch.gstin, &before.gstin).map(|g| g.to_uppercase());
                if name == before.name && gstin == before.gstin {
                    return Ok(before);
                }
                // A bill to the chain's own registration is no B2B supply.
                if let Some(g) = gstin.as_deref().filter(|g| before.gstin.as_deref() != Some(*g)) {
                    let (own,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM stores WHERE tenant_id = $1 AND gstin = $2")
                        .bind(tenant.as_uuid())
                        .bind(g)
                        .fetch_one(&mut *tx)
                        .await?;
                    if own > 0 {
                        return Err(DbError::InvalidField {
                            field: "gstin",
                            detail: format!("{g} is this chain's own GST registration, not a customer's"),
                        });
                    }
                }
                sqlx::query(
                    "UPDATE customers SET name = $3, name_key = $4, gstin = $5, updated_at_ms = $6, updated_by_store_id = NULL \
                     WHERE tenant_id = $1 AND phone = $2",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .bind(&name)
                .bind(name.as_deref().map(str::to_lowercase))
                .bind(&gstin)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                Self::tell_stores_of_customer(&mut tx, tenant, None, phone).await?;
                // Her credit account is kept in the name HQ gives her.
                if name != before.name {
                    let held = sqlx::query("UPDATE credit_accounts SET name = $3, updated_at_ms = $4 WHERE tenant_id = $1 AND phone = $2")
                        .bind(tenant.as_uuid())
                        .bind(phone)
                        .bind(&name)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                    if held.rows_affected() > 0 {
                        Self::regrant_credit_when(&mut tx, tenant, phone, true, None).await?;
                    }
                }
                let row: CustomerDbRow = sqlx::query_as(&format!("{CUSTOMER_SELECT} WHERE tenant_id = $1 AND phone = $2"))
                    .bind(tenant.as_uuid())
                    .bind(phone)
                    .fetch_one(&mut *tx)
                    .await?;
                Self::commit(tx).await?;
                // The stores' tills waiting on the feed hear it now.
                self.feed_changed();
                Ok(customer_record_from_row(row))
            }

            async fn customer_record(&self, tenant: TenantId, phone: &str) -> DbResult<Option<CustomerRecord>> {
                let row: Option<CustomerDbRow> = sqlx::query_as(&format!("{CUSTOMER_SELECT} WHERE tenant_id = $1 AND phone = $2"))
                    .bind(tenant.as_uuid())
                    .bind(phone)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(customer_record_from_row))
            }

            async fn customer(&self, tenant: TenantId, phone: &str) -> DbResult<CustomerReport> {
                let mut tx = self.pool.begin().await?;
                let row: Option<CustomerDbRow> = sqlx::query_as(&format!("{CUSTOMER_SELECT} WHERE tenant_id = $1 AND phone = $2"))
                    .bind(tenant.as_uuid())
                    .bind(phone)
                    .fetch_optional(&mut *tx)
                    .await?;
                let customer = customer_record_from_row(row.ok_or(DbError::NotFound("customer"))?);
                let bills: Vec<(Uuid, i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT store_id, COUNT(*), CAST(SUM(value_minor) AS BIGINT), MIN(issued_at_ms), MAX(issued_at_ms) FROM gst_documents \
                     WHERE tenant_id = $1 AND buyer_phone = $2 AND kind = 'invoice' GROUP BY store_id",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_all(&mut *tx)
                .await?;
                let refunds: Vec<(Uuid, i64)> = sqlx::query_as(
                    "SELECT cn.store_id, CAST(SUM(cn.value_minor) AS BIGINT) FROM gst_documents cn \
                     JOIN gst_documents inv ON inv.id = cn.original_id \
                     WHERE inv.tenant_id = $1 AND inv.buyer_phone = $2 AND inv.kind = 'invoice' AND cn.kind = 'credit_note' \
                     GROUP BY cn.store_id",
                )
                .bind(tenant.as_uuid())
                .bind(phone)
                .fetch_all(&mut *tx)
                .await?;
                let profiles: Vec<(Uuid,)> = sqlx::query_as("SELECT store_id FROM customer_store_profiles WHERE tenant_id = $1 AND phone = $2")
                    .bind(tenant.as_uuid())
                    .bind(phone)
                    .fetch_all(&mut *tx)
                    .await?;
                let credit = Self::credit_report_in(&mut tx, tenant, phone).await?;
                let mut ids: Vec<Uuid> = bills.iter().map(|b| b.0).chain(refunds.iter().map(|r| r.0)).chain(profiles.iter().map(|p| p.0)).collect();
                ids.extend(credit.iter().map(|c| c.store_id.as_uuid()));
                ids.sort_unstable();
                ids.dedup();
                let mut stores = Vec::with_capacity(ids.len());
                for id in ids {
                    let (name, currency): (String, String) = sqlx::query_as("SELECT name, currency FROM stores WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let currency = pos_shared::Currency::parse(&currency).map_err(|e| DbError::Corrupt(format!("store {id}: {e}")))?;
                    let m = |minor| Money::new(minor, currency);
                    let billed = bills.iter().find(|b| b.0 == id);
                    let account = credit.as_ref().filter(|c| c.store_id.as_uuid() == id);
                    stores.push(CustomerAtStore {
                        store_id: StoreId::from_uuid(id),
                        store_name: name,
                        profile_here: profiles.iter().any(|p| p.0 == id),
                        bills: billed.map_or(0, |b| b.1),
                        billed: m(billed.map_or(0, |b| b.2)),
                        refunded: m(refunds.iter().find(|r| r.0 == id).map_or(0, |r| r.1)),
                        first_bill_at: billed.map(|b| Timestamp::from_unix_millis(b.3)),
                        last_bill_at: billed.map(|b| Timestamp::from_unix_millis(b.4)),
                        dues: account.map(|a| a.dues),
                        credit_limit: account.map(|a| a.limit),
                    });
                }
                stores.sort_by(|a, b| b.last_bill_at.cmp(&a.last_bill_at).then(a.store_name.cmp(&b.store_name)));
                let points = Self::points_report_in(&mut tx, tenant, phone).await?.map(|p| p.balance);
                Ok(CustomerReport { customer, points, stores })
            }
        }
    };
}

pub(crate) use sql_customer_paths;
