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

            async fn announce_hours_flips(&self, at: Timestamp) -> DbResult<u64> {
                self.announce_hours(at).await
            }

            async fn create_store(&self, tenant: TenantId, store: &NewStore) -> DbResult<Store> {
                self.insert_store(tenant, store).await
            }

            async fn store(&self, tenant: TenantId, store: StoreId) -> DbResult<Store> {
                self.read_store(tenant, store).await
            }

            async fn stores(&self, tenant: TenantId) -> DbResult<Vec<Store>> {
                self.read_stores(tenant).await
            }

            async fn record_movement(
                &self,
                tenant: TenantId,
                movement: &MovementRecord,
            ) -> DbResult<MovementOutcome> {
                let mut outcomes = self
                    .write_movements(tenant, movement.store_id, std::slice::from_ref(movement))
                    .await
                    .map_err(|e| match e {
                        DbError::AtItem { error, .. } => *error,
                        other => other,
                    })?;
                outcomes.pop().ok_or(DbError::NotFound("movement"))
            }

            async fn record_movements(
                &self,
                tenant: TenantId,
                store: StoreId,
                movements: &[MovementRecord],
            ) -> DbResult<Vec<MovementOutcome>> {
                self.write_movements(tenant, store, movements).await
            }

            async fn inventory(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<Position>> {
                // The stock half of the catalog view: one query for both.
                let view = self
                    .read_catalog_view(
                        tenant,
                        store,
                        pos_shared::pricing::POS_CHANNEL,
                        Timestamp::now(),
                    )
                    .await?;
                Ok(view.items.into_iter().map(Position::from).collect())
            }

            async fn reserve(
                &self,
                tenant: TenantId,
                new: &NewReservation,
            ) -> DbResult<ReservationOutcome> {
                self.reserve_stock(tenant, new).await
            }

            async fn reservation(&self, tenant: TenantId, id: Uuid) -> DbResult<Reservation> {
                self.reservation_by_id(tenant, id).await
            }

            async fn settle_reservation(
                &self,
                tenant: TenantId,
                id: Uuid,
                how: Settlement,
            ) -> DbResult<Reservation> {
                self.settle(tenant, id, how).await
            }

            async fn expire_reservations(&self, now: Timestamp) -> DbResult<u64> {
                self.expire_due(now).await
            }

            async fn events(
                &self,
                tenant: TenantId,
                query: &$crate::domain::events::EventQuery,
            ) -> DbResult<$crate::domain::events::EventPage> {
                self.read_events(tenant, query).await
            }

            async fn set_store_status(
                &self,
                tenant: TenantId,
                store: StoreId,
                status: StoreStatus,
            ) -> DbResult<Store> {
                self.write_store_status(tenant, store, status).await
            }

            async fn set_blocked(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                reason: Option<&str>,
            ) -> DbResult<bool> {
                self.write_block(tenant, store, variant, reason).await
            }

            async fn set_bin(
                &self,
                tenant: TenantId,
                store: StoreId,
                code: &str,
                zone: &str,
            ) -> DbResult<Bin> {
                self.write_bin(tenant, store, code, zone).await
            }

            async fn remove_bin(
                &self,
                tenant: TenantId,
                store: StoreId,
                code: &str,
            ) -> DbResult<()> {
                self.delete_bin(tenant, store, code).await
            }

            async fn bins(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<Bin>> {
                self.read_bins(tenant, store, None).await
            }

            async fn slot(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                bin: Option<&str>,
            ) -> DbResult<()> {
                self.write_slot(tenant, store, variant, bin).await
            }

            async fn set_hours(
                &self,
                tenant: TenantId,
                store: StoreId,
                hours: Option<&$crate::domain::hours::OpeningHours>,
            ) -> DbResult<Store> {
                self.write_hours(tenant, store, hours).await
            }

            async fn set_disabled(
                &self,
                tenant: TenantId,
                variant: VariantId,
                disabled: bool,
            ) -> DbResult<bool> {
                self.write_disabled(tenant, variant, disabled).await
            }

            async fn set_listed(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                listed: bool,
            ) -> DbResult<()> {
                self.write_listing(tenant, store, variant, listed).await
            }

            async fn catalog_view(
                &self,
                tenant: TenantId,
                store: StoreId,
                channel: &str,
                at: Timestamp,
            ) -> DbResult<CatalogView> {
                self.read_catalog_view(tenant, store, channel, at).await
            }

            async fn movements(
                &self,
                tenant: TenantId,
                store: StoreId,
                page: RecordedPage,
            ) -> DbResult<Recorded<MovementRecord>> {
                self.read_movements(tenant, store, page).await
            }

            async fn dispatch_transfer(
                &self,
                tenant: TenantId,
                new: &NewTransfer,
            ) -> DbResult<TransferOutcome> {
                self.dispatch(tenant, new).await
            }

            async fn receive_transfer(
                &self,
                tenant: TenantId,
                id: Uuid,
                received: Option<Qty>,
            ) -> DbResult<Transfer> {
                self.receive(tenant, id, received).await
            }

            async fn transfer(&self, tenant: TenantId, id: Uuid) -> DbResult<Transfer> {
                self.read_transfer(tenant, id).await
            }

            async fn transfers(
                &self,
                tenant: TenantId,
                store: StoreId,
                page: RecordedPage,
            ) -> DbResult<Recorded<Transfer>> {
                self.read_transfers(tenant, store, page).await
            }

            async fn announce_expiring_batches(&self, cutoff: &str) -> DbResult<u64> {
                self.announce_expiring(cutoff).await
            }

            async fn batches(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<BatchLine>> {
                self.read_batches(tenant, store).await
            }

            async fn set_reorder_point(
                &self,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                point: Option<Qty>,
            ) -> DbResult<Option<ReorderLine>> {
                self.write_reorder_point(tenant, store, variant, point)
                    .await
            }

            async fn reorder_points(
                &self,
                tenant: TenantId,
                store: StoreId,
            ) -> DbResult<Vec<ReorderLine>> {
                self.read_reorder_points(tenant, store, None).await
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
