//! The JSON problem body (RFC 9457) that every 4xx/5xx from the hub and the agent carries.

use serde::{Deserialize, Serialize};

/// The media type a problem is served as.
pub const CONTENT_TYPE: &str = "application/problem+json";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A stable, machine-readable code such as `unknown_barcode`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short human summary.
    pub title: String,
    pub status: u16,
    /// What exactly was wrong, in words a user can act on.
    pub detail: String,
    /// The input field at fault, as a JSON path (`lines[1].barcode`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A sign-in refused for a wrong PIN: how many more wrong PINs the code
    /// may take before it is locked (an RFC 9457 extension member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u32>,
    /// A reader refused its place in a sequence that is not the one it
    /// read (the hub's database restored from an older copy): where to read
    /// on from, taking what it already has once by id (an RFC 9457
    /// extension member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_after: Option<u64>,
}
