//! A source's ids and the records they name, for both backends: the
//! mapping upserts (own and adopted), who maps a record, and the catalog
//! lookups the adapters make by them. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::SourceMapStorage`] on `$storage`.
macro_rules! sql_source_map_paths {
    ($storage:ty) => {
        impl $storage {
            /// Maps a source's id to the hub's; `adopted` when the record is
            /// not the source's own. Mapped again to the same record, it stays
            /// as adopted as it was unless adopted now.
            async fn upsert_mapping(
                &self,
                tenant: TenantId,
                source: Uuid,
                entity: &'static str,
                external: &str,
                canonical: Uuid,
                adopted: bool,
            ) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO source_entities (tenant_id, source_id, entity, external_id, canonical_id, updated_at_ms, adopted) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source_id, entity, external_id) \
                     DO UPDATE SET canonical_id = excluded.canonical_id, updated_at_ms = excluded.updated_at_ms, \
                     adopted = excluded.adopted OR (source_entities.adopted AND source_entities.canonical_id = excluded.canonical_id)",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(entity)
                .bind(external)
                .bind(canonical)
                .bind(now_ms())
                .bind(adopted)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl SourceMapStorage for $storage {
            async fn source_entity(&self, tenant: TenantId, source: Uuid, entity: &'static str, external: &str) -> DbResult<Option<Uuid>> {
                let row: Option<(Uuid,)> = sqlx::query_as(
                    "SELECT canonical_id FROM source_entities WHERE tenant_id = $1 AND source_id = $2 AND entity = $3 AND external_id = $4",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(entity)
                .bind(external)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id,)| id))
            }

            async fn map_source_entity(&self, tenant: TenantId, source: Uuid, entity: &'static str, external: &str, canonical: Uuid) -> DbResult<()> {
                self.upsert_mapping(tenant, source, entity, external, canonical, false).await
            }

            async fn adopt_source_entity(&self, tenant: TenantId, source: Uuid, entity: &'static str, external: &str, canonical: Uuid) -> DbResult<()> {
                self.upsert_mapping(tenant, source, entity, external, canonical, true).await
            }

            async fn source_entity_adopted(&self, tenant: TenantId, source: Uuid, entity: &'static str, external: &str) -> DbResult<bool> {
                let row: Option<(bool,)> = sqlx::query_as(
                    "SELECT adopted FROM source_entities WHERE tenant_id = $1 AND source_id = $2 AND entity = $3 AND external_id = $4",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(entity)
                .bind(external)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.is_some_and(|(a,)| a))
            }

            async fn source_entities(&self, tenant: TenantId, source: Uuid, entity: &'static str) -> DbResult<Vec<(String, Uuid)>> {
                Ok(sqlx::query_as(
                    "SELECT external_id, canonical_id FROM source_entities WHERE tenant_id = $1 AND source_id = $2 AND entity = $3 \
                     ORDER BY external_id",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(entity)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn entity_owners(&self, tenant: TenantId, entity: &'static str, canonical: Uuid) -> DbResult<Vec<(Uuid, String)>> {
                Ok(sqlx::query_as(
                    "SELECT source_id, external_id FROM source_entities WHERE tenant_id = $1 AND entity = $2 AND canonical_id = $3",
                )
                .bind(tenant.as_uuid())
                .bind(entity)
                .bind(canonical)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn block_reason(&self, tenant: TenantId, store: StoreId, variant: VariantId) -> DbResult<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT reason FROM stock_blocks WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(r,)| r))
            }

            async fn variant_by_sku(&self, tenant: TenantId, sku: &str) -> DbResult<Option<VariantRecord>> {
                let row: Option<VariantRow> = sqlx::query_as(&format!(
                    "SELECT {VARIANT_COLUMNS} FROM {VARIANT_FROM} WHERE v.tenant_id = $1 AND v.sku = $2 AND v.deleted_at_ms IS NULL"
                ))
                .bind(tenant.as_uuid())
                .bind(sku)
                .fetch_optional(&self.pool)
                .await?;
                row.map(variant_from_row).transpose()
            }

            async fn variants_of(&self, tenant: TenantId, product: pos_shared::ProductId) -> DbResult<Vec<VariantId>> {
                let rows: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM variants WHERE tenant_id = $1 AND product_id = $2 AND deleted_at_ms IS NULL ORDER BY id",
                )
                .bind(tenant.as_uuid())
                .bind(product.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id,)| VariantId::from_uuid(id)).collect())
            }
        }
    };
}

pub(crate) use sql_source_map_paths;
