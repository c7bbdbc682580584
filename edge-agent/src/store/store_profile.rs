//! The store as HQ keeps it (protocol 10), from the feed and snapshots: its
//! name, the GSTIN its bills are issued under, its status. Kept whole in
//! `meta`; the till prints HQ's GSTIN on its bills, its own setting standing
//! in only until HQ has entered one.

use super::{get_meta, set_meta, StoreError, StoreResult};
use pos_shared::sync::StoreProfile;
use rusqlite::Connection;

const KEY: &str = "store_profile";

pub fn apply(conn: &Connection, profile: &StoreProfile) -> StoreResult<()> {
    let json = serde_json::to_string(profile)
        .map_err(|e| StoreError::Corrupt(format!("store profile: {e}")))?;
    set_meta(conn, KEY, &json)
}

/// The store as HQ last said, if it has (a hub before protocol 10 does not).
pub fn get(conn: &Connection) -> StoreResult<Option<StoreProfile>> {
    get_meta(conn, KEY)?
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("store profile: {e}")))
        })
        .transpose()
}
