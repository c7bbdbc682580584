//! Near-identical items: two entries for one product, as two suppliers (or a
//! supplier and HQ) wrote it. Each item's name is reduced to its words in
//! one spelling (lower case, sizes one way, no punctuation), cut into
//! three-letter shingles, and summed up as a MinHash signature; signatures
//! are banded (locality-sensitive hashing), so an item is compared only
//! with the few whose bands it shares. Two items are near-identical when
//! their signatures agree in at least [`ALIKE`] of their slots (an estimate
//! of the share of shingles they have in common) and they name the same
//! size, or neither names one: "Toor Dal 1 kg" and "Toor Dal 500 g" are two
//! products.

use pos_shared::sync::VariantRecord;
use pos_shared::VariantId;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// Slots in a signature.
const SLOTS: usize = 32;
/// Slots per band: items sharing any band are compared.
const ROWS: usize = 4;
/// The share of slots two near-identical items agree in.
pub const ALIKE: f64 = 0.8;

/// An item's name summed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature([u32; SLOTS]);

impl Signature {
    /// The share of slots `self` and `other` agree in: an estimate of the
    /// share of shingles their names have in common.
    pub fn likeness(&self, other: &Signature) -> f64 {
        let same = self
            .0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / SLOTS as f64
    }
}

/// A name's words in one spelling, and the size it names, if one.
fn words_and_size(name: &str) -> (String, Option<String>) {
    let text = crate::search::indexed_text(name).to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .filter(|w| !w.is_empty())
        .collect();
    let sizes: Vec<String> = words
        .windows(2)
        .filter(|p| p[0].chars().all(|c| c.is_ascii_digit() || c == '.'))
        .filter_map(|p| crate::search::canonical_unit(p[1]).map(|u| format!("{} {u}", p[0])))
        .collect();
    let size = (sizes.len() == 1).then(|| sizes[0].clone());
    (words.join(" "), size)
}

/// The signature of a name; `None` when it is too short to compare.
pub fn signature(name: &str) -> Option<Signature> {
    let (text, _) = words_and_size(name);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 5 {
        return None;
    }
    let mut slots = [u32::MAX; SLOTS];
    for shingle in chars.windows(3) {
        let mut hasher = DefaultHasher::new();
        shingle.hash(&mut hasher);
        let h = hasher.finish();
        for (i, slot) in slots.iter_mut().enumerate() {
            // One of SLOTS hash functions: an odd multiplier and an offset
            // per slot, over the shingle's hash.
            let a = 0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(2 * i as u64 + 1) | 1;
            let b = 0xC2B2_AE3D_27D4_EB4F_u64.wrapping_mul(i as u64 + 7);
            // The high half: the low bits of a product mix poorly.
            *slot = (*slot).min((h.wrapping_mul(a).wrapping_add(b) >> 32) as u32);
        }
    }
    Some(Signature(slots))
}

/// A tenant's items' signatures, banded.
#[derive(Default)]
pub struct NearIndex {
    /// Each item's signature, size and name.
    items: HashMap<VariantId, (Signature, Option<String>, String)>,
    bands: HashMap<(usize, u64), HashSet<VariantId>>,
}

fn band_keys(sig: &Signature) -> impl Iterator<Item = (usize, u64)> + '_ {
    sig.0.chunks(ROWS).enumerate().map(|(band, rows)| {
        let mut hasher = DefaultHasher::new();
        rows.hash(&mut hasher);
        (band, hasher.finish())
    })
}

impl NearIndex {
    /// Takes an item in (again, as it is now).
    pub fn put(&mut self, record: &VariantRecord) {
        self.drop_item(record.variant_id);
        let Some(sig) = signature(&record.name) else {
            return;
        };
        for key in band_keys(&sig) {
            self.bands.entry(key).or_default().insert(record.variant_id);
        }
        let (_, size) = words_and_size(&record.name);
        self.items
            .insert(record.variant_id, (sig, size, record.name.clone()));
    }

    pub fn drop_item(&mut self, id: VariantId) {
        if let Some((sig, _, _)) = self.items.remove(&id) {
            for key in band_keys(&sig) {
                if let Some(set) = self.bands.get_mut(&key) {
                    set.remove(&id);
                }
            }
        }
    }

    /// The items near-identical to `record`, the most alike first, with
    /// their likeness and name.
    pub fn near(&self, record: &VariantRecord) -> Vec<(VariantId, f64, String)> {
        let Some(sig) = signature(&record.name) else {
            return Vec::new();
        };
        let (_, size) = words_and_size(&record.name);
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for key in band_keys(&sig) {
            for id in self.bands.get(&key).into_iter().flatten() {
                if *id == record.variant_id || !seen.insert(*id) {
                    continue;
                }
                let Some((other, other_size, name)) = self.items.get(id) else {
                    continue;
                };
                let likeness = sig.likeness(other);
                if likeness >= ALIKE && *other_size == size {
                    found.push((*id, likeness, name.clone()));
                }
            }
        }
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alike(a: &str, b: &str) -> f64 {
        signature(a).unwrap().likeness(&signature(b).unwrap())
    }

    #[test]
    fn one_product_written_two_ways_is_alike_and_two_products_are_not() {
        assert_eq!(
            alike("TATA SAMPANN TOOR DAL 1KG", "Tata Sampann Toor Dal 1 kg"),
            1.0
        );
        assert!(alike("Tata Sampann Toor Dal 1 kg", "Tata Sampann Toor Dal (1 kg)") >= ALIKE);
        assert!(alike("Tata Sampann Toor Dal 1 kg", "Aashirvaad Atta 5 kg") < 0.3);
        assert_eq!(words_and_size("Toor Dal 1KG").1.as_deref(), Some("1 kg"));
        assert_eq!(words_and_size("Combo 1 kg + 500 g").1, None);
        assert!(signature("Tea").is_none());
    }
}
