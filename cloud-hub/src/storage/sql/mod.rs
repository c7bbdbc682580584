//! The SQL both backends run, expanded once per backend by `sql_storage!`.
//!
//! The statements use only what PostgreSQL and SQLite share: `$n` parameters,
//! `RETURNING`, `ON CONFLICT … DO NOTHING/UPDATE`. Ids bind as `Uuid` (native `uuid`
//! on PostgreSQL, a 16-byte BLOB on SQLite); times and quantities as `i64`.

pub(super) mod batches;
pub(super) mod bins;
pub(super) mod catalog;
pub(super) mod events;
pub(super) mod facts;
pub(super) mod feed;
pub(super) mod ledger;
pub(super) mod prices;
pub(super) mod quarantine;
pub(super) mod reservations;
pub(super) mod rows;
pub(super) mod snapshot;
pub(super) mod staff;
pub(super) mod stores;
pub(super) mod tenants;
pub(super) mod terminals;
pub(super) mod transfers;
pub(super) mod users;
pub(super) mod variants;
pub(super) mod writes;

pub(crate) use rows::*;

/// Implements [`super::Storage`] for `$storage` (which has a `pool` of `$db`).
macro_rules! sql_storage {
    ($storage:ty, $db:ty, $snapshot_isolation:expr) => {
        use pos_shared::audit::AuditEntry;
        use pos_shared::catalog::{BrandRecord, CategoryRecord};
        use pos_shared::pricing::{PriceSource, PriceWindow};
        use pos_shared::returns::ReturnFact;
        use pos_shared::sale::SaleFact;
        use pos_shared::shift::ShiftReport;
        use pos_shared::staff::{Role, StaffRecord};
        use pos_shared::sync::{
            ChangeBody, DocPurpose, Fact, FeedPage, MovementReason, MovementRecord, VariantRecord,
            PROTOCOL_VERSION,
        };
        use pos_shared::Qty;
        use pos_shared::StaffId;
        use pos_shared::{BrandId, CategoryId, PriceId, Timestamp};
        use pos_shared::{Envelope, Money, StoreId, TenantId, TerminalId, VariantId};
        use uuid::Uuid;
        use $crate::domain::catalog::*;
        use $crate::domain::ledger::*;
        use $crate::domain::stores::*;
        use $crate::domain::sync::*;
        use $crate::storage::sql::{
            device_from_row, json_column, movement_from_row, now_ms, sale_from_row,
            terminal_status_from_row, variant_from_row, DeviceRow, MovementRow, SaleRow,
            TerminalStatusRow, VariantRow, DEVICE_COLUMNS, MOVEMENT_COLUMNS, VARIANT_COLUMNS,
            VARIANT_FROM,
        };
        use $crate::storage::*;

        type Tx<'a> = sqlx::Transaction<'a, $db>;

        $crate::storage::sql::writes::sql_write_paths!($storage, $db);
        $crate::storage::sql::events::sql_event_paths!($storage);
        $crate::storage::sql::tenants::sql_tenant_paths!($storage);
        $crate::storage::sql::users::sql_user_paths!($storage);
        $crate::storage::sql::staff::sql_staff_paths!($storage);
        $crate::storage::sql::terminals::sql_terminal_paths!($storage);
        $crate::storage::sql::catalog::sql_catalog_paths!($storage);
        $crate::storage::sql::prices::sql_price_paths!($storage);
        $crate::storage::sql::reservations::sql_reservation_paths!($storage);
        $crate::storage::sql::ledger::sql_ledger_paths!($storage);
        $crate::storage::sql::transfers::sql_transfer_paths!($storage);
        $crate::storage::sql::batches::sql_batch_paths!($storage);
        $crate::storage::sql::bins::sql_bin_paths!($storage);
        $crate::storage::sql::stores::sql_store_paths!($storage);
        $crate::storage::sql::variants::sql_variant_paths!($storage);
        $crate::storage::sql::feed::sql_feed_paths!($storage);
        $crate::storage::sql::facts::sql_fact_paths!($storage);
        $crate::storage::sql::quarantine::sql_quarantine_paths!($storage);
        $crate::storage::sql::snapshot::sql_snapshot_path!($storage, $snapshot_isolation);

        #[async_trait::async_trait]
        impl Storage for $storage {
            fn watch_feed(&self) -> tokio::sync::watch::Receiver<u64> {
                self.feed_tx.subscribe()
            }

            async fn events(
                &self,
                tenant: TenantId,
                query: &$crate::domain::events::EventQuery,
            ) -> DbResult<$crate::domain::events::EventPage> {
                self.read_events(tenant, query).await
            }

            async fn exchange_document(
                &self,
                device: &DeviceIdentity,
                purpose: DocPurpose,
                step: DocStep,
            ) -> DbResult<Option<Vec<u8>>> {
                self.exchange_document_in(device, purpose, step).await
            }

            async fn document(
                &self,
                tenant: TenantId,
                store: StoreId,
                purpose: DocPurpose,
            ) -> DbResult<Option<Vec<u8>>> {
                self.read_document(tenant, store, purpose).await
            }

            async fn store_snapshot(&self, device: &DeviceIdentity) -> DbResult<StoreSnapshot> {
                self.take_snapshot(device).await
            }

            async fn prune_feed(&self, keep: u64) -> DbResult<u64> {
                self.prune_feed_to(keep).await
            }

            async fn feed(
                &self,
                tenant: TenantId,
                store: StoreId,
                since: u64,
                limit: u32,
            ) -> DbResult<FeedPage> {
                self.read_feed(tenant, store, since, limit).await
            }

            async fn accept_facts(
                &self,
                device: &DeviceIdentity,
                facts: &[(Envelope<Fact>, String)],
            ) -> DbResult<Vec<FactStored>> {
                self.store_facts(device, facts).await
            }

            async fn shift_closes(
                &self,
                tenant: TenantId,
                store: StoreId,
                page: RecordedPage,
            ) -> DbResult<Recorded<ShiftReport>> {
                self.read_shift_closes(tenant, store, page).await
            }

            async fn audit_log(
                &self,
                tenant: TenantId,
                store: StoreId,
                page: RecordedPage,
            ) -> DbResult<Recorded<AuditEntry>> {
                self.read_audit_log(tenant, store, page).await
            }

            async fn sales(
                &self,
                tenant: TenantId,
                store: StoreId,
                page: RecordedPage,
            ) -> DbResult<Recorded<SaleSummary>> {
                self.read_sales(tenant, store, page).await
            }
        }
    };
}
pub(crate) use sql_storage;
