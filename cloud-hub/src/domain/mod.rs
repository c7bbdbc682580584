//! The hub's domain: its rules and the records the storage layer takes and
//! gives, with no database and no I/O (no sqlx here; the one ambient input is
//! who the current request acts for, `crate::acting`, which events name as
//! their source).
//!
//! `storage/` and `http/` import it; it imports only `pos_shared`,
//! `crate::roles` (roles and grants) and `crate::acting`.

pub mod access;
pub mod baskets;
pub mod batches;
pub mod bins;
pub mod catalog;
pub mod credit;
pub mod customers;
pub mod delivery;
pub mod enrichment;
pub mod escrow;
pub mod events;
pub mod feeds;
pub mod gst;
pub mod hours;
pub mod ingestion;
pub mod ledger;
pub mod loyalty;
pub mod orderability;
pub mod orders;
pub mod purchasing;
pub mod quarantine;
pub mod receipt_links;
pub mod recommendations;
pub mod reservations;
pub mod sales_report;
pub mod search;
pub mod stock_takes;
pub mod stores;
pub mod subscriptions;
pub mod supplier_bills;
pub mod sync;
pub mod tally;
pub mod transfers;
