//! Editing, deleting and restoring variants at the hub, and giving one the
//! tenant's next in-store barcode, for both backends.
//! Each runs under the tenant lock, records the variant's new version and
//! announces it to tills in the same transaction; a deletion travels as a
//! tombstone. The data steps a migration leaves for startup (which edit
//! variants the same way) live here too. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::VariantStorage`] on `$storage`.
macro_rules! sql_variant_paths {
    ($storage:ty) => {
        impl $storage {
            /// A live variant and its brand id, read inside `tx`.
            async fn live_variant(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                variant: VariantId,
            ) -> DbResult<(VariantRecord, Option<Uuid>)> {
                let row: Option<VariantRow> = sqlx::query_as(&format!(
                    "SELECT {VARIANT_COLUMNS} FROM {VARIANT_FROM} WHERE v.tenant_id = $1 AND v.id = $2 AND v.deleted_at_ms IS NULL"
                ))
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                let Some(row) = row else {
                    return Err(Self::variant_gone(tx, tenant, variant).await?);
                };
                let record = variant_from_row(row)?;
                let (brand,): (Option<Uuid>,) =
                    sqlx::query_as("SELECT brand_id FROM variants WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(variant.as_uuid())
                        .fetch_one(&mut **tx)
                        .await?;
                Ok((record, brand))
            }

            /// Runs the data steps migrations left pending in `hub_data_steps`,
            /// each to its end, then marks it done. Called at every start
            /// after the migrations; a step is safe to run again, so a hub
            /// stopped half-way finishes it at its next start.
            pub(crate) async fn run_data_steps(&self) -> DbResult<()> {
                let pending: Vec<(String,)> =
                    sqlx::query_as("SELECT step FROM hub_data_steps WHERE done_at_ms IS NULL ORDER BY step")
                        .fetch_all(&self.pool)
                        .await?;
                for (step,) in pending {
                    match step.as_str() {
                        "measured_units_from_ledger" => {
                            let changed = self.measure_units_from_ledger().await?;
                            tracing::info!(changed, "counted items sold by weight are now measured (kg)");
                        }
                        "catalog_projection_from_sources" => {
                            let tenants: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM tenants").fetch_all(&self.pool).await?;
                            for (tenant,) in &tenants {
                                self.rebuild_projection(TenantId::from_uuid(*tenant)).await?;
                            }
                            tracing::info!(tenants = tenants.len(), "the catalog read model is built from its sources");
                        }
                        "gst_documents_from_facts" => {
                            let written = self.tax_documents_from_facts().await?;
                            tracing::info!(written, "the tax documents of stored sales and returns are written");
                        }
                        "customers_from_profiles" => {
                            let stores = self.customers_from_profiles().await?;
                            tracing::info!(stores, "the stores' customer profiles are merged into the tenants' customers");
                        }
                        other => return Err(DbError::Corrupt(format!("unknown data step {other:?}"))),
                    }
                    sqlx::query("UPDATE hub_data_steps SET done_at_ms = $1 WHERE step = $2")
                        .bind(now_ms())
                        .bind(&step)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(())
            }

            /// Makes each live counted (`each`) variant that the ledger shows
            /// moved or sold in a fraction measured (`kg`): it was weighed at
            /// the counter (by hand or from a scale label), and must keep
            /// selling by weight now that counted items sell in whole pieces.
            /// Each is an edit like HQ's, in a transaction of its own: a new
            /// version, and a feed change that tells the tills. Returns how
            /// many changed.
            async fn measure_units_from_ledger(&self) -> DbResult<u64> {
                let weighed: Vec<(Uuid, Uuid)> = sqlx::query_as(
                    "SELECT DISTINCT tenant_id, variant_id FROM stock_movements WHERE delta_milli % 1000 <> 0",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut changed = 0;
                for (tenant, variant) in weighed {
                    let tenant = TenantId::from_uuid(tenant);
                    let mut tx = self.pool.begin().await?;
                    Self::lock_tenant(&mut tx, tenant).await?;
                    let current = match Self::live_variant(&mut tx, tenant, VariantId::from_uuid(variant)).await {
                        Ok((current, _)) => current,
                        // Deleted since: out of the catalog and of every till.
                        Err(DbError::NotFound(_) | DbError::Deleted(_)) => continue,
                        Err(e) => return Err(e),
                    };
                    if current.details.unit.is_measured() {
                        continue;
                    }
                    let mut next = current;
                    next.details.unit = pos_shared::item::Unit::Kg;
                    sqlx::query("UPDATE variants SET details = $3, updated_at_ms = $4 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(variant)
                        .bind($crate::storage::sql::details_column(&next.details)?)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                    Self::record_version(&mut tx, tenant, &next).await?;
                    Self::append_change(&mut tx, tenant, None, &ChangeBody::VariantUpserted(next)).await?;
                    Self::commit(tx).await?;
                    changed += 1;
                }
                if changed > 0 {
                    self.feed_changed();
                }
                Ok(changed)
            }

            /// Applies `patch` to `current` inside `tx` (under the tenant lock):
            /// the row, its barcodes, a new version and the feed change.
            /// `None` when the patch leaves the variant as it was.
            async fn write_patch(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                current: &VariantRecord,
                brand_id: Option<Uuid>,
                patch: &VariantPatch,
            ) -> DbResult<Option<VariantRecord>> {
                let mut next = current.clone();
                if let Some(name) = &patch.name {
                    next.name = name.clone();
                }
                if let Some(sku) = &patch.sku {
                    next.sku = sku.clone();
                }
                if let Some(barcode) = &patch.barcode {
                    next.barcode = barcode.clone();
                }
                if let Some(codes) = &patch.extra_barcodes {
                    next.placement.extra_barcodes = codes.clone();
                }
                if let Some(tax) = &patch.tax {
                    next.tax = tax.clone();
                }
                if let Some(groups) = &patch.modifiers {
                    next.modifiers = groups.clone();
                }
                if let Some(key) = patch.quick_key {
                    next.placement.quick_key = key;
                }
                if let Some(synonyms) = &patch.synonyms {
                    next.placement.synonyms = synonyms.clone();
                }
                let brand_id = match patch.brand {
                    Some(Some(brand)) => {
                        next.placement.brand = Some(Self::brand_name(tx, tenant, brand).await?);
                        Some(brand.as_uuid())
                    }
                    Some(None) => {
                        next.placement.brand = None;
                        None
                    }
                    None => brand_id,
                };
                if let Some(category) = patch.category {
                    if let Some(c) = category {
                        Self::category_in(tx, tenant, c).await?.ok_or_else(|| DbError::InvalidField {
                            field: "category_id",
                            detail: format!("no category {c}"),
                        })?;
                    }
                    next.placement.category_id = category;
                }
                if let Some(details) = &patch.details {
                    next.details = details.clone();
                }
                if let Some(price) = patch.price {
                    next.price = price;
                }
                sqlx::query(
                    "UPDATE variants SET name = $3, sku = $4, gtin = $5, tax_rate_bp = $6, tax_inclusive = $7, hsn = $8, \
                     modifiers = $9, brand_id = $10, category_id = $11, synonyms = $12, extra_barcodes = $13, quick_key = $14, \
                     updated_at_ms = $15, details = $16, price_minor = $17, currency = $18 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(next.variant_id.as_uuid())
                .bind(&next.name)
                .bind(&next.sku)
                .bind(next.barcode.as_str())
                .bind(next.tax.as_ref().map(|t| t.rate_bp as i32))
                .bind(next.tax.as_ref().map(|t| t.inclusive))
                .bind(next.tax.as_ref().and_then(|t| t.hsn.clone()))
                .bind(json_column(&next.modifiers)?)
                .bind(brand_id)
                .bind(next.placement.category_id.map(|c| c.as_uuid()))
                .bind(json_column(&next.placement.synonyms)?)
                .bind(json_column(&next.placement.extra_barcodes)?)
                .bind(next.placement.quick_key.map(i32::from))
                .bind(now_ms())
                .bind($crate::storage::sql::details_column(&next.details)?)
                .bind(next.price.minor())
                .bind(next.price.currency().as_str())
                .execute(&mut **tx)
                .await
                .map_err(DbError::from_sqlx)?;
                if next.price != current.price {
                    let event = $crate::domain::events::by_hub(
                        "catalog.price.updated",
                        None,
                        serde_json::json!({"variant_id": next.variant_id, "price": next.price, "scope": "base"}),
                    );
                    Self::emit_event(tx, tenant, event).await?;
                }
                sqlx::query("DELETE FROM variant_barcodes WHERE tenant_id = $1 AND variant_id = $2")
                    .bind(tenant.as_uuid())
                    .bind(next.variant_id.as_uuid())
                    .execute(&mut **tx)
                    .await?;
                Self::claim_barcodes(tx, tenant, &next).await?;
                // An edit that leaves the variant as it was is no change.
                if !Self::record_version(tx, tenant, &next).await? {
                    return Ok(None);
                }
                Self::append_change(tx, tenant, None, &ChangeBody::VariantUpserted(next.clone())).await?;
                Ok(Some(next))
            }

            /// Deletes (`delete`) or restores a variant. `None` when it was
            /// already so; else the tombstone or the variant reached the feed.
            pub(crate) async fn write_deletion(
                &self,
                tenant: TenantId,
                variant: VariantId,
                delete: bool,
            ) -> DbResult<Option<()>> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let deleted = Self::variant_deleted(&mut tx, tenant, variant)
                    .await?
                    .ok_or(DbError::NotFound("variant"))?;
                if deleted == delete {
                    return Ok(None);
                }
                // Each store where the item could be ordered (or can be again,
                // restored) hears it flip, as with disabling it.
                let now = now_ms();
                let before = Self::order_states_everywhere(&mut tx, tenant, variant, now).await?;
                sqlx::query("UPDATE variants SET deleted_at_ms = $3, updated_at_ms = $4 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(variant.as_uuid())
                    .bind(delete.then_some(now))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                for (store, state) in before {
                    Self::emit_flip(&mut tx, tenant, state, |s| OrderState { deleted: delete, ..s }, store, variant).await?;
                }
                let change = if delete {
                    ChangeBody::VariantDeleted { variant_id: variant }
                } else {
                    ChangeBody::VariantUpserted(Self::live_variant(&mut tx, tenant, variant).await?.0)
                };
                Self::append_change(&mut tx, tenant, None, &change).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(Some(()))
            }
        }

        #[async_trait::async_trait]
        impl VariantStorage for $storage {
            async fn update_variant(
                &self,
                tenant: TenantId,
                based_on: &VariantRecord,
                patch: &VariantPatch,
            ) -> DbResult<VariantRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let (current, brand_id) = Self::live_variant(&mut tx, tenant, based_on.variant_id).await?;
                if current != *based_on {
                    return Err(DbError::State {
                        field: "variant_id",
                        detail: "the variant changed while this edit was checked; send it again".into(),
                    });
                }
                match Self::write_patch(&mut tx, tenant, &current, brand_id, patch).await? {
                    Some(next) => {
                        Self::commit(tx).await?;
                        self.feed_changed();
                        Ok(next)
                    }
                    None => {
                        tx.rollback().await?;
                        Ok(current)
                    }
                }
            }

            async fn assign_in_store_barcode(
                &self,
                tenant: TenantId,
                variant: VariantId,
                replace: bool,
            ) -> DbResult<VariantRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let (current, brand_id) = Self::live_variant(&mut tx, tenant, variant).await?;
                if !replace {
                    return Err(DbError::State {
                        field: "replace",
                        detail: format!(
                            "the variant has barcode {} already; send \"replace\": true to give it an in-store one instead",
                            current.barcode
                        ),
                    });
                }
                let code = Self::next_in_store_code(&mut tx, tenant).await?;
                // The new code replaces the old one everywhere: not kept as an extra.
                let patch = VariantPatch {
                    barcode: Some(code.clone()),
                    extra_barcodes: Some(
                        current.placement.extra_barcodes.iter().filter(|b| **b != code).cloned().collect(),
                    ),
                    ..Default::default()
                };
                let next = Self::write_patch(&mut tx, tenant, &current, brand_id, &patch)
                    .await?
                    .unwrap_or(current);
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(next)
            }

            async fn delete_variant(&self, tenant: TenantId, variant: VariantId) -> DbResult<bool> {
                self.write_deletion(tenant, variant, true)
                    .await
                    .map(|changed| changed.is_some())
            }

            async fn restore_variant(
                &self,
                tenant: TenantId,
                variant: VariantId,
            ) -> DbResult<VariantRecord> {
                self.write_deletion(tenant, variant, false).await?;
                self.catalog_item(tenant, variant).await
            }
        }

    };
}

pub(crate) use sql_variant_paths;
