//! Cursor pages for the lists HQ reads in the order the hub recorded them
//! (a store's movements, sales, shifts, audit entries and transfers):
//! `?limit=&cursor=` in, `{items, next_cursor}` out. The cursor is the last item's id: opaque to callers,
//! stable while items are added.

use crate::domain::ledger::{Recorded, RecordedPage};
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
