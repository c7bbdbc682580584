//! Who is signed in at this till: staff sign in with their code and PIN,
//! checked against the store's staff replica, so it works offline. Five wrong
//! PINs for a code lock it for five minutes. The same check signs pickers in
//! on paired handhelds ([`check_sign_in`] with [`Place::Handheld`]), so one
//! lockout covers both.

use super::{Till, TillError};
use crate::pos::discounts::{self, Approval, Approver, WrongApproval};
use crate::store::{audit, staff};
use pos_shared::audit::AuditAction;
use pos_shared::sale::SaleCashier;
use pos_shared::staff::Role;
use pos_shared::{StaffId, Timestamp};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAX_FAILURES: u32 = 5;
const LOCKOUT: Duration = Duration::from_secs(300);

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedIn {
    pub staff_id: StaffId,
    pub name: String,
    pub role: Role,
    pub since: Timestamp,
}

#[derive(Default)]
struct Inner {
    current: Option<SignedIn>,
    /// Wrong PINs per code, and when the lock lifts.
    failures: HashMap<String, (u32, Option<Instant>)>,
}

#[derive(Clone, Default)]
pub struct Session {
    inner: Arc<Mutex<Inner>>,
}

impl Session {
    pub fn current(&self) -> Option<SignedIn> {
        self.inner().current.clone()
    }

    pub fn sign_out(&self) {
        self.inner().current = None;
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `HH:MM` on the store's clock (UTC offset in minutes) at `unix_millis`.
fn clock(unix_millis: i64, offset_minutes: i32) -> String {
    let secs = unix_millis.div_euclid(1000) + i64::from(offset_minutes) * 60;
    let of_day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}", of_day / 3600, of_day % 3600 / 60)
}

/// Checks a senior's code and PIN for an approval, outside any transaction:
/// the staff record is read, then the slow PIN hash runs on the blocking pool.
pub async fn check_approval(
    till: &Till,
    approval: &Approval,
) -> Result<Result<Approver, WrongApproval>, TillError> {
    let code = approval.code.clone();
    let member = till.store.call(move |c| staff::by_code(c, &code)).await?;
    let approval = approval.clone();
    tokio::task::spawn_blocking(move || discounts::verify(member, &approval))
        .await
        .map_err(|e| TillError::Internal(e.to_string()))
}

/// A senior's authority for an action outside a sale (pairing a handheld,
/// revoking one): the signed-in member of staff if their role is at least
/// `min_role`, else the `approval` given, checked as every approval is.
/// Returns who acted, for the audit log.
pub async fn authorize_action(
    till: &Till,
    approval: Option<&Approval>,
    min_role: Role,
    action: &'static str,
) -> Result<Option<SaleCashier>, TillError> {
    let signed_in = till.session.current();
    let role = signed_in.as_ref().map(|s| s.role);
    let approver = match approval {
        Some(a) => Some(check_approval(till, a).await?),
        None => None,
    };
    let asks = discounts::Authority {
        discount_bp: 0,
        min_role: Some(min_role),
        action,
    };
    let limits = till.sale_policy.discount_limits;
    let approved = discounts::authorize(&limits, role, asks, approver.as_ref())?;
    Ok(approved.or(signed_in.map(|s| SaleCashier {
        staff_id: s.staff_id,
        name: s.name,
    })))
}

/// Writes a sign-in event to the audit log; a till not yet enrolled has no log.
async fn log(till: &Till, action: AuditAction, staff: Option<SaleCashier>, detail: String) {
    let Some(device) = till.sync.credential() else {
        return;
    };
    let written = till
        .store
        .call(move |c| audit::record(c, &device, action, staff, detail, None))
        .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "sign-in event not logged");
    }
}

/// Where someone signs in, for the audit log: at the till itself or on a
/// paired handheld (a picker, [`super::handhelds`]).
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    Till,
    Handheld(&'a str),
}

impl Place<'_> {
    fn suffix(self) -> String {
        match self {
            Place::Till => String::new(),
            Place::Handheld(name) => format!(" on handheld {name:?}"),
        }
    }
}

/// Signs a member of staff in at the till by code and PIN: see [`check_sign_in`].
pub async fn sign_in(till: &Till, code: &str, pin: String) -> Result<SignedIn, TillError> {
    let signed_in = check_sign_in(till, code, pin, Place::Till).await?;
    till.session.inner().current = Some(signed_in.clone());
    Ok(signed_in)
}

/// Checks a sign-in by code and PIN (the code trimmed), logging every attempt
/// with its place; five wrong PINs for a code lock it, wherever they were
/// typed. The caller keeps the session: the till's own, or a handheld's.
pub async fn check_sign_in(
    till: &Till,
    code: &str,
    pin: String,
    place: Place<'_>,
) -> Result<SignedIn, TillError> {
    let code = code.trim().to_owned();
    if let Some((_, Some(until))) = till.session.inner().failures.get(&code) {
        let left = until.saturating_duration_since(Instant::now());
        if !left.is_zero() {
            let unlocks = Timestamp::now().unix_millis() + left.as_millis() as i64;
            return Err(TillError::Locked {
                code,
                minutes: left.as_secs().div_ceil(60),
                unlocks_at: clock(unlocks, till.sale_policy.utc_offset_minutes),
            });
        }
    }
    let key = code.clone();
    let (member, known) = till
        .store
        .call(move |c| Ok((staff::by_code(c, &key)?, staff::any(c)?)))
        .await?;
    if !known {
        return Err(TillError::NoStaff {
            enrolled: till.sync.credential().is_some(),
        });
    }
    // The PIN is checked on the blocking pool: hashing is deliberately slow.
    let matched = match member {
        Some(m) => tokio::task::spawn_blocking(move || m.pin_matches(&pin).then_some(m))
            .await
            .map_err(|e| TillError::Internal(e.to_string()))?,
        None => None,
    };
    let outcome = {
        let mut inner = till.session.inner();
        match matched {
            Some(m) if m.active => {
                inner.failures.remove(&code);
                Ok(SignedIn {
                    staff_id: m.staff_id,
                    name: m.name,
                    role: m.role,
                    since: Timestamp::now(),
                })
            }
            Some(_) => Err((None, TillError::StaffInactive)),
            None => {
                let entry = inner.failures.entry(code.clone()).or_insert((0, None));
                entry.0 += 1;
                let left = MAX_FAILURES.saturating_sub(entry.0);
                if left == 0 {
                    *entry = (0, Some(Instant::now() + LOCKOUT));
                }
                Err((
                    Some(left),
                    TillError::WrongPin {
                        left,
                        lock_minutes: LOCKOUT.as_secs() / 60,
                    },
                ))
            }
        }
    };
    let place = place.suffix();
    match outcome {
        Ok(signed_in) => {
            let who = SaleCashier {
                staff_id: signed_in.staff_id,
                name: signed_in.name.clone(),
            };
            log(
                till,
                AuditAction::SignedIn,
                Some(who),
                format!("{} signed in{place}", signed_in.name),
            )
            .await;
            Ok(signed_in)
        }
        Err((Some(0), e)) => {
            log(
                till,
                AuditAction::CodeLocked,
                None,
                format!("code {code} locked after {MAX_FAILURES} wrong PINs{place}"),
            )
            .await;
            Err(e)
        }
        Err((Some(_), e)) => {
            log(
                till,
                AuditAction::SignInFailed,
                None,
                format!("wrong PIN or unknown code {code}{place}"),
            )
            .await;
            Err(e)
        }
        Err((None, e)) => {
            log(
                till,
                AuditAction::SignInFailed,
                None,
                format!("inactive code {code} tried to sign in{place}"),
            )
            .await;
            Err(e)
        }
    }
}
