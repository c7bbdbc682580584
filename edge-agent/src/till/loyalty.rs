//! Loyalty points at the till: a customer's points as this till sees them,
//! and, before a bill paid in points, a top-up from the hub when this till
//! holds fewer points than the bill takes. The sale's own transaction checks
//! the points again (`store::loyalty::refusal`), so an unreachable hub only
//! means the bill is refused there, in words.

use super::{Till, TillError};
use crate::pos::sale::SaleRequest;
use crate::store::customers::normalize_phone;
use crate::store::loyalty::{self, TillPoints};
use pos_shared::loyalty::{LoyaltyRules, LoyaltyTopUp};
use pos_shared::sale::TenderMethod;
use serde::Serialize;

/// A customer's points at this till, with the rules a bill is paid by.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PointsAtTill {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub points: TillPoints,
    pub rules: LoyaltyRules,
}

/// `phone`'s points (normalised), `None` when HQ has set no rules or the
/// store knows of no points for the customer.
pub async fn points(till: &Till, phone: String) -> Result<Option<PointsAtTill>, TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let mut found = till
        .store
        .call(move |c| {
            let Some(rules) = loyalty::rules(c)? else {
                return Ok(None);
            };
            Ok(loyalty::points(c, &device, &phone)?.map(|points| PointsAtTill { points, rules }))
        })
        .await?;
    // A revoked till redeems nothing: what it held went back to the others.
    if let Some(at) = found.as_mut().filter(|_| till.sync.link().revoked) {
        at.points.available_here = 0;
    }
    Ok(found)
}

/// Before a bill paid in points: asks the hub for what this till lacks.
/// Answers the customer's phone when the hub granted a top-up (to drop it
/// if the bill does not go through).
pub(super) async fn top_up_for(
    till: &Till,
    request: &SaleRequest,
) -> Result<Option<String>, TillError> {
    let in_points: i64 = request
        .tenders
        .iter()
        .filter(|t| t.method == TenderMethod::Points)
        .map(|t| t.amount.minor())
        .sum();
    let Some(phone) = request
        .customer_phone
        .as_deref()
        .filter(|_| in_points > 0)
        .and_then(|p| normalize_phone(p).ok())
    else {
        return Ok(None);
    };
    let (Some(device), Some(hub)) = (till.sync.credential(), till.sync.hub.get().cloned()) else {
        return Ok(None);
    };
    let (key, at) = (phone.clone(), device.clone());
    let (rules, here) = till
        .store
        .call(move |c| Ok((loyalty::rules(c)?, loyalty::available(c, &at, &key)?)))
        .await?;
    let Some(rules) = rules.filter(|r| r.enabled) else {
        return Ok(None);
    };
    let short = in_points / rules.point_value.minor().max(1) - here;
    if short <= 0 {
        return Ok(None);
    }
    let ask = LoyaltyTopUp {
        phone: phone.clone(),
        need: short,
    };
    match hub.loyalty_top_up(&device.token, &ask).await {
        Ok(granted) => {
            till.store
                .call(move |c| loyalty::hold_top_up(c, &granted))
                .await?;
            Ok(Some(phone))
        }
        Err(e) => {
            tracing::info!(error = %e, "loyalty top-up not had; the till takes what it holds");
            Ok(None)
        }
    }
}

/// The bill a top-up was for did not go through: what it left is given back.
pub(super) async fn drop_top_up(till: &Till, phone: String) -> Result<(), TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    till.store
        .call(move |c| loyalty::drop_top_up(c, &device, &phone))
        .await?;
    till.sync.nudge.notify_one();
    Ok(())
}
