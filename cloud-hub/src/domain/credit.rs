//! Credit accounts as HQ keeps them (`pos_shared::credit` has the scheme):
//! the limit HQ sets for a customer at a store, what is owed, each till's
//! share, the statement and its ageing, and the hub's rule for granting the
//! store's tills their shares.

use pos_shared::{Money, StoreId, TerminalId, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// The most characters of an account holder's name.
pub const MAX_HOLDER_NAME: usize = 120;

/// An account as HQ sets it, already checked.
#[derive(Debug, Clone)]
pub struct SetCreditAccount {
    pub phone: String,
    pub store_id: StoreId,
    pub name: Option<String>,
    pub limit: Money,
    pub closed: bool,
}

/// One till's standing on an account, as the hub has heard it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TillShare {
    pub terminal_id: TerminalId,
    /// Cumulative grant, never lowered.
    pub granted: Money,
    /// Cumulative amount the till gave back.
    pub released: Money,
    /// Put on the account at this till, as far as the hub has heard.
    pub lent: Money,
    /// Paid against the account at this till.
    pub paid: Money,
}

impl super::escrow::Holding for TillShare {
    fn terminal(&self) -> TerminalId {
        self.terminal_id
    }
    fn granted(&self) -> i64 {
        self.granted.minor()
    }
    fn set_granted(&mut self, granted: i64) {
        self.granted = Money::new(granted, self.granted.currency());
    }
    fn released(&self) -> i64 {
        self.released.minor()
    }
    fn used(&self) -> i64 {
        self.lent.minor()
    }
    fn returned(&self) -> i64 {
        self.paid.minor()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CreditAccountReport {
    pub account_id: Uuid,
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub store_id: StoreId,
    pub limit: Money,
    /// Owed as far as the hub has heard: put on the account less paid.
    pub dues: Money,
    /// Limit less dues (negative when a lowered limit is exceeded).
    pub headroom: Money,
    /// What each till of the store holds for offline lending.
    pub keep: Money,
    pub closed: bool,
    pub tills: Vec<TillShare>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A line of an account's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatementEntry {
    /// The sale's id, or the payment's.
    pub id: Uuid,
    /// `sale` (put on the account), `payment`, or `refund` (a return's
    /// refund back on the account).
    pub kind: String,
    pub occurred_at: Timestamp,
    pub terminal_id: TerminalId,
    /// Positive for a sale, negative for a payment or refund.
    pub amount: Money,
    /// The bill's or return's number, or how it was paid.
    pub reference: String,
    /// Owed after this entry.
    pub balance: Money,
}

/// What is owed by how long ago it was put on the account, payments taken
/// against the oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Ageing {
    pub days_0_30: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90_days: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CreditStatement {
    pub account: CreditAccountReport,
    /// Oldest first.
    pub entries: Vec<StatementEntry>,
    pub ageing: Ageing,
}

impl Ageing {
    /// Ages `entries` (oldest first, sales positive, payments negative) as
    /// of `now`: payments settle the oldest sales first; what remains of each
    /// sale falls in the bucket of its age.
    pub fn of(entries: &[StatementEntry], now: Timestamp) -> Ageing {
        let currency = entries
            .first()
            .map_or(pos_shared::Currency::INR, |e| e.amount.currency());
        let mut paid: i64 = entries
            .iter()
            .filter(|e| e.amount.is_negative())
            .map(|e| -e.amount.minor())
            .sum();
        let mut buckets = [0i64; 4];
        for sale in entries.iter().filter(|e| e.amount.minor() > 0) {
            let settled = paid.min(sale.amount.minor());
            paid -= settled;
            let open = sale.amount.minor() - settled;
            let days = (now.unix_millis() - sale.occurred_at.unix_millis()).max(0) / 86_400_000;
            let bucket = match days {
                0..=30 => 0,
                31..=60 => 1,
                61..=90 => 2,
                _ => 3,
            };
            buckets[bucket] += open;
        }
        let m = |minor| Money::new(minor, currency);
        Ageing {
            days_0_30: m(buckets[0]),
            days_31_60: m(buckets[1]),
            days_61_90: m(buckets[2]),
            over_90_days: m(buckets[3]),
        }
    }
}

pub use super::escrow::{regrant, top_up};

#[cfg(test)]
mod tests {
    use super::super::escrow::Holding;
    use super::*;

    fn share(t: TerminalId, granted: i64, released: i64, lent: i64, paid: i64) -> TillShare {
        TillShare {
            terminal_id: t,
            granted: Money::inr(granted),
            released: Money::inr(released),
            lent: Money::inr(lent),
            paid: Money::inr(paid),
        }
    }

    #[test]
    fn tills_share_half_the_headroom_and_top_ups_take_the_rest() {
        let (a, b) = (TerminalId::new(), TerminalId::new());
        let mut shares = vec![share(a, 0, 0, 0, 0), share(b, 0, 0, 0, 0)];
        assert_eq!(regrant(100_000, false, &mut shares, &[a, b], None), 25_000);
        assert_eq!(shares[0].granted, Money::inr(25_000));
        assert_eq!(shares[1].granted, Money::inr(25_000));
        // Online, till a takes the whole rest of the limit for one sale.
        assert_eq!(top_up(100_000, &mut shares, a, 80_000), 50_000);
        assert_eq!(top_up(100_000, &mut shares, b, 1), 0);
        // A grant is never lowered, whatever the limit becomes.
        regrant(10_000, false, &mut shares, &[a, b], None);
        assert_eq!(shares[0].granted, Money::inr(75_000));
        assert_eq!(regrant(10_000, true, &mut shares, &[a, b], None), 0);
    }

    #[test]
    fn what_was_given_back_and_paid_is_granted_again() {
        let (a, b) = (TerminalId::new(), TerminalId::new());
        // a lent its 25,000 and the customer paid 10,000 of it at b, which
        // gave its excess back.
        let mut shares = vec![
            share(a, 25_000, 0, 25_000, 0),
            share(b, 25_000, 10_000, 0, 10_000),
        ];
        // Owed 15,000 of 100,000: each till keeps 85,000 / 2 / 2.
        assert_eq!(regrant(100_000, false, &mut shares, &[a, b], None), 21_250);
        assert_eq!(shares[0].holds(), 21_250);
        assert_eq!(
            shares[1].holds(),
            25_000,
            "b already holds more than its share"
        );
    }

    #[test]
    fn a_till_past_its_grant_is_covered_by_the_limit() {
        let (a, b) = (TerminalId::new(), TerminalId::new());
        // b counted a refund of 450 the hub then refused, and gave back 450
        // of the grant it thought that freed: it lent 100 past what it holds.
        let mut shares = vec![share(a, 500, 0, 0, 0), share(b, 500, 450, 100, 0)];
        assert_eq!(shares[1].holds(), -50);
        // Online, a may take only what leaves the limit whole: 1,000 less
        // its own 500 and b's 100.
        assert_eq!(top_up(1_000, &mut shares, a, 1_000), 400);
        let exposure: i64 = shares
            .iter()
            .map(|s| s.holds().max(0) + s.lent.minor())
            .sum();
        assert_eq!(exposure, 1_000);
    }

    #[test]
    fn ageing_settles_the_oldest_first() {
        let now = Timestamp::now();
        let day = 86_400_000;
        let entry = |days_ago: i64, minor: i64| StatementEntry {
            id: Uuid::now_v7(),
            kind: if minor > 0 { "sale" } else { "payment" }.into(),
            occurred_at: Timestamp::from_unix_millis(now.unix_millis() - days_ago * day),
            terminal_id: TerminalId::new(),
            amount: Money::inr(minor),
            reference: String::new(),
            balance: Money::inr(0),
        };
        let entries = [
            entry(100, 5_000),
            entry(70, 3_000),
            entry(10, 2_000),
            entry(5, -6_000),
        ];
        let aged = Ageing::of(&entries, now);
        assert_eq!(aged.over_90_days, Money::inr(0));
        assert_eq!(aged.days_61_90, Money::inr(2_000));
        assert_eq!(aged.days_0_30, Money::inr(2_000));
    }
}
