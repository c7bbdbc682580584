//! Recommendations for both backends: what is selling more at a store (its
//! sale movements over two windows), what a store's sales bought with an
//! item (each sale's movements, found by sale: migration 0056) and its
//! substitutes (the same category), each candidate then checked
//! as an order would be (`order_state`). Expanded inside `sql_storage!`.

/// Candidates read for each suggestion asked, so that those the store
/// cannot take an order for now still leave enough.
pub(crate) const CANDIDATES_PER_SUGGESTION: usize = 4;

/// Implements [`crate::storage::RecommendationStorage`] on `$storage`.
macro_rules! sql_recommendation_paths {
    ($storage:ty) => {
        impl $storage {
            /// Items that could stand in for `item` at `store`, best first,
            /// at most `n`: its category's other items with stock there and
            /// neither delisted, held nor disabled; the same brand first,
            /// then the most on hand; never one HQ excluded beside it. Not
            /// its product's other variants as such: a product may group
            /// unlike items (tea and rice under "Staples"). An item without
            /// a category has none. Each is `(id, name, sku, brand, 1 when
            /// the same brand)`; the caller checks each as an order would.
            /// `None`: no such live item.
            pub(crate) async fn substitute_candidates(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                item: VariantId,
                n: usize,
            ) -> DbResult<Option<Vec<(Uuid, String, String, Option<String>, i64)>>> {
                let item_row: Option<(Option<Uuid>, Option<Uuid>)> = sqlx::query_as(
                    "SELECT category_id, brand_id FROM variants WHERE tenant_id = $1 AND id = $2 AND deleted_at_ms IS NULL",
                )
                .bind(tenant.as_uuid())
                .bind(item.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                let Some((category, brand)) = item_row else {
                    return Ok(None);
                };
                let Some(category) = category else {
                    return Ok(Some(Vec::new()));
                };
                Ok(Some(sqlx::query_as(
                    "SELECT v.id, v.name, v.sku, b.name, \
                       CAST(CASE WHEN v.brand_id = $4 THEN 1 ELSE 0 END AS BIGINT) AS same_brand \
                     FROM variants v \
                     JOIN stock_positions p ON p.tenant_id = v.tenant_id AND p.store_id = $2 AND p.variant_id = v.id \
                     LEFT JOIN brands b ON b.id = v.brand_id \
                     WHERE v.tenant_id = $1 AND v.id <> $3 AND v.category_id = $5 \
                       AND v.deleted_at_ms IS NULL AND v.disabled_at_ms IS NULL \
                       AND NOT p.delisted AND NOT p.blocked AND p.on_hand_milli > 0 \
                       AND NOT EXISTS (SELECT 1 FROM recommendation_rules r WHERE r.tenant_id = $1 \
                         AND r.item_id = $3 AND r.target_id = v.id AND r.kind = 'exclude') \
                     ORDER BY same_brand DESC, p.on_hand_milli DESC, v.sku LIMIT $6",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(item.as_uuid())
                .bind(brand)
                .bind(category)
                .bind(n as i64)
                .fetch_all(&mut **tx)
                .await?))
            }

            /// HQ's rules for `item`, each list in its order: live items only
            /// (one deleted since has no say, and the lists read can be
            /// written back as they are).
            async fn rules_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                item: VariantId,
            ) -> DbResult<$crate::domain::recommendations::RecommendationRules> {
                let rows: Vec<(Uuid, String)> = sqlx::query_as(
                    "SELECT r.target_id, r.kind FROM recommendation_rules r \
                     JOIN variants v ON v.tenant_id = r.tenant_id AND v.id = r.target_id \
                     WHERE r.tenant_id = $1 AND r.item_id = $2 AND v.deleted_at_ms IS NULL ORDER BY r.position",
                )
                .bind(tenant.as_uuid())
                .bind(item.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let mut rules = $crate::domain::recommendations::RecommendationRules::default();
                for (target, kind) in rows {
                    match kind.as_str() {
                        "pin" => rules.pinned.push(VariantId::from_uuid(target)),
                        "exclude" => rules.excluded.push(VariantId::from_uuid(target)),
                        other => return Err(DbError::Corrupt(format!("recommendation rule kind {other:?}"))),
                    }
                }
                Ok(rules)
            }

            /// Keeps the candidates `(id, name, sku, brand, figure)` the store
            /// can take an order for now, in their order, at most `limit`.
            async fn orderable_suggestions(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                candidates: Vec<(Uuid, String, String, Option<String>, i64)>,
                limit: usize,
                now: i64,
                suggest: impl Fn(i64) -> (Option<u32>, Option<bool>),
            ) -> DbResult<Vec<$crate::domain::recommendations::Suggestion>> {
                let mut kept = Vec::new();
                for (id, name, sku, brand, figure) in candidates {
                    if kept.len() == limit {
                        break;
                    }
                    let variant = VariantId::from_uuid(id);
                    let Some(state) = Self::order_state(tx, tenant, store, variant, now).await? else {
                        continue;
                    };
                    if !state.reasons().is_empty() {
                        continue;
                    }
                    let (sales_together, same_brand) = suggest(figure);
                    kept.push($crate::domain::recommendations::Suggestion {
                        variant_id: variant,
                        name,
                        sku,
                        brand,
                        available: state.available(),
                        sales_together,
                        same_brand,
                        pinned: false,
                    });
                }
                Ok(kept)
            }
        }

        #[async_trait::async_trait]
        impl RecommendationStorage for $storage {
            async fn recommendations(
                &self,
                tenant: TenantId,
                store: StoreId,
                item: VariantId,
                days: u32,
                limit: usize,
            ) -> DbResult<$crate::domain::recommendations::Recommendations> {
                let now = now_ms();
                let since = now - i64::from(days) * 86_400_000;
                let candidates = limit * $crate::storage::sql::recommendations::CANDIDATES_PER_SUGGESTION;
                let mut tx = self.pool.begin().await?;
                let item_state = Self::order_state(&mut tx, tenant, store, item, now)
                    .await?
                    .ok_or(DbError::NotFound("store"))?;
                // The item first: not found before any suggestion is read.
                let alike = Self::substitute_candidates(&mut tx, tenant, store, item, candidates)
                    .await?
                    .ok_or(DbError::NotFound("variant"))?;
                // The item's sales first, then their other lines by sale
                // (SQLite keeps the order of a CROSS JOIN; without it, and
                // without statistics, it read the store's every movement).
                let together: Vec<(Uuid, String, String, Option<String>, i64)> = sqlx::query_as(
                    "SELECT v.id, v.name, v.sku, b.name, t.together FROM ( \
                       SELECT m2.variant_id AS variant_id, COUNT(DISTINCT m2.sale_id) AS together \
                       FROM stock_movements m1 CROSS JOIN stock_movements m2 \
                       WHERE m1.tenant_id = $1 AND m1.store_id = $2 AND m1.variant_id = $3 AND m1.reason = 'sale' \
                         AND m1.sale_id IS NOT NULL AND m1.occurred_at_ms >= $4 \
                         AND m2.tenant_id = m1.tenant_id AND m2.sale_id = m1.sale_id \
                         AND m2.variant_id <> m1.variant_id AND m2.reason = 'sale' \
                       GROUP BY m2.variant_id) t \
                     JOIN variants v ON v.tenant_id = $1 AND v.id = t.variant_id \
                     LEFT JOIN brands b ON b.id = v.brand_id \
                     WHERE v.deleted_at_ms IS NULL \
                     ORDER BY t.together DESC, v.sku LIMIT $5",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(item.as_uuid())
                .bind(since)
                .bind(candidates as i64)
                .fetch_all(&mut *tx)
                .await?;
                // HQ's rules first: pinned items lead (their count when it
                // was read, -1 when not), excluded ones are never offered.
                let rules = Self::rules_in(&mut tx, tenant, item).await?;
                let ruled = |id: &Uuid| {
                    let id = VariantId::from_uuid(*id);
                    rules.pinned.contains(&id) || rules.excluded.contains(&id)
                };
                let mut candidates = Vec::with_capacity(rules.pinned.len() + together.len());
                for pin in &rules.pinned {
                    let found: Option<(Uuid, String, String, Option<String>)> = sqlx::query_as(
                        "SELECT v.id, v.name, v.sku, b.name FROM variants v LEFT JOIN brands b ON b.id = v.brand_id \
                         WHERE v.tenant_id = $1 AND v.id = $2 AND v.deleted_at_ms IS NULL",
                    )
                    .bind(tenant.as_uuid())
                    .bind(pin.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some((id, name, sku, brand)) = found {
                        let count = together.iter().find(|c| c.0 == id).map_or(-1, |c| c.4);
                        candidates.push((id, name, sku, brand, count));
                    }
                }
                candidates.extend(together.into_iter().filter(|c| !ruled(&c.0)));
                let mut bought_with = Self::orderable_suggestions(&mut tx, tenant, store, candidates, limit, now, |n| {
                    (u32::try_from(n).ok(), None)
                })
                .await?;
                for suggestion in &mut bought_with {
                    suggestion.pinned = rules.pinned.contains(&suggestion.variant_id);
                }
                let substitutes = Self::orderable_suggestions(&mut tx, tenant, store, alike, limit, now, |same| {
                    (None, Some(same != 0))
                })
                .await?;
                tx.commit().await?; // Read only.
                let why_not = item_state.reasons();
                Ok($crate::domain::recommendations::Recommendations {
                    store_id: store,
                    item_id: item,
                    item_orderable: why_not.is_empty(),
                    why_not,
                    days,
                    bought_with,
                    substitutes,
                })
            }

            async fn set_recommendation_rules(
                &self,
                tenant: TenantId,
                item: VariantId,
                rules: &$crate::domain::recommendations::RecommendationRules,
            ) -> DbResult<$crate::domain::recommendations::RecommendationRules> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                if !Self::variant_live(&mut tx, tenant, item).await? {
                    return Err(DbError::NotFound("variant"));
                }
                // Numbered through both lists, pinned first.
                for (index, target) in rules.pinned.iter().chain(&rules.excluded).enumerate() {
                    if !Self::variant_live(&mut tx, tenant, *target).await? {
                        return Err(DbError::AtItem { index, error: Box::new(DbError::NotFound("variant")) });
                    }
                }
                sqlx::query("DELETE FROM recommendation_rules WHERE tenant_id = $1 AND item_id = $2")
                    .bind(tenant.as_uuid())
                    .bind(item.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                for (kind, list) in [("pin", &rules.pinned), ("exclude", &rules.excluded)] {
                    for (position, target) in list.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO recommendation_rules (tenant_id, item_id, target_id, kind, position) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(tenant.as_uuid())
                        .bind(item.as_uuid())
                        .bind(target.as_uuid())
                        .bind(kind)
                        .bind(position as i64)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let kept = Self::rules_in(&mut tx, tenant, item).await?;
                Self::commit(tx).await?;
                Ok(kept)
            }

            async fn recommendation_rules(
                &self,
                tenant: TenantId,
                item: VariantId,
            ) -> DbResult<$crate::domain::recommendations::RecommendationRules> {
                let mut tx = self.pool.begin().await?;
                if !Self::variant_live(&mut tx, tenant, item).await? {
                    return Err(DbError::NotFound("variant"));
                }
                let rules = Self::rules_in(&mut tx, tenant, item).await?;
                tx.commit().await?; // Read only.
                Ok(rules)
            }

            async fn trending(
                &self,
                tenant: TenantId,
                store: StoreId,
                days: u32,
                limit: usize,
            ) -> DbResult<$crate::domain::recommendations::Trending> {
                let now = now_ms();
                let window = i64::from(days) * 86_400_000;
                let mut tx = self.pool.begin().await?;
                // Sales are negative movements; a sale's lines of one item
                // count once towards its sales. The hub records a sale after
                // it was made: reading from a day before the window by when
                // it was recorded (an index) misses none but a till's clock
                // a day ahead.
                let rows: Vec<(Uuid, String, String, i64, i64, i64)> = sqlx::query_as(
                    "SELECT v.id, v.name, v.sku, t.units, t.units_before, t.sales FROM ( \
                       SELECT variant_id, \
                         CAST(SUM(CASE WHEN occurred_at_ms >= $3 THEN -delta_milli ELSE 0 END) AS BIGINT) AS units, \
                         CAST(SUM(CASE WHEN occurred_at_ms < $3 THEN -delta_milli ELSE 0 END) AS BIGINT) AS units_before, \
                         COUNT(DISTINCT CASE WHEN occurred_at_ms >= $3 THEN sale_id END) AS sales \
                       FROM stock_movements \
                       WHERE tenant_id = $1 AND store_id = $2 AND reason = 'sale' AND occurred_at_ms >= $4 \
                         AND recorded_at_ms >= $6 \
                       GROUP BY variant_id) t \
                     JOIN variants v ON v.tenant_id = $1 AND v.id = t.variant_id \
                     WHERE v.deleted_at_ms IS NULL AND t.units > 0 \
                     ORDER BY t.units - t.units_before DESC, t.units DESC, v.sku LIMIT $5",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(now - window)
                .bind(now - 2 * window)
                .bind(limit as i64)
                .bind(now - 2 * window - 86_400_000)
                .fetch_all(&mut *tx)
                .await?;
                let mut items = Vec::with_capacity(rows.len());
                for (id, name, sku, units, before, sales) in rows {
                    let variant = VariantId::from_uuid(id);
                    let orderable = Self::order_state(&mut tx, tenant, store, variant, now)
                        .await?
                        .is_some_and(|s| s.reasons().is_empty());
                    items.push($crate::domain::recommendations::Trend {
                        variant_id: variant,
                        name,
                        sku,
                        units: pos_shared::Qty::from_milli(units),
                        units_before: pos_shared::Qty::from_milli(before),
                        sales: u32::try_from(sales).unwrap_or(u32::MAX),
                        orderable,
                    });
                }
                tx.commit().await?; // Read only.
                Ok($crate::domain::recommendations::Trending { store_id: store, days, items })
            }
        }
    };
}
pub(crate) use sql_recommendation_paths;
