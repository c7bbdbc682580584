//! Recommendations for both backends: what is selling more at a store and
//! what sold with an item, at a store or across the chain (both read from
//! the projection the basket worker keeps, `crate::baskets`), an item's
//! substitutes (the same category), HQ's pins and exclusions; a store's
//! suggestions each then checked as an order would be (`order_state`).
//! Expanded inside `sql_storage!`.

/// Candidates read for each suggestion asked, so that those the store
/// cannot take an order for now still leave enough.
pub(crate) const CANDIDATES_PER_SUGGESTION: usize = 4;

/// Whose sales an item's partners are read from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Whose {
    /// The store's own.
    Store(pos_shared::StoreId),
    /// The store's, then the chain's for items the store's have not paired.
    StoreThenChain(pos_shared::StoreId),
    /// The chain's.
    Chain,
}

/// An item read as a suggestion, before the store's check.
pub(crate) struct Candidate {
    pub id: uuid::Uuid,
    pub name: String,
    pub sku: String,
    pub brand: Option<String>,
    /// Sales at the store that held both.
    pub sales_together: Option<u32>,
    /// The chain's sales that held both, for an item the store's own sales
    /// have not paired with it.
    pub chain_sales_together: Option<u32>,
    pub same_brand: Option<bool>,
    pub pinned: bool,
}

impl Candidate {
    pub(crate) fn read(
        (id, name, sku, brand): (uuid::Uuid, String, String, Option<String>),
    ) -> Self {
        Candidate {
            id,
            name,
            sku,
            brand,
            sales_together: None,
            chain_sales_together: None,
            same_brand: None,
            pinned: false,
        }
    }

    pub(crate) fn suggestion(
        self,
        available: pos_shared::Qty,
    ) -> crate::domain::recommendations::Suggestion {
        crate::domain::recommendations::Suggestion {
            variant_id: pos_shared::VariantId::from_uuid(self.id),
            name: self.name,
            sku: self.sku,
            brand: self.brand,
            available,
            sales_together: self.sales_together,
            chain_sales_together: self.chain_sales_together,
            same_brand: self.same_brand,
            pinned: self.pinned,
        }
    }
}

/// Implements [`crate::storage::RecommendationStorage`] on `$storage`.
macro_rules! sql_recommendation_paths {
    ($storage:ty) => {
        impl $storage {
            /// What sold with `item` in the last `days` (the projection's
            /// days, `crate::baskets`), best first, at most `n`, live items
            /// only, from `whose` sales: at a store, the store's own first,
            /// then (if asked) the chain's for items they have not paired.
            pub(crate) async fn bought_with_candidates(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                whose: $crate::storage::sql::recommendations::Whose,
                item: VariantId,
                days: u32,
                n: usize,
                now: i64,
            ) -> DbResult<Vec<$crate::storage::sql::recommendations::Candidate>> {
                use $crate::storage::sql::recommendations::{Candidate, Whose};
                let (store, chain) = match whose {
                    Whose::Store(store) => (Some(store), false),
                    Whose::StoreThenChain(store) => (Some(store), true),
                    Whose::Chain => (None, true),
                };
                let read = |table: &str, at_store: bool| {
                    format!(
                        "SELECT v.id, v.name, v.sku, b.name, t.together FROM ( \
                           SELECT other_id, CAST(SUM(sales) AS BIGINT) AS together FROM {table} \
                           WHERE tenant_id = $1 AND item_id = $2 AND day >= $3{} GROUP BY other_id) t \
                         JOIN variants v ON v.tenant_id = $1 AND v.id = t.other_id \
                         LEFT JOIN brands b ON b.id = v.brand_id \
                         WHERE v.deleted_at_ms IS NULL \
                         ORDER BY t.together DESC, v.sku LIMIT $4",
                        if at_store { " AND store_id = $5" } else { "" }
                    )
                };
                let first_day = $crate::domain::baskets::first_day(now, days);
                let count = |n: i64| Some(u32::try_from(n).unwrap_or(u32::MAX));
                let mut found: Vec<Candidate> = Vec::new();
                if let Some(store) = store {
                    let rows: Vec<(Uuid, String, String, Option<String>, i64)> = sqlx::query_as(&read("basket_pairs", true))
                        .bind(tenant.as_uuid())
                        .bind(item.as_uuid())
                        .bind(first_day)
                        .bind(n as i64)
                        .bind(store.as_uuid())
                        .fetch_all(&mut **tx)
                        .await?;
                    found.extend(rows.into_iter().map(|(id, name, sku, brand, together)| Candidate {
                        sales_together: count(together),
                        ..Candidate::read((id, name, sku, brand))
                    }));
                }
                if chain && found.len() < n {
                    // The chain's repeat the store's: read enough to fill.
                    let rows: Vec<(Uuid, String, String, Option<String>, i64)> = sqlx::query_as(&read("chain_basket_pairs", false))
                        .bind(tenant.as_uuid())
                        .bind(item.as_uuid())
                        .bind(first_day)
                        .bind((n + found.len()) as i64)
                        .fetch_all(&mut **tx)
                        .await?;
                    for (id, name, sku, brand, together) in rows {
                        if found.len() == n {
                            break;
                        }
                        if !found.iter().any(|f| f.id == id) {
                            let candidate = Candidate::read((id, name, sku, brand));
                            found.push(match store {
                                Some(_) => Candidate { chain_sales_together: count(together), ..candidate },
                                None => Candidate { sales_together: count(together), ..candidate },
                            });
                        }
                    }
                }
                Ok(found)
            }

            /// `together` with HQ's rules for `item` applied: its pinned
            /// items first (in HQ's order, with their figures when they sold
            /// with it), its excluded ones left out, and those whose own
            /// rules exclude `item`.
            async fn ruled_partners(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                item: VariantId,
                together: Vec<$crate::storage::sql::recommendations::Candidate>,
            ) -> DbResult<Vec<$crate::storage::sql::recommendations::Candidate>> {
                use $crate::storage::sql::recommendations::Candidate;
                let rules = Self::rules_in(tx, tenant, item).await?;
                let mut partners = Vec::with_capacity(rules.pinned.len() + together.len());
                for pin in &rules.pinned {
                    let found: Option<(Uuid, String, String, Option<String>)> = sqlx::query_as(
                        "SELECT v.id, v.name, v.sku, b.name FROM variants v LEFT JOIN brands b ON b.id = v.brand_id \
                         WHERE v.tenant_id = $1 AND v.id = $2 AND v.deleted_at_ms IS NULL",
                    )
                    .bind(tenant.as_uuid())
                    .bind(pin.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                    if let Some(row) = found {
                        let sold = together.iter().find(|c| c.id == row.0);
                        partners.push(Candidate {
                            sales_together: sold.and_then(|c| c.sales_together),
                            chain_sales_together: sold.and_then(|c| c.chain_sales_together),
                            pinned: true,
                            ..Candidate::read(row)
                        });
                    }
                }
                // An exclusion parts the two items both ways: what excludes
                // `item` is not suggested beside it either.
                let excluding: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT item_id FROM recommendation_rules WHERE tenant_id = $1 AND target_id = $2 AND kind = 'exclude'",
                )
                .bind(tenant.as_uuid())
                .bind(item.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let ruled = |id: &Uuid| {
                    let variant = VariantId::from_uuid(*id);
                    rules.pinned.contains(&variant) || rules.excluded.contains(&variant) || excluding.iter().any(|(e,)| e == id)
                };
                partners.extend(together.into_iter().filter(|c| !ruled(&c.id)));
                Ok(partners)
            }

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

            /// Keeps the candidates the store can take an order for now, in
            /// their order, at most `limit`.
            async fn orderable_suggestions(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                candidates: Vec<$crate::storage::sql::recommendations::Candidate>,
                limit: usize,
                now: i64,
            ) -> DbResult<Vec<$crate::domain::recommendations::Suggestion>> {
                let mut kept = Vec::new();
                for candidate in candidates {
                    if kept.len() == limit {
                        break;
                    }
                    let variant = VariantId::from_uuid(candidate.id);
                    let Some(state) = Self::order_state(tx, tenant, store, variant, now).await? else {
                        continue;
                    };
                    if state.reasons().is_empty() {
                        kept.push(candidate.suggestion(state.available()));
                    }
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
                chain: bool,
            ) -> DbResult<$crate::domain::recommendations::Recommendations> {
                let now = now_ms();
                let candidates = limit * $crate::storage::sql::recommendations::CANDIDATES_PER_SUGGESTION;
                let mut tx = self.pool.begin().await?;
                let item_state = Self::order_state(&mut tx, tenant, store, item, now)
                    .await?
                    .ok_or(DbError::NotFound("store"))?;
                // The item first: not found before any suggestion is read.
                let alike = Self::substitute_candidates(&mut tx, tenant, store, item, candidates)
                    .await?
                    .ok_or(DbError::NotFound("variant"))?;
                let whose = match chain {
                    true => $crate::storage::sql::recommendations::Whose::StoreThenChain(store),
                    false => $crate::storage::sql::recommendations::Whose::Store(store),
                };
                let together = Self::bought_with_candidates(&mut tx, tenant, whose, item, days, candidates, now).await?;
                let partners = Self::ruled_partners(&mut tx, tenant, item, together).await?;
                let bought_with = Self::orderable_suggestions(&mut tx, tenant, store, partners, limit, now).await?;
                let alike = alike
                    .into_iter()
                    .map(|(id, name, sku, brand, same)| $crate::storage::sql::recommendations::Candidate {
                        same_brand: Some(same != 0),
                        ..$crate::storage::sql::recommendations::Candidate::read((id, name, sku, brand))
                    })
                    .collect();
                let substitutes = Self::orderable_suggestions(&mut tx, tenant, store, alike, limit, now).await?;
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
                Self::require_live(&mut tx, tenant, item).await?;
                // Numbered through both lists, pinned first.
                for (index, target) in rules.pinned.iter().chain(&rules.excluded).enumerate() {
                    Self::require_live(&mut tx, tenant, *target).await.map_err(|error| DbError::AtItem { index, error: Box::new(error) })?;
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
                Self::require_live(&mut tx, tenant, item).await?;
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
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                // The projection's days (`crate::baskets`): units sold, returns
                // not taken off, and the sales or orders that held them.
                let rows: Vec<(Uuid, String, String, i64, i64, i64)> = sqlx::query_as(
                    "SELECT v.id, v.name, v.sku, t.units, t.units_before, t.sales FROM ( \
                       SELECT variant_id, \
                         CAST(SUM(CASE WHEN day >= $3 THEN units_milli ELSE 0 END) AS BIGINT) AS units, \
                         CAST(SUM(CASE WHEN day < $3 THEN units_milli ELSE 0 END) AS BIGINT) AS units_before, \
                         CAST(SUM(CASE WHEN day >= $3 THEN sales ELSE 0 END) AS BIGINT) AS sales \
                       FROM item_sales_daily \
                       WHERE tenant_id = $1 AND store_id = $2 AND day >= $4 \
                       GROUP BY variant_id) t \
                     JOIN variants v ON v.tenant_id = $1 AND v.id = t.variant_id \
                     WHERE v.deleted_at_ms IS NULL AND t.units > 0 \
                     ORDER BY t.units - t.units_before DESC, t.units DESC, v.sku LIMIT $5",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind($crate::domain::baskets::first_day(now, days))
                .bind($crate::domain::baskets::first_day(now, 2 * days))
                .bind(limit as i64)
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

            async fn chain_recommendations(
                &self,
                tenant: TenantId,
                item: VariantId,
                days: u32,
                limit: usize,
            ) -> DbResult<$crate::domain::recommendations::ChainRecommendations> {
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                Self::require_live(&mut tx, tenant, item).await?;
                let together = Self::bought_with_candidates(&mut tx, tenant, $crate::storage::sql::recommendations::Whose::Chain, item, days, limit, now).await?;
                let mut partners = Self::ruled_partners(&mut tx, tenant, item, together).await?;
                partners.truncate(limit);
                tx.commit().await?; // Read only.
                Ok($crate::domain::recommendations::ChainRecommendations {
                    item_id: item,
                    days,
                    bought_with: partners
                        .into_iter()
                        .map(|c| $crate::domain::recommendations::ChainSuggestion {
                            variant_id: VariantId::from_uuid(c.id),
                            name: c.name,
                            sku: c.sku,
                            brand: c.brand,
                            sales_together: c.sales_together,
                            pinned: c.pinned,
                        })
                        .collect(),
                })
            }

            async fn add_ons(
                &self,
                tenant: TenantId,
                store: StoreId,
                item: VariantId,
                limit: usize,
            ) -> DbResult<Vec<pos_shared::addons::AddOn>> {
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                Self::require_live(&mut tx, tenant, item).await?;
                let days = $crate::domain::recommendations::DEFAULT_DAYS;
                let together = Self::bought_with_candidates(&mut tx, tenant, $crate::storage::sql::recommendations::Whose::StoreThenChain(store), item, days, limit, now).await?;
                let mut partners = Self::ruled_partners(&mut tx, tenant, item, together).await?;
                partners.truncate(limit);
                tx.commit().await?; // Read only.
                Ok(partners
                    .into_iter()
                    .map(|c| pos_shared::addons::AddOn {
                        variant_id: VariantId::from_uuid(c.id),
                        sales_together: c.sales_together,
                        chain_sales_together: c.chain_sales_together,
                        pinned: c.pinned,
                    })
                    .collect())
            }
        }
    };
}
pub(crate) use sql_recommendation_paths;
