//! Loyalty points across the chain (protocol 13): the rules HQ sets for the
//! tenant, a customer's points kept at the hub per phone, and how a till
//! lets points be redeemed offline without the chain ever paying out more
//! points than the customer has.
//!
//! Points work as credit does ([`crate::credit`]), the other way round: a
//! customer's balance is what the tills may let be redeemed, as a credit
//! limit's headroom is what they may lend. The hub grants each till of the
//! stores that know the customer a cumulative number of points
//! (`granted`), only ever raised, and only while the sum over tills of
//! `granted − released` stays within the points the hub holds free (HQ's
//! adjustments and what tills gave back). A till lets points be redeemed
//! only while `granted − released + earned here − redeemed here` covers
//! them ([`crate::credit::allowance`], checked in the sale's transaction),
//! and gives back what it holds past the share the hub asks it to keep (a
//! [`LoyaltyReleased`] fact, its cumulative total, written before it is
//! queued). Points earned at a till are redeemable there at once, offline
//! too, and reach the other tills once it gives them back.
//!
//! So what is redeemed, the sum over tills, is at most what was earned plus
//! HQ's adjustments: a customer's balance never goes below zero through
//! redemption, however long the tills are apart. (A return takes the points
//! its bill earned back at the hub; if they were already spent, the balance
//! goes below zero and the next points earned pay it back.)

use crate::{Money, StoreId, TerminalId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most points one bill may earn or redeem, and one adjustment move.
pub const MAX_POINTS: i64 = 10_000_000;

/// How the tenant's customers earn and redeem points.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyRules {
    /// Off: no points are earned or redeemed (balances are kept).
    pub enabled: bool,
    /// Points earned for each ₹100 (100 units) of a bill paid other than in
    /// points, rounded down: 0 to 1,000.
    pub points_per_100: i64,
    /// What one point takes off a bill.
    pub point_value: Money,
    /// At most this share of a bill may be paid in points, in percent (1 to 100).
    pub max_bill_percent: i64,
    /// The fewest points redeemed at once (1 or more).
    pub min_redeem: i64,
}

impl LoyaltyRules {
    /// Checks every figure; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if !(0..=1_000).contains(&self.points_per_100) {
            return Err(("points_per_100", "points_per_100 is 0 to 1,000".into()));
        }
        if !self.point_value.minor().is_positive() || self.point_value.minor() > 100_000 {
            return Err((
                "point_value",
                format!(
                    "a point is worth more than nothing and at most {}",
                    Money::new(100_000, self.point_value.currency())
                ),
            ));
        }
        if !(1..=100).contains(&self.max_bill_percent) {
            return Err(("max_bill_percent", "max_bill_percent is 1 to 100".into()));
        }
        if !(1..=MAX_POINTS).contains(&self.min_redeem) {
            return Err(("min_redeem", format!("min_redeem is 1 to {MAX_POINTS}")));
        }
        Ok(())
    }

    /// The points a bill earns when `paid_minor` of it was paid other than
    /// in points.
    pub fn earned(&self, paid_minor: i64) -> i64 {
        if !self.enabled || paid_minor <= 0 {
            return 0;
        }
        let points = i128::from(paid_minor) * i128::from(self.points_per_100) / 10_000;
        i64::try_from(points).unwrap_or(MAX_POINTS).min(MAX_POINTS)
    }

    /// What `points` take off a bill.
    pub fn value_of(&self, points: i64) -> Option<Money> {
        self.point_value
            .minor()
            .checked_mul(points)
            .map(|m| Money::new(m, self.point_value.currency()))
    }

    /// The most points a bill of `total_minor` may be paid with.
    pub fn most_for(&self, total_minor: i64) -> i64 {
        let share = i128::from(total_minor.max(0)) * i128::from(self.max_bill_percent) / 100;
        i64::try_from(share / i128::from(self.point_value.minor())).unwrap_or(0)
    }
}

/// A customer's points as the tills of a store that knows them hear them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyAccount {
    /// `+91` and ten digits.
    pub phone: String,
    /// Points the customer has as far as the hub has heard.
    pub balance: i64,
    /// What each till holds for offline redemption once it has given back
    /// the excess.
    pub keep: i64,
    /// Each till's cumulative grant, never lowered.
    pub grants: Vec<PointsGrant>,
}

/// The cumulative points one till may let be redeemed on an account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsGrant {
    pub terminal_id: TerminalId,
    pub granted: i64,
}

impl LoyaltyAccount {
    /// This till's grant, none when it has not been granted anything.
    pub fn granted_to(&self, terminal: TerminalId) -> i64 {
        self.grants
            .iter()
            .find(|g| g.terminal_id == terminal)
            .map_or(0, |g| g.granted)
    }
}

/// A till gives back points it holds on an account: `released` is its
/// cumulative total, so the hub keeps the largest it hears.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyReleased {
    pub release_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub phone: String,
    pub released: i64,
    pub occurred_at: Timestamp,
}

impl LoyaltyReleased {
    pub fn validate(&self) -> Result<(), String> {
        if !crate::credit::is_account_phone(&self.phone) {
            return Err("phone: an account's phone is +91 and ten digits".into());
        }
        if !(0..=i64::MAX / 4).contains(&self.released) {
            return Err("released: a till's released total is zero or more".into());
        }
        Ok(())
    }
}

/// Body of the till's `POST /v1/sync/loyalty-top-up`: it needs `need` more
/// points than it holds to let a bill be paid with them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoyaltyTopUp {
    pub phone: String,
    pub need: i64,
}

/// Points taken back when `returned_minor` of a bill of `value_minor` that
/// earned `earned` comes back: the same share, rounded up, never more than
/// the bill earned.
pub fn taken_back(earned: i64, value_minor: i64, returned_minor: i64) -> i64 {
    if earned <= 0 || value_minor <= 0 || returned_minor <= 0 {
        return 0;
    }
    let share = (i128::from(earned) * i128::from(returned_minor) + i128::from(value_minor) - 1)
        / i128::from(value_minor);
    i64::try_from(share).unwrap_or(earned).min(earned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_takes_back_its_share_of_the_points() {
        assert_eq!(taken_back(10, 100_000, 50_000), 5);
        assert_eq!(taken_back(10, 100_000, 1), 1, "rounded up");
        assert_eq!(
            taken_back(10, 100_000, 200_000),
            10,
            "never more than earned"
        );
        assert_eq!(taken_back(0, 100_000, 50_000), 0);
    }

    fn rules() -> LoyaltyRules {
        LoyaltyRules {
            enabled: true,
            points_per_100: 2,
            point_value: Money::inr(50),
            max_bill_percent: 20,
            min_redeem: 10,
        }
    }

    #[test]
    fn a_bill_earns_and_redeems_by_the_rules() {
        let r = rules();
        assert_eq!(
            r.earned(49_999),
            9,
            "₹499.99 earns 2 per ₹100, rounded down"
        );
        assert_eq!(r.earned(0), 0);
        assert_eq!(
            LoyaltyRules {
                enabled: false,
                ..r.clone()
            }
            .earned(100_000),
            0
        );
        assert_eq!(r.value_of(30), Some(Money::inr(1_500)));
        assert_eq!(
            r.most_for(100_000),
            400,
            "20% of ₹1,000 at 50 paise a point"
        );
        assert_eq!(r.validate(), Ok(()));
        let bad = |f: &dyn Fn(&mut LoyaltyRules)| {
            let mut x = rules();
            f(&mut x);
            x.validate().unwrap_err().0
        };
        assert_eq!(bad(&|x| x.points_per_100 = -1), "points_per_100");
        assert_eq!(bad(&|x| x.point_value = Money::inr(0)), "point_value");
        assert_eq!(bad(&|x| x.max_bill_percent = 0), "max_bill_percent");
        assert_eq!(bad(&|x| x.min_redeem = 0), "min_redeem");
    }
}
