//! A store's snapshot for a terminal starting from scratch, for both backends.
//! Expanded inside `sql_storage!`.

/// Implements the snapshot read on `$storage`; `$isolation` is the statement
/// that makes the transaction's reads one consistent view.
macro_rules! sql_snapshot_path {
    ($storage:ty, $snapshot_isolation:expr) => {
        impl $storage {
            /// The store at one feed sequence: variants, staff and positions
            /// without the requesting terminal's own movements, read in one
            /// consistent view.
            async fn take_snapshot(&self, device: &DeviceIdentity) -> DbResult<StoreSnapshot> {
                let mut tx = self.pool.begin().await?;
                // One consistent view for the head and every row below it.
                sqlx::query($snapshot_isolation).execute(&mut *tx).await?;
                let (head,): (i64,) = sqlx::query_as("SELECT feed_seq FROM tenants WHERE id = $1")
                    .bind(device.tenant_id.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                let rows: Vec<VariantRow> = sqlx::query_as(&format!(
                    "SELECT {VARIANT_COLUMNS} FROM {VARIANT_FROM} WHERE v.tenant_id = $1 AND v.deleted_at_ms IS NULL ORDER BY v.id"
                ))
                .bind(device.tenant_id.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                let variants = rows.into_iter().map(variant_from_row).collect::<DbResult<Vec<_>>>()?;
                let positions: Vec<(Uuid, i64)> = sqlx::query_as(
                    "SELECT p.variant_id, p.on_hand_milli - CAST(COALESCE((SELECT SUM(m.delta_milli) FROM stock_movements m \
                       WHERE m.tenant_id = p.tenant_id AND m.store_id = p.store_id AND m.terminal_id = $3 AND m.variant_id = p.variant_id), 0) AS BIGINT) \
                     FROM stock_positions p WHERE p.tenant_id = $1 AND p.store_id = $2 ORDER BY p.variant_id",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                let staff = Self::staff_of_store(&mut tx, device.tenant_id, device.store_id).await?;
                let categories = Self::category_tree(&mut tx, device.tenant_id).await?;
                let prices = Self::store_prices(&mut tx, device.tenant_id, device.store_id).await?;
                tx.commit().await?;
                Ok(StoreSnapshot {
                    seq: head.max(0) as u64,
                    variants,
                    staff,
                    categories,
                    prices,
                    positions: positions
                        .into_iter()
                        .map(|(v, q)| (VariantId::from_uuid(v), pos_shared::Qty::from_milli(q)))
                        .collect(),
                })
            }
        }
    };
}

pub(crate) use sql_snapshot_path;
