//! Prices over time: a variant's price for a span of time, for the whole chain
//! or one store, on one sales channel. The effective price of a variant for a
//! store at an instant is the store's own window if one is open then, else the
//! chain's, else the variant's base price; among open windows of one scope the
//! one that started last wins (windows of one scope never overlap, so there is
//! at most one).

use crate::{Money, PriceId, StoreId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};

/// The channel tills sell on.
pub const POS_CHANNEL: &str = "pos";

/// A price that holds from `effective_from` until `effective_to` (exclusive;
/// open-ended when absent). A window cancelled before it began ends where it
/// starts and never holds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceWindow {
    pub price_id: PriceId,
    pub variant_id: VariantId,
    /// `None`: every store of the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    pub channel: String,
    pub price: Money,
    /// Maximum retail price printed on the pack; the price never exceeds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrp: Option<Money>,
    pub effective_from: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<Timestamp>,
}

impl PriceWindow {
    /// Whether the window holds at `at`.
    pub fn holds_at(&self, at: Timestamp) -> bool {
        self.effective_from <= at && self.effective_to.is_none_or(|to| at < to)
    }

    /// Whether the two windows share an instant.
    pub fn overlaps(&self, other: &PriceWindow) -> bool {
        if self.is_cancelled() || other.is_cancelled() {
            return false;
        }
        let end = |w: &PriceWindow| w.effective_to.map_or(i64::MAX, |t| t.unix_millis());
        self.effective_from.unix_millis() < end(other)
            && other.effective_from.unix_millis() < end(self)
    }

    /// Ends where it starts: it never holds.
    pub fn is_cancelled(&self) -> bool {
        self.effective_to == Some(self.effective_from)
    }

    /// Checks a window to be scheduled, naming the field that is wrong.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.price.is_negative() {
            return Err(("price", "price must not be negative".into()));
        }
        if let Some(mrp) = self.mrp {
            if mrp.currency() != self.price.currency() {
                return Err(("mrp", "mrp must be in the price's currency".into()));
            }
            if self.price.minor() > mrp.minor() {
                return Err((
                    "price",
                    format!(
                        "price {} is above the MRP {}; nothing may sell above its MRP",
                        self.price.minor(),
                        mrp.minor()
                    ),
                ));
            }
        }
        if self
            .effective_to
            .is_some_and(|to| to <= self.effective_from)
        {
            return Err((
                "effective_to",
                "effective_to must be after effective_from".into(),
            ));
        }
        if self.channel.is_empty()
            || self.channel.len() > 20
            || !self
                .channel
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
        {
            return Err((
                "channel",
                "channel is 1 to 20 lowercase letters or underscores (pos, online, …)".into(),
            ));
        }
        Ok(())
    }
}

/// Where an effective price came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    StoreWindow,
    ChainWindow,
    Base,
}

/// The window that sets the price for `store` at `at`, if any: the store's own
/// before the chain's, the latest start first.
pub fn effective<'a>(
    windows: impl IntoIterator<Item = &'a PriceWindow>,
    store: StoreId,
    at: Timestamp,
) -> Option<&'a PriceWindow> {
    windows
        .into_iter()
        .filter(|w| w.holds_at(at) && w.store_id.is_none_or(|s| s == store))
        .max_by_key(|w| (w.store_id.is_some(), w.effective_from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(store: Option<StoreId>, price: i64, from: i64, to: Option<i64>) -> PriceWindow {
        PriceWindow {
            price_id: PriceId::new(),
            variant_id: VariantId::new(),
            store_id: store,
            channel: POS_CHANNEL.into(),
            price: Money::inr(price),
            mrp: None,
            effective_from: Timestamp::from_unix_millis(from),
            effective_to: to.map(Timestamp::from_unix_millis),
        }
    }

    #[test]
    fn the_stores_own_window_wins_over_the_chains_while_it_holds() {
        let store = StoreId::new();
        let chain = window(None, 900, 0, None);
        let promo = window(Some(store), 800, 100, Some(200));
        let elsewhere = window(Some(StoreId::new()), 700, 0, None);
        let all = [chain.clone(), promo.clone(), elsewhere];
        let at = |ms| effective(&all, store, Timestamp::from_unix_millis(ms)).map(|w| w.price);
        assert_eq!(at(50), Some(chain.price));
        assert_eq!(at(100), Some(promo.price), "from is inclusive");
        assert_eq!(at(199), Some(promo.price));
        assert_eq!(at(200), Some(chain.price), "to is exclusive");
        assert_eq!(
            effective(&all, store, Timestamp::from_unix_millis(-1)),
            None
        );
    }

    #[test]
    fn windows_that_touch_do_not_overlap() {
        let a = window(None, 1, 0, Some(100));
        assert!(!a.overlaps(&window(None, 1, 100, None)));
        assert!(a.overlaps(&window(None, 1, 99, Some(101))));
        assert!(window(None, 1, 0, None).overlaps(&window(None, 1, 5_000, None)));
    }

    #[test]
    fn bad_windows_name_the_field() {
        let mut w = window(None, 1_000, 10, Some(10));
        assert_eq!(w.validate().unwrap_err().0, "effective_to");
        w.effective_to = None;
        w.mrp = Some(Money::inr(999));
        assert_eq!(w.validate().unwrap_err().0, "price");
        w.mrp = Some(Money::inr(1_000));
        assert!(w.validate().is_ok(), "at the MRP is fine");
        w.channel = "Web Shop".into();
        assert_eq!(w.validate().unwrap_err().0, "channel");
    }
}
