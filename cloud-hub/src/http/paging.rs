//! Cursor pages for the lists HQ reads: `?limit=&cursor=` in, `next_cursor`
//! out, opaque to callers. Lists in the order the hub committed them (a
//! store's movements, sales, shifts, audit entries and stock takes) and
//! transfers carry the last item's id, stable while items are added. Lists in SKU order (a
//! store's inventory, catalog view and dead stock) carry the list's name and
//! the last SKU as it was: an item renamed between pages, or added or
//! deleted, never makes a reader skip or repeat another.

use crate::domain::ledger::{Recorded, RecordedPage, SkuPage};
use pos_shared::http::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

const DEFAULT_LIMIT: u32 = 500;
const MAX_LIMIT: u32 = 1000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageParams {
    /// At most this many (1 to 1000, 500 by default). Taken as text so that
    /// `limit=ten` is refused naming `limit`, like `limit=0`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before; absent for the first page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

impl PageParams {
    pub(crate) fn page(&self) -> Result<RecordedPage, ApiError> {
        page_of(self.limit.as_deref(), self.cursor.as_deref())
    }

    /// The page of `list`, a list in SKU order.
    pub(crate) fn sku_page(&self, list: SkuList) -> Result<SkuPage, ApiError> {
        list.page(self.limit.as_deref(), self.cursor.as_deref())
    }
}

/// A page from `limit` and `cursor` as a query gave them, for the lists that
/// take other parameters beside them.
pub(crate) fn page_of(limit: Option<&str>, cursor: Option<&str>) -> Result<RecordedPage, ApiError> {
    {
        let limit = pos_shared::http::limit_text(limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let after = match cursor {
            None => None,
            Some(c) => Some(c.parse::<Uuid>().map_err(|_| {
                ApiError::invalid(
                    "cursor",
                    "cursor is not from this list: pass back a next_cursor as it came",
                )
            })?),
        };
        Ok(RecordedPage { after, limit })
    }
}

/// The lists in SKU order, each with a cursor of its own.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SkuList {
    Inventory,
    CatalogView,
    DeadStock,
}

impl SkuList {
    fn name(self) -> &'static str {
        match self {
            SkuList::Inventory => "inventory",
            SkuList::CatalogView => "catalog-view",
            SkuList::DeadStock => "dead-stock",
        }
    }

    /// The page `limit` and `cursor` ask for; a cursor this list did not
    /// give out is refused naming `cursor`.
    pub(crate) fn page(
        self,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<SkuPage, ApiError> {
        let limit = pos_shared::http::limit_text(limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let after = match cursor {
            None => None,
            Some(c) => {
                let sku = c
                    .strip_prefix(self.name())
                    .and_then(|rest| rest.strip_prefix('.'))
                    .and_then(text_of_hex)
                    .filter(|sku| !sku.is_empty());
                match sku {
                    Some(sku) => Some(sku),
                    None => {
                        return Err(ApiError::invalid(
                            "cursor",
                            format!(
                            "cursor is not from this list ({}): pass back a next_cursor as it came",
                            self.name()
                        ),
                        ))
                    }
                }
            }
        };
        Ok(SkuPage { after, limit })
    }

    /// The cursor of the page after the one that ended on `last_sku`.
    pub(crate) fn cursor(self, last_sku: Option<String>) -> Option<String> {
        last_sku.map(|sku| format!("{}.{}", self.name(), hex_of(&sku)))
    }
}

/// `text` as lower-case hex of its bytes: URL-safe whatever it holds.
pub(crate) fn hex_of(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text [`hex_of`] made, or `None` for anything else.
pub(crate) fn text_of_hex(hex: &str) -> Option<String> {
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// A page of a list, oldest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Paged<T> {
    /// The page, with a cursor after its last item when more follow.
    pub(crate) fn of(page: Recorded<T>, id: impl Fn(&T) -> Uuid) -> Self {
        let next_cursor = match (page.more, page.items.last()) {
            (true, Some(last)) => Some(id(last).to_string()),
            _ => None,
        };
        Paged {
            items: page.items,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sku_cursor_comes_back_as_the_sku_it_was_made_from() {
        for sku in ["TEA-250", "sku with space", "sku/slash?&#", "日本", "É"] {
            let cursor = SkuList::Inventory.cursor(Some(sku.to_owned())).unwrap();
            assert!(cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
            let page = SkuList::Inventory.page(Some("7"), Some(&cursor)).unwrap();
            assert_eq!((page.after.as_deref(), page.limit), (Some(sku), 7));
        }
        assert_eq!(SkuList::DeadStock.cursor(None), None);
    }

    #[test]
    fn a_cursor_from_elsewhere_is_refused_naming_it() {
        let view = SkuList::CatalogView.cursor(Some("TEA".into())).unwrap();
        for bad in [
            view.as_str(),
            "inventory.",
            "inventory.zz",
            "inventory.abc",
            "inventory.aéa",
            "inventory.ff",
            "0190a8e2-0000-7000-8000-000000000000",
            "",
        ] {
            let err = SkuList::Inventory.page(None, Some(bad)).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("cursor"), "{bad:?}");
        }
    }
}
