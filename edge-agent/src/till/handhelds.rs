//! Handhelds paired with this till (dark-store pickers' phones): a supervisor
//! issues a pairing code at the till, a device on the LAN claims it for a
//! token, every request of the device is checked against the `handhelds`
//! table (so a revocation holds from the device's next request), and a picker
//! signs in on the device with the till's own sign-in rules.
//!
//! Pairing and revoking are written to the audit log in the transaction that
//! changes the table. Picker sessions live in memory, as the till's own does:
//! after a restart the device stays paired and the picker signs in again.

use super::pairing::{self, ClaimRefusal, PairingCode, PairingDesk, Refused};
use super::session::{self, Place, SignedIn};
use super::{Till, TillError};
use crate::pos::discounts::Approval;
use crate::store::audit;
use crate::store::handhelds::{self as table, HandheldRecord};
use pos_shared::audit::AuditAction;
use pos_shared::staff::Role;
use pos_shared::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The least role that may pair or revoke a handheld: a device on the store
/// LAN is a door into the till, so a senior opens and closes it, as for the
/// cash drawer.
pub const MANAGES_HANDHELDS: Role = Role::Supervisor;

/// What the till keeps in memory about handhelds.
#[derive(Clone)]
pub struct Handhelds {
    inner: Arc<Mutex<Inner>>,
    /// How long a pairing code may be claimed.
    code_ttl: Duration,
}

#[derive(Default)]
struct Inner {
    desk: PairingDesk,
    /// Who is signed in on which device.
    pickers: HashMap<Uuid, SignedIn>,
}

impl Handhelds {
    pub fn new(code_ttl: Duration) -> Self {
        Handhelds {
            inner: Arc::default(),
            code_ttl,
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The picker signed in on a device, if any.
    pub fn picker(&self, device: Uuid) -> Option<SignedIn> {
        self.inner().pickers.get(&device).cloned()
    }

    pub fn sign_out_picker(&self, device: Uuid) {
        self.inner().pickers.remove(&device);
    }
}

/// Why a handheld request did not go through.
#[derive(Debug, thiserror::Error)]
pub enum HandheldError {
    #[error(transparent)]
    Till(#[from] TillError),
    #[error("{}", refusal_words(.0))]
    Refused(Refused),
    #[error("too many wrong pairing codes; pairing is locked for {minutes} minutes, or until a supervisor issues a new code at the till")]
    Locked { minutes: u64 },
    #[error("this device is not paired with the till: pair it with a code a supervisor issues at the till")]
    NotPaired,
    #[error("this device's pairing was revoked at the till: pair it again with a new code")]
    Revoked,
    #[error("no handheld {0} is paired with this till")]
    NoSuchDevice(Uuid),
}

fn refusal_words(r: &Refused) -> String {
    let what = match r.why {
        ClaimRefusal::Unknown => "no such pairing code was issued at this till",
        ClaimRefusal::Expired => "this pairing code has expired; ask for a new one at the till",
        ClaimRefusal::Used => "this pairing code was already used; ask for a new one at the till",
    };
    match r.tries_left {
        0 => format!("{what}; too many wrong codes, so pairing is now locked"),
        n => format!("{what} ({n} tries left before pairing locks)"),
    }
}

/// A code issued at the till, as shown to the supervisor.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCode {
    pub code: String,
    pub expires_at: Timestamp,
}

/// What a device gets when it pairs; the token is shown this once only.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Paired {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub device_id: Uuid,
    pub device_name: String,
    pub token: String,
}

/// A supervisor's say-so, for issuing a code or revoking a device when no
/// supervisor is signed in at the till.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManageRequest {
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// A device's claim of a pairing code, naming itself.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    pub code: String,
    pub device_name: String,
}

fn invalid(field: &'static str, detail: impl Into<String>) -> HandheldError {
    TillError::Invalid {
        field,
        detail: detail.into(),
    }
    .into()
}

/// Issues a pairing code, on a supervisor's authority.
pub async fn issue_code(till: &Till, request: ManageRequest) -> Result<IssuedCode, HandheldError> {
    // The pairing will be audited, and an unenrolled till has no log yet.
    till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let who = session::authorize_action(
        till,
        request.approval.as_ref(),
        MANAGES_HANDHELDS,
        "pairing a handheld",
    )
    .await?;
    let code = PairingCode::generate().map_err(|e| TillError::Internal(e.to_string()))?;
    let ttl = till.handhelds.code_ttl;
    let expires_at = Timestamp::from_unix_millis(
        Timestamp::now().unix_millis() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2),
    );
    let shown = code.display();
    till.handhelds
        .inner()
        .desk
        .issue(code, who, ttl, Instant::now());
    Ok(IssuedCode {
        code: shown,
        expires_at,
    })
}

/// A device's name as the till lists it: 1 to 60 characters, no control characters.
fn device_name(name: &str) -> Result<String, HandheldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(pos_shared::text::unseen) {
        return Err(invalid(
            "device_name",
            "a device name is 1 to 60 characters, such as \"Picker phone 3\"",
        ));
    }
    Ok(name.to_owned())
}

/// Claims a pairing code for a device: a new device id and token, the
/// token's hash and the audit entry written in one transaction.
pub async fn pair(till: &Till, request: PairRequest) -> Result<Paired, HandheldError> {
    // Everything about the request is checked before the code is spent.
    let code = PairingCode::parse(&request.code).map_err(|e| invalid("code", e))?;
    let name = device_name(&request.device_name)?;
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let claimed = till.handhelds.inner().desk.claim(&code, Instant::now());
    let issued_by = match claimed {
        Err(locked) => {
            return Err(HandheldError::Locked {
                minutes: locked.minutes,
            })
        }
        Ok(Err(refused)) => {
            if refused.tries_left == 0 {
                let detail = format!(
                    "pairing locked after {} wrong pairing codes",
                    pairing::MAX_FAILED_CLAIMS
                );
                let logged = till
                    .store
                    .call(move |c| {
                        audit::record(c, &device, AuditAction::PairingLocked, None, detail, None)
                    })
                    .await;
                if let Err(e) = logged {
                    tracing::error!(error = %e, "pairing lock not logged");
                }
            }
            return Err(HandheldError::Refused(refused));
        }
        Ok(Ok(issued_by)) => issued_by,
    };
    let token = pairing::new_device_token().map_err(|e| TillError::Internal(e.to_string()))?;
    let hash = pairing::token_sha256(&token);
    let id = Uuid::now_v7();
    let by = issued_by
        .as_ref()
        .map_or("a supervisor".to_owned(), |s| s.name.clone());
    let detail = format!("handheld {name:?} paired with a code issued by {by}");
    let row_name = name.clone();
    let written = till
        .store
        .call(move |c| {
            let tx = c.transaction()?;
            table::insert(&tx, id, &row_name, &hash, Timestamp::now())?;
            audit::record(
                &tx,
                &device,
                AuditAction::HandheldPaired,
                issued_by,
                detail,
                Some(id.to_string()),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await;
    if let Err(e) = written {
        till.handhelds.inner().desk.unclaim(&code);
        return Err(TillError::Store(e).into());
    }
    till.sync.nudge.notify_one();
    Ok(Paired {
        device_id: id,
        device_name: name,
        token,
    })
}

pub async fn list(till: &Till) -> Result<Vec<HandheldRecord>, HandheldError> {
    Ok(till
        .store
        .call(|c| table::list(c))
        .await
        .map_err(TillError::Store)?)
}

/// Revokes a device, on a supervisor's authority: its next request is
/// refused and its picker is signed out now. Revoking a revoked device again
/// changes nothing and logs nothing.
pub async fn revoke(
    till: &Till,
    id: Uuid,
    request: ManageRequest,
) -> Result<HandheldRecord, HandheldError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let who = session::authorize_action(
        till,
        request.approval.as_ref(),
        MANAGES_HANDHELDS,
        "revoking a handheld",
    )
    .await?;
    let revoked = till
        .store
        .call(move |c| {
            let tx = c.transaction()?;
            let before = table::get(&tx, id)?;
            let Some(before) = before else {
                return Ok(None);
            };
            let after = table::revoke(&tx, id, Timestamp::now())?;
            if before.revoked_at.is_none() {
                let detail = format!("handheld {:?} revoked", before.name);
                audit::record(
                    &tx,
                    &device,
                    AuditAction::HandheldRevoked,
                    who,
                    detail,
                    Some(id.to_string()),
                )?;
            }
            tx.commit()?;
            Ok(after)
        })
        .await
        .map_err(TillError::Store)?
        .ok_or(HandheldError::NoSuchDevice(id))?;
    till.handhelds.sign_out_picker(id);
    till.sync.nudge.notify_one();
    Ok(revoked)
}

/// The paired, unrevoked device holding `token` (from `Authorization:
/// Bearer`), marked as seen.
pub async fn authenticate(till: &Till, token: &str) -> Result<HandheldRecord, HandheldError> {
    let hash = pairing::token_sha256(token);
    let found = till
        .store
        .call(move |c| table::seen_by_token(c, &hash, Timestamp::now()))
        .await
        .map_err(TillError::Store)?;
    match found {
        None => Err(HandheldError::NotPaired),
        Some(d) if d.revoked_at.is_some() => Err(HandheldError::Revoked),
        Some(d) => Ok(d),
    }
}

/// Signs a picker in on a paired device, by the till's sign-in rules and
/// lockout; the session belongs to that device.
pub async fn sign_in_picker(
    till: &Till,
    device: &HandheldRecord,
    code: &str,
    pin: String,
) -> Result<SignedIn, HandheldError> {
    let signed_in = session::check_sign_in(till, code, pin, Place::Handheld(&device.name)).await?;
    till.handhelds
        .inner()
        .pickers
        .insert(device.id, signed_in.clone());
    Ok(signed_in)
}
