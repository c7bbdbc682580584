//! Customers across stores as HQ reads them: one record per tenant and
//! phone (`pos_shared::customer`), merged from the stores' profile documents
//! — the latest edit heard wins, field by field — and from the bills that
//! named the customer, with where they shop and what they owe.

use pos_shared::customer::Customer;
use pos_shared::{Money, StoreId, Timestamp};
use serde::Serialize;

/// The most customers one search answers.
pub const MAX_SEARCH: u32 = 100;

/// A customer as the chain knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CustomerRecord {
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gstin: Option<String>,
    /// Where the chain first met the customer.
    pub first_store_id: StoreId,
    /// The store whose profile edit the record shows last, if any did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by_store_id: Option<StoreId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl CustomerRecord {
    /// The profile as a till uses it.
    pub fn profile(&self) -> Customer {
        Customer {
            phone: self.phone.clone(),
            name: self.name.clone(),
            gstin: self.gstin.clone(),
        }
    }
}

/// A customer at one store: whether its tills hold the profile, the bills
/// that named them there, and their credit account if the store gives one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CustomerAtStore {
    pub store_id: StoreId,
    pub store_name: String,
    /// The store's profile document holds the customer.
    pub profile_here: bool,
    /// Bills (tax invoices) that named the customer.
    pub bills: i64,
    /// What those bills came to.
    pub billed: Money,
    /// What was refunded on returns of those bills.
    pub refunded: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bill_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_bill_at: Option<Timestamp>,
    /// What the customer owes on their credit account at this store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dues: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_limit: Option<Money>,
}

/// A customer and every store that knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CustomerReport {
    #[serde(flatten)]
    pub customer: CustomerRecord,
    /// Loyalty points the customer has, when they have an account of points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    /// Stores by the most recent bill first, then those only holding the profile.
    pub stores: Vec<CustomerAtStore>,
}
