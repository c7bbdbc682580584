//! Discounts at the till: on a line, on the whole bill, or both, each with a
//! reason, within the signed-in role's limit or with a senior's approval.
//!
//! A bill discount is spread over the lines in proportion to what is left of
//! each after its own discount, cumulatively, so the shares add up to the bill
//! discount exactly. Discounts come off the net amount before GST.

use super::sale::SaleRejection;
use pos_shared::sale::{LineDiscount, SaleCashier};
use pos_shared::staff::Role;
use pos_shared::staff::StaffRecord;
use pos_shared::{Money, Qty};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DiscountRequest {
    /// Percent off, e.g. `"10"` or `"12.5"`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub percent: Option<Qty>,
    /// Or an amount off.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub amount: Option<Money>,
    pub reason: String,
}

/// A senior's code and PIN, for a discount beyond the signed-in role's limit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub code: String,
    pub pin: String,
}

/// The largest discount each role may give, in basis points of the amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscountLimits {
    pub cashier_bp: u32,
    pub supervisor_bp: u32,
    pub manager_bp: u32,
}

impl Default for DiscountLimits {
    fn default() -> Self {
        DiscountLimits {
            cashier_bp: 500,
            supervisor_bp: 2000,
            manager_bp: 10_000,
        }
    }
}

impl DiscountLimits {
    pub fn for_role(&self, role: Role) -> u32 {
        match role {
            Role::Cashier => self.cashier_bp,
            Role::Supervisor => self.supervisor_bp,
            Role::Manager => self.manager_bp,
        }
    }

    /// `cashier=5,supervisor=20,manager=100` (percent).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut limits = DiscountLimits::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (role, pct) = part
                .split_once('=')
                .ok_or_else(|| format!("discount limit {part:?} is not role=percent"))?;
            let role = Role::parse(role.trim())
                .ok_or_else(|| format!("{role:?} is not cashier, supervisor or manager"))?;
            let bp = percent_bp(pct.trim())?;
            match role {
                Role::Cashier => limits.cashier_bp = bp,
                Role::Supervisor => limits.supervisor_bp = bp,
                Role::Manager => limits.manager_bp = bp,
            }
        }
        Ok(limits)
    }
}

/// A discount limit in percent (`5`, `12.5`) as basis points.
pub fn percent_bp(pct: &str) -> Result<u32, String> {
    Qty::parse(pct)
        .ok()
        .map(|q| q.milli() / 10)
        .filter(|bp| (0..=10_000).contains(bp))
        .map(|bp| bp as u32)
        .ok_or_else(|| format!("discount limit {pct:?} is not a percent from 0 to 100"))
}

/// The amount `request` takes off `base`, checked; `field` names it in errors.
fn amount_off(field: &str, request: &DiscountRequest, base: Money) -> Result<Money, SaleRejection> {
    if let Err(why) = pos_shared::text::line("a discount's reason", &request.reason, 100, false) {
        return Err(SaleRejection::invalid(format!("{field}.reason"), why));
    }
    let off = match (request.percent, request.amount) {
        (Some(pct), None) => {
            let bp = pct.milli() / 10;
            if !(1..=10_000).contains(&bp) || pct.milli() % 10 != 0 {
                return Err(SaleRejection::invalid(
                    format!("{field}.percent"),
                    "percent must be more than 0 and at most 100, to two decimals",
                ));
            }
            Money::new(share(base.minor(), bp, 10_000), base.currency())
        }
        (None, Some(amount)) => {
            if amount.currency() != base.currency() || !amount.minor().is_positive() {
                return Err(SaleRejection::invalid(
                    format!("{field}.amount"),
                    format!("the amount must be a positive {} amount", base.currency()),
                ));
            }
            amount
        }
        _ => {
            return Err(SaleRejection::invalid(
                field,
                "give either percent or amount",
            ))
        }
    };
    if off.minor() > base.minor() {
        return Err(SaleRejection::invalid(
            field,
            format!("{off} off is more than the {base} it applies to"),
        ));
    }
    Ok(off)
}

/// `value × num / den` rounded half up (values here are never negative).
fn share(value: i64, num: i64, den: i64) -> i64 {
    let (v, n, d) = (i128::from(value), i128::from(num), i128::from(den));
    ((2 * v * n + d) / (2 * d)) as i64
}

/// Each line's discount, and the steepest discount given in basis points (for
/// the role check). `nets` are the lines' price × qty.
pub fn allocate(
    nets: &[Money],
    line_requests: &[Option<&DiscountRequest>],
    bill: Option<&DiscountRequest>,
) -> Result<(Vec<Option<LineDiscount>>, u32), SaleRejection> {
    let mut steepest = 0u32;
    let mut own = Vec::with_capacity(nets.len());
    for (i, (net, request)) in nets.iter().zip(line_requests).enumerate() {
        match request {
            None => own.push((Money::new(0, net.currency()), None)),
            Some(r) => {
                let off = amount_off(&format!("lines[{i}].discount"), r, *net)?;
                if net.minor() > 0 {
                    steepest = steepest.max(share(off.minor(), 10_000, net.minor()) as u32);
                }
                own.push((off, Some(r.reason.trim().to_owned())));
            }
        }
    }
    let left: Vec<i64> = nets
        .iter()
        .zip(&own)
        .map(|(n, (o, _))| n.minor() - o.minor())
        .collect();
    let base: i64 = left.iter().sum();
    let mut bill_shares = vec![0i64; nets.len()];
    let mut bill_reason = None;
    if let Some(r) = bill {
        let cur = nets
            .first()
            .map_or(pos_shared::Currency::INR, |n| n.currency());
        let off = amount_off("bill_discount", r, Money::new(base, cur))?;
        if base > 0 {
            steepest = steepest.max(share(off.minor(), 10_000, base) as u32);
            let mut cum = 0i64;
            let mut given = 0i64;
            for (i, l) in left.iter().enumerate() {
                cum += l;
                let upto = share(off.minor(), cum, base);
                bill_shares[i] = upto - given;
                given = upto;
            }
        }
        bill_reason = Some(format!("bill: {}", r.reason.trim()));
    }
    let discounts = own
        .into_iter()
        .zip(bill_shares)
        .map(|((off, reason), bill_share)| {
            let amount = off.minor() + bill_share;
            (amount > 0).then(|| LineDiscount {
                amount: Money::new(amount, off.currency()),
                reason: [
                    reason,
                    if bill_share > 0 {
                        bill_reason.clone()
                    } else {
                        None
                    },
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; "),
            })
        })
        .collect();
    Ok((discounts, steepest))
}

/// What a sale asks of whoever authorises it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Authority {
    /// The steepest discount given, in basis points.
    pub discount_bp: u32,
    /// The least role that may do something else asked (a price override).
    pub min_role: Option<Role>,
    /// That something, in words: `a price override`, `voiding a bill`.
    pub action: &'static str,
}

impl Authority {
    fn allows(&self, limits: &DiscountLimits, role: Role) -> bool {
        self.discount_bp <= limits.for_role(role) && self.min_role.is_none_or(|r| role >= r)
    }
}

/// A senior whose code and PIN checked out, before any transaction began:
/// the PIN hash is slow on purpose and must not hold the till's database.
#[derive(Debug, Clone)]
pub struct Approver {
    pub role: Role,
    pub who: SaleCashier,
}

/// An approval whose code is unknown or inactive, or whose PIN is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the approving code or PIN is wrong")]
pub struct WrongApproval;

/// Checks an approval's PIN against the member of staff found by its code;
/// `Err` when the code is unknown, inactive or the PIN is wrong.
pub fn verify(member: Option<StaffRecord>, approval: &Approval) -> Result<Approver, WrongApproval> {
    member
        .filter(|s| s.active && s.pin_matches(&approval.pin))
        .map(|s| Approver {
            role: s.role,
            who: SaleCashier {
                staff_id: s.staff_id,
                name: s.name,
            },
        })
        .ok_or(WrongApproval)
}

/// Checks what the sale asks against the signed-in role (a cashier's when
/// nobody is signed in), or else against the approver's; returns who approved
/// when someone had to. `approval` is the outcome of [`verify`], if one was given.
pub fn authorize(
    limits: &DiscountLimits,
    signed_in: Option<Role>,
    asks: Authority,
    approval: Option<&Result<Approver, WrongApproval>>,
) -> Result<Option<SaleCashier>, SaleRejection> {
    if asks.allows(limits, signed_in.unwrap_or(Role::Cashier)) {
        return Ok(None);
    }
    let bp = asks.discount_bp;
    let pct = format!("{}.{:02}%", bp / 100, bp % 100);
    let what = match (asks.min_role.is_some(), bp > limits.cashier_bp) {
        (true, false) => asks.action.to_owned(),
        (true, true) => format!("{} and a {pct} discount", asks.action),
        (false, _) => format!("a {pct} discount"),
    };
    let needed = [Role::Supervisor, Role::Manager]
        .into_iter()
        .find(|r| asks.allows(limits, *r));
    let Some(approval) = approval else {
        return Err(SaleRejection::invalid(
            "approval",
            match needed {
                Some(r) => format!(
                    "{what} needs a {}'s approval: their code and PIN",
                    r.as_str()
                ),
                None => format!("{what} is beyond every role's limit"),
            },
        ));
    };
    match approval {
        Err(wrong) => Err(SaleRejection::invalid("approval", wrong.to_string())),
        Ok(a) if asks.min_role.is_some_and(|r| a.role < r) => Err(SaleRejection::invalid(
            "approval",
            format!(
                "{} may not approve {}: that needs a {}",
                a.who.name,
                asks.action,
                asks.min_role.map_or("manager", |r| r.as_str())
            ),
        )),
        Ok(a) if !asks.allows(limits, a.role) => Err(SaleRejection::invalid(
            "approval",
            format!(
                "{} may approve discounts up to {}%, not {pct}",
                a.who.name,
                limits.for_role(a.role) / 100
            ),
        )),
        Ok(a) => Ok(Some(a.who.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(p: &str, reason: &str) -> DiscountRequest {
        DiscountRequest {
            percent: Some(Qty::parse(p).unwrap()),
            amount: None,
            reason: reason.into(),
        }
    }

    #[test]
    fn a_bill_discount_is_shared_out_exactly() {
        // Lines of 10.00, 20.00 and 0.01; 10 % off the first; then 3.33 off the bill.
        let nets = [Money::inr(1000), Money::inr(2000), Money::inr(1)];
        let first = pct("10", "damaged box");
        let bill = DiscountRequest {
            percent: None,
            amount: Some(Money::inr(333)),
            reason: "loyalty".into(),
        };
        let (d, steepest) = allocate(&nets, &[Some(&first), None, None], Some(&bill)).unwrap();
        // Left after line discounts: 900, 2000, 1 (2901). Cumulative shares of
        // 333: 900/2901 → 103.31 → 103; 2900/2901 → 332.89 → 333; 2901 → 333.
        let amounts: Vec<i64> = d
            .iter()
            .map(|x| x.as_ref().map_or(0, |x| x.amount.minor()))
            .collect();
        assert_eq!(amounts, [100 + 103, 230, 0]);
        assert_eq!(amounts.iter().sum::<i64>(), 100 + 333);
        assert_eq!(d[0].as_ref().unwrap().reason, "damaged box; bill: loyalty");
        assert_eq!(steepest, 1148, "333 of 2901 is 11.48 %");
    }

    #[test]
    fn bad_discounts_name_the_field() {
        let nets = [Money::inr(1000)];
        let cases = [
            (pct("0", "x"), "lines[0].discount.percent"),
            (pct("100.5", "x"), "lines[0].discount.percent"),
            (pct("10", " "), "lines[0].discount.reason"),
            (
                DiscountRequest {
                    percent: None,
                    amount: Some(Money::inr(1001)),
                    reason: "x".into(),
                },
                "lines[0].discount",
            ),
            (
                DiscountRequest {
                    percent: Some(Qty::units(5)),
                    amount: Some(Money::inr(1)),
                    reason: "x".into(),
                },
                "lines[0].discount",
            ),
        ];
        for (request, field) in cases {
            match allocate(&nets, &[Some(&request)], None) {
                Err(SaleRejection::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert_eq!(
            DiscountLimits::parse("cashier=2.5,manager=50").unwrap(),
            DiscountLimits {
                cashier_bp: 250,
                supervisor_bp: 2000,
                manager_bp: 5000
            }
        );
        assert!(DiscountLimits::parse("owner=5").is_err());
        assert!(DiscountLimits::parse("cashier=120").is_err());
    }
}
