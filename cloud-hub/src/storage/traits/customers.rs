//! Customers across stores (`domain::customers`): HQ's search and a
//! customer's stores; a till's look-up of a customer first met elsewhere.
//! Profiles arrive in the stores' documents (`DocumentStorage`) and bills
//! as facts. SQL in `sql/customers.rs`.

use crate::domain::customers::{CustomerRecord, CustomerReport};
use crate::storage::DbResult;
use pos_shared::TenantId;

#[async_trait::async_trait]
pub trait CustomerStorage: Send + Sync {
    /// Customers whose phone holds `q`'s digits or whose name holds `q`
    /// (every customer, most recently changed first, without `q`).
    async fn search_customers(
        &self,
        tenant: TenantId,
        q: Option<&str>,
        limit: u32,
    ) -> DbResult<Vec<CustomerRecord>>;
    /// A customer with the stores that know them.
    async fn customer(&self, tenant: TenantId, phone: &str) -> DbResult<CustomerReport>;
    /// HQ corrects a customer the chain has met (fields left out are kept,
    /// an empty one clears); the stores whose tills hold the customer hear
    /// of it. The GSTIN comes checked.
    async fn edit_customer(
        &self,
        tenant: TenantId,
        phone: &str,
        patch: &pos_shared::customer::CustomerPatch,
    ) -> DbResult<CustomerRecord>;
    /// The customer's record alone, none when the chain has not met them.
    async fn customer_record(
        &self,
        tenant: TenantId,
        phone: &str,
    ) -> DbResult<Option<CustomerRecord>>;
}
