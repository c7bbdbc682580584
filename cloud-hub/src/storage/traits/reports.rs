//! What the hub's reports read and what they rest on: a store's GST
//! registration and the tax documents its tills issue (`domain::gst`); SQL in
//! `sql/gst.rs`.

use crate::domain::gst::{GstFigures, ReturnPeriod};
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
}
