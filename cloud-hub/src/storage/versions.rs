//! A variant's version history: each distinct state, with a hash of its
//! normalized form so that an update which changes nothing is recognised.

use pos_shared::sync::VariantRecord;
use pos_shared::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// SHA-256 of the record's JSON with object keys sorted (serde_json's maps
/// are ordered), hex-encoded: equal states hash equal however they were made.
pub fn normalized_hash(record: &VariantRecord) -> String {
    let value = serde_json::to_value(record).unwrap_or(serde_json::Value::Null);
    Sha256::digest(value.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemVersion {
    pub version: u32,
    pub hash: String,
    pub recorded_at: Timestamp,
    pub record: VariantRecord,
}
