//! A sale's receipt link, `/r/{key}`: the key a till minted with the sale is
//! the capability, and the hub keeps only its SHA-256, so looking a receipt
//! up compares hashes (nothing of the key leaks through timing) and a copy of
//! the database opens no receipts.

use pos_shared::sale::SaleFact;
use sha2::{Digest, Sha256};

/// The receipt behind a link: the sale as the till recorded it and the name
/// of its store.
#[derive(Debug, Clone)]
pub struct LinkedReceipt {
    pub store_name: String,
    pub sale: SaleFact,
}

/// What the hub stores and looks up for a key: its SHA-256 in hex.
pub fn key_hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_hashes_to_sha256_hex() {
        assert_eq!(
            super::key_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
