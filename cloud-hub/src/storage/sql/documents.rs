//! The store documents at the hub, for both backends: one step of a
//! device's Automerge document sync under the tenant lock, and a document as
//! saved. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::DocumentStorage`] on `$storage`.
macro_rules! sql_document_paths {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl DocumentStorage for $storage {
            async fn exchange_document(
                &self,
                device: &DeviceIdentity,
                purpose: DocPurpose,
                step: DocStep,
            ) -> DbResult<Option<Vec<u8>>> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, device.tenant_id).await?;
                let doc: Option<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT doc FROM store_documents WHERE tenant_id = $1 AND store_id = $2 AND purpose = $3",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(purpose.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let state: Option<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT sync_state FROM document_peers WHERE tenant_id = $1 AND store_id = $2 AND purpose = $3 AND terminal_id = $4",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(purpose.as_str())
                .bind(device.terminal_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let update = step(doc.map(|(d,)| d), state.map(|(s,)| s)).map_err(DbError::Invalid)?;
                let now = now_ms();
                if let Some(doc) = &update.doc {
                    sqlx::query(
                        "INSERT INTO store_documents (tenant_id, store_id, purpose, doc, updated_at_ms) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (tenant_id, store_id, purpose) DO UPDATE SET doc = excluded.doc, updated_at_ms = excluded.updated_at_ms",
                    )
                    .bind(device.tenant_id.as_uuid())
                    .bind(device.store_id.as_uuid())
                    .bind(purpose.as_str())
                    .bind(doc)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    Self::append_change(&mut tx, device.tenant_id, Some(device.store_id), &ChangeBody::DocumentChanged { purpose }).await?;
                    if purpose == DocPurpose::CustomerProfiles {
                        Self::merge_store_profiles(&mut tx, device.tenant_id, device.store_id, doc).await?;
                    }
                }
                sqlx::query(
                    "INSERT INTO document_peers (tenant_id, store_id, purpose, terminal_id, sync_state, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (tenant_id, store_id, purpose, terminal_id) DO UPDATE SET sync_state = excluded.sync_state, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(purpose.as_str())
                .bind(device.terminal_id.as_uuid())
                .bind(&update.sync_state)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Self::commit(tx).await?;
                if update.doc.is_some() {
                    self.feed_changed();
                }
                Ok(update.reply)
            }

            async fn document(&self, tenant: TenantId, store: StoreId, purpose: DocPurpose) -> DbResult<Option<Vec<u8>>> {
                self.store(tenant, store).await?;
                let doc: Option<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT doc FROM store_documents WHERE tenant_id = $1 AND store_id = $2 AND purpose = $3",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(purpose.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(doc.map(|(d,)| d))
            }
        }

    };
}

pub(crate) use sql_document_paths;
