//! The category tree as the feed brings it, and the quick-key grid built on it:
//! one page of keys per category, in the tree's order.

use super::catalog::{product_from_row, variant_row, PRODUCT_COLUMNS};
use super::{StoreError, StoreResult};
use crate::pos::product::ProductView;
use pos_shared::catalog::{tree_order, CategoryRecord};
use pos_shared::CategoryId;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::HashMap;

/// Inserts or replaces a category, as of feed sequence `seq`.
pub(crate) fn upsert(conn: &Connection, c: &CategoryRecord, seq: u64) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO categories (id, parent_id, name, position, feed_seq) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, \
         position = excluded.position, feed_seq = excluded.feed_seq",
        rusqlite::params![
            c.category_id.to_string(),
            c.parent_id.map(|p| p.to_string()),
            c.name,
            c.position,
            seq as i64,
        ],
    )?;
    Ok(())
}

/// The tree, parents before children and siblings in order.
pub fn tree(conn: &Connection) -> StoreResult<Vec<CategoryRecord>> {
    let mut stmt = conn.prepare_cached("SELECT id, parent_id, name, position FROM categories")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, u32>(3)?,
        ))
    })?;
    let mut all = Vec::new();
    for row in rows {
        let (id, parent, name, position) = row?;
        let parse = |text: &str| {
            text.parse::<CategoryId>()
                .map_err(|e| StoreError::Corrupt(format!("category {text}: {e}")))
        };
        all.push(CategoryRecord {
            category_id: parse(&id)?,
            parent_id: parent.as_deref().map(parse).transpose()?,
            name,
            position,
        });
    }
    Ok(tree_order(all))
}

/// One page of the quick-key grid.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct QuickKeyPage {
    /// `None` for keyed items the tree does not place.
    pub category_id: Option<CategoryId>,
    /// Names from the top of the tree down to this category.
    pub path: Vec<String>,
    /// Smallest key first.
    pub keys: Vec<ProductView>,
}

/// Every category that has keyed items, in the tree's order, then the keyed
/// items no category holds (as "Other").
pub fn quick_keys(conn: &Connection) -> StoreResult<Vec<QuickKeyPage>> {
    let tree = tree(conn)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM variants v LEFT JOIN stock s ON s.variant_id = v.id \
         WHERE v.quick_key IS NOT NULL ORDER BY v.quick_key, v.name"
    ))?;
    let mut by_category: HashMap<Option<CategoryId>, Vec<ProductView>> = HashMap::new();
    for row in stmt.query_map([], variant_row)? {
        let product = product_from_row(row?)?;
        let placed = product
            .category_id
            .filter(|c| tree.iter().any(|t| t.category_id == *c));
        by_category.entry(placed).or_default().push(product);
    }
    let names: HashMap<CategoryId, &CategoryRecord> =
        tree.iter().map(|c| (c.category_id, c)).collect();
    let path_of = |mut at: Option<CategoryId>| {
        let mut path = Vec::new();
        // The hub refuses cycles; the bound keeps a corrupt replica finite.
        while let Some(c) = at.and_then(|id| names.get(&id)) {
            path.push(c.name.clone());
            at = c.parent_id;
            if path.len() > pos_shared::catalog::MAX_CATEGORY_DEPTH {
                break;
            }
        }
        path.reverse();
        path
    };
    let mut pages = Vec::new();
    for c in &tree {
        if let Some(keys) = by_category.remove(&Some(c.category_id)) {
            pages.push(QuickKeyPage {
                category_id: Some(c.category_id),
                path: path_of(Some(c.category_id)),
                keys,
            });
        }
    }
    if let Some(keys) = by_category.remove(&None) {
        pages.push(QuickKeyPage {
            category_id: None,
            path: vec!["Other".into()],
            keys,
        });
    }
    Ok(pages)
}
