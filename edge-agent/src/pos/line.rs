//! A sale line made concrete from its scan: which item to look up, how
//! much, at what price, and what the symbol says about the pack.
//!
//! Every barcode a line carries is read by [`pos_shared::scan_code`]: EAN
//! and UPC (UPC-E expanded), GTIN-14, GS1 element strings from GS1-128,
//! DataMatrix, QR or DataBar, and the store's scale labels. A weight in the
//! symbol (AI 310n, a weighed label) is the quantity, priced per kg; a price
//! in it (AI 392n, a priced label) is the line's amount. A pack past its
//! use-by date (AI 17) is refused unless the line asks to sell it anyway,
//! which needs a supervisor ([`super::pricing`]); a passed best-before date
//! (AI 15) is a warning.

use super::product::ProductView;
use super::sale::{SaleLineRequest, SalePolicy, SaleRejection};
use pos_shared::scan_code::CodeForm;
use pos_shared::scan_code::{read_scan, ScannedCode};
use pos_shared::{Gtin, Qty};

/// A request line made concrete: which barcode to look up and how much.
#[derive(Debug, Clone)]
pub struct ResolvedLine {
    pub(crate) lookup: Gtin,
    /// Another reading of the same digits, tried when `lookup` names no item.
    pub(crate) alternative: Option<Gtin>,
    pub(crate) qty: Qty,
    /// The quantity is a weight the symbol carried: a measurement, sold as
    /// weighed whatever unit the catalog gives the item.
    pub(crate) weighed: bool,
    /// The line's amount the symbol carried, in minor units.
    pub(crate) label_price: Option<i64>,
    /// The ISO 4217 numeric currency of `label_price`, when the symbol named one.
    pub(crate) label_currency: Option<u16>,
    pub(crate) batch: Option<String>,
    pub(crate) expires_on: Option<String>,
    pub(crate) best_before: Option<String>,
    /// The best-before date has passed: sold, with a warning.
    pub(crate) past_best_before: bool,
    /// The line sells a pack past its use-by date, as the cashier asked.
    pub(crate) sells_expired: bool,
    /// The weight or price came from a GS1 symbol the supplier printed, not
    /// from the store's own scale: checked against the catalog when priced.
    pub(crate) from_symbol: bool,
    /// The quantity the cashier keyed, when the symbol also carried a weight.
    pub(crate) keyed_qty: Option<Qty>,
}

impl ResolvedLine {
    /// The line as `product` sells: a supplier's GS1 weight on a pack of a
    /// counted (`each`) item is information about the pack, not the
    /// quantity, which is then what was keyed (else one pack).
    pub(crate) fn sold_as(
        &self,
        product: &ProductView,
        field: &str,
    ) -> Result<Self, SaleRejection> {
        let counted = product.unit == Some(pos_shared::item::Unit::Each);
        let mut line = self.clone();
        if self.from_symbol && self.weighed && counted {
            line.qty = self.keyed_qty.unwrap_or(Qty::units(1));
            line.weighed = false;
        } else if self.weighed && self.keyed_qty.is_some() {
            return Err(SaleRejection::invalid(
                field,
                "this label carries its own weight or price; leave qty out",
            ));
        }
        Ok(line)
    }
}

/// Reads line `i`'s barcode as of `today` (`YYYY-MM-DD`, the store's day).
pub fn resolve_line(
    i: usize,
    line: &SaleLineRequest,
    policy: &SalePolicy,
    today: &str,
) -> Result<ResolvedLine, SaleRejection> {
    let field = format!("lines[{i}].barcode");
    let qty_field = format!("lines[{i}].qty");
    let year = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2000);
    let code = read_scan(&line.barcode, &policy.scale_rules, year)
        .map_err(|p| SaleRejection::invalid(&field, format!("{} ({})", p.message, p.detail)))?;
    let expired = code.expiry.as_deref().is_some_and(|d| d < today);
    if expired && !line.sell_expired {
        return Err(SaleRejection::invalid(
            &field,
            format!(
                "this pack expired on {}: take it off the shelf (a supervisor can approve selling it)",
                code.expiry.as_deref().unwrap_or_default()
            ),
        ));
    }
    let zero_weight = code.net_weight.is_some_and(|w| !w.is_positive());
    if zero_weight || code.price_minor.is_some_and(|p| p <= 0) {
        return Err(SaleRejection::invalid(
            &field,
            "the label's weight or price is zero",
        ));
    }
    let from_symbol = code.form == CodeForm::Gs1;
    // A supplier's symbol may carry a weight beside a keyed count (its
    // item's unit decides later); a store's own label never.
    let keyed_qty = line
        .qty
        .filter(|_| from_symbol && code.net_weight.is_some());
    let (qty, weighed) = quantity(&code, line.qty.filter(|_| keyed_qty.is_none()), &qty_field)?;
    Ok(ResolvedLine {
        lookup: code.gtin,
        alternative: code.alternative,
        qty,
        weighed,
        label_price: code.price_minor,
        label_currency: code.price_currency,
        batch: code.batch,
        expires_on: code.expiry,
        past_best_before: code.best_before.as_deref().is_some_and(|d| d < today),
        best_before: code.best_before,
        sells_expired: expired,
        from_symbol,
        keyed_qty,
    })
}

/// The line's quantity: the weight the symbol carries, one pack at the
/// price it carries, or what the cashier keyed (the symbol's count when
/// they keyed none).
fn quantity(
    code: &ScannedCode,
    keyed: Option<Qty>,
    field: &str,
) -> Result<(Qty, bool), SaleRejection> {
    let carried = code.net_weight.is_some() || code.price_minor.is_some();
    if carried && keyed.is_some() {
        return Err(SaleRejection::invalid(
            field,
            "this label carries its own weight or price; leave qty out",
        ));
    }
    match (code.net_weight, code.price_minor) {
        (Some(w), _) => Ok((w, true)),
        (None, Some(_)) => Ok((Qty::units(1), false)),
        (None, None) => {
            let qty = keyed
                .or_else(|| {
                    code.count
                        .filter(|c| *c > 0)
                        .map(|c| Qty::units(i64::from(c)))
                })
                .ok_or_else(|| SaleRejection::invalid(field, "quantity is required"))?;
            if !qty.is_positive() {
                return Err(SaleRejection::invalid(
                    field,
                    format!("{qty} is not a quantity to sell: enter more than zero"),
                ));
            }
            Ok((qty, false))
        }
    }
}
