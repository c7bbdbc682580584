//! The store's pick-progress Automerge document: which terminal's picker
//! claimed which order, and what each has picked, merged across the store's
//! terminals by the hub's relay.
//!
//! Every claim and every pick is its own top-level key
//! (`claim/<order>/<terminal>`, `pick/<order>/<movement>`), so two terminals
//! that claim the same order while apart never overwrite each other: when
//! their documents meet, both claims are there to see. Who wins is not
//! decided here but by the hub, which takes the first claim it hears of and
//! says so in the order's feed entry.

use super::{documents, StoreError, StoreResult};
use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use pos_shared::orders::{Pick, Picker};
use pos_shared::sync::DocPurpose;
use pos_shared::Timestamp;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A claim as the document holds it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSeen {
    pub picker: Picker,
    pub claimed_at: Timestamp,
}

/// A pick as the document holds it, with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickSeen {
    pub line: u32,
    pub pick: Pick,
}

fn doc_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Document(e.to_string())
}

fn put_json(conn: &Connection, key: String, value: &impl Serialize) -> StoreResult<()> {
    let mut doc = documents::load(conn, DocPurpose::PickProgress)?;
    let text = serde_json::to_string(value).map_err(doc_error)?;
    doc.put(ROOT, key, text).map_err(doc_error)?;
    documents::save(conn, DocPurpose::PickProgress, &mut doc)
}

pub fn record_claim(conn: &Connection, order: Uuid, claim: &ClaimSeen) -> StoreResult<()> {
    put_json(
        conn,
        format!("claim/{order}/{}", claim.picker.terminal_id),
        claim,
    )
}

pub fn record_pick(conn: &Connection, order: Uuid, line: u32, pick: &Pick) -> StoreResult<()> {
    let seen = PickSeen {
        line,
        pick: pick.clone(),
    };
    put_json(conn, format!("pick/{order}/{}", pick.movement_id), &seen)
}

pub fn remove_pick(conn: &Connection, order: Uuid, pick: &Pick) -> StoreResult<()> {
    let mut doc = documents::load(conn, DocPurpose::PickProgress)?;
    let key = format!("pick/{order}/{}", pick.movement_id);
    if doc.get(ROOT, key.as_str()).map_err(doc_error)?.is_some() {
        doc.delete(ROOT, key).map_err(doc_error)?;
        documents::save(conn, DocPurpose::PickProgress, &mut doc)?;
    }
    Ok(())
}

/// Every claim on `order` the document holds, the earliest first.
pub fn claims(conn: &Connection, order: Uuid) -> StoreResult<Vec<ClaimSeen>> {
    let mut found: Vec<ClaimSeen> = entries(conn, &format!("claim/{order}/"))?;
    found.sort_by_key(|c| (c.claimed_at.unix_millis(), c.picker.terminal_id));
    Ok(found)
}

/// Every pick on `order` the document holds, from any terminal.
pub fn picks(conn: &Connection, order: Uuid) -> StoreResult<Vec<PickSeen>> {
    entries(conn, &format!("pick/{order}/"))
}

fn entries<T: serde::de::DeserializeOwned>(conn: &Connection, prefix: &str) -> StoreResult<Vec<T>> {
    let doc = documents::load(conn, DocPurpose::PickProgress)?;
    let mut found = Vec::new();
    for key in doc.keys(ROOT).filter(|k| k.starts_with(prefix)) {
        let Ok(Some((value, _))) = doc.get(ROOT, key.as_str()) else {
            continue;
        };
        // An entry another version wrote in a shape this one does not read
        // is left for that version, not an error here.
        if let Some(parsed) = value
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok())
        {
            found.push(parsed);
        }
    }
    Ok(found)
}
