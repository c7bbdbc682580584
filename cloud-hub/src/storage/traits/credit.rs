//! Credit accounts at the hub (`domain::credit`): HQ sets them and reads
//! their statements, a till tops up its grant at an online sale. Sales on
//! account, payments and releases arrive as facts (`FactStorage`). SQL in
//! `sql/credit.rs`.

use crate::domain::credit::{CreditAccountReport, CreditStatement, SetCreditAccount};
use crate::domain::ledger::{Recorded, RecordedPage};
use crate::domain::stores::DeviceIdentity;
use crate::storage::DbResult;
use pos_shared::credit::CreditAccount;
use pos_shared::{Money, StoreId, TenantId};

#[async_trait::async_trait]
pub trait CreditStorage: Send + Sync {
    /// Opens or changes a customer's account (limit, name, closed), regrants
    /// the store's tills and tells them. `true` when it was opened now. An
    /// account stays at the store it was opened for: another store is a
    /// conflict.
    async fn set_credit_account(
        &self,
        tenant: TenantId,
        set: &SetCreditAccount,
    ) -> DbResult<(CreditAccountReport, bool)>;
    /// A store's accounts in the order they were opened.
    async fn credit_accounts(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<CreditAccountReport>>;
    /// An account with every entry and its ageing.
    async fn credit_statement(&self, tenant: TenantId, phone: &str) -> DbResult<CreditStatement>;
    /// Raises the till's grant by what it needs for a sale, as far as the
    /// limit allows, and answers the account as the till hears it.
    async fn credit_top_up(
        &self,
        device: &DeviceIdentity,
        phone: &str,
        need: Money,
    ) -> DbResult<CreditAccount>;
}
