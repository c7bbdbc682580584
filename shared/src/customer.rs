//! A customer as the chain knows them: a profile (phone, name, GSTIN for B2B
//! invoices), captured at a till into its store's `customer_profiles`
//! Automerge document and merged at the hub into one record per tenant.
//!
//! The document's layout is fixed here, so the till that writes it and the
//! hub that merges it read it the same way: one root key per field,
//! `{phone}/{field}`, with `{phone}/phone` recording that the number was
//! captured even when nothing else was.

use crate::gstin::Gstin;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A customer's profile.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CustomerProfile))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// `+91` and ten digits.
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub gstin: Option<String>,
}

/// A change to a profile; fields left out are left alone, an empty string clears.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub gstin: Option<String>,
}

impl CustomerPatch {
    /// Names the first field that is not acceptable; the GSTIN comes back checked.
    pub fn validate(&self) -> Result<Option<Gstin>, (&'static str, String)> {
        if self.name.is_none() && self.gstin.is_none() {
            return Err((
                "name",
                "send a name or a gstin (an empty one clears it)".into(),
            ));
        }
        if let Some(name) = &self.name {
            if name.chars().count() > 100 {
                return Err(("name", "a name is at most 100 characters".into()));
            }
            if let Some(why) = crate::text::unseen_in("a name", name) {
                return Err(("name", why));
            }
        }
        match self.gstin.as_deref().map(str::trim) {
            Some(g) if !g.is_empty() => Gstin::parse(g)
                .map(Some)
                .map_err(|e| ("gstin", e.to_string())),
            _ => Ok(None),
        }
    }
}

/// The fields a profile document keeps per customer.
pub const PROFILE_FIELDS: [&str; 3] = ["phone", "name", "gstin"];

/// The document key of one field of one customer's profile.
pub fn profile_key(phone: &str, field: &str) -> String {
    format!("{phone}/{field}")
}

/// The profiles in a document, from its root's `(key, text value)` pairs;
/// keys of another shape are left alone.
pub fn profiles_from_entries<I>(entries: I) -> BTreeMap<String, Customer>
where
    I: IntoIterator<Item = (String, Option<String>)>,
{
    let mut out: BTreeMap<String, Customer> = BTreeMap::new();
    for (key, text) in entries {
        let Some((phone, field)) = key.split_once('/') else {
            continue;
        };
        let c = out.entry(phone.to_owned()).or_insert_with(|| Customer {
            phone: phone.to_owned(),
            ..Default::default()
        });
        match field {
            "name" => c.name = text,
            "gstin" => c.gstin = text,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_as_profiles_by_phone() {
        let entries = [
            ("+919876543210/phone", "+919876543210"),
            ("+919876543210/name", "Asha"),
            ("+919812345678/phone", "+919812345678"),
            ("+919812345678/gstin", "29ABCDE1234F1Z5"),
            ("stray", "x"),
        ]
        .map(|(k, v)| (k.to_owned(), Some(v.to_owned())));
        let profiles = profiles_from_entries(entries);
        assert_eq!(profiles.len(), 2);
        assert_eq!(profiles["+919876543210"].name.as_deref(), Some("Asha"));
        assert_eq!(
            profiles["+919812345678"].gstin.as_deref(),
            Some("29ABCDE1234F1Z5")
        );
        assert_eq!(profile_key("+919876543210", "name"), "+919876543210/name");
    }
}
