//! Batches (lots) of an item at a store and when they expire, so a grocer
//! sells the oldest first and hears before stock goes out of date.

use pos_shared::{Qty, StoreId, VariantId};
use serde::Serialize;

/// The last expiry day announced on `today`: batches expiring within
/// `warn_days` (0: only those expiring today), as `YYYY-MM-DD`.
pub fn expiry_cutoff(today: time::Date, warn_days: u32) -> String {
    let day = today
        .checked_add(time::Duration::days(i64::from(warn_days)))
        .unwrap_or(today);
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// A store's stock of one batch of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BatchLine {
    pub store_id: StoreId,
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub code: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
    pub on_hand: Qty,
    /// Already announced as expiring (`inventory.batch.expiring`).
    pub alerted: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cutoff_is_a_day_counted_forward() {
        let day = pos_shared::sync::parse_day("2026-12-30").unwrap();
        assert_eq!(super::expiry_cutoff(day, 0), "2026-12-30");
        assert_eq!(super::expiry_cutoff(day, 3), "2027-01-02");
    }
}
