//! Credit at the store (the khata): a customer's account with a limit HQ
//! sets, sales put on it, and payments against what is owed.
//!
//! The limit must hold while the store's tills sell offline, apart, for days.
//! It is kept by grants, an escrow of the limit:
//!
//! - The hub grants each till a cumulative amount it may lend (`granted`),
//!   and only ever raises it. A till hearing an older grant is only more
//!   careful, so a lost or late message cannot let it lend more.
//! - A till gives part of its grant back by raising its own cumulative
//!   `released`, durably, before it tells the hub (a fact in its outbox).
//! - A till lends on credit only while
//!   `granted − released + paid here − lent here ≥ 0` ([`allowance`]):
//!   what it was granted and kept, plus what customers paid at it.
//! - The hub grants only while the sum over the account's tills of
//!   `granted − released` (as far as it has heard of releases) stays within
//!   the limit.
//!
//! So what the customer owes, the sum over tills of lent − paid, is at most
//! the sum of `granted − released`, which is at most the limit: the store
//! never lends past the limit, online or off. The slack is nil while the
//! limit stands; when HQ lowers a limit below what is already granted, the
//! tills may still lend what they hold (the slack is what was granted and not
//! yet used), and they give back the excess as they hear the new share.
//!
//! Payments at a till raise that till's allowance at once, offline too; the
//! till gives back whatever exceeds its share ([`CreditAccount::keep`]) so the
//! hub can grant it to the store's other tills. The hub keeps the rest of the
//! limit in a pool a till draws on while it can reach the hub (a top-up at
//! the sale), so a customer may use the whole limit at any one till online.

use crate::sale::{SaleCashier, TenderMethod};
use crate::{Money, StoreId, TerminalId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A customer's credit account as the hub keeps it and a till hears it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditAccount {
    /// `+91` and ten digits: the customer's mobile number.
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
    /// The store that gives the credit; its tills sell on the account.
    pub store_id: StoreId,
    /// The most the customer may owe.
    pub limit: Money,
    /// What the customer owes as far as the hub has heard.
    pub dues: Money,
    /// What each till holds for offline lending once it has given back the
    /// excess: its share of the headroom.
    pub keep: Money,
    /// Closed by HQ: no further sale on credit; payments still taken.
    #[serde(default)]
    pub closed: bool,
    /// Each till's cumulative grant, never lowered.
    pub grants: Vec<CreditGrant>,
}

/// The cumulative amount one till may lend on an account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditGrant {
    pub terminal_id: TerminalId,
    pub granted: Money,
}

impl CreditAccount {
    /// This till's grant, none when it has not been granted anything.
    pub fn granted_to(&self, terminal: TerminalId) -> i64 {
        self.grants
            .iter()
            .find(|g| g.terminal_id == terminal)
            .map_or(0, |g| g.granted.minor())
    }
}

/// What a till may still lend: granted − released + paid here − lent here,
/// in minor units (negative only when a bug or a lowered grant is at play,
/// and then it lends nothing).
pub fn allowance(granted: i64, released: i64, paid: i64, lent: i64) -> i64 {
    granted
        .saturating_sub(released)
        .saturating_add(paid)
        .saturating_sub(lent)
}

/// Money a customer paid against their dues at a till.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesPayment {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub payment_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub phone: String,
    pub amount: Money,
    /// Cash, card or UPI.
    pub method: TenderMethod,
    /// The card approval code or UPI reference; none for cash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reference: Option<String>,
    pub occurred_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cashier: Option<SaleCashier>,
}

/// A till gives back part of its grants on an account: `released` is its
/// cumulative total, so the hub keeps the largest it hears.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditReleased {
    pub release_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub phone: String,
    pub released: Money,
    pub occurred_at: Timestamp,
}

/// Body of the till's `POST /v1/sync/credit-top-up`: it needs `need` more
/// than it holds to put a sale on the account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditTopUp {
    pub phone: String,
    pub need: Money,
}

/// An Indian mobile number as `+91XXXXXXXXXX`, from the ways people write it.
pub fn normalize_phone(text: &str) -> Result<String, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let rest = digits
        .strip_prefix("+91")
        .or_else(|| {
            (digits.len() == 12)
                .then(|| digits.strip_prefix("91"))
                .flatten()
        })
        .or_else(|| {
            (digits.len() == 11)
                .then(|| digits.strip_prefix('0'))
                .flatten()
        })
        .unwrap_or(&digits);
    let ok = rest.len() == 10
        && rest.bytes().all(|b| b.is_ascii_digit())
        && matches!(rest.as_bytes()[0], b'6'..=b'9');
    if ok {
        Ok(format!("+91{rest}"))
    } else {
        // What was sent is echoed only as far as a number could reach.
        let shown: String = text.chars().take(24).collect();
        let more = if text.chars().count() > 24 { "…" } else { "" };
        Err(format!(
            "{shown:?}{more} is not an Indian mobile number (10 digits starting 6 to 9)"
        ))
    }
}

/// Whether `text` is a phone as accounts are keyed: `+91` and ten digits, the
/// first 6 to 9.
pub fn is_account_phone(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("+91") else {
        return false;
    };
    rest.len() == 10
        && rest.bytes().all(|b| b.is_ascii_digit())
        && matches!(rest.as_bytes()[0], b'6'..=b'9')
}

impl DuesPayment {
    /// Checks the amount, the method and its reference; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if !is_account_phone(&self.phone) {
            return Err("phone: an account's phone is +91 and ten digits".into());
        }
        if !self.amount.minor().is_positive() {
            return Err("amount: a payment must be more than zero".into());
        }
        if self.amount.minor() > crate::limits::MAX_CASH_MINOR {
            return Err(format!(
                "amount: {} is more than one payment takes",
                self.amount
            ));
        }
        match (self.method, self.reference.as_deref().map(str::trim)) {
            // Paying dues on account or in points would lower them with
            // nothing received: neither is money in the drawer or the bank.
            (TenderMethod::Credit | TenderMethod::Points, _) => Err(format!(
                "method: dues are paid in cash, by card or by UPI, not {}",
                match self.method {
                    TenderMethod::Credit => "on account",
                    _ => "in points",
                }
            )),
            (TenderMethod::Cash, None) => Ok(()),
            (TenderMethod::Cash, Some(_)) => Err("reference: cash takes no reference".into()),
            (m, None | Some("")) => Err(format!(
                "reference: a {} payment needs its reference",
                m.label()
            )),
            (_, Some(r)) if r.chars().count() > 64 || r.chars().any(crate::text::unseen) => {
                Err("reference: a reference is 1 to 64 printable characters".into())
            }
            _ => Ok(()),
        }
    }
}

impl CreditReleased {
    pub fn validate(&self) -> Result<(), String> {
        if !is_account_phone(&self.phone) {
            return Err("phone: an account's phone is +91 and ten digits".into());
        }
        if self.released.minor() < 0 {
            return Err("released: a till's released total cannot be negative".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tills lending against their allowances, paying and releasing in any
    /// order, and a hub granting only within the limit: what is owed never
    /// passes the limit, however the messages between them are delayed.
    #[test]
    fn grants_keep_the_store_within_the_limit() {
        let limit = 100_000i64;
        // A small deterministic generator, so a failure reproduces.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        #[derive(Default, Clone, Copy)]
        struct Till {
            heard_grant: i64,
            released: i64,
            lent: i64,
            paid: i64,
        }
        for _round in 0..200 {
            let mut tills = [Till::default(); 3];
            // What the hub granted and has heard released, per till.
            let mut granted = [0i64; 3];
            let mut heard_released = [0i64; 3];
            for _step in 0..400 {
                let t = next(3) as usize;
                match next(6) {
                    0 => {
                        // The hub grants from what is free.
                        let held: i64 = (0..3).map(|i| granted[i] - heard_released[i]).sum();
                        let raise = (next(40_000) as i64).min(limit - held);
                        if raise > 0 {
                            granted[t] += raise;
                        }
                    }
                    1 => tills[t].heard_grant = tills[t].heard_grant.max(granted[t]),
                    2 => {
                        let amount = next(30_000) as i64 + 1;
                        let till = &mut tills[t];
                        if allowance(till.heard_grant, till.released, till.paid, till.lent)
                            >= amount
                        {
                            till.lent += amount;
                        }
                    }
                    3 => {
                        let owed: i64 = tills.iter().map(|x| x.lent - x.paid).sum();
                        if owed > 0 {
                            tills[t].paid += next(owed as u64) as i64 + 1;
                        }
                    }
                    4 => {
                        let till = &mut tills[t];
                        let spare =
                            allowance(till.heard_grant, till.released, till.paid, till.lent);
                        if spare > 0 {
                            till.released += next(spare as u64) as i64 + 1;
                        }
                    }
                    // The hub hears a release later, if at all.
                    _ => heard_released[t] = heard_released[t].max(tills[t].released),
                }
                let owed: i64 = tills.iter().map(|x| x.lent - x.paid).sum();
                assert!(owed <= limit, "owed {owed} past the limit {limit}");
            }
        }
    }

    #[test]
    fn a_payment_names_what_is_wrong() {
        let ok = DuesPayment {
            payment_id: Uuid::now_v7(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            phone: "+919876543210".into(),
            amount: Money::inr(50_000),
            method: TenderMethod::Cash,
            reference: None,
            occurred_at: Timestamp::now(),
            cashier: None,
        };
        assert_eq!(ok.validate(), Ok(()));
        let with = |f: &dyn Fn(&mut DuesPayment)| {
            let mut p = ok.clone();
            f(&mut p);
            p.validate().unwrap_err()
        };
        assert!(with(&|p| p.amount = Money::inr(0)).starts_with("amount"));
        assert!(with(&|p| p.phone = "98765".into()).starts_with("phone"));
        assert!(with(&|p| p.method = TenderMethod::Upi).starts_with("reference"));
        assert!(with(&|p| p.method = TenderMethod::Credit).starts_with("method"));
        for method in [TenderMethod::Credit, TenderMethod::Points] {
            let refused = with(&|p| {
                p.method = method;
                p.reference = Some("x".into());
            });
            assert!(refused.starts_with("method"), "{refused}");
        }
        assert!(with(&|p| p.reference = Some("X".into())).starts_with("reference"));
    }
}
