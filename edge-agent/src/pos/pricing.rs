//! Pricing a bill: quantities checked against each item's unit and the
//! shared bounds, modifiers, overrides, discounts (and the authority they
//! need), GST and the total. No I/O: the products come in resolved.
//!
//! A counted (`each`) item sells in whole pieces and a measured one to its
//! unit's step ([`pos_shared::item::Unit::check_qty`]); a weight read from a
//! scale label is a measurement and sells as weighed, whatever unit the
//! catalog gives the item (the hub makes such items `kg` once their weighed
//! sales reach it). No line may exceed [`limits::MAX_LINE_QTY`] or carry a
//! unit price above [`limits::MAX_PRICE_MINOR`], and a bill has at most
//! [`limits::MAX_SALE_LINES`] lines: so no bill the till makes can overflow.
//!
//! One path for both the sale that commits and the quote the cashier sees
//! before tendering, so the two can never disagree.

use super::discounts::{self, DiscountRequest};
use super::line::{resolve_line, ResolvedLine};
use super::product::ProductView;
use super::sale::{NegativeStock, SalePolicy, SaleRejection, SaleRequest};
use pos_shared::limits;
use pos_shared::sale::{PriceOverride, SaleCashier, SaleLine};
use pos_shared::{Money, MovementId, Qty};
use serde::Serialize;

/// A bill priced line by line, before any tender.
pub struct PricedBill {
    pub lines: Vec<SaleLine>,
    pub total: Money,
    pub approved_by: Option<SaleCashier>,
    /// Stock warnings for the cashier (policy `warn`).
    pub warnings: Vec<String>,
}

/// Reads each line's barcode as of `today` (the store's day, `YYYY-MM-DD`),
/// or the first refusal.
pub fn resolve_lines(
    request: &SaleRequest,
    policy: &SalePolicy,
    today: &str,
) -> Result<Vec<ResolvedLine>, SaleRejection> {
    if request.lines.is_empty() {
        return Err(SaleRejection::invalid(
            "lines",
            "a sale needs at least one line",
        ));
    }
    if request.lines.len() > limits::MAX_SALE_LINES {
        return Err(SaleRejection::invalid(
            "lines",
            format!("a sale has at most {} lines", limits::MAX_SALE_LINES),
        ));
    }
    request
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| resolve_line(i, line, policy, today))
        .collect()
}

/// Prices `request` from its lines' products (`products[i]` for
/// `barcodes[i]`), as the replica had them.
pub fn price_bill(
    products: &[ProductView],
    policy: &SalePolicy,
    request: &SaleRequest,
    barcodes: &[ResolvedLine],
) -> Result<PricedBill, SaleRejection> {
    let sold: Vec<ResolvedLine> = products
        .iter()
        .zip(barcodes)
        .enumerate()
        .map(|(i, (p, l))| l.sold_as(p, &format!("lines[{i}].qty")))
        .collect::<Result<_, _>>()?;
    let barcodes = &sold[..];
    for (i, (p, resolved)) in products.iter().zip(barcodes).enumerate() {
        if let Err(e) = check_qty(p, resolved, policy.max_line_qty) {
            return Err(SaleRejection::invalid(format!("lines[{i}].qty"), e));
        }
    }
    let mut warnings = check_stock(policy.negative_stock, products, barcodes)?;
    warnings.extend(best_before_passed(barcodes, products));
    let currency = products[0].price.currency();
    let mut priced = Vec::with_capacity(products.len());
    let mut overrides = Vec::with_capacity(products.len());
    let mut chosen_modifiers = Vec::with_capacity(products.len());
    for (i, (p, req)) in products.iter().zip(barcodes).enumerate() {
        // A price the symbol carries is the line's amount: one pack at it,
        // or a weighed pack at that amount per kg, to the paisa (the fact
        // keeps unit price × quantity, so the line may differ from the
        // label by the rounding of a paisa per kg).
        if req.label_currency.is_some() && req.label_currency != p.price.currency().iso_numeric() {
            return Err(SaleRejection::invalid(
                format!("lines[{i}].barcode"),
                "the price in this barcode is in another currency; key the item in instead",
            ));
        }
        let mut unit_price = match req.label_price {
            Some(minor) if req.weighed => per_unit(minor, req.qty, p.price.currency()),
            Some(minor) => Money::new(minor, p.price.currency()),
            None => p.price,
        };
        let chosen = match pos_shared::modifiers::choose(&p.modifiers, &request.lines[i].modifiers)
        {
            Ok(c) => c,
            Err(e) => return Err(SaleRejection::invalid(format!("lines[{i}].modifiers"), e)),
        };
        for c in &chosen {
            unit_price = match unit_price.checked_add(c.price) {
                Ok(u) => u,
                Err(e) => {
                    return Err(SaleRejection::invalid(
                        format!("lines[{i}].modifiers"),
                        e.to_string(),
                    ))
                }
            };
        }
        chosen_modifiers.push(chosen);
        let mut price_override = symbol_price_differs(p, req).then(|| PriceOverride {
            catalog_price: p.price,
            reason: "price printed in the barcode".into(),
        });
        if let Some(o) = &request.lines[i].price_override {
            let field = format!("lines[{i}].price_override.reason");
            let reason = pos_shared::text::line("a price override's reason", &o.reason, 100, false)
                .map_err(|why| SaleRejection::invalid(field, why))?;
            if o.price.is_negative() || o.price.currency() != unit_price.currency() {
                return Err(SaleRejection::invalid(
                    format!("lines[{i}].price_override.price"),
                    format!(
                        "the price must be a {} amount of zero or more",
                        unit_price.currency()
                    ),
                ));
            }
            if let Err(e) = limits::check_price(o.price) {
                return Err(SaleRejection::invalid(
                    format!("lines[{i}].price_override.price"),
                    e,
                ));
            }
            price_override = Some(PriceOverride {
                catalog_price: unit_price,
                reason,
            });
            unit_price = o.price;
        } else if let Err(e) = limits::check_price(unit_price) {
            // Only a catalog from before the bound (or its modifiers) can
            // get here; an override at a sane price still sells the item.
            let at = match request.lines[i].modifiers.is_empty() {
                true => "barcode",
                false => "modifiers",
            };
            return Err(SaleRejection::invalid(format!("lines[{i}].{at}"), e));
        }
        overrides.push(price_override);
        let gross_net = match unit_price.times(req.qty) {
            Ok(m) if m.currency() == currency => m,
            Ok(_) => {
                return Err(SaleRejection::invalid(
                    format!("lines[{i}]"),
                    "items in one sale must share a currency",
                ))
            }
            Err(e) => {
                return Err(SaleRejection::invalid(
                    format!("lines[{i}].qty"),
                    e.to_string(),
                ))
            }
        };
        priced.push((unit_price, gross_net));
    }
    let nets: Vec<Money> = priced.iter().map(|(_, n)| *n).collect();
    let line_discounts: Vec<Option<&DiscountRequest>> =
        request.lines.iter().map(|l| l.discount.as_ref()).collect();
    let (discounts, steepest) =
        discounts::allocate(&nets, &line_discounts, request.bill_discount.as_ref())?;
    let overridden = overrides.iter().any(Option::is_some);
    let sells_expired = barcodes.iter().any(|l| l.sells_expired);
    let asks = discounts::Authority {
        discount_bp: steepest,
        min_role: (overridden || sells_expired).then_some(pos_shared::staff::Role::Supervisor),
        action: match sells_expired {
            true => "selling a pack past its use-by date",
            false => "a price override",
        },
    };
    let approved_by = discounts::authorize(
        &policy.discount_limits,
        request.cashier_role,
        asks,
        request.approver.as_ref(),
    )?;
    let mut lines = Vec::with_capacity(products.len());
    for (i, ((((p, req), ((unit_price, gross_net), discount)), price_override), modifiers)) in
        products
            .iter()
            .zip(barcodes)
            .zip(priced.into_iter().zip(discounts))
            .zip(overrides)
            .zip(chosen_modifiers)
            .enumerate()
    {
        let net = match &discount {
            Some(d) => gross_net.checked_sub(d.amount).unwrap_or(gross_net),
            None => gross_net,
        };
        // GST per line, on the discounted amount, by the one rule set the hub checks too.
        let tax = match &p.tax {
            Some(class) => match pos_shared::tax::line_tax(net, class, policy.igst) {
                Ok(t) => Some(t),
                Err(e) => return Err(SaleRejection::invalid(format!("lines[{i}]"), e.to_string())),
            },
            None => None,
        };
        let line_total = match &tax {
            Some(t) => match t.gross(net) {
                Ok(g) => g,
                Err(e) => return Err(SaleRejection::invalid(format!("lines[{i}]"), e.to_string())),
            },
            None => net,
        };
        lines.push(SaleLine {
            movement_id: MovementId::new(),
            variant_id: p.variant_id,
            barcode: p.barcode.clone(),
            name: p.name.clone(),
            qty: req.qty,
            unit_price,
            line_total,
            tax,
            discount,
            price_override,
            modifiers,
            batch: req.batch.clone(),
            expires_on: req.expires_on.clone(),
        });
    }
    let total = match Money::sum(currency, lines.iter().map(|l| &l.line_total)) {
        Ok(t) => t,
        Err(e) => return Err(SaleRejection::invalid("lines", e.to_string())),
    };
    Ok(PricedBill {
        lines,
        total,
        approved_by,
        warnings,
    })
}

/// What the bill comes to, for the tender screen: nothing is written.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SaleQuote {
    pub lines: Vec<SaleLine>,
    pub total: Money,
    /// What a bill paid (partly) in cash is rounded by to the store's cash unit.
    pub cash_rounding: Money,
    /// What the customer pays when any of it is cash: `total + cash_rounding`.
    pub cash_payable: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub discount_approved_by: Option<SaleCashier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub warnings: Vec<String>,
}

impl SaleQuote {
    /// The quote of a priced bill, with the cash rounding `policy` makes.
    pub fn new(priced: PricedBill, policy: &SalePolicy) -> Self {
        let cash_rounding = policy.rounding(priced.total);
        SaleQuote {
            cash_payable: priced
                .total
                .checked_add(cash_rounding)
                .unwrap_or(priced.total),
            cash_rounding,
            lines: priced.lines,
            total: priced.total,
            discount_approved_by: priced.approved_by,
            warnings: priced.warnings,
        }
    }
}

/// `amount` minor units spread over `qty`, to the paisa: the unit price of
/// a weighed pack whose label gives the pack's price.
fn per_unit(amount: i64, qty: Qty, currency: pos_shared::Currency) -> Money {
    let milli = i128::from(qty.milli().max(1));
    let minor = (i128::from(amount) * 1000 + milli / 2) / milli;
    Money::new(i64::try_from(minor).unwrap_or(i64::MAX), currency)
}

/// Whether a price a supplier's GS1 symbol carries differs from what the
/// catalog charges for the same pack (by more than the paisa of rounding):
/// then it is a price override, which needs a supervisor like any other.
/// The store's own scale labels are its prices and are taken as printed.
fn symbol_price_differs(product: &ProductView, line: &ResolvedLine) -> bool {
    let Some(label) = line.label_price.filter(|_| line.from_symbol) else {
        return false;
    };
    let catalog = match line.weighed {
        true => product.price.times(line.qty).map(|m| m.minor()),
        false => Ok(product.price.minor()),
    };
    catalog.map_or(true, |c| (label - c).abs() > 1)
}

/// Warnings for packs whose best-before date has passed: still sold.
fn best_before_passed(lines: &[ResolvedLine], products: &[ProductView]) -> Vec<String> {
    lines
        .iter()
        .zip(products)
        .enumerate()
        .filter_map(|(i, (l, p))| {
            let day = l.best_before.as_deref().filter(|_| l.past_best_before)?;
            Some(format!("lines[{i}]: {} was best before {day}", p.name))
        })
        .collect()
}

/// Whether a line's quantity may be sold: more than zero, within the
/// store's most on one line (`most`, itself within the shared bound), and in
/// the item's unit (whole pieces of a counted item) unless a scale weighed
/// it. An item whose unit the replica has not heard yet sells as before.
fn check_qty(product: &ProductView, line: &ResolvedLine, most: Qty) -> Result<(), String> {
    if !line.qty.is_positive() {
        return Err(format!(
            "{} is not a quantity to sell: enter more than zero",
            line.qty
        ));
    }
    let most = most.min(limits::MAX_LINE_QTY);
    if line.qty > most {
        return Err(format!(
            "{} is more than the largest quantity on one line: at most {} per line",
            line.qty,
            grouped(most)
        ));
    }
    match product.unit {
        Some(pos_shared::item::Unit::Each) if !line.weighed && !line.qty.is_whole() => {
            Err(format!(
                "{} is sold by the piece: enter a whole number, not {}",
                product.name, line.qty
            ))
        }
        Some(unit) if !line.weighed => unit.check_qty(line.qty),
        _ => Ok(()),
    }
}

/// A quantity with its thousands grouped, as a cashier reads it: `9,999`.
fn grouped(qty: Qty) -> String {
    let text = qty.to_string();
    let (whole, fraction) = text
        .split_once('.')
        .map_or((&text[..], None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(f) => format!("{out}.{f}"),
        None => out,
    }
}

/// Applies the negative-stock policy to the whole basket (one item on several
/// lines counts once); returns warnings, or the refusal of the first short line.
fn check_stock(
    policy: NegativeStock,
    products: &[ProductView],
    lines: &[ResolvedLine],
) -> Result<Vec<String>, SaleRejection> {
    if policy == NegativeStock::Allow {
        return Ok(Vec::new());
    }
    let mut wanted: Vec<(usize, Qty)> = Vec::new();
    for (i, (p, l)) in products.iter().zip(lines).enumerate() {
        match wanted
            .iter_mut()
            .find(|(j, _)| products[*j].variant_id == p.variant_id)
        {
            Some((_, q)) => *q = q.checked_add(l.qty).unwrap_or(*q),
            None => wanted.push((i, l.qty)),
        }
    }
    let mut warnings = Vec::new();
    for (i, qty) in wanted {
        let p = &products[i];
        if qty > p.available {
            let message = format!("{} in stock of {}, {} sold", p.available, p.name, qty);
            if policy == NegativeStock::Block {
                return Err(SaleRejection::invalid(
                    format!("lines[{i}].qty"),
                    format!("only {message}"),
                ));
            }
            warnings.push(format!("lines[{i}]: stock goes below zero: {message}"));
        }
    }
    Ok(warnings)
}
