//! How a chain arranges its catalog for the people who sell from it: the
//! category tree, brands, the words shoppers use for an item, its other
//! barcodes and its key on the till's quick-key grid.

use crate::{BrandId, CategoryId, Gtin};
use serde::{Deserialize, Serialize};

/// The most names a product may be searched by besides its own.
pub const MAX_SYNONYMS: usize = 20;
/// The most barcodes a variant may carry besides its primary one.
pub const MAX_EXTRA_BARCODES: usize = 20;
/// How deep the category tree may go: a till's grid has to show the path.
pub const MAX_CATEGORY_DEPTH: usize = 6;

/// One node of the category tree.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRecord {
    pub category_id: CategoryId,
    /// `None` for a top-level category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<CategoryId>,
    pub name: String,
    /// Order among its siblings, smallest first (ties by name).
    #[serde(default)]
    pub position: u32,
}

/// A brand of the tenant's catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandRecord {
    pub brand_id: BrandId,
    pub name: String,
}

/// A variant's place in the catalog as the till uses it to find and show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// The brand's name, as it is searched and printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<CategoryId>,
    /// Other names the item is asked for by ("curd" for "dahi").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    /// Barcodes besides the primary one (multipacks, old labels, supplier codes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_barcodes: Vec<Gtin>,
    /// Its key on the category's quick-key grid, smallest first; `None`: no key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_key: Option<u16>,
}

impl Placement {
    /// Checks the synonyms and barcodes of a variant whose primary barcode is
    /// `primary`, naming the field (relative to the placement) that is wrong.
    pub fn validate(&self, primary: &Gtin) -> Result<(), (String, String)> {
        if self.synonyms.len() > MAX_SYNONYMS {
            return Err((
                "synonyms".into(),
                format!("at most {MAX_SYNONYMS} synonyms"),
            ));
        }
        for (i, s) in self.synonyms.iter().enumerate() {
            let trimmed = s.trim();
            if trimmed.is_empty() || trimmed.chars().count() > 60 {
                return Err((
                    format!("synonyms[{i}]"),
                    "a synonym is 1 to 60 characters".into(),
                ));
            }
        }
        if self.extra_barcodes.len() > MAX_EXTRA_BARCODES {
            return Err((
                "barcodes".into(),
                format!("at most {MAX_EXTRA_BARCODES} barcodes besides the primary one"),
            ));
        }
        for (i, b) in self.extra_barcodes.iter().enumerate() {
            if b == primary || self.extra_barcodes[..i].contains(b) {
                return Err((
                    format!("barcodes[{i}]"),
                    format!("barcode {} is given twice", b.as_str()),
                ));
            }
        }
        Ok(())
    }
}

/// Orders a category tree depth first: each category right after its parent,
/// siblings by position then name. Categories whose parent is missing are
/// kept, at the top level, so nothing a till was sent goes unseen.
pub fn tree_order(mut all: Vec<CategoryRecord>) -> Vec<CategoryRecord> {
    all.sort_by(|a, b| {
        (a.position, a.name.to_lowercase(), a.category_id).cmp(&(
            b.position,
            b.name.to_lowercase(),
            b.category_id,
        ))
    });
    let known: std::collections::HashSet<CategoryId> = all.iter().map(|c| c.category_id).collect();
    let mut ordered = Vec::with_capacity(all.len());
    let mut placed = std::collections::HashSet::new();
    // Roots, then walk down with an explicit stack (no recursion on input).
    let roots: Vec<&CategoryRecord> = all
        .iter()
        .filter(|c| c.parent_id.is_none_or(|p| !known.contains(&p)))
        .collect();
    let mut stack: Vec<&CategoryRecord> = roots.into_iter().rev().collect();
    while let Some(c) = stack.pop() {
        if !placed.insert(c.category_id) {
            continue;
        }
        ordered.push(c.clone());
        let children = all
            .iter()
            .filter(|k| k.parent_id == Some(c.category_id))
            .rev();
        stack.extend(children);
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gtin(s: &str) -> Gtin {
        Gtin::parse(s).unwrap()
    }

    #[test]
    fn trees_list_parents_before_children_and_siblings_in_order() {
        let node = |name: &str, parent: Option<CategoryId>, position: u32| CategoryRecord {
            category_id: CategoryId::new(),
            parent_id: parent,
            name: name.into(),
            position,
        };
        let dairy = node("Dairy", None, 1);
        let bakery = node("Bakery", None, 0);
        let milk = node("Milk", Some(dairy.category_id), 0);
        let curd = node("Curd", Some(dairy.category_id), 0);
        let toned = node("Toned", Some(milk.category_id), 0);
        let orphan = node("Orphan", Some(CategoryId::new()), 0);
        let names: Vec<String> = tree_order(vec![toned.clone(), milk, curd, dairy, orphan, bakery])
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names,
            ["Bakery", "Orphan", "Dairy", "Curd", "Milk", "Toned"]
        );
    }

    #[test]
    fn an_empty_placement_is_absent_on_the_wire() {
        assert_eq!(
            serde_json::to_value(Placement::default()).unwrap(),
            serde_json::json!({})
        );
    }

    #[test]
    fn repeated_barcodes_and_blank_synonyms_are_named() {
        let primary = gtin("4006381333931");
        let twice = Placement {
            extra_barcodes: vec![gtin("96385074"), gtin("96385074")],
            ..Placement::default()
        };
        assert_eq!(twice.validate(&primary).unwrap_err().0, "barcodes[1]");
        let primary_again = Placement {
            extra_barcodes: vec![primary.clone()],
            ..Placement::default()
        };
        assert_eq!(
            primary_again.validate(&primary).unwrap_err().0,
            "barcodes[0]"
        );
        let blank = Placement {
            synonyms: vec!["curd".into(), "  ".into()],
            ..Placement::default()
        };
        assert_eq!(blank.validate(&primary).unwrap_err().0, "synonyms[1]");
        let fine = Placement {
            brand: Some("Amul".into()),
            synonyms: vec!["curd".into()],
            extra_barcodes: vec![gtin("96385074")],
            quick_key: Some(3),
            ..Placement::default()
        };
        assert!(fine.validate(&primary).is_ok());
    }
}
