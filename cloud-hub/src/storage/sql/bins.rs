//! Bins and slotting at the hub, for both backends. Expanded inside
//! `sql_storage!`.

/// Implements [`crate::storage::BinStorage`] on `$storage`.
macro_rules! sql_bin_paths {
    ($storage:ty) => {
        use $crate::domain::bins::{Bin, SlottedItem};

        impl $storage {
            /// The store's bins (or one), by code, each with its items by SKU.
            pub(crate) async fn read_bins(&self, tenant: TenantId, store: StoreId, only: Option<&str>) -> DbResult<Vec<Bin>> {
                self.store(tenant, store).await?;
                let rows: Vec<(String, String, Option<Uuid>, Option<String>, Option<String>)> = sqlx::query_as(
                    "SELECT b.code, b.zone, v.id, v.sku, v.name FROM store_bins b \
                     LEFT JOIN bin_slots s ON s.tenant_id = b.tenant_id AND s.store_id = b.store_id AND s.bin_code = b.code \
                     LEFT JOIN variants v ON v.tenant_id = s.tenant_id AND v.id = s.variant_id AND v.deleted_at_ms IS NULL \
                     WHERE b.tenant_id = $1 AND b.store_id = $2 AND ($3 IS NULL OR b.code = $3) \
                     ORDER BY b.code, v.sku",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(only)
                .fetch_all(&self.pool)
                .await?;
                let mut bins: Vec<Bin> = Vec::new();
                for (code, zone, variant, sku, name) in rows {
                    if bins.last().is_none_or(|b| b.code != code) {
                        bins.push(Bin { code, zone, items: Vec::new() });
                    }
                    if let (Some(variant), Some(sku), Some(name), Some(bin)) = (variant, sku, name, bins.last_mut()) {
                        bin.items.push(SlottedItem { variant_id: VariantId::from_uuid(variant), sku, name });
                    }
                }
                Ok(bins)
            }
        }

        #[async_trait::async_trait]
        impl BinStorage for $storage {
            /// Adds a bin or moves it to another zone.
            async fn set_bin(&self, tenant: TenantId, store: StoreId, code: &str, zone: &str) -> DbResult<Bin> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                // HQ's edit, alone in the tenant: no item is slotted in the
                // bin while its zone changes, so every slotted item gets it.
                Self::lock_tenant(&mut tx, tenant).await?;
                sqlx::query(
                    "INSERT INTO store_bins (tenant_id, store_id, code, zone, created_at_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (tenant_id, store_id, code) DO UPDATE SET zone = excluded.zone",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(code)
                .bind(zone)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                // The items slotted in it carry its zone.
                Self::refresh_projection(&mut tx, tenant, store, Touched::Bin(code)).await?;
                Self::commit(tx).await?;
                self.read_bins(tenant, store, Some(code)).await?.pop().ok_or(DbError::NotFound("bin"))
            }

            /// Removes an empty bin; one items are still slotted in is refused.
            async fn remove_bin(&self, tenant: TenantId, store: StoreId, code: &str) -> DbResult<()> {
                let bin = self.read_bins(tenant, store, Some(code)).await?.pop().ok_or(DbError::NotFound("bin"))?;
                if !bin.items.is_empty() {
                    return Err(DbError::State {
                        field: "code",
                        detail: format!("{} items are slotted in bin {code}: slot them elsewhere first", bin.items.len()),
                    });
                }
                sqlx::query("DELETE FROM store_bins WHERE tenant_id = $1 AND store_id = $2 AND code = $3")
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(code)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn bins(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<Bin>> {
                self.read_bins(tenant, store, None).await
            }

            /// Slots an item in a bin of the store (`None`: in none).
            async fn slot(&self, tenant: TenantId, store: StoreId, variant: VariantId, bin: Option<&str>) -> DbResult<()> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                Self::require_live(&mut tx, tenant, variant).await?;
                sqlx::query("DELETE FROM bin_slots WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3")
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(variant.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                if let Some(code) = bin {
                    let found: Option<(String,)> = sqlx::query_as(
                        "SELECT code FROM store_bins WHERE tenant_id = $1 AND store_id = $2 AND code = $3",
                    )
                    .bind(tenant.as_uuid())
                    .bind(store.as_uuid())
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if found.is_none() {
                        return Err(DbError::InvalidField {
                            field: "bin",
                            detail: format!("the store has no bin {code}: add it first"),
                        });
                    }
                    sqlx::query("INSERT INTO bin_slots (tenant_id, store_id, variant_id, bin_code) VALUES ($1, $2, $3, $4)")
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .bind(variant.as_uuid())
                        .bind(code)
                        .execute(&mut *tx)
                        .await?;
                }
                Self::refresh_projection(&mut tx, tenant, store, Touched::Item(variant)).await?;
                Self::commit(tx).await?;
                Ok(())
            }
        }

    };
}

pub(crate) use sql_bin_paths;
