//! The SQL both backends run, expanded once per backend by `sql_storage!`.
//!
//! The statements use only what PostgreSQL and SQLite share: `$n` parameters,
//! `RETURNING`, `ON CONFLICT … DO NOTHING/UPDATE`. Ids bind as `Uuid` (native `uuid`
//! on PostgreSQL, a 16-byte BLOB on SQLite); times and quantities as `i64`.

pub(super) mod baskets;
pub(super) mod batches;
pub(super) mod bins;
pub(super) mod catalog;
pub(super) mod credit;
pub(super) mod customers;
pub(super) mod delivery;
pub(super) mod documents;
pub(super) mod enrichment;
pub(super) mod escrow;
pub(super) mod events;
pub(super) mod facts;
pub(super) mod feed;
pub(super) mod goods_receipts;
pub(super) mod gst;
pub(super) mod health;
pub(super) mod ingestion;
pub(super) mod ledger;
pub(super) mod loyalty;
pub(super) mod movement_alone;
pub(super) mod movements;
pub(super) mod order_facts;
pub(super) mod order_store;
pub(super) mod orders;
pub(super) mod prices;
pub(super) mod projection;
pub(super) mod purchasing;
pub(super) mod quarantine;
pub(super) mod recommendations;
pub(super) mod relay;
pub(super) mod reservations;
pub(super) mod rows;
pub(super) mod sale_runs;
pub(super) mod seller_feeds;
pub(super) mod source_map;
pub(super) mod source_stock;
pub(super) mod staff;
pub(super) mod stock_takes;
pub(super) mod stores;
pub(super) mod subscriptions;
pub(super) mod supplier_bills;
pub(super) mod tenants;
pub(super) mod terminals;
pub(super) mod transfer_requests;
pub(super) mod transfers;
pub(super) mod users;
pub(super) mod variants;
pub(super) mod writes;

pub(crate) use rows::*;

/// One row's parameters for a multi-row `VALUES`: `($offset+1, …, $offset+n)`.
pub(crate) fn param_row(offset: usize, n: usize) -> String {
    let params: Vec<String> = (1..=n).map(|c| format!("${}", offset + c)).collect();
    format!("({})", params.join(", "))
}

/// How a backend hands a snapshot's big lists (variants, positions) over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SnapshotRows {
    /// Row by row, as the driver streams them (PostgreSQL).
    Streamed,
    /// A chunk of rows as one JSON array the database builds, read by key
    /// (SQLite: its driver hands each row from its own thread to the
    /// caller's, copying every value, which cost the hub more than reading
    /// the rows did). The statements take the tenant, (the store and the
    /// terminal for positions,) the last key read (a variant's SKU, a
    /// position's variant id) and the chunk's size.
    Packed {
        variants: &'static str,
        positions: &'static str,
    },
}

/// How a backend's writing transactions share a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writers {
    /// One writing transaction at a time (SQLite): the tenant "lock" only
    /// makes a transaction a writer from its first statement, and feed
    /// changes and events are numbered as they are written.
    OneAtATime,
    /// Writing transactions side by side (PostgreSQL): HQ's edits hold the
    /// tenant exclusively, tills' facts and ledger movements share it and
    /// lock the stock positions they move, and feed changes and events are
    /// numbered by the transaction's last statement (`pos_number_pending`,
    /// migration 0046), in commit order.
    SideBySide,
}

/// Implements every storage trait, and so [`crate::storage::Storage`], for
/// `$storage` (which has a `pool` of `$db`), by expanding each concept's macro
/// into the backend's module; `$snapshot_isolation` is the statement that makes
/// a snapshot's reads one consistent view, `$writers` the backend's
/// [`Writers`], `$parameters` how many parameters one statement carries.
macro_rules! sql_storage {
    ($storage:ty, $db:ty, $snapshot_isolation:expr, $snapshot_rows:expr, $writers:expr, $parameters:expr) => {
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

        impl $storage {
            const PARAMETERS_PER_STATEMENT: usize = $parameters;

            /// How many rows of `columns` parameters one multi-row statement
            /// carries on this backend.
            fn rows_per_statement(columns: usize) -> usize {
                (Self::PARAMETERS_PER_STATEMENT / columns.max(1)).max(1)
            }
        }

        $crate::storage::sql::writes::sql_write_paths!($storage, $db, $writers);
        $crate::storage::sql::events::sql_event_paths!($storage);
        $crate::storage::sql::tenants::sql_tenant_paths!($storage);
        $crate::storage::sql::users::sql_user_paths!($storage);
        $crate::storage::sql::staff::sql_staff_paths!($storage);
        $crate::storage::sql::terminals::sql_terminal_paths!($storage);
        $crate::storage::sql::catalog::sql_catalog_paths!($storage);
        $crate::storage::sql::prices::sql_price_paths!($storage);
        $crate::storage::sql::reservations::sql_reservation_paths!($storage);
        $crate::storage::sql::orders::sql_order_paths!($storage);
        $crate::storage::sql::delivery::sql_delivery_paths!($storage);
        $crate::storage::sql::ledger::sql_ledger_paths!($storage);
        $crate::storage::sql::movements::sql_movement_paths!($storage);
        $crate::storage::sql::movement_alone::sql_movement_alone_paths!($storage);
        $crate::storage::sql::transfers::sql_transfer_paths!($storage);
        $crate::storage::sql::transfer_requests::sql_transfer_request_paths!($storage);
        $crate::storage::sql::batches::sql_batch_paths!($storage);
        $crate::storage::sql::bins::sql_bin_paths!($storage);
        $crate::storage::sql::stores::sql_store_paths!($storage);
        $crate::storage::sql::variants::sql_variant_paths!($storage);
        $crate::storage::sql::feed::sql_feed_paths!($storage, $snapshot_isolation, $snapshot_rows);
        $crate::storage::sql::documents::sql_document_paths!($storage);
        $crate::storage::sql::facts::sql_fact_paths!($storage);
        $crate::storage::sql::sale_runs::sql_sale_run_paths!($storage);
        $crate::storage::sql::order_facts::sql_order_fact_paths!($storage);
        $crate::storage::sql::order_store::sql_order_store_paths!($storage);
        $crate::storage::sql::quarantine::sql_quarantine_paths!($storage);
        $crate::storage::sql::subscriptions::sql_subscription_paths!($storage);
        $crate::storage::sql::relay::sql_relay_paths!($storage);
        $crate::storage::sql::ingestion::sql_ingestion_paths!($storage);
        $crate::storage::sql::source_map::sql_source_map_paths!($storage);
        $crate::storage::sql::source_stock::sql_source_stock_paths!($storage);
        $crate::storage::sql::seller_feeds::sql_seller_feed_paths!($storage);
        $crate::storage::sql::health::sql_health_paths!($storage);
        $crate::storage::sql::projection::sql_projection_paths!($storage);
        $crate::storage::sql::gst::sql_gst_paths!($storage, $snapshot_isolation);
        $crate::storage::sql::stock_takes::sql_stock_take_paths!($storage);
        $crate::storage::sql::purchasing::sql_purchase_paths!($storage);
        $crate::storage::sql::goods_receipts::sql_goods_receipt_paths!($storage);
        $crate::storage::sql::supplier_bills::sql_supplier_bill_paths!($storage);
        $crate::storage::sql::escrow::sql_escrow_paths!($storage);
        $crate::storage::sql::credit::sql_credit_paths!($storage);
        $crate::storage::sql::customers::sql_customer_paths!($storage);
        $crate::storage::sql::loyalty::sql_loyalty_paths!($storage);
        $crate::storage::sql::recommendations::sql_recommendation_paths!($storage);
        $crate::storage::sql::baskets::sql_basket_paths!($storage);
        $crate::storage::sql::enrichment::sql_enrichment_paths!($storage);
    };
}
pub(crate) use sql_storage;
