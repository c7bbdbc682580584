//! The bounds both sides agree on, so that nothing a till makes can be too big
//! for the hub to take, and no sum of money or quantity can leave an `i64`.
//!
//! A till checks a fact against these when the fact is made (and refuses it
//! there, with the cashier still at the counter); the hub enforces the same
//! numbers on what it receives. Change them only together with
//! [`crate::sync::PROTOCOL_VERSION`] in mind: a hub must always take what a
//! till of the oldest supported protocol may send.

/// The largest upload request body the hub takes, in bytes. A till packs its
/// batches to stay under it (with [`UPLOAD_ENVELOPE_SLACK`] for the wrapper).
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// Most facts in one upload.
pub const MAX_UPLOAD_FACTS: usize = 500;

/// Bytes a till leaves free in a batch for the JSON around the facts.
pub const UPLOAD_ENVELOPE_SLACK: usize = 4 * 1024;

/// The largest single fact (its envelope as JSON), so that any fact fits in an
/// upload with room to spare.
pub const MAX_FACT_BYTES: usize = 1024 * 1024;

/// Most lines on one sale (or one return).
pub const MAX_SALE_LINES: usize = 1000;

const _: () = assert!(MAX_FACT_BYTES + UPLOAD_ENVELOPE_SLACK < MAX_UPLOAD_BYTES);

// Prices and quantities. The hub refuses what HQ sends beyond these; a till
// refuses lines beyond them when a sale or return is made. A completed sale
// or return uploaded by a till is a fact: the hub stores it even past a bound
// newer than the till that made it.

use crate::tax::MAX_RATE_BP;
use crate::{Currency, Money, Qty};

/// The largest price of one unit of anything, in minor units: ₹10 crore
/// (10^10 paise), far above any shelf price, far below where sums overflow.
/// It bounds base prices, price windows and MRPs at the hub, and a line's
/// unit price (modifiers and overrides included) at the till.
pub const MAX_PRICE_MINOR: i64 = 10_000_000_000;

/// The most cash one drawer figure may be: an opening float, a counted drawer,
/// one cash in or out, or the change given on one sale (so cash tendered may
/// exceed what is due by at most this). ₹10 crore: no drawer holds more, and
/// sums of such figures stay far inside an `i64`.
pub const MAX_CASH_MINOR: i64 = MAX_PRICE_MINOR;

/// The largest quantity on one sale or return line, stock movement,
/// reservation or transfer: 100,000 units (a hundred tonnes of rice by the kg).
pub const MAX_LINE_QTY: Qty = Qty::from_milli(100_000_000);

/// The largest stock position, either way, that HQ's writes may leave at a
/// store: 10^12 units. Tills' sales and returns are facts and are stored even
/// past it; the room above it in an `i64` (over a thousand times as much
/// again) is theirs.
pub const MAX_POSITION: Qty = Qty::from_milli(1_000_000_000_000_000);

// A sale of MAX_SALE_LINES lines, each of MAX_LINE_QTY at MAX_PRICE_MINOR with
// the highest GST added on top, still totals inside an i64: so summing a bill
// the till was allowed to make can never overflow.
const _: () = assert!(
    (MAX_SALE_LINES as i128)
        * (MAX_PRICE_MINOR as i128)
        * (MAX_LINE_QTY.milli() as i128 / Qty::SCALE as i128)
        * (10_000 + MAX_RATE_BP as i128)
        / 10_000
        <= i64::MAX as i128
);
// Tills' facts have room past HQ's bound before a position could overflow.
const _: () = assert!(MAX_POSITION.milli() <= i64::MAX / 1000);
// A position at HQ's bound still takes a whole sale of the largest lines.
const _: () = assert!(
    (MAX_POSITION.milli() as i128) + (MAX_SALE_LINES as i128) * (MAX_LINE_QTY.milli() as i128)
        <= i64::MAX as i128
);

/// Whether `price` is a price of one unit: zero or more, and at most
/// [`MAX_PRICE_MINOR`]. The error is words for whoever sent it.
pub fn check_price(price: Money) -> Result<(), String> {
    if price.is_negative() {
        return Err("a price must not be negative".into());
    }
    if price.minor() > MAX_PRICE_MINOR {
        let most = Money::new(MAX_PRICE_MINOR, price.currency());
        return Err(format!("{price} is more than the largest price, {most}"));
    }
    Ok(())
}

/// [`check_price`], and that the price is in `currency` (a tenant's one currency).
pub fn check_price_in(price: Money, currency: Currency) -> Result<(), String> {
    if price.currency() != currency {
        return Err(format!(
            "{} is not this tenant's currency; its prices are in {currency}",
            price.currency()
        ));
    }
    check_price(price)
}

/// Whether `amount` is a drawer figure: zero or more, and at most
/// [`MAX_CASH_MINOR`]. The error is words for whoever sent it.
pub fn check_cash(amount: Money) -> Result<(), String> {
    if amount.is_negative() {
        return Err("an amount of cash cannot be negative".into());
    }
    if amount.minor() > MAX_CASH_MINOR {
        let most = Money::new(MAX_CASH_MINOR, amount.currency());
        return Err(format!(
            "{amount} is more cash than a drawer holds; the most is {most}"
        ));
    }
    Ok(())
}

/// Whether `qty` is no bigger, either way, than [`MAX_LINE_QTY`].
pub fn check_line_qty(qty: Qty) -> Result<(), String> {
    if qty.abs_milli() > MAX_LINE_QTY.abs_milli() {
        return Err(format!(
            "{qty} is more than the largest quantity on one line, {MAX_LINE_QTY}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_quantities_past_the_bounds_are_refused() {
        assert!(check_price(Money::inr(MAX_PRICE_MINOR)).is_ok());
        assert!(check_price(Money::inr(0)).is_ok());
        assert!(check_price(Money::inr(MAX_PRICE_MINOR + 1)).is_err());
        assert!(check_price(Money::inr(i64::MAX)).is_err());
        assert!(check_price(Money::inr(-1)).is_err());
        let usd = Money::new(100, Currency::parse("USD").unwrap());
        let e = check_price_in(usd, Currency::INR).unwrap_err();
        assert!(e.contains("INR"), "{e}");
        assert!(check_price_in(Money::inr(100), Currency::INR).is_ok());
        assert!(check_line_qty(MAX_LINE_QTY).is_ok());
        assert!(check_line_qty(-MAX_LINE_QTY).is_ok());
        assert!(check_line_qty(Qty::from_milli(MAX_LINE_QTY.milli() + 1)).is_err());
        assert!(check_line_qty(Qty::from_milli(i64::MIN)).is_err());
        assert!(check_cash(Money::inr(MAX_CASH_MINOR)).is_ok());
        assert!(check_cash(Money::inr(MAX_CASH_MINOR + 1)).is_err());
        assert!(check_cash(Money::inr(-1)).is_err());
    }

    #[test]
    fn the_largest_bill_sums_without_overflow() {
        // The highest GST on top of the largest line, a thousand times over.
        let line = Money::inr(MAX_PRICE_MINOR).times(MAX_LINE_QTY).unwrap();
        let tax = line.minor() / 10_000 * i64::from(MAX_RATE_BP);
        let gross = Money::inr(line.minor() + tax);
        let lines = vec![gross; MAX_SALE_LINES];
        assert!(Money::sum(Currency::INR, &lines).is_ok());
    }
}
