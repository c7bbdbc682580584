//! Prices at the hub, for both backends: a variant's base price, and price
//! windows scheduled and ended under the tenant lock (so the overlap check and
//! the insert see the same windows), announced to tills in the same
//! transaction, and the effective price read in one query. Expanded inside
//! `sql_storage!`.

/// Implements [`crate::storage::PriceStorage`] on `$storage`.
macro_rules! sql_price_paths {
    ($storage:ty) => {
        type PriceRow = (Uuid, Uuid, Option<Uuid>, String, i64, String, Option<i64>, i64, Option<i64>);
        const PRICE_COLUMNS: &str =
            "id, variant_id, store_id, channel, price_minor, currency, mrp_minor, effective_from_ms, effective_to_ms";
        /// Stands for "open-ended" in overlap arithmetic.
        const FOREVER_MS: i64 = i64::MAX;

        fn price_from_row(row: PriceRow) -> DbResult<PriceWindow> {
            let (id, variant, store, channel, price, currency, mrp, from, to) = row;
            let currency = pos_shared::Currency::parse(&currency)
                .map_err(|e| DbError::Corrupt(format!("price {id}: {e}")))?;
            Ok(PriceWindow {
                price_id: PriceId::from_uuid(id),
                variant_id: VariantId::from_uuid(variant),
                store_id: store.map(StoreId::from_uuid),
                channel,
                price: Money::new(price, currency),
                mrp: mrp.map(|m| Money::new(m, currency)),
                effective_from: Timestamp::from_unix_millis(from),
                effective_to: to.map(Timestamp::from_unix_millis),
            })
        }

        impl $storage {
            /// The store's own open window, else the chain's, else the base
            /// price: one statement, the base price joined in.
            pub(crate) async fn effective_price_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                channel: &str,
                at: Timestamp,
            ) -> DbResult<Option<EffectivePrice>> {
                let row: Option<(i64, String, Option<Uuid>, Option<i64>, Option<Uuid>, Option<i64>)> = sqlx::query_as(
                    "SELECT v.price_minor, v.currency, w.id, w.price_minor, w.store_id, w.mrp_minor \
                     FROM variants v JOIN stores s ON s.tenant_id = v.tenant_id AND s.id = $3 \
                     LEFT JOIN price_windows w ON w.id = ( \
                       SELECT p.id FROM price_windows p WHERE p.tenant_id = v.tenant_id AND p.variant_id = v.id AND p.channel = $4 \
                       AND (p.store_id = s.id OR p.store_id IS NULL) AND p.effective_from_ms <= $5 \
                       AND (p.effective_to_ms IS NULL OR p.effective_to_ms > $5) \
                       ORDER BY CASE WHEN p.store_id IS NULL THEN 1 ELSE 0 END, p.effective_from_ms DESC LIMIT 1) \
                     WHERE v.tenant_id = $1 AND v.id = $2 AND v.deleted_at_ms IS NULL",
                )
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .bind(store.as_uuid())
                .bind(channel)
                .bind(at.unix_millis())
                .fetch_optional(&mut **tx)
                .await?;
                let Some((base, currency, window, price, window_store, mrp)) = row else {
                    return Ok(None);
                };
                let currency = pos_shared::Currency::parse(&currency).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let (price, source) = match (window, price) {
                    (Some(_), Some(p)) if window_store.is_some() => (p, PriceSource::StoreWindow),
                    (Some(_), Some(p)) => (p, PriceSource::ChainWindow),
                    _ => (base, PriceSource::Base),
                };
                Ok(Some(EffectivePrice {
                    variant_id: variant,
                    store_id: store,
                    channel: channel.to_owned(),
                    at,
                    price: Money::new(price, currency),
                    mrp: mrp.map(|m| Money::new(m, currency)),
                    source,
                    price_id: window.map(PriceId::from_uuid),
                }))
            }

            /// The base price write inside `tx`: the variant as it is after,
            /// and whether the price changed (the same price again is no
            /// change: no version, nothing for tills, nothing written).
            async fn base_price_in(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId, price: Money) -> DbResult<(VariantRecord, bool)> {
                let (current, _) = Self::live_variant(tx, tenant, variant).await?;
                if current.price == price {
                    return Ok((current, false));
                }
                sqlx::query(
                    "UPDATE variants SET price_minor = $3, currency = $4, updated_at_ms = $5 \
                     WHERE tenant_id = $1 AND id = $2 AND deleted_at_ms IS NULL"
                )
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .bind(price.minor())
                .bind(price.currency().as_str())
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                let (record, _) = Self::live_variant(tx, tenant, variant).await?;
                if !Self::record_version(tx, tenant, &record).await? {
                    return Ok((record, false));
                }
                Self::append_change(tx, tenant, None, &ChangeBody::VariantUpserted(record.clone())).await?;
                let event = $crate::domain::events::by_hub(
                    "catalog.price.updated",
                    None,
                    serde_json::json!({"variant_id": variant, "price": price, "scope": "base"}),
                );
                Self::emit_event(tx, tenant, event).await?;
                Ok((record, true))
            }

            /// Refuses `window` if another of its variant, scope and channel
            /// shares an instant with it.
            async fn check_no_overlap(tx: &mut Tx<'_>, tenant: TenantId, window: &PriceWindow) -> DbResult<()> {
                let clash: Option<(Uuid, i64)> = sqlx::query_as(
                    "SELECT id, effective_from_ms FROM price_windows WHERE tenant_id = $1 AND variant_id = $2 AND channel = $3 \
                     AND (store_id = $4 OR (store_id IS NULL AND $5)) AND id <> $6 \
                     AND (effective_to_ms IS NULL OR effective_to_ms > effective_from_ms) \
                     AND effective_from_ms < $7 AND COALESCE(effective_to_ms, $8) > $9 LIMIT 1",
                )
                .bind(tenant.as_uuid())
                .bind(window.variant_id.as_uuid())
                .bind(&window.channel)
                .bind(window.store_id.map(|s| s.as_uuid()))
                .bind(window.store_id.is_none())
                .bind(window.price_id.as_uuid())
                .bind(window.effective_to.map_or(FOREVER_MS, |t| t.unix_millis()))
                .bind(FOREVER_MS)
                .bind(window.effective_from.unix_millis())
                .fetch_optional(&mut **tx)
                .await?;
                match clash {
                    None => Ok(()),
                    Some((id, from)) => Err(DbError::InvalidField {
                        field: "effective_from",
                        detail: format!(
                            "the window overlaps price {id} (from {}) for the same variant, scope and channel; end that one first",
                            Timestamp::from_unix_millis(from)
                        ),
                    }),
                }
            }

            async fn write_price(&self, tenant: TenantId, window: &PriceWindow, create: bool) -> DbResult<PriceWindow> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let currency: Option<(String,)> =
                    sqlx::query_as("SELECT currency FROM variants WHERE tenant_id = $1 AND id = $2 AND deleted_at_ms IS NULL")
                        .bind(tenant.as_uuid())
                        .bind(window.variant_id.as_uuid())
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((currency,)) = currency else {
                    return Err(Self::variant_gone(&mut tx, tenant, window.variant_id).await?);
                };
                if currency != window.price.currency().as_str() {
                    return Err(DbError::InvalidField {
                        field: "price",
                        detail: format!("the variant is priced in {currency}"),
                    });
                }
                if let Some(store) = window.store_id {
                    let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM stores WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if found.is_none() {
                        return Err(DbError::InvalidField { field: "store_id", detail: format!("no store {store}") });
                    }
                }
                Self::check_no_overlap(&mut tx, tenant, window).await?;
                if create {
                    sqlx::query(
                        "INSERT INTO price_windows (id, tenant_id, variant_id, store_id, channel, price_minor, currency, mrp_minor, \
                         effective_from_ms, effective_to_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(window.price_id.as_uuid())
                    .bind(tenant.as_uuid())
                    .bind(window.variant_id.as_uuid())
                    .bind(window.store_id.map(|s| s.as_uuid()))
                    .bind(&window.channel)
                    .bind(window.price.minor())
                    .bind(window.price.currency().as_str())
                    .bind(window.mrp.map(|m| m.minor()))
                    .bind(window.effective_from.unix_millis())
                    .bind(window.effective_to.map(|t| t.unix_millis()))
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                    match window.store_id {
                        Some(store) => Self::refresh_projection(&mut tx, tenant, store, Touched::Item(window.variant_id)).await?,
                        None => Self::note_chain_window(&mut tx, tenant, window.variant_id).await?,
                    }
                } else {
                    sqlx::query("UPDATE price_windows SET effective_to_ms = $3 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(window.price_id.as_uuid())
                        .bind(window.effective_to.map(|t| t.unix_millis()))
                        .execute(&mut *tx)
                        .await?;
                }
                if window.channel == pos_shared::pricing::POS_CHANNEL {
                    Self::append_change(&mut tx, tenant, window.store_id, &ChangeBody::PriceScheduled(window.clone())).await?;
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(window.clone())
            }

            async fn price_window(&self, tenant: TenantId, price: PriceId) -> DbResult<PriceWindow> {
                let row: Option<PriceRow> = sqlx::query_as(&format!(
                    "SELECT {PRICE_COLUMNS} FROM price_windows WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(price.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
                price_from_row(row.ok_or(DbError::NotFound("price"))?)
            }

            /// Till-channel windows for a store's snapshot: chain-wide and its
            /// own, that hold now or start later.
            async fn store_prices(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<Vec<PriceWindow>> {
                let rows: Vec<PriceRow> = sqlx::query_as(&format!(
                    "SELECT {PRICE_COLUMNS} FROM price_windows WHERE tenant_id = $1 AND channel = $2 \
                     AND (store_id = $3 OR store_id IS NULL) AND (effective_to_ms IS NULL OR effective_to_ms > $4) \
                     ORDER BY effective_from_ms, id"
                ))
                .bind(tenant.as_uuid())
                .bind(pos_shared::pricing::POS_CHANNEL)
                .bind(store.as_uuid())
                .bind(now_ms())
                .fetch_all(&mut **tx)
                .await?;
                rows.into_iter().map(price_from_row).collect()
            }
        }

        #[async_trait::async_trait]
        impl PriceStorage for $storage {
            /// Sets many base prices in one transaction: all of them or, if
            /// any is refused, none (the error says which). Whether each changed.
            async fn set_prices(&self, tenant: TenantId, prices: &[(VariantId, Money)]) -> DbResult<Vec<bool>> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let mut changed = Vec::with_capacity(prices.len());
                for (index, (variant, price)) in prices.iter().enumerate() {
                    let (_, c) = Self::base_price_in(&mut tx, tenant, *variant, *price)
                        .await
                        .map_err(|e| DbError::AtItem { index, error: Box::new(e) })?;
                    changed.push(c);
                }
                Self::commit(tx).await?;
                if changed.contains(&true) {
                    self.feed_changed();
                }
                Ok(changed)
            }

            /// Sets a variant's base price and announces the variant to every till.
            async fn set_price(&self, tenant: TenantId, variant: VariantId, price: Money) -> DbResult<VariantRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let (record, changed) = Self::base_price_in(&mut tx, tenant, variant, price).await?;
                if changed {
                    Self::commit(tx).await?;
                    self.feed_changed();
                }
                Ok(record)
            }

            async fn schedule_price(
                &self,
                tenant: TenantId,
                window: &PriceWindow,
            ) -> DbResult<PriceWindow> {
                self.write_price(tenant, window, true).await
            }

            /// Ends a window at `at`; one not begun by then is cancelled.
            async fn end_price(&self, tenant: TenantId, price: PriceId, at: Timestamp) -> DbResult<PriceWindow> {
                let mut window = self.price_window(tenant, price).await?;
                if window.effective_to.is_some_and(|to| to <= at) {
                    return Err(DbError::InvalidField {
                        field: "at",
                        detail: format!("the window already ends at {}", window.effective_to.unwrap_or(at)),
                    });
                }
                // A window that has not begun by `at` ends where it starts: cancelled,
                // it never holds.
                window.effective_to = Some(at.max(window.effective_from));
                self.write_price(tenant, &window, false).await
            }

            /// A variant's windows; a variant the tenant does not have is
            /// `NotFound`, not an empty list.
            async fn price_windows(&self, tenant: TenantId, variant: VariantId) -> DbResult<Vec<PriceWindow>> {
                let mut tx = self.pool.begin().await?;
                if Self::variant_deleted(&mut tx, tenant, variant).await?.is_none() {
                    return Err(DbError::NotFound("variant"));
                }
                let rows: Vec<PriceRow> = sqlx::query_as(&format!(
                    "SELECT {PRICE_COLUMNS} FROM price_windows WHERE tenant_id = $1 AND variant_id = $2 ORDER BY effective_from_ms, id"
                ))
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                Self::commit(tx).await?;
                rows.into_iter().map(price_from_row).collect()
            }

            async fn effective_price(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                channel: &str,
                at: Timestamp,
            ) -> DbResult<EffectivePrice> {
                let mut tx = self.pool.begin().await?;
                let found = Self::effective_price_in(&mut tx, tenant, store, variant, channel, at).await?;
                Self::commit(tx).await?;
                match found {
                    Some(price) => Ok(price),
                    None => {
                        self.store(tenant, store).await?;
                        Err(Self::variant_gone(&mut self.pool.begin().await?, tenant, variant).await?)
                    }
                }
            }
        }

    };
}

pub(crate) use sql_price_paths;
