//! The rules of a sale, with no I/O: what the till is asked to sell
//! ([`sale`]), the product it sells ([`product`]), how a bill is priced
//! ([`pricing`]), a line's scan read into item, quantity and pack
//! ([`line`]), discounts and the authority they need ([`discounts`]),
//! the store's scale labels ([`scale_labels`]), and the UPI payee and its
//! payment link ([`upi`]).
//!
//! Imports only `pos_shared`; the store, the till and the API build on it.

pub mod discounts;
pub mod line;
pub mod picking;
pub mod pricing;
pub mod product;
pub mod sale;
pub mod scale_labels;
pub mod upi;
