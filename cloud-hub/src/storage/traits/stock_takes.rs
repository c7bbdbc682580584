//! The stores' stock takes as HQ reads them (`domain::stock_takes`); the
//! approvals arrive as facts (`FactStorage`). SQL in `sql/stock_takes.rs`.

use crate::domain::ledger::{Recorded, RecordedPage};
use crate::domain::stock_takes::{StockTakeReport, StockTakeSummary};
use crate::storage::DbResult;
use pos_shared::{StoreId, TenantId};

#[async_trait::async_trait]
pub trait StockTakeStorage: Send + Sync {
    /// A store's approved takes, in the order the hub heard of them.
    async fn stock_takes(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<StockTakeSummary>>;
    /// One take with its items.
    async fn stock_take(&self, tenant: TenantId, id: uuid::Uuid) -> DbResult<StockTakeReport>;
}
