//! Holding a bill and resuming its approval: the bill is priced and checked
//! exactly as a quote is (the same sign-in, discount authority and approval
//! path), then parked in the store's shared document
//! ([`crate::store::held_bills`]) with what it came to.
//!
//! A senior's approval travels with the bill as their name and staff id,
//! never their PIN. When a sale or quote names the bill it resumes
//! (`resumed_bill`) and brings no approval of its own, that senior stands as
//! the approval again, on this till or any other of the store, as long as
//! the request asks for exactly the authority they approved: the same held
//! lines (item, discount, price override, use-by call) in the same order,
//! and the same bill discount. Lines added since may carry none of those.
//! The senior must still be active, and their role's limit still applies.
//! Anything else, and the usual rules ask for a new approval.

use super::{checkout, Till, TillError};
use crate::pos::discounts::Approver;
use crate::pos::sale::{SaleRejection, SaleRequest};
use crate::store::held_bills::{
    self, HeldBill, HeldCustomer, HeldLine, HoldRejection, HoldRequest, NewHeldBill,
};
use crate::store::{customers, staff};

/// Prices and parks a bill held on `terminal`: `Ok(Err(_))` when the hold
/// itself is refused (no lines, a long note), `Err` when its pricing or
/// approval is (the same refusal a quote gives).
pub async fn hold(
    till: &Till,
    terminal: String,
    request: HoldRequest,
) -> Result<Result<HeldBill, HoldRejection>, TillError> {
    if let Err(e) = held_bills::check(&request) {
        return Ok(Err(e));
    }
    let customer = match &request.customer_phone {
        None => None,
        Some(text) => {
            let phone = customers::normalize_phone(text)
                .map_err(|e| SaleRejection::invalid("customer_phone", e))?;
            let key = phone.clone();
            let profile = till.store.call(move |c| customers::get(c, &key)).await?;
            Some(HeldCustomer {
                phone,
                name: profile.and_then(|p| p.name),
            })
        }
    };
    let quote = checkout::quote(
        till,
        SaleRequest {
            lines: request.lines.clone(),
            bill_discount: request.bill_discount.clone(),
            approval: request.approval.clone(),
            ..Default::default()
        },
    )
    .await?;
    let bill = NewHeldBill {
        lines: request
            .lines
            .iter()
            .zip(&quote.lines)
            .map(|(line, priced)| HeldLine::new(line, priced.name.clone()))
            .collect(),
        note: request.note,
        bill_discount: request.bill_discount,
        customer,
        cashier: till.session.current().map(|s| s.name),
        approver: quote.discount_approved_by,
        total: quote.total,
    };
    let held = till
        .store
        .call(move |c| held_bills::hold(c, &terminal, &bill))
        .await?;
    Ok(Ok(held))
}

/// The approval a resumed bill brings to `request`: its senior, when the
/// request asks for exactly what they approved (see the module docs).
pub async fn approval_held(
    till: &Till,
    bill: &str,
    request: &SaleRequest,
) -> Result<Option<Approver>, TillError> {
    let id = bill.trim().to_owned();
    let Some(held) = till.store.call(move |c| held_bills::get(c, &id)).await? else {
        return Err(TillError::Invalid {
            field: "resumed_bill",
            detail: format!(
                "resumed_bill: there is no held bill {:?} at this store",
                bill.trim()
            ),
        });
    };
    let Some(approver) = held.approver.clone() else {
        return Ok(None);
    };
    if !same_authority(&held, request) {
        return Ok(None);
    }
    let member = till
        .store
        .call(move |c| staff::by_id(c, approver.staff_id))
        .await?;
    Ok(member.filter(|m| m.active).map(|m| Approver {
        role: m.role,
        who: approver,
    }))
}

/// Whether `request` asks for the authority `held` was approved for.
fn same_authority(held: &HeldBill, request: &SaleRequest) -> bool {
    request.lines.len() >= held.lines.len()
        && held
            .lines
            .iter()
            .zip(&request.lines)
            .all(|(h, r)| h.same_authority(r))
        && request.lines[held.lines.len()..]
            .iter()
            .all(|r| r.discount.is_none() && r.price_override.is_none() && !r.sell_expired)
        && held.bill_discount == request.bill_discount
}
