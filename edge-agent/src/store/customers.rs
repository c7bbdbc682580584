//! Customer profiles (phone, name, GSTIN for B2B invoices), shared by the
//! store's terminals through the `customer_profiles` Automerge document, so a
//! customer captured on one till offline is known on the others once they sync,
//! and edits to different fields made apart both survive.

use super::{documents, StoreError, StoreResult};
use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use pos_shared::gstin::Gstin;
use pos_shared::sync::DocPurpose;
use rusqlite::Connection;
use std::collections::BTreeMap;

pub use pos_shared::customer::Customer;
use pos_shared::customer::{profile_key, profiles_from_entries};

pub use pos_shared::credit::normalize_phone;
pub use pos_shared::customer::CustomerPatch;

fn doc_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Document(e.to_string())
}

/// Applies `patch` to the profile of `phone` (already normalized).
pub fn edit(
    conn: &Connection,
    phone: &str,
    patch: &CustomerPatch,
    gstin: Option<Gstin>,
) -> StoreResult<Customer> {
    let mut doc = documents::load(conn, DocPurpose::CustomerProfiles)?;
    let key = |field: &str| profile_key(phone, field);
    let name = patch.name.as_deref().map(str::trim);
    let gstin_text = patch
        .gstin
        .as_ref()
        .map(|_| gstin.as_ref().map(|g| g.to_string()).unwrap_or_default());
    for (field, value) in [("name", name.map(str::to_owned)), ("gstin", gstin_text)] {
        let Some(value) = value else { continue };
        if !value.is_empty() {
            doc.put(ROOT, key(field), value).map_err(doc_error)?;
        } else if doc.get(ROOT, key(field)).map_err(doc_error)?.is_some() {
            doc.delete(ROOT, key(field)).map_err(doc_error)?;
        }
    }
    // A profile with nothing else still records the phone was captured.
    doc.put(ROOT, key("phone"), phone).map_err(doc_error)?;
    documents::save(conn, DocPurpose::CustomerProfiles, &mut doc)?;
    Ok(read(&doc).remove(phone).unwrap_or_default())
}

/// Takes in the chain's corrected profile of a customer this store holds
/// (heard in the feed): the store's document says what the chain says, so
/// the till bills with the corrected name and GSTIN. A customer the store
/// does not hold is left alone. True when the document changed.
pub fn take_in(conn: &Connection, chain: &Customer) -> StoreResult<bool> {
    let Some(here) = get(conn, &chain.phone)? else {
        return Ok(false);
    };
    if here.name == chain.name && here.gstin == chain.gstin {
        return Ok(false);
    }
    let gstin = chain.gstin.as_deref().and_then(|g| Gstin::parse(g).ok());
    let patch = CustomerPatch {
        name: Some(chain.name.clone().unwrap_or_default()),
        gstin: Some(gstin.as_ref().map(|g| g.to_string()).unwrap_or_default()),
    };
    edit(conn, &chain.phone, &patch, gstin)?;
    Ok(true)
}

pub fn get(conn: &Connection, phone: &str) -> StoreResult<Option<Customer>> {
    Ok(read(&documents::load(conn, DocPurpose::CustomerProfiles)?).remove(phone))
}

/// Profiles whose phone contains `q`'s digits or whose name contains `q`.
pub fn search(conn: &Connection, q: &str, limit: usize) -> StoreResult<Vec<Customer>> {
    let q: String = q.trim().to_lowercase();
    let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    // All digits: part of a phone number; anything else: part of a name.
    let by_phone = !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit());
    Ok(read(&documents::load(conn, DocPurpose::CustomerProfiles)?)
        .into_values()
        .filter(|c| {
            if by_phone {
                c.phone.contains(&compact)
            } else {
                c.name
                    .as_ref()
                    .is_some_and(|n| n.to_lowercase().contains(&q))
            }
        })
        .take(limit)
        .collect())
}

fn read(doc: &impl ReadDoc) -> BTreeMap<String, Customer> {
    profiles_from_entries(doc.keys(ROOT).map(|key| {
        let text = match doc.get(ROOT, key.as_str()) {
            Ok(Some((value, _))) => value.as_str().map(str::to_owned),
            _ => None,
        };
        (key, text)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_read_the_ways_people_write_them() {
        for ok in [
            "9876543210",
            "+91 98765 43210",
            "098765-43210",
            "919876543210",
            "(+91) 98765 43210",
        ] {
            assert_eq!(normalize_phone(ok).unwrap(), "+919876543210", "{ok}");
        }
        for bad in [
            "12345",
            "5876543210",
            "98765432101",
            "+1 415 555 0100",
            "98765abcde",
        ] {
            assert!(normalize_phone(bad).is_err(), "{bad}");
        }
    }
}
