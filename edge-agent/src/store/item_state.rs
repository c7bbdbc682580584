//! Store item state: items marked unavailable (86'd), shelf locations, notes.
//!
//! Kept in the store's `item_state` Automerge document so any terminal can edit
//! it offline. Each field of each item is its own top-level key
//! (`<gtin>/disabled`), so terminals that edit different fields, or different
//! items, never conflict, and no terminal ever has to create a shared nested
//! object first (two terminals creating the same nested map offline would each
//! make their own, and one would hide the other).

use super::{documents, StoreError, StoreResult};
use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use pos_shared::sync::DocPurpose;
use pos_shared::Gtin;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemState {
    /// Not for sale in this store right now.
    pub disabled: bool,
    pub shelf: Option<String>,
    pub note: Option<String>,
}

/// A change to one item; fields left out are left alone, an empty string clears.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemStatePatch {
    pub disabled: Option<bool>,
    pub shelf: Option<String>,
    pub note: Option<String>,
}

impl ItemStatePatch {
    /// Names the first field that is not acceptable.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.disabled.is_none() && self.shelf.is_none() && self.note.is_none() {
            return Err((
                "disabled",
                "send at least one of disabled, shelf, note".into(),
            ));
        }
        if self.shelf.as_ref().is_some_and(|s| s.chars().count() > 40) {
            return Err(("shelf", "shelf must be at most 40 characters".into()));
        }
        if self.note.as_ref().is_some_and(|s| s.chars().count() > 500) {
            return Err(("note", "note must be at most 500 characters".into()));
        }
        Ok(())
    }
}

fn doc_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Document(e.to_string())
}

/// Applies `patch` to the item `barcode` and saves the document.
pub fn edit(conn: &Connection, barcode: &Gtin, patch: &ItemStatePatch) -> StoreResult<ItemState> {
    let mut doc = documents::load(conn, DocPurpose::ItemState)?;
    let key = |field: &str| format!("{}/{field}", barcode.as_str());
    if let Some(disabled) = patch.disabled {
        doc.put(ROOT, key("disabled"), disabled)
            .map_err(doc_error)?;
    }
    for (field, value) in [("shelf", &patch.shelf), ("note", &patch.note)] {
        let Some(text) = value.as_deref().map(str::trim) else {
            continue;
        };
        if !text.is_empty() {
            doc.put(ROOT, key(field), text).map_err(doc_error)?;
        } else if doc.get(ROOT, key(field)).map_err(doc_error)?.is_some() {
            // Clearing: delete only what is there, or Automerge has nothing to delete.
            doc.delete(ROOT, key(field)).map_err(doc_error)?;
        }
    }
    documents::save(conn, DocPurpose::ItemState, &mut doc)?;
    Ok(read_doc(&doc).remove(barcode.as_str()).unwrap_or_default())
}

/// Every item with any state, by GTIN.
pub fn all(conn: &Connection) -> StoreResult<BTreeMap<String, ItemState>> {
    Ok(read_doc(&documents::load(conn, DocPurpose::ItemState)?))
}

fn read_doc(doc: &impl ReadDoc) -> BTreeMap<String, ItemState> {
    let mut items: BTreeMap<String, ItemState> = BTreeMap::new();
    for key in doc.keys(ROOT) {
        let Some((gtin, field)) = key.split_once('/') else {
            continue;
        };
        let Ok(Some((value, _))) = doc.get(ROOT, key.as_str()) else {
            continue;
        };
        let item = items.entry(gtin.to_owned()).or_default();
        match field {
            "disabled" => item.disabled = value.as_bool().unwrap_or(false),
            "shelf" => item.shelf = value.as_str().map(str::to_owned),
            "note" => item.note = value.as_str().map(str::to_owned),
            _ => {}
        }
    }
    items
}
