//! The storage interface, one trait per concept, each implemented for both
//! backends in the `sql/` file of the same concept (named on each trait).
//! [`super::Storage`] is their union; `use crate::storage::prelude::*` brings
//! every trait's methods into scope.

mod access;
mod baskets;
mod catalog;
mod credit;
mod customers;
mod delivery;
mod enrichment;
mod health;
mod ingestion;
mod loyalty;
mod orders;
mod purchasing;
mod recommendations;
mod relay;
mod reports;
mod seller_feeds;
mod source_map;
mod stock;
mod stock_takes;
mod subscriptions;
mod sync;

pub use access::{StaffStorage, TenantStorage, TerminalStorage, UserStorage};
pub use baskets::BasketStorage;
pub use catalog::{CatalogStorage, PriceStorage, VariantStorage};
pub use credit::CreditStorage;
pub use customers::CustomerStorage;
pub use delivery::{DeliveryStorage, PartnerReport, PaymentOutcome, PaymentRecord, ReportOutcome};
pub use enrichment::EnrichmentStorage;
pub use health::{HealthStorage, MovementsSettled, PoolUse};
pub use ingestion::{IngestionStorage, SourceStockStorage};
pub use loyalty::LoyaltyStorage;
pub use orders::OrderStorage;
pub use purchasing::PurchaseStorage;
pub use recommendations::RecommendationStorage;
pub use relay::{RelayClaim, RelayStorage};
pub use reports::ReportStorage;
pub use seller_feeds::SellerFeedStorage;
pub use source_map::{SourceMapStorage, ENTITIES};
pub use stock::{
    BatchStorage, BinStorage, LedgerStorage, ReservationStorage, StoreStorage,
    TransferRequestStorage, TransferStorage,
};
pub use stock_takes::StockTakeStorage;
pub use subscriptions::{AttemptOutcome, AttemptRecord, Claim, SubscriptionStorage};
pub use sync::{DocumentStorage, EventStorage, FactStorage, FeedStorage, QuarantineStorage};

/// Declares [`Storage`] as the union of the given traits, with the blanket
/// impl that makes every type implementing them all a `Storage`: one list
/// for both.
macro_rules! union_of {
    ($(#[$doc:meta])* $name:ident: $($part:ident),+ $(,)?) => {
        $(#[$doc])*
        pub trait $name: $($part +)+ 'static {}

        impl<T: $($part +)+ 'static> $name for T {}
    };
}

union_of! {
    /// Everything the hub stores, one backend: the union of the traits above.
    /// The HTTP layer and the background tasks hold it as a
    /// [`super::DynStorage`].
    Storage:
    TenantStorage,
    UserStorage,
    StaffStorage,
    TerminalStorage,
    CatalogStorage,
    VariantStorage,
    PriceStorage,
    StoreStorage,
    LedgerStorage,
    BasketStorage,
    TransferStorage,
    TransferRequestStorage,
    ReservationStorage,
    OrderStorage,
    DeliveryStorage,
    BatchStorage,
    BinStorage,
    FeedStorage,
    DocumentStorage,
    FactStorage,
    EventStorage,
    QuarantineStorage,
    SubscriptionStorage,
    RelayStorage,
    IngestionStorage,
    SourceMapStorage,
    SourceStockStorage,
    SellerFeedStorage,
    HealthStorage,
    ReportStorage,
    StockTakeStorage,
    PurchaseStorage,
    CreditStorage,
    CustomerStorage,
    LoyaltyStorage,
    RecommendationStorage,
    EnrichmentStorage,
}
