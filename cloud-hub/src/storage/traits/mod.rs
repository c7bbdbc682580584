//! The storage interface, one trait per concept, each implemented for both
//! backends in the `sql/` file of the same concept (named on each trait).
//! [`super::Storage`] is their union; `use crate::storage::prelude::*` brings
//! every trait's methods into scope.

mod access;
mod catalog;
mod stock;

pub use access::{StaffStorage, TenantStorage, TerminalStorage, UserStorage};
pub use catalog::{CatalogStorage, PriceStorage, VariantStorage};
pub use stock::{
    BatchStorage, BinStorage, LedgerStorage, ReservationStorage, StoreStorage, TransferStorage,
};
