//! Credit at the till: finding a customer's account, asking the hub for
//! more of the limit when a sale on account needs more than this till holds
//! (only while the hub can be reached; offline the till sells within what it
//! holds), and taking payments against dues, offline too.

use super::payment::{PaymentError, PaymentRequest};
use super::SaleRejection;
use super::{Till, TillError};
use crate::pos::sale::SaleRequest;
use crate::store::credit::{self, TillAccount};
use crate::store::customers::normalize_phone;
use pos_shared::credit::{CreditTopUp, DuesPayment};
use pos_shared::sale::TenderMethod;
use pos_shared::sync::DeviceCredential;
use pos_shared::{Money, Timestamp};
use uuid::Uuid;

pub async fn find(till: &Till, text: String) -> Result<Vec<TillAccount>, TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let mut found = till
        .store
        .call(move |c| credit::find(c, &device, &text))
        .await?;
    found
        .iter_mut()
        .for_each(|a| lends_nothing_if_revoked(till, a));
    Ok(found)
}

/// A revoked till lends nothing: what it held went back to the others.
fn lends_nothing_if_revoked(till: &Till, account: &mut TillAccount) {
    if till.sync.link().revoked {
        account.available_here = Money::new(0, account.available_here.currency());
    }
}

pub async fn account(till: &Till, phone: String) -> Result<Option<TillAccount>, TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    read_account(till, &device, &phone).await
}

/// The account of `phone` as this till holds it.
async fn read_account(
    till: &Till,
    device: &DeviceCredential,
    phone: &str,
) -> Result<Option<TillAccount>, TillError> {
    let (device, phone) = (device.clone(), phone.to_owned());
    let mut account = till
        .store
        .call(move |c| credit::account(c, &device, &phone))
        .await?;
    if let Some(a) = account.as_mut() {
        lends_nothing_if_revoked(till, a);
    }
    Ok(account)
}

/// The account of `phone` when it must be there (it was a moment ago).
async fn account_now(
    till: &Till,
    device: &DeviceCredential,
    phone: &str,
) -> Result<TillAccount, TillError> {
    read_account(till, device, phone).await?.ok_or_else(|| {
        TillError::Store(crate::store::StoreError::Corrupt(format!(
            "the credit account of {phone} went"
        )))
    })
}

/// Before a sale on account: when this till holds less than the sale puts
/// on the account, asks the hub for the rest. The sale's own transaction
/// checks the allowance again, so a refused or unreachable hub only means
/// the sale is refused there, in words. Answers the account's phone when
/// the hub granted a top-up (to drop it if the sale does not go through).
pub(super) async fn top_up_for(
    till: &Till,
    request: &SaleRequest,
) -> Result<Option<String>, TillError> {
    let on_account: i64 = request
        .tenders
        .iter()
        .filter(|t| t.method == TenderMethod::Credit)
        .map(|t| t.amount.minor())
        .sum();
    let Some(phone) = request
        .customer_phone
        .as_deref()
        .filter(|_| on_account > 0)
        .and_then(|p| normalize_phone(p).ok())
    else {
        return Ok(None);
    };
    let (Some(device), Some(hub)) = (till.sync.credential(), till.sync.hub.get().cloned()) else {
        return Ok(None);
    };
    let Some(account) = read_account(till, &device, &phone).await? else {
        return Ok(None);
    };
    let short = on_account - account.available_here.minor();
    if account.closed || short <= 0 {
        return Ok(None);
    }
    let ask = CreditTopUp {
        phone,
        need: Money::new(short, account.limit.currency()),
    };
    let phone = ask.phone.clone();
    match hub.credit_top_up(&device.token, &ask).await {
        Ok(granted) => {
            till.store
                .call(move |c| credit::hold_top_up(c, &granted))
                .await?;
            Ok(Some(phone))
        }
        Err(e) => {
            tracing::info!(error = %e, "credit top-up not had; the till sells within what it holds");
            Ok(None)
        }
    }
}

/// The sale a top-up was for did not go through: what it left is given back.
pub(super) async fn drop_top_up(till: &Till, phone: String) -> Result<(), TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    till.store
        .call(move |c| credit::drop_top_up(c, &device, &phone))
        .await?;
    till.sync.nudge.notify_one();
    Ok(())
}

/// Why a till HQ revoked lends nothing and takes no points or payments
/// against dues: what it held went back to the other tills, and nothing it
/// records can reach the hub.
pub(super) const REVOKED: &str = "HQ revoked this till: it can no longer put bills on account, take points or take payments against dues (nothing it records reaches the hub); enroll it again";

/// A payment against dues as the cashier enters it.
pub struct PaymentEntry {
    pub payment_id: Option<Uuid>,
    pub phone: String,
    pub amount: Money,
    pub method: TenderMethod,
    pub reference: Option<String>,
}

/// Takes a payment against a customer's dues: checked, the card or UPI
/// payment taken, recorded with its fact in one transaction. A retry with
/// the same id is answered as the first was (`false`: nothing new).
pub async fn take_payment(
    till: &Till,
    entry: PaymentEntry,
) -> Result<(DuesPayment, TillAccount, bool), TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    if till.sync.link().revoked {
        return Err(TillError::Rejected(SaleRejection::invalid(
            "method", REVOKED,
        )));
    }
    let phone = normalize_phone(&entry.phone)
        .map_err(|e| TillError::Rejected(SaleRejection::invalid("phone", e)))?;
    let Some(held) = read_account(till, &device, &phone).await? else {
        return Err(TillError::Rejected(SaleRejection::invalid(
            "phone",
            format!("{phone} has no credit account at this store"),
        )));
    };
    if entry.amount.currency() != held.limit.currency() {
        return Err(TillError::Rejected(SaleRejection::invalid(
            "amount.currency",
            format!("the account is kept in {}", held.limit.currency()),
        )));
    }
    let signed_in = till.session.current();
    if till.sale_policy.require_sign_in && signed_in.is_none() {
        return Err(TillError::SignInRequired);
    }
    let payment_id = entry.payment_id.unwrap_or_else(Uuid::now_v7);
    let earlier = till
        .store
        .call(move |c| credit::payment(c, payment_id))
        .await?;
    if let Some(earlier) = earlier {
        // A retry: the same payment again is answered as it was; another
        // payment under its id is refused, never taken.
        if earlier.phone != phone
            || earlier.amount != entry.amount
            || earlier.method != entry.method
        {
            return Err(TillError::Rejected(SaleRejection::invalid(
                "payment_id",
                "this payment id is already used for another payment; a new payment needs a new id",
            )));
        }
        let account = account_now(till, &device, &phone).await?;
        return Ok((earlier, account, false));
    }
    let mut payment = DuesPayment {
        payment_id,
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        phone,
        amount: entry.amount,
        method: entry.method,
        reference: entry.reference.map(|r| r.trim().to_owned()),
        occurred_at: Timestamp::now(),
        cashier: signed_in.map(|s| pos_shared::sale::SaleCashier {
            staff_id: s.staff_id,
            name: s.name,
        }),
    };
    if let Err(e) = payment.validate() {
        let (field, why) = e.split_once(": ").unwrap_or(("amount", e.as_str()));
        return Err(TillError::Rejected(SaleRejection::invalid(field, why)));
    }
    if matches!(payment.method, TenderMethod::Card | TenderMethod::Upi) {
        let asked = PaymentRequest {
            method: payment.method,
            amount: payment.amount,
            reference: payment.reference.as_deref(),
        };
        match till.payments.take(&asked) {
            Ok(taken) => payment.reference = Some(taken.reference),
            Err(PaymentError::Declined(why)) => {
                return Err(TillError::Rejected(SaleRejection::invalid(
                    "reference",
                    why,
                )))
            }
            Err(e @ PaymentError::Unavailable(_)) => return Err(TillError::PaymentUnavailable(e)),
        }
    }
    let stored = payment.clone();
    let dev = device.clone();
    let recorded = till
        .store
        .call(move |c| credit::record_payment(c, &dev, &stored))
        .await?;
    if recorded {
        till.sync.nudge.notify_one();
        till.sync.notify_changed();
    }
    let account = account_now(till, &device, &payment.phone).await?;
    if recorded {
        print_slip(till, &payment, &account).await;
    }
    Ok((payment, account, recorded))
}

/// The cash goes in the drawer (its pulse, as for a cash sale) and the
/// customer gets a slip of what was paid and what is still owed. A printer
/// that cannot take either is said in the log: the payment stands.
async fn print_slip(till: &Till, payment: &DuesPayment, account: &TillAccount) {
    if payment.method == TenderMethod::Cash {
        let why = format!("cash paid against the dues of {}", payment.phone);
        if let Err(e) = till.printers.open_drawer(None, why).await {
            tracing::error!(payment = %payment.payment_id, error = %e, "drawer pulse not asked");
        }
    }
    let terminal = till.sync.credential().map(|c| c.terminal_name);
    if let Err(e) = till
        .printers
        .queue_dues_slip(
            payment,
            account.name.as_deref(),
            account.dues,
            terminal.as_deref(),
        )
        .await
    {
        tracing::error!(payment = %payment.payment_id, error = %e, "dues slip not queued");
    }
}
