//! What the hub's reports read and what they rest on: a store's GST
//! registration and the tax documents its tills issue (`domain::gst`); SQL in
//! `sql/gst.rs`.

use crate::domain::gst::{GstFigures, ReturnPeriod};
use crate::domain::sales_report::{SalesBy, SalesKey, SalesSums};
use crate::domain::stores::Store;
use crate::storage::DbResult;
use pos_shared::gstin::Gstin;
use pos_shared::{StoreId, TenantId};

#[async_trait::async_trait]
pub trait ReportStorage: Send + Sync {
    /// Sets (or with `None` clears) the GSTIN a store trades under
    /// (`store.gst.changed`).
    async fn set_store_gstin(
        &self,
        tenant: TenantId,
        store: StoreId,
        gstin: Option<&Gstin>,
    ) -> DbResult<Store>;
    /// What the tax documents of `period` issued by the tenant's stores
    /// registered under `gstin` add up to; `None` when no store of the tenant
    /// has that GSTIN.
    async fn gst_figures(
        &self,
        tenant: TenantId,
        gstin: &Gstin,
        period: ReturnPeriod,
    ) -> DbResult<Option<GstFigures>>;
    /// What the tenant's tills sold and took back in `[from_ms, to_ms)`,
    /// at one store or all, by `by`: each row's key, its label (a store's
    /// code and name, a cashier's or category's name; empty for times and
    /// methods) and sums.
    async fn sales_by(
        &self,
        tenant: TenantId,
        store: Option<StoreId>,
        from_ms: i64,
        to_ms: i64,
        by: SalesBy,
    ) -> DbResult<Vec<(SalesKey, String, SalesSums)>>;
    /// The day book in `[from_ms, to_ms)`, at one store or all: each
    /// store's bills and returns per day (Indian time), summed by tender and
    /// by GST rate, in store, day and kind order.
    async fn day_book(
        &self,
        tenant: TenantId,
        store: Option<StoreId>,
        from_ms: i64,
        to_ms: i64,
    ) -> DbResult<Vec<crate::domain::tally::DayBook>>;
}
