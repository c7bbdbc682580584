//! A store's trading status, its assortment, and the one-call catalog view
//! (status, assortment, effective price, stock and orderability per item), for
//! both backends. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::StoreStorage`] on `$storage`.
macro_rules! sql_store_paths {
    ($storage:ty) => {
        use $crate::domain::orderability::{CatalogItem, CatalogView, StoreStatus};

        type StoreRow = (
            Uuid, String, String, String, String, Option<String>, String,
            Option<f64>, Option<f64>, Option<i64>, Option<i64>, Option<i64>, Option<String>,
        );
        const STORE_COLUMNS: &str =
            "id, code, name, currency, status, hours, kind, lat, lon, delivery_radius_m, order_capacity, sla_minutes, gstin";
        type CatalogRow = (
            Uuid, String, String, String, i64, String, Option<i64>, Option<i64>, i64, i64, i64, i64, i64,
            Option<String>, Option<String>,
        );

        /// Joins each variant of a catalog read to its position at the store ($2).
        const CATALOG_POSITION: &str =
            "LEFT JOIN stock_positions p ON p.tenant_id = v.tenant_id AND p.store_id = $2 AND p.variant_id = v.id";

        impl $storage {
            /// The columns of a [`CatalogRow`], over `variants v` joined to
            /// its position `p` at the store ($2), on channel $3 at $4.
            ///
            /// The effective price is the store's window, else the chain's,
            /// else the base price, as in `effective_price`. Windows of one
            /// variant, scope and channel never overlap, so at most one of
            /// each scope holds. Reservations count until their expiry.
            ///
            /// Everything else comes from the item's position, the store's
            /// read model (`sql/projection.rs`): a store's window is looked
            /// up only for an item that has one, the chain's likewise, and
            /// held reservations are summed again only once the earliest of
            /// them has lapsed at `at`. The whole view joins the store's
            /// positions once; a page looks up each of its items' position.
            fn catalog_columns(held: $crate::storage::sql::projection::Held) -> String {
                format!(
                    "v.id, v.sku, v.name, v.gtin, v.price_minor, v.currency, \
                     CASE WHEN p.has_store_windows THEN (SELECT ws.price_minor FROM price_windows ws \
                        WHERE ws.tenant_id = v.tenant_id AND ws.variant_id = v.id AND ws.channel = $3 AND ws.store_id = $2 \
                        AND ws.effective_from_ms <= $4 AND (ws.effective_to_ms IS NULL OR ws.effective_to_ms > $4) LIMIT 1) END, \
                     CASE WHEN v.has_chain_windows THEN (SELECT wc.price_minor FROM price_windows wc \
                        WHERE wc.tenant_id = v.tenant_id AND wc.variant_id = v.id AND wc.channel = $3 AND wc.store_id IS NULL \
                        AND wc.effective_from_ms <= $4 AND (wc.effective_to_ms IS NULL OR wc.effective_to_ms > $4) LIMIT 1) END, \
                     COALESCE(p.on_hand_milli, 0), {}, \
                     CAST(CASE WHEN p.delisted THEN 0 ELSE 1 END AS BIGINT), \
                     CAST(CASE WHEN v.disabled_at_ms IS NULL THEN 0 ELSE 1 END AS BIGINT), \
                     CAST(CASE WHEN p.blocked THEN 1 ELSE 0 END AS BIGINT), \
                     p.bin_code, p.zone",
                    held.sql("$4")
                )
            }

            /// The store's items as its customers see them at `at`, from rows
            /// of [`Self::catalog_columns`].
            fn catalog_items(shop: &Store, at: Timestamp, rows: Vec<CatalogRow>) -> DbResult<Vec<CatalogItem>> {
                let mut items = Vec::with_capacity(rows.len());
                for (id, sku, name, barcode, base, currency, store_window, chain_window, on_hand, held, listed, disabled, blocked, bin, zone) in rows {
                    let currency = pos_shared::Currency::parse(&currency)
                        .map_err(|e| DbError::Corrupt(format!("variant {id}: {e}")))?;
                    let (price, price_source) = match (store_window, chain_window) {
                        (Some(p), _) => (p, PriceSource::StoreWindow),
                        (None, Some(p)) => (p, PriceSource::ChainWindow),
                        (None, None) => (base, PriceSource::Base),
                    };
                    let available = pos_shared::Qty::from_milli(on_hand - held);
                    let gates = $crate::domain::orderability::Gates {
                        status: shop.status,
                        outside_hours: shop.outside_hours(at),
                        listed: listed != 0,
                        disabled: disabled != 0,
                        // The catalog view lists items in the catalog only.
                        deleted: false,
                        blocked: blocked != 0,
                    };
                    let reasons = $crate::domain::orderability::reasons(gates, available);
                    items.push(CatalogItem {
                        variant_id: VariantId::from_uuid(id),
                        sku,
                        name,
                        barcode,
                        listed: listed != 0,
                        price: Money::new(price, currency),
                        price_source,
                        on_hand: pos_shared::Qty::from_milli(on_hand),
                        reserved: pos_shared::Qty::from_milli(held),
                        available,
                        orderable: reasons.is_empty(),
                        reasons,
                        bin,
                        zone,
                    });
                }
                Ok(items)
            }

            pub(crate) fn store_from_row(
                (id, code, name, currency, status, hours, kind, lat, lon, radius, capacity, sla, gstin): StoreRow,
            ) -> DbResult<Store> {
                let status = StoreStatus::parse(&status)
                    .ok_or_else(|| DbError::Corrupt(format!("store {id}: status {status:?}")))?;
                let kind = $crate::domain::stores::StoreKind::parse(&kind)
                    .ok_or_else(|| DbError::Corrupt(format!("store {id}: kind {kind:?}")))?;
                let hours = hours
                    .map(|h| serde_json::from_str(&h))
                    .transpose()
                    .map_err(|e| DbError::Corrupt(format!("store {id}: hours: {e}")))?;
                let fulfilment = match (lat, lon, radius, capacity, sla) {
                    (Some(lat), Some(lon), Some(radius), Some(capacity), Some(sla)) => {
                        let number = |field: &str, v: i64| {
                            u32::try_from(v).map_err(|_| DbError::Corrupt(format!("store {id}: {field} {v}")))
                        };
                        Some($crate::domain::stores::Fulfilment {
                            lat,
                            lon,
                            delivery_radius_m: number("delivery_radius_m", radius)?,
                            order_capacity: number("order_capacity", capacity)?,
                            sla_minutes: number("sla_minutes", sla)?,
                        })
                    }
                    _ => None,
                };
                Ok(Store { id: StoreId::from_uuid(id), code, name, currency, kind, status, hours, fulfilment, gstin })
            }

            /// The store as its tills hear of it, read inside `tx`.
            pub(crate) async fn store_profile_in(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<pos_shared::sync::StoreProfile> {
                let row: Option<StoreRow> = sqlx::query_as(&format!("SELECT {STORE_COLUMNS} FROM stores WHERE tenant_id = $1 AND id = $2"))
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                let store = Self::store_from_row(row.ok_or(DbError::NotFound("store"))?)?;
                Ok(pos_shared::sync::StoreProfile {
                    store_id: store.id,
                    code: store.code,
                    name: store.name,
                    gstin: store.gstin,
                    status: store.status.as_str().to_owned(),
                })
            }

            /// Sends the store's record to its tills' feed, in the transaction
            /// that changed it (which tells HQ of the change itself).
            pub(crate) async fn announce_store_profile(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<()> {
                let profile = Self::store_profile_in(tx, tenant, store).await?;
                Self::insert_changes(tx, tenant, &[(Some(store), ChangeBody::StoreProfile(profile))]).await
            }
        }

        #[async_trait::async_trait]
        impl StoreStorage for $storage {
            async fn create_store(&self, tenant: TenantId, store: &NewStore) -> DbResult<Store> {
                let id = StoreId::new();
                sqlx::query("INSERT INTO stores (id, tenant_id, code, name, currency, kind, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(id.as_uuid())
                    .bind(tenant.as_uuid())
                    .bind(&store.code)
                    .bind(&store.name)
                    .bind(store.currency.as_str())
                    .bind(store.kind.as_str())
                    .bind(now_ms())
                    .execute(&self.pool)
                    .await
                    .map_err(DbError::from_sqlx)?;
                self.store(tenant, id).await
            }

            async fn store(&self, tenant: TenantId, store: StoreId) -> DbResult<Store> {
                let row: Option<StoreRow> = sqlx::query_as(&format!("SELECT {STORE_COLUMNS} FROM stores WHERE tenant_id = $1 AND id = $2"))
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?;
                Self::store_from_row(row.ok_or(DbError::NotFound("store"))?)
            }

            async fn stores(&self, tenant: TenantId) -> DbResult<Vec<Store>> {
                let rows: Vec<StoreRow> = sqlx::query_as(&format!(
                    "SELECT {STORE_COLUMNS} FROM stores WHERE tenant_id = $1 ORDER BY code"
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(Self::store_from_row).collect()
            }

            async fn set_store_status(
                &self,
                tenant: TenantId,
                store: StoreId,
                status: StoreStatus,
            ) -> DbResult<Store> {
                let before = self.store(tenant, store).await?;
                if before.status == status {
                    return Ok(before);
                }
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                sqlx::query("UPDATE stores SET status = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(status.as_str())
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                // One event for the store, not one per item: every item's
                // orderability follows the store's status.
                let event = $crate::domain::events::by_hub(
                    "store.status.changed",
                    Some(store),
                    serde_json::json!({"store_id": store, "status": status, "was": before.status}),
                );
                Self::emit_event(&mut tx, tenant, event).await?;
                Self::announce_store_profile(&mut tx, tenant, store).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                self.store(tenant, store).await
            }

            /// Sets (or with `None` clears) a store's opening hours.
            async fn set_hours(
                &self,
                tenant: TenantId,
                store: StoreId,
                hours: Option<&$crate::domain::hours::OpeningHours>,
            ) -> DbResult<Store> {
                self.store(tenant, store).await?;
                let json = hours
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| DbError::Corrupt(e.to_string()))?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                // The state the new hours give now, so the clock only
                // announces later flips; `store.hours.changed` tells this one.
                let state = hours.map(|h| if h.is_open(Timestamp::now()) { "open" } else { "closed" });
                sqlx::query("UPDATE stores SET hours = $3, hours_state = $4 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(json)
                    .bind(state)
                    .execute(&mut *tx)
                    .await?;
                let event = $crate::domain::events::by_hub(
                    "store.hours.changed",
                    Some(store),
                    serde_json::json!({"store_id": store, "hours": hours}),
                );
                Self::emit_event(&mut tx, tenant, event).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                self.store(tenant, store).await
            }

            async fn set_fulfilment(
                &self,
                tenant: TenantId,
                store: StoreId,
                fulfilment: Option<&$crate::domain::stores::Fulfilment>,
            ) -> DbResult<Store> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                sqlx::query(
                    "UPDATE stores SET lat = $3, lon = $4, delivery_radius_m = $5, order_capacity = $6, sla_minutes = $7 \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(fulfilment.map(|f| f.lat))
                .bind(fulfilment.map(|f| f.lon))
                .bind(fulfilment.map(|f| i64::from(f.delivery_radius_m)))
                .bind(fulfilment.map(|f| i64::from(f.order_capacity)))
                .bind(fulfilment.map(|f| i64::from(f.sla_minutes)))
                .execute(&mut *tx)
                .await?;
                let event = $crate::domain::events::by_hub(
                    "store.fulfilment.changed",
                    Some(store),
                    serde_json::json!({"store_id": store, "fulfilment": fulfilment}),
                );
                Self::emit_event(&mut tx, tenant, event).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                self.store(tenant, store).await
            }

            /// Announces each store whose opening hours opened or closed it
            /// since the hub last looked (`store.hours.opened` / `.closed`),
            /// once, as of `at`; how many were announced.
            async fn announce_hours_flips(&self, at: Timestamp) -> DbResult<u64> {
                let rows: Vec<(Uuid, Uuid, String, Option<String>, String)> = sqlx::query_as(
                    "SELECT tenant_id, id, hours, hours_state, status FROM stores WHERE hours IS NOT NULL",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut announced = 0;
                for (tenant, id, hours, was, status) in rows {
                    let hours: $crate::domain::hours::OpeningHours = match serde_json::from_str(&hours) {
                        Ok(hours) => hours,
                        Err(e) => {
                            tracing::warn!(store = %id, error = %e, "stored opening hours do not parse");
                            continue;
                        }
                    };
                    let open = hours.is_open(at);
                    let is = if open { "open" } else { "closed" };
                    if was.as_deref() == Some(is) {
                        continue;
                    }
                    let tenant = TenantId::from_uuid(tenant);
                    let mut tx = self.pool.begin().await?;
                    Self::lock_tenant(&mut tx, tenant).await?;
                    // Only from the state read: another hub process may have
                    // announced this flip already.
                    let flipped = sqlx::query(
                        "UPDATE stores SET hours_state = $3 WHERE tenant_id = $1 AND id = $2 AND hours IS NOT NULL \
                         AND (hours_state = $4 OR (hours_state IS NULL AND $4 IS NULL))",
                    )
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .bind(is)
                    .bind(was.as_deref())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    // A store first seen with hours just takes its state.
                    if flipped == 1 && was.is_some() {
                        let store = StoreId::from_uuid(id);
                        let event = $crate::domain::events::by_hub(
                            if open { "store.hours.opened" } else { "store.hours.closed" },
                            Some(store),
                            serde_json::json!({"store_id": store, "open": open, "at": at, "status": status}),
                        );
                        Self::emit_event(&mut tx, tenant, event).await?;
                        announced += 1;
                    }
                    Self::commit(tx).await?;
                }
                if announced > 0 {
                    self.feed_changed();
                }
                Ok(announced)
            }

            /// Puts an item's stock at a store on hold (`Some(reason)`), or
            /// releases it (`None`); whether anything changed.
            async fn set_blocked(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                reason: Option<&str>,
            ) -> DbResult<bool> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                Self::require_live(&mut tx, tenant, variant).await?;
                let before = Self::order_state(&mut tx, tenant, store, variant, now_ms()).await?;
                let blocked = reason.is_some();
                // What HQ's log and subscribers hear of a hold, a new reason or a release.
                let hold_event = || {
                    $crate::domain::events::by_hub(
                        if blocked { "inventory.stock.blocked" } else { "inventory.stock.unblocked" },
                        Some(store),
                        serde_json::json!({"store_id": store, "variant_id": variant, "reason": reason}),
                    )
                };
                if before.is_some_and(|s| s.blocked == blocked) {
                    if let Some(reason) = reason {
                        // Blocked already: the newer reason is the one that holds.
                        sqlx::query("UPDATE stock_blocks SET reason = $4 WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3")
                            .bind(tenant.as_uuid())
                            .bind(store.as_uuid())
                            .bind(variant.as_uuid())
                            .bind(reason)
                            .execute(&mut *tx)
                            .await?;
                        Self::announce_item_at_store(&mut tx, tenant, store, variant).await?;
                        // HQ's log and subscribers hear the newer reason too.
                        Self::emit_event(&mut tx, tenant, hold_event()).await?;
                        Self::commit(tx).await?;
                        self.feed_changed();
                    }
                    return Ok(false);
                }
                match reason {
                    Some(reason) => sqlx::query(
                        "INSERT INTO stock_blocks (tenant_id, store_id, variant_id, reason, blocked_at_ms) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(variant.as_uuid())
                    .bind(reason)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?,
                    None => sqlx::query("DELETE FROM stock_blocks WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3")
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .bind(variant.as_uuid())
                        .execute(&mut *tx)
                        .await?,
                };
                Self::refresh_projection(&mut tx, tenant, store, Touched::Item(variant)).await?;
                Self::announce_item_at_store(&mut tx, tenant, store, variant).await?;
                Self::emit_event(&mut tx, tenant, hold_event()).await?;
                Self::emit_flip(&mut tx, tenant, before, |s| OrderState { blocked, ..s }, store, variant).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(true)
            }

            /// Stops (or restarts) orders for an item at every store; whether
            /// anything changed. Each store where that flips orderability says so.
            async fn set_disabled(&self, tenant: TenantId, variant: VariantId, disabled: bool) -> DbResult<bool> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let row: Option<(Option<i64>,)> = sqlx::query_as(
                    "SELECT disabled_at_ms FROM variants WHERE tenant_id = $1 AND id = $2 AND deleted_at_ms IS NULL",
                )
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let Some((was,)) = row else {
                    return Err(Self::variant_gone(&mut tx, tenant, variant).await?);
                };
                if was.is_some() == disabled {
                    return Ok(false);
                }
                let now = now_ms();
                let before = Self::order_states_everywhere(&mut tx, tenant, variant, now).await?;
                sqlx::query("UPDATE variants SET disabled_at_ms = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(variant.as_uuid())
                    .bind(disabled.then_some(now))
                    .execute(&mut *tx)
                    .await?;
                let event = $crate::domain::events::by_hub(
                    if disabled { "catalog.variant.disabled" } else { "catalog.variant.enabled" },
                    None,
                    serde_json::json!({"variant_id": variant}),
                );
                Self::emit_event(&mut tx, tenant, event).await?;
                for (store, state) in before {
                    Self::emit_flip(&mut tx, tenant, state, |s| OrderState { disabled, ..s }, store, variant).await?;
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(true)
            }

            async fn set_listed(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                listed: bool,
            ) -> DbResult<()> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                Self::require_live(&mut tx, tenant, variant).await?;
                let before = Self::order_state(&mut tx, tenant, store, variant, now_ms()).await?;
                if before.is_some_and(|s| s.listed == listed) {
                    return Ok(());
                }
                let query = if listed {
                    sqlx::query("DELETE FROM store_delistings WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3")
                } else {
                    sqlx::query(
                        "INSERT INTO store_delistings (tenant_id, store_id, variant_id, delisted_at_ms) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (tenant_id, store_id, variant_id) DO NOTHING",
                    )
                };
                let query = query
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(variant.as_uuid());
                let query = if listed { query } else { query.bind(now_ms()) };
                query.execute(&mut *tx).await?;
                Self::refresh_projection(&mut tx, tenant, store, Touched::Item(variant)).await?;
                Self::announce_item_at_store(&mut tx, tenant, store, variant).await?;
                let event = $crate::domain::events::by_hub(
                    "store.assortment.changed",
                    Some(store),
                    serde_json::json!({"store_id": store, "variant_id": variant, "listed": listed}),
                );
                Self::emit_event(&mut tx, tenant, event).await?;
                Self::emit_flip(&mut tx, tenant, before, |s| OrderState { listed, ..s }, store, variant).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(())
            }

            async fn catalog_view(
                &self,
                tenant: TenantId,
                store: StoreId,
                channel: &str,
                at: Timestamp,
                page: $crate::domain::ledger::SkuPage,
            ) -> DbResult<CatalogView> {
                let shop = self.store(tenant, store).await?;
                // Keyset paging on the SKU (unique in a tenant).
                let after_sku = page.after;
                let (columns, position) = (Self::catalog_columns($crate::storage::sql::projection::Held::for_view(at.unix_millis())), CATALOG_POSITION);
                let sql = format!(
                    "SELECT {columns} FROM (SELECT * FROM variants WHERE tenant_id = $1 AND deleted_at_ms IS NULL{} \
                           ORDER BY sku LIMIT {}) v {position} ORDER BY v.sku",
                    if after_sku.is_some() { " AND sku > $5" } else { "" },
                    // One more than asked, to tell whether another page follows.
                    u64::from(page.limit) + 1
                );
                let query = sqlx::query_as(&sql)
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(channel)
                    .bind(at.unix_millis());
                let query = match &after_sku {
                    Some(sku) => query.bind(sku.as_str()),
                    None => query,
                };
                let mut rows: Vec<CatalogRow> = query.fetch_all(&self.pool).await?;
                let more = rows.len() > page.limit as usize;
                rows.truncate(page.limit as usize);
                let next_cursor = match (more, rows.last()) {
                    (true, Some(last)) => Some(last.1.clone()),
                    _ => None,
                };
                let items = Self::catalog_items(&shop, at, rows)?;
                Ok(CatalogView { store: shop, channel: channel.to_owned(), at, items, next_cursor })
            }

            async fn items_at_store(
                &self,
                tenant: TenantId,
                store: StoreId,
                channel: &str,
                at: Timestamp,
                items: &[VariantId],
            ) -> DbResult<Vec<CatalogItem>> {
                let shop = self.store(tenant, store).await?;
                let (columns, position) = (Self::catalog_columns($crate::storage::sql::projection::Held::for_view(at.unix_millis())), CATALOG_POSITION);
                let mut found = Vec::with_capacity(items.len());
                // Bounded lists of bound ids, which both backends take as they are.
                for chunk in items.chunks(500) {
                    let ids = (0..chunk.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", ");
                    // The tenant is checked, not searched by: given a
                    // long list SQLite would rather scan the tenant's index
                    // than look each id up.
                    let sql = format!(
                        "SELECT {columns} FROM variants v {position} \
                         WHERE v.id IN ({ids}) AND COALESCE(v.tenant_id, v.tenant_id) = $1 AND v.deleted_at_ms IS NULL"
                    );
                    let mut query = sqlx::query_as(&sql)
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .bind(channel)
                        .bind(at.unix_millis());
                    for id in chunk {
                        query = query.bind(id.as_uuid());
                    }
                    let rows: Vec<CatalogRow> = query.fetch_all(&self.pool).await?;
                    found.extend(Self::catalog_items(&shop, at, rows)?);
                }
                Ok(found)
            }

            async fn catalog_projection_drift(&self, tenant: Option<TenantId>) -> DbResult<Vec<String>> {
                let tenants = match tenant {
                    Some(t) => vec![t],
                    None => sqlx::query_as::<_, (Uuid,)>("SELECT id FROM tenants ORDER BY id")
                        .fetch_all(&self.pool)
                        .await?
                        .into_iter()
                        .map(|(t,)| TenantId::from_uuid(t))
                        .collect(),
                };
                let mut drift = Vec::new();
                for tenant in tenants {
                    drift.extend(self.projection_drift(tenant).await?);
                }
                Ok(drift)
            }

            async fn rebuild_catalog_projection(&self, tenant: TenantId) -> DbResult<()> {
                self.rebuild_projection(tenant).await
            }
        }

    };
}
pub(crate) use sql_store_paths;
