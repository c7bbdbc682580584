//! Ringing up a sale: who is at the till and a senior's approval, the card
//! and UPI payments, the one store write, the sync nudge and the receipt.
//!
//! A retry of a recorded sale is answered before any card is charged again,
//! and a payment is taken before the sale commits, so a declined card never
//! leaves a sale behind. Once the sale is committed, a printing problem is
//! the print queue's to report, never the sale's. A cash sale asks for a
//! drawer pulse at its commit (before its receipt is queued); the printer's
//! worker sends it at once or not at all, and the sale never waits for it.

use super::payment::{PaymentError, PaymentRequest};
use super::{session, SaleRejection, Till, TillError};
use crate::pos::pricing::SaleQuote;
use crate::pos::sale::{fingerprint, precheck, SaleRequest, SaleResult};
use crate::store::print_jobs::Purpose;
use crate::store::{pricing, sales, shifts};
use pos_shared::sale::{SaleCashier, SaleFact, TenderMethod};

/// A sale the till holds: new, or the one an earlier request recorded.
#[derive(Debug)]
pub struct Checkout {
    pub sale: SaleFact,
    /// Recorded by this request, not a retry's answer.
    pub recorded: bool,
    /// Stock warnings for the cashier (policy `warn`).
    pub warnings: Vec<String>,
}

/// Fills in who is at the till and checks a senior's approval, as a sale and
/// its quote both need.
pub(super) async fn authorize(till: &Till, request: &mut SaleRequest) -> Result<(), TillError> {
    let signed_in = till.session.current();
    request.cashier_role = signed_in.as_ref().map(|s| s.role);
    request.cashier = signed_in.map(|s| SaleCashier {
        staff_id: s.staff_id,
        name: s.name,
    });
    if till.sale_policy.require_sign_in && request.cashier.is_none() {
        return Err(TillError::SignInRequired);
    }
    if let Some(approval) = &request.approval {
        request.approver = Some(session::check_approval(till, approval).await?);
    } else if let Some(bill) = request.resumed_bill.clone() {
        request.approver = super::held_bills::approval_held(till, &bill, request)
            .await?
            .map(Ok);
    }
    Ok(())
}

/// Prices a bill exactly as a sale would (lines, discounts and their
/// approval, GST, cash rounding) without recording anything: the tender
/// screen's amount due. Tenders in the request are ignored.
pub async fn quote(till: &Till, mut request: SaleRequest) -> Result<SaleQuote, TillError> {
    precheck(&request)?;
    authorize(till, &mut request).await?;
    let policy = till.sale_policy.clone();
    Ok(till
        .store
        .call(move |c| pricing::quote(c, &policy, &request))
        .await??)
}

/// Records a sale: priced from the replica, paid, committed with its stock
/// movements and outbox entry, then handed to the sync loop and the printer.
pub async fn checkout(till: &Till, mut request: SaleRequest) -> Result<Checkout, TillError> {
    request.fingerprint = Some(fingerprint(&request));
    precheck(&request)?;
    authorize(till, &mut request).await?;
    let probe = request.clone();
    match till
        .store
        .call(move |c| sales::existing_sale(c, &probe))
        .await?
    {
        Some(SaleResult::Existing(sale)) => return Ok(retried(sale)),
        Some(SaleResult::IdConflict(id)) => return Err(TillError::IdConflict(id)),
        _ => {}
    }
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    if let Some(index) = request
        .tenders
        .iter()
        .position(|t| matches!(t.method, TenderMethod::Credit | TenderMethod::Points))
    {
        if till.sync.link().revoked {
            return Err(TillError::Rejected(SaleRejection::invalid(
                format!("tenders[{index}].method"),
                super::credit::REVOKED,
            )));
        }
    }
    if till.sale_policy.require_open_shift && !till.store.call(|c| shifts::is_open(c)).await? {
        return Err(TillError::NoOpenShift("selling"));
    }
    for (index, t) in request.tenders.iter_mut().enumerate() {
        if matches!(
            t.method,
            TenderMethod::Cash | TenderMethod::Credit | TenderMethod::Points
        ) {
            continue;
        }
        // No reference is the cashier's slip, not the bank's refusal.
        if t.reference.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(TillError::MissingReference {
                index,
                method: t.method,
            });
        }
        let asked = PaymentRequest {
            method: t.method,
            amount: t.amount,
            reference: t.reference.as_deref(),
        };
        match till.payments.take(&asked) {
            Ok(taken) => t.reference = Some(taken.reference),
            Err(PaymentError::Declined(why)) => {
                return Err(TillError::PaymentDeclined { index, why })
            }
            Err(e @ PaymentError::Unavailable(_)) => return Err(TillError::PaymentUnavailable(e)),
        }
    }
    let topped_up = super::credit::top_up_for(till, &request).await?;
    let points_topped_up = super::loyalty::top_up_for(till, &request).await?;
    let policy = till.sale_policy.clone();
    let result = till
        .store
        .call(move |c| sales::record_sale(c, &device, &policy, &request))
        .await;
    let recorded = matches!(result, Ok(SaleResult::Recorded(..)));
    if let Some(phone) = topped_up.filter(|_| !recorded) {
        super::credit::drop_top_up(till, phone).await?;
    }
    if let Some(phone) = points_topped_up.filter(|_| !recorded) {
        super::loyalty::drop_top_up(till, phone).await?;
    }
    let result = result?;
    match result {
        SaleResult::Recorded(sale, warnings) => {
            till.sync.nudge.notify_one();
            till.sync.notify_changed();
            if sale.tenders.iter().any(|t| t.method == TenderMethod::Cash) {
                let why = format!("cash sale {}", sale.receipt_no);
                if let Err(e) = till.printers.open_drawer(Some(sale.sale_id), why).await {
                    tracing::error!(sale = %sale.sale_id, error = %e, "drawer pulse not asked");
                }
            }
            let terminal = till.sync.credential().map(|c| c.terminal_name);
            if let Err(e) = till
                .printers
                .queue_receipt(&sale, terminal.as_deref(), Purpose::Receipt, None)
                .await
            {
                tracing::error!(sale = %sale.sale_id, error = %e, "receipt not queued");
            }
            Ok(Checkout {
                sale,
                recorded: true,
                warnings,
            })
        }
        SaleResult::Existing(sale) => Ok(retried(sale)),
        SaleResult::IdConflict(id) => Err(TillError::IdConflict(id)),
        SaleResult::Rejected(rejection) => Err(rejection.into()),
    }
}

fn retried(sale: SaleFact) -> Checkout {
    Checkout {
        sale,
        recorded: false,
        warnings: Vec::new(),
    }
}
