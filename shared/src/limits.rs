//! The bounds both sides agree on, so that nothing a till makes can be too big
//! for the hub to take, and no sum of money or quantity can leave an `i64`.
//!
//! A till checks a fact against these when the fact is made (and refuses it
//! there, with the cashier still at the counter); the hub enforces the same
//! numbers on what it receives. Change them only together with
//! [`crate::sync::PROTOCOL_VERSION`] in mind: a hub must always take what a
//! till of the oldest supported protocol may send.

/// The largest upload request body the hub takes, in bytes. A till packs its
/// batches to stay under it (with [`UPLOAD_ENVELOPE_SLACK`] for the wrapper).
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// Most facts in one upload.
pub const MAX_UPLOAD_FACTS: usize = 500;

/// Bytes a till leaves free in a batch for the JSON around the facts.
pub const UPLOAD_ENVELOPE_SLACK: usize = 4 * 1024;

/// The largest single fact (its envelope as JSON), so that any fact fits in an
/// upload with room to spare.
pub const MAX_FACT_BYTES: usize = 1024 * 1024;

/// Most lines on one sale (or one return).
pub const MAX_SALE_LINES: usize = 1000;

const _: () = assert!(MAX_FACT_BYTES + UPLOAD_ENVELOPE_SLACK < MAX_UPLOAD_BYTES);
