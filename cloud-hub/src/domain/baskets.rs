//! What a run of sales adds to the recommendations' projection: the items
//! each sale held together (both ways round, per store and for the chain)
//! and the units of each item sold, per UTC day. Worked out in memory for a
//! step of the event stream (`crate::baskets`), so an item pair sold a
//! hundred times in the step is one write, not a hundred.

use pos_shared::{StoreId, VariantId};
use std::collections::{BTreeSet, HashMap};

/// A sale of more distinct items than this adds no pairs: a stock-up trip
/// of 80 items says little about what goes with what, and would add 6,320.
/// Its units still count towards what sells.
pub const MAX_BASKET_ITEMS: usize = 30;

const DAY_MS: i64 = 86_400_000;

/// The UTC day (days since 1970-01-01) of a time in Unix milliseconds.
pub fn day_of(unix_ms: i64) -> i64 {
    unix_ms.div_euclid(DAY_MS)
}

/// The first day of a window of `days` days ending today.
pub fn first_day(now_ms: i64, days: u32) -> i64 {
    day_of(now_ms) - i64::from(days) + 1
}

/// What a sale among a tenant's events sold, as the projection reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldEvent {
    pub store_id: StoreId,
    pub occurred_at_ms: i64,
    /// (item, quantity in milli) per line.
    pub lines: Vec<(VariantId, i64)>,
    /// A till's sale, whose lines are one basket; else stock that left as
    /// sold outside one (a packed order, a committed reservation): units
    /// only.
    pub basket: bool,
}

/// What a step of sales adds, keyed as the projection's rows are.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BasketTally {
    /// (store, item, day, other) → sales holding both.
    pub pairs: HashMap<(StoreId, VariantId, i64, VariantId), i64>,
    /// (item, day, other) → the chain's sales holding both.
    pub chain_pairs: HashMap<(VariantId, i64, VariantId), i64>,
    /// (store, day, item) → (units in milli, sales holding it).
    pub sold: HashMap<(StoreId, i64, VariantId), (i64, i64)>,
}

impl BasketTally {
    /// A sale at `store` at `occurred_at_ms` of `lines` (item, quantity in
    /// milli), several lines of one item counting as one for its sales.
    pub fn add_sale(&mut self, store: StoreId, occurred_at_ms: i64, lines: &[(VariantId, i64)]) {
        let day = day_of(occurred_at_ms);
        let mut units: HashMap<VariantId, i64> = HashMap::new();
        for (item, qty) in lines {
            *units.entry(*item).or_default() += qty;
        }
        for (item, qty) in &units {
            let slot = self.sold.entry((store, day, *item)).or_default();
            slot.0 += qty;
            slot.1 += 1;
        }
        let items: BTreeSet<VariantId> = units.into_keys().collect();
        if items.len() > MAX_BASKET_ITEMS {
            return;
        }
        for a in &items {
            for b in items.iter().filter(|b| *b != a) {
                *self.pairs.entry((store, *a, day, *b)).or_default() += 1;
                *self.chain_pairs.entry((*a, day, *b)).or_default() += 1;
            }
        }
    }

    /// Stock that left as sold without a till's sale (a packed order, HQ's
    /// sale movement): units and one sale, no pairs.
    pub fn add_sold_stock(
        &mut self,
        store: StoreId,
        occurred_at_ms: i64,
        item: VariantId,
        units_milli: i64,
    ) {
        let slot = self
            .sold
            .entry((store, day_of(occurred_at_ms), item))
            .or_default();
        slot.0 += units_milli;
        slot.1 += 1;
    }

    /// Adds what `event` sold.
    pub fn add(&mut self, event: &SoldEvent) {
        match event.basket {
            true => self.add_sale(event.store_id, event.occurred_at_ms, &event.lines),
            false => {
                for (item, units) in &event.lines {
                    self.add_sold_stock(event.store_id, event.occurred_at_ms, *item, *units);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sold.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sale_counts_each_pair_both_ways_and_each_item_once() {
        let store = StoreId::new();
        let (tea, milk, sugar) = (VariantId::new(), VariantId::new(), VariantId::new());
        let mut tally = BasketTally::default();
        let noon = 20_000 * DAY_MS + DAY_MS / 2;
        // Two lines of tea in one sale: one sale, two units.
        tally.add_sale(store, noon, &[(tea, 1000), (milk, 500), (tea, 1000)]);
        tally.add_sale(store, noon + 60_000, &[(tea, 1000), (sugar, 1000)]);
        assert_eq!(tally.sold[&(store, 20_000, tea)], (3000, 2));
        assert_eq!(tally.sold[&(store, 20_000, milk)], (500, 1));
        assert_eq!(tally.pairs[&(store, tea, 20_000, milk)], 1);
        assert_eq!(tally.pairs[&(store, milk, 20_000, tea)], 1);
        assert_eq!(tally.pairs[&(store, tea, 20_000, sugar)], 1);
        assert!(!tally.pairs.contains_key(&(store, milk, 20_000, sugar)));
        assert_eq!(tally.chain_pairs[&(tea, 20_000, milk)], 1);
        assert_eq!(tally.pairs.len(), 4);
    }

    #[test]
    fn a_stock_up_trip_adds_units_but_no_pairs() {
        let store = StoreId::new();
        let items: Vec<(VariantId, i64)> = (0..=MAX_BASKET_ITEMS)
            .map(|_| (VariantId::new(), 1000))
            .collect();
        let mut tally = BasketTally::default();
        tally.add_sale(store, 0, &items);
        assert_eq!(tally.sold.len(), MAX_BASKET_ITEMS + 1);
        assert!(tally.pairs.is_empty() && tally.chain_pairs.is_empty());
        tally.add_sale(store, 0, &items[..MAX_BASKET_ITEMS]);
        assert_eq!(tally.pairs.len(), MAX_BASKET_ITEMS * (MAX_BASKET_ITEMS - 1));
    }

    #[test]
    fn days_are_utc_days_before_1970_too() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(DAY_MS - 1), 0);
        assert_eq!(day_of(-1), -1);
        assert_eq!(first_day(10 * DAY_MS + 5, 7), 4);
    }
}
