//! `hubctl` run as HQ runs it: the real binary against a real hub (started by
//! `cloud_hub::start`, as in production), on SQLite and on PostgreSQL.
//!
//! The hub harness is the hub API tests' own (`cloud-hub/tests/api/helpers.rs`),
//! shared rather than copied, so both suites start and seed a hub the same way.

#[path = "../../../cloud-hub/tests/api/helpers.rs"]
mod helpers;

mod credit;
mod customers;
mod feed;
mod gst;
mod hubctl;
mod labels;
mod purchasing;
mod transfers;
mod users;
