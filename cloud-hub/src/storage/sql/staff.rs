//! Store staff at the hub, for both backends: created, (de)activated and
//! given new PINs by HQ, every change appended to the store's feed so its
//! tills can sign staff in offline. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::StaffStorage`] on `$storage`.
macro_rules! sql_staff_paths {
    ($storage:ty) => {
        type StaffRow = (Uuid, Uuid, String, String, String, String, String, bool);
        const STAFF_COLUMNS: &str = "id, store_id, name, code, role, pin_salt, pin_hash, active";

        fn staff_from_row(row: StaffRow) -> DbResult<StaffRecord> {
            let (id, store, name, code, role, pin_salt, pin_hash, active) = row;
            Ok(StaffRecord {
                staff_id: StaffId::from_uuid(id),
                store_id: StoreId::from_uuid(store),
                name,
                code,
                role: Role::parse(&role).ok_or_else(|| DbError::Corrupt(format!("staff role {role:?}")))?,
                pin_salt,
                pin_hash,
                active,
            })
        }

        impl $storage {
            async fn staff_of_store(tx: &mut Tx<'_>, tenant: TenantId, store: StoreId) -> DbResult<Vec<StaffRecord>> {
                let rows: Vec<StaffRow> = sqlx::query_as(&format!(
                    "SELECT {STAFF_COLUMNS} FROM staff WHERE tenant_id = $1 AND store_id = $2 ORDER BY code"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                rows.into_iter().map(staff_from_row).collect()
            }
        }

        #[async_trait::async_trait]
        impl StaffStorage for $storage {
            async fn create_staff(&self, tenant: TenantId, store: StoreId, new: &NewStaff) -> DbResult<StaffRecord> {
                self.store(tenant, store).await?;
                let record = StaffRecord {
                    staff_id: StaffId::new(),
                    store_id: store,
                    name: new.name.clone(),
                    code: new.code.clone(),
                    role: new.role,
                    pin_salt: new.pin_salt.clone(),
                    pin_hash: new.pin_hash.clone(),
                    active: true,
                };
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                sqlx::query(
                    "INSERT INTO staff (id, tenant_id, store_id, name, code, role, pin_salt, pin_hash, active, updated_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(record.staff_id.as_uuid())
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(&record.name)
                .bind(&record.code)
                .bind(record.role.as_str())
                .bind(&record.pin_salt)
                .bind(&record.pin_hash)
                .bind(true)
                .bind(now_ms())
                .execute(&mut *tx)
                .await
                .map_err(DbError::from_sqlx)?;
                Self::append_change(&mut tx, tenant, Some(store), &ChangeBody::StaffUpserted(record.clone())).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(record)
            }

            async fn set_staff_active(&self, tenant: TenantId, staff: StaffId, active: bool) -> DbResult<StaffRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let row: Option<StaffRow> = sqlx::query_as(&format!(
                    "UPDATE staff SET active = $3, updated_at_ms = $4 WHERE tenant_id = $1 AND id = $2 RETURNING {STAFF_COLUMNS}"
                ))
                .bind(tenant.as_uuid())
                .bind(staff.as_uuid())
                .bind(active)
                .bind(now_ms())
                .fetch_optional(&mut *tx)
                .await?;
                let record = staff_from_row(row.ok_or(DbError::NotFound("staff member"))?)?;
                Self::append_change(&mut tx, tenant, Some(record.store_id), &ChangeBody::StaffUpserted(record.clone())).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(record)
            }

            async fn set_staff_pin(&self, tenant: TenantId, staff: StaffId, pin_hash: &str) -> DbResult<StaffRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                // An Argon2id hash holds its salt: the legacy column is cleared.
                let row: Option<StaffRow> = sqlx::query_as(&format!(
                    "UPDATE staff SET pin_salt = '', pin_hash = $3, updated_at_ms = $4 \
                     WHERE tenant_id = $1 AND id = $2 RETURNING {STAFF_COLUMNS}"
                ))
                .bind(tenant.as_uuid())
                .bind(staff.as_uuid())
                .bind(pin_hash)
                .bind(now_ms())
                .fetch_optional(&mut *tx)
                .await?;
                let record = staff_from_row(row.ok_or(DbError::NotFound("staff member"))?)?;
                Self::append_change(&mut tx, tenant, Some(record.store_id), &ChangeBody::StaffUpserted(record.clone())).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(record)
            }

            async fn staff(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<StaffRecord>> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                let staff = Self::staff_of_store(&mut tx, tenant, store).await?;
                Self::commit(tx).await?;
                Ok(staff)
            }
        }

    };
}

pub(crate) use sql_staff_paths;
