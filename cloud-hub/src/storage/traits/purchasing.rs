//! Suppliers, purchase orders, goods receipts and supplier bills as HQ keeps
//! and reads them (`domain::purchasing`, `domain::supplier_bills`); the
//! receipts arrive as facts (`FactStorage`). SQL in `sql/purchasing.rs` and
//! `sql/supplier_bills.rs`.

use crate::domain::ledger::{Recorded, RecordedPage};
use crate::domain::purchasing::{
    NewPurchaseOrder, NewSupplier, PurchaseOrderReport, PurchaseOrderSummary, RaisedOrder,
    ReceiptReport, ReceiptSummary, Supplier,
};
use crate::domain::supplier_bills::{EnteredBill, NewSupplierBill, SupplierBill};
use crate::storage::DbResult;
use pos_shared::purchase::PurchaseOrderState;
use pos_shared::{StoreId, TenantId};
use uuid::Uuid;

#[async_trait::async_trait]
pub trait PurchaseStorage: Send + Sync {
    /// Adds a supplier; a name the tenant already has is a conflict, the
    /// same id with the same name gives the supplier back. `true` when it
    /// was added now.
    async fn add_supplier(&self, tenant: TenantId, new: &NewSupplier)
        -> DbResult<(Supplier, bool)>;
    /// Corrects a supplier's name, GSTIN and phone (`None` clears them);
    /// a new name reaches the tills holding the supplier's orders.
    async fn edit_supplier(&self, tenant: TenantId, edit: &NewSupplier) -> DbResult<Supplier>;
    /// The tenant's suppliers, in the order they were added; with `find`,
    /// those whose name or GSTIN holds it (letter case aside).
    async fn suppliers(
        &self,
        tenant: TenantId,
        find: Option<&str>,
        page: RecordedPage,
    ) -> DbResult<Recorded<Supplier>>;
    async fn supplier(&self, tenant: TenantId, id: Uuid) -> DbResult<Supplier>;
    /// Raises an order and announces it to the store's terminals.
    async fn raise_purchase_order(
        &self,
        tenant: TenantId,
        new: &NewPurchaseOrder,
    ) -> DbResult<RaisedOrder>;
    /// A store's orders in the order raised, of one state when given.
    async fn purchase_orders(
        &self,
        tenant: TenantId,
        store: StoreId,
        state: Option<PurchaseOrderState>,
        page: RecordedPage,
    ) -> DbResult<Recorded<PurchaseOrderSummary>>;
    async fn purchase_order(&self, tenant: TenantId, id: Uuid) -> DbResult<PurchaseOrderReport>;
    /// Closes (nothing more expected) or cancels (nothing came) an order,
    /// and tells the store's terminals.
    async fn end_purchase_order(
        &self,
        tenant: TenantId,
        id: Uuid,
        to: PurchaseOrderState,
    ) -> DbResult<PurchaseOrderReport>;
    /// A store's deliveries, in the order the hub heard of them.
    async fn goods_receipts(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<ReceiptSummary>>;
    async fn goods_receipt(&self, tenant: TenantId, id: Uuid) -> DbResult<ReceiptReport>;
    /// Enters a supplier's bill against receipts of that supplier, each
    /// billed once, and matches it.
    async fn enter_supplier_bill(
        &self,
        tenant: TenantId,
        new: &NewSupplierBill,
    ) -> DbResult<EnteredBill>;
    async fn supplier_bill(&self, tenant: TenantId, id: Uuid) -> DbResult<SupplierBill>;
    /// A supplier's bills, in the order they were entered.
    async fn supplier_bills(
        &self,
        tenant: TenantId,
        supplier: Uuid,
        page: RecordedPage,
    ) -> DbResult<Recorded<SupplierBill>>;
}
