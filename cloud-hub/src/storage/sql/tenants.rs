//! Tenants and their HQ API keys at the hub, for both backends: creating a
//! tenant with its first owner key, what a key grants, and the
//! owner's list, issue and revoke, and the rules keys share with users (store
//! limits name real stores; a tenant keeps an owner). Only hashes are stored. Expanded inside
//! `sql_storage!`.

/// Implements [`crate::storage::TenantStorage`] on `$storage`, with the key
/// rules users share.
macro_rules! sql_tenant_paths {
    ($storage:ty) => {
        use $crate::roles::{Actor, Grant, Role as KeyRole};
        use $crate::domain::access::{ApiKeyInfo, NewApiKey};

        type KeyRow = (Uuid, String, String, Option<String>, i64, Option<i64>);
        const KEY_COLUMNS: &str = "id, label, role, store_ids, created_at_ms, revoked_at_ms";

        fn key_from_row(row: KeyRow) -> DbResult<ApiKeyInfo> {
            let (id, label, role, stores, created, revoked) = row;
            Ok(ApiKeyInfo {
                key_id: id,
                label,
                role: KeyRole::parse(&role).ok_or_else(|| DbError::Corrupt(format!("api key {id}: role {role:?}")))?,
                store_ids: $crate::storage::sql::store_ids_from_json(&format!("api key {id}"), stores)?,
                created_at: Timestamp::from_unix_millis(created),
                revoked_at: revoked.map(Timestamp::from_unix_millis),
            })
        }

        impl $storage {
            /// Refuses a store limit naming a store the tenant does not have.
            async fn check_store_ids(tx: &mut Tx<'_>, tenant: TenantId, stores: &[StoreId]) -> DbResult<()> {
                for (i, store) in stores.iter().enumerate() {
                    let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM stores WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(store.as_uuid())
                        .fetch_optional(&mut **tx)
                        .await?;
                    if found.is_none() {
                        return Err(DbError::InvalidField {
                            field: "store_ids",
                            detail: format!("store_ids[{i}]: no store {store}"),
                        });
                    }
                }
                Ok(())
            }

            /// How many working owner credentials the tenant has: unrevoked
            /// owner keys, and enabled owner users who have a password.
            async fn owner_credentials(tx: &mut Tx<'_>, tenant: TenantId) -> DbResult<i64> {
                let (keys,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM api_keys WHERE tenant_id = $1 AND role = 'owner' AND revoked_at_ms IS NULL",
                )
                .bind(tenant.as_uuid())
                .fetch_one(&mut **tx)
                .await?;
                let (users,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM hq_users WHERE tenant_id = $1 AND role = 'owner' \
                     AND disabled_at_ms IS NULL AND password_hash IS NOT NULL",
                )
                .bind(tenant.as_uuid())
                .fetch_one(&mut **tx)
                .await?;
                Ok(keys + users)
            }

            /// Emits an access event about a key (never its secret) inside `tx`.
            async fn announce_key(tx: &mut Tx<'_>, tenant: TenantId, event_type: &'static str, key: &ApiKeyInfo) -> DbResult<()> {
                let data = serde_json::to_value(key).map_err(|e| DbError::Corrupt(e.to_string()))?;
                Self::emit_event(tx, tenant, $crate::domain::events::by_hub(event_type, None, data)).await
            }

            async fn key_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<ApiKeyInfo> {
                let row: Option<KeyRow> = sqlx::query_as(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                key_from_row(row.ok_or(DbError::NotFound("api key"))?)
            }
        }

        #[async_trait::async_trait]
        impl TenantStorage for $storage {
            async fn create_tenant(&self, name: &str, currency: pos_shared::Currency, api_key_hash: &str) -> DbResult<Tenant> {
                let id = TenantId::new();
                let mut tx = self.pool.begin().await?;
                sqlx::query("INSERT INTO tenants (id, name, feed_seq, created_at_ms, currency) VALUES ($1, $2, 0, $3, $4)")
                    .bind(id.as_uuid())
                    .bind(name)
                    .bind(now_ms())
                    .bind(currency.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO api_keys (key_hash, tenant_id, label, created_at_ms, id, role) VALUES ($1, $2, 'initial', $3, $4, 'owner')")
                    .bind(api_key_hash)
                    .bind(id.as_uuid())
                    .bind(now_ms())
                    .bind(Uuid::now_v7())
                    .execute(&mut *tx)
                    .await?;
                Self::commit(tx).await?;
                Ok(Tenant { id, name: name.to_owned(), currency })
            }

            async fn tenant_currency(&self, tenant: TenantId) -> DbResult<pos_shared::Currency> {
                let (code,): (String,) = sqlx::query_as("SELECT currency FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(DbError::NotFound("tenant"))?;
                pos_shared::Currency::parse(&code).map_err(|e| DbError::Corrupt(format!("tenant currency: {e}")))
            }

            async fn api_key_grant(&self, key_hash: &str) -> DbResult<Grant> {
                let row: Option<(Uuid, String, String, Option<String>, i64, Option<i64>, Uuid)> = sqlx::query_as(&format!(
                    "SELECT {KEY_COLUMNS}, tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at_ms IS NULL"
                ))
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
                let (id, label, role, stores, created, revoked, tenant) = row.ok_or(DbError::NotFound("api key"))?;
                let info = key_from_row((id, label, role, stores, created, revoked))?;
                Ok(Grant { actor: Actor::Key(id), tenant: TenantId::from_uuid(tenant), role: info.role, stores: info.store_ids })
            }

            async fn create_api_key(&self, tenant: TenantId, key: &NewApiKey) -> DbResult<ApiKeyInfo> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                Self::check_store_ids(&mut tx, tenant, &key.store_ids).await?;
                let id = Uuid::now_v7();
                let stores = $crate::storage::sql::store_ids_to_json(&key.store_ids)?;
                sqlx::query(
                    "INSERT INTO api_keys (key_hash, tenant_id, label, created_at_ms, id, role, store_ids) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&key.key_hash)
                .bind(tenant.as_uuid())
                .bind(&key.label)
                .bind(now_ms())
                .bind(id)
                .bind(key.role.as_str())
                .bind(stores)
                .execute(&mut *tx)
                .await?;
                let info = Self::key_in(&mut tx, tenant, id).await?;
                Self::announce_key(&mut tx, tenant, "access.key.issued", &info).await?;
                Self::commit(tx).await?;
                Ok(info)
            }

            async fn api_keys(&self, tenant: TenantId) -> DbResult<Vec<ApiKeyInfo>> {
                let rows: Vec<KeyRow> = sqlx::query_as(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at_ms, id"
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(key_from_row).collect()
            }

            /// Revokes a key; the tenant's last working owner key cannot be,
            /// so the tenant is never locked out of its own account.
            async fn revoke_api_key(&self, tenant: TenantId, id: Uuid) -> DbResult<ApiKeyInfo> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let key = Self::key_in(&mut tx, tenant, id).await?;
                if key.revoked_at.is_some() {
                    return Ok(key);
                }
                if key.role == KeyRole::Owner && Self::owner_credentials(&mut tx, tenant).await? <= 1 {
                    return Err(DbError::State {
                        field: "key_id",
                        detail: "this is the tenant's last owner credential; issue another owner key or invite an owner before revoking it".into(),
                    });
                }
                sqlx::query("UPDATE api_keys SET revoked_at_ms = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                let key = Self::key_in(&mut tx, tenant, id).await?;
                Self::announce_key(&mut tx, tenant, "access.key.revoked", &key).await?;
                Self::commit(tx).await?;
                Ok(key)
            }
        }

    };
}

pub(crate) use sql_tenant_paths;
