//! The till's use cases: ringing up a sale ([`checkout`]), who is signed in
//! and a senior's approval ([`session`]), and taking card and UPI payments
//! ([`payment`]), and voids before tender ([`voids`]), and opening the cash
//! drawer outside a sale ([`drawer`]), printing shelf labels ([`labels`]),
//! pairing handhelds over the store LAN ([`handhelds`], its codes and
//! tokens in [`pairing`]), and picking delivery orders at a dark store
//! ([`picking`]), a UPI payment's dynamic QR ([`upi`]), sending a receipt's
//! link by WhatsApp or SMS ([`e_receipts`]), and holding bills with their
//! approval ([`held_bills`]), and finding a customer first met at another
//! store ([`customers`]).
//!
//! A use case works on the [`Till`]: the store database, the sync loop's
//! shared state, the printers, the sale policy, the session and the payment
//! terminal. It answers in domain terms ([`TillError`]); the API turns that
//! into HTTP, and nothing here knows about HTTP.

pub mod add_ons;
pub mod checkout;
pub mod credit;
pub mod customers;
pub mod drawer;
pub mod dues_reminders;
pub mod e_receipts;
pub mod handhelds;
pub mod held_bills;
pub mod labels;
pub mod loyalty;
pub mod pairing;
pub mod payment;
pub mod picking;
pub mod receiving;
pub mod session;
pub mod stock_alerts;
pub mod stock_takes;
pub mod transfers;
pub mod upi;
pub mod voids;

use crate::pos::sale::{SalePolicy, SaleRejection};
use crate::printing::Printers;
use crate::store::{LocalStore, StoreError};
use crate::sync::SyncShared;
use pos_shared::SaleId;
use std::sync::Arc;

/// What the till's use cases work on.
#[derive(Clone)]
pub struct Till {
    pub store: LocalStore,
    pub sync: Arc<SyncShared>,
    pub printers: Printers,
    pub sale_policy: SalePolicy,
    /// Who is signed in at this till.
    pub session: session::Session,
    /// Takes card and UPI payments.
    pub payments: Arc<dyn payment::PaymentTerminal>,
    /// Pairing codes issued here and pickers signed in on handhelds.
    pub handhelds: handhelds::Handhelds,
    /// Who customers pay by UPI QR; `None` when the store has no VPA set.
    pub upi: Option<crate::pos::upi::UpiPayee>,
    /// How receipt messages are worded and who sends them.
    pub messaging: crate::messages::Messaging,
}

/// Why a use case did not go through, in the till's words.
#[derive(Debug, thiserror::Error)]
pub enum TillError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sale (or its quote) is refused: a field and why.
    #[error(transparent)]
    Rejected(#[from] SaleRejection),
    /// The sale id is already recorded for a different basket.
    #[error(
        "sale {0} is already recorded with other lines or tenders; a new sale needs a new sale_id"
    )]
    IdConflict(SaleId),
    #[error("sign in with your code and PIN first")]
    SignInRequired,
    #[error("this terminal is not enrolled with the hub yet, so it cannot number receipts")]
    NotEnrolled,
    /// The store sells only with a shift open (`sales.require_open_shift`).
    #[error("Open a shift before {0}: the Shift screen, with the opening float")]
    NoOpenShift(&'static str),
    /// A card or UPI tender came without the reference the cashier types.
    #[error("{}", match .method {
        pos_shared::sale::TenderMethod::Upi => "Enter the UPI reference (UTR) from the customer's phone",
        _ => "Enter the approval code from the card machine",
    })]
    MissingReference {
        index: usize,
        method: pos_shared::sale::TenderMethod,
    },
    /// The payment terminal refused tender `index`: the words say what to do.
    #[error("{why}")]
    PaymentDeclined { index: usize, why: String },
    #[error(transparent)]
    PaymentUnavailable(payment::PaymentError),
    /// Too many wrong PINs for `code`; it opens again in `minutes`, at
    /// `unlocks_at` (the store's clock, `HH:MM`).
    #[error(
        "Code {code} is locked after too many wrong PINs. It unlocks at {unlocks_at} (in {minutes} {}); a manager can help meanwhile.",
        if *.minutes == 1 { "minute" } else { "minutes" }
    )]
    Locked {
        code: String,
        minutes: u64,
        unlocks_at: String,
    },
    #[error("this member of staff may not sign in; ask a manager")]
    StaffInactive,
    /// The till knows no staff at all, so no code and PIN can match: it is
    /// not enrolled yet, or no staff of the store have reached it. Not a
    /// wrong PIN: nothing counts towards a lockout.
    #[error("{}", if *.enrolled {
        "This till knows no staff yet: HQ has set none for this store, or they have not reached the till. Check the store's staff at HQ and the till's connection, then sign in."
    } else {
        "This till is not enrolled with the hub yet, so it knows no staff to sign in. Enroll it first (start it with an enrollment code from HQ), then sign in."
    })]
    NoStaff { enrolled: bool },
    /// `left` more wrong PINs lock the code for `lock_minutes`; none left
    /// means this one locked it.
    #[error("{}", wrong_pin(*.left, *.lock_minutes))]
    WrongPin { left: u32, lock_minutes: u64 },
    /// A field of the request is wrong: which, and why.
    #[error("{detail}")]
    Invalid { field: &'static str, detail: String },
    /// A scan the picker cannot pick: `kind` for the screen, words for the
    /// picker; a `confirmable` one is picked when the picker confirms.
    #[error("{message}")]
    PickRefused {
        kind: &'static str,
        message: String,
        confirmable: bool,
    },
    /// The order is not this picker's to work on now, or not ready.
    #[error("{message}")]
    PickConflict { kind: &'static str, message: String },
    /// A scan that names nothing this use case can take (`kind` for the
    /// screen, words for whoever scanned).
    #[error("{message}")]
    ScanRefused { kind: &'static str, message: String },
    /// What is asked does not fit the record's state now (a stock take
    /// already approved, …).
    #[error("{message}")]
    Conflict { kind: &'static str, message: String },
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("sale {0} is not on this till")]
    SaleNotFound(SaleId),
    /// A task the use case ran on the blocking pool failed.
    #[error("{0}")]
    Internal(String),
}

/// The words for a wrong PIN: how many tries are left before the lockout.
fn wrong_pin(left: u32, lock_minutes: u64) -> String {
    match left {
        0 => format!(
            "That code and PIN do not match. This code is now locked for {lock_minutes} minutes."
        ),
        1 => format!(
            "That code and PIN do not match. 1 try left before this code is locked for {lock_minutes} minutes."
        ),
        n => format!(
            "That code and PIN do not match. {n} tries left before this code is locked for {lock_minutes} minutes."
        ),
    }
}
