//! Where stock sits in a store: bins (numbered places such as `A-01-03`)
//! grouped into zones (ambient, chilled, frozen), and the one bin per item a
//! picker takes it from.

use pos_shared::VariantId;
use serde::Serialize;

/// An item slotted in a bin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SlottedItem {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Bin {
    pub code: String,
    pub zone: String,
    /// The items picked from it, by SKU.
    pub items: Vec<SlottedItem>,
}

/// A bin code as stored: trimmed, upper case; letters, digits and `-`, 1 to 20.
pub fn normalize_bin(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    let ok = (1..=20).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then_some(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bin_codes_are_normalized() {
        assert_eq!(
            super::normalize_bin(" a-01-03 ").as_deref(),
            Some("A-01-03")
        );
        for bad in ["", "A 01", "A/01", "A-01-03-04-05-06-07-08"] {
            assert_eq!(super::normalize_bin(bad), None, "{bad:?}");
        }
    }
}
