//! Domain types and the sync protocol shared by the edge agent and the cloud hub.
//!
//! Everything here is pure data plus validation: no I/O, no clocks except
//! [`Timestamp::now`]. Both sides depend on this crate and on nothing of each other,
//! so what crosses the wire is defined exactly once.
//!
//! ```
//! use pos_shared::{Gtin, Money, Qty};
//! let gtin = Gtin::parse("8901234567890").unwrap();
//! let price = Money::inr(4_550); // ₹45.50
//! let line = price.times(Qty::parse("1.5").unwrap()).unwrap();
//! assert_eq!(line.minor(), 6_825);
//! assert_eq!(gtin.as_str(), "08901234567890");
//! ```

pub mod addons;
pub mod audit;
pub mod catalog;
pub mod catalog_row;
#[cfg(feature = "config")]
pub mod config_file;
pub mod credit;
pub mod customer;
pub mod documents;
pub mod event;
pub mod fact_rules;
pub mod gs1;
pub mod gs1_ai;
pub mod gs1_rcn;
pub mod gstin;
pub mod gtin;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "metrics")]
pub mod http_metrics;
pub mod ids;
pub mod item;
pub mod labels;
pub mod limits;
#[cfg(feature = "logging")]
pub mod logging;
pub mod loyalty;
pub mod modifiers;
pub mod money;
#[cfg(feature = "openapi")]
mod openapi;
pub mod orders;
pub mod pricing;
pub mod problem;
pub mod protocol;
pub mod purchase;
pub mod qty;
pub mod retry;
pub mod returns;
pub mod sale;
pub mod scan_code;
pub mod secret;
pub mod shift;
pub mod staff;
pub mod stock_take;
pub mod stock_watch;
pub mod sync;
pub mod tax;
pub mod text;
pub mod time;
pub mod transfer;

pub use event::Envelope;
pub use gtin::{Gtin, GtinError};
pub use ids::{
    AuditId, BrandId, CategoryId, MovementId, PriceId, ProductId, ReturnId, SaleId, ShiftId,
    StaffId, StoreId, TenantId, TerminalId, VariantId,
};
pub use money::{Currency, Money, MoneyError};
pub use problem::Problem;
pub use qty::{Qty, QtyError};
pub use secret::Secret;
pub use time::Timestamp;
