//! The edge agent: the daemon on every store terminal.
//!
//! It keeps a local SQLite replica of its store's catalog and stock, records sales
//! offline in milliseconds, queues them in a durable outbox, and syncs with the hub
//! whenever it can: the outbox goes up, the change feed comes down. The cashier UI
//! talks to it over a loopback HTTP API.
//!
//! Layers, each a folder, depending one way (see ARCHITECTURE.md):
//! - [`api`]: the local HTTP API (the only importer of axum).
//! - [`till`]: the use cases: checkout, session and approvals, payments.
//! - [`devices`], [`printing`], [`sync`], [`messages`]: scanners, receipt
//!   printers, the loop that enrolls, uploads and pulls, and the e-receipts
//!   sent by WhatsApp or SMS.
//! - [`store`]: the local database (SQL only) and the one write path of each fact.
//! - [`pos`]: the pure rules of a sale.
//! - [`config`]: settings from the file and the environment.
//!
//! [`start`] opens the database and starts the API, the sync loop, the
//! scanners, the print workers and the e-receipt sender: `main`, the demo and every test harness
//! use it.

pub mod api;
pub mod config;
pub mod devices;
pub mod messages;
pub mod pos;
pub mod printing;
pub mod private_files;
mod startup;
pub mod store;
pub mod sync;
pub mod till;
#[cfg(feature = "ts")]
pub mod ui_types;

pub use startup::{cli_main, start, RunningAgent};
