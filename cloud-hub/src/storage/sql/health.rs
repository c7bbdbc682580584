//! Readiness and pool figures for both backends. Expanded inside
//! `sql_storage!`.

/// Implements [`crate::storage::HealthStorage`] on `$storage`.
macro_rules! sql_health_paths {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl HealthStorage for $storage {
            async fn ping(&self) -> DbResult<()> {
                // A read of a real table, not `SELECT 1`: SQLite answers that
                // without opening its file, so a damaged or missing database
                // would still look ready.
                sqlx::query("SELECT id FROM tenants LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(())
            }

            fn pool_use(&self) -> PoolUse {
                let open = self.pool.size();
                PoolUse {
                    open,
                    idle: u32::try_from(self.pool.num_idle())
                        .unwrap_or(open)
                        .min(open),
                    max: self.pool.options().get_max_connections(),
                }
            }

            fn movements_settled(&self) -> (u64, u64) {
                use std::sync::atomic::Ordering::Relaxed;
                (
                    self.settled.alone.load(Relaxed),
                    self.settled.in_transaction.load(Relaxed),
                )
            }
        }
    };
}
pub(crate) use sql_health_paths;
