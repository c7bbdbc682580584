//! Who is signed in at this till: staff sign in with their code and PIN,
//! checked against the store's staff replica, so it works offline. Five wrong
//! PINs for a code lock it for five minutes.

use crate::http::AgentState;
use crate::store::{audit, staff};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::audit::AuditAction;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::sale::SaleCashier;
use pos_shared::staff::Role;
use pos_shared::{StaffId, Timestamp};
use serde::{Deserialize, Serialize};
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
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .current
            .clone()
    }
}

pub fn routes() -> Router<AgentState> {
    Router::new().route("/v1/session", get(current).post(sign_in).delete(sign_out))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignInRequest {
    code: String,
    pin: String,
}

/// Checks a senior's code and PIN for an approval, outside any transaction:
/// the staff record is read, then the slow PIN hash runs on the blocking pool.
pub async fn check_approval(
    app: &AgentState,
    approval: &crate::store::discounts::Approval,
) -> Result<
    Result<crate::store::discounts::Approver, crate::store::discounts::WrongApproval>,
    ApiError,
> {
    let code = approval.code.clone();
    let member = app.store.call(move |c| staff::by_code(c, &code)).await?;
    let approval = approval.clone();
    tokio::task::spawn_blocking(move || crate::store::discounts::verify(member, &approval))
        .await
        .map_err(ApiError::internal)
}

/// Writes a sign-in event to the audit log; a till not yet enrolled has no log.
async fn log(app: &AgentState, action: AuditAction, staff: Option<SaleCashier>, detail: String) {
    let Some(device) = app.sync.credential() else {
        return;
    };
    let written = app
        .store
        .call(move |c| audit::record(c, &device, action, staff, detail, None))
        .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "sign-in event not logged");
    }
}

async fn sign_in(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<SignInRequest>,
) -> Result<Json<SignedIn>, ApiError> {
    let code = request.code.trim().to_owned();
    if let Some((_, Some(until))) = app
        .session
        .inner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .failures
        .get(&code)
    {
        let left = until.saturating_duration_since(Instant::now());
        if !left.is_zero() {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                format!(
                    "too many wrong PINs for code {code}; try again in {} minutes or ask a manager",
                    left.as_secs().div_ceil(60)
                ),
            ));
        }
    }
    let key = code.clone();
    let member = app.store.call(move |c| staff::by_code(c, &key)).await?;
    // The PIN is checked on the blocking pool: hashing is deliberately slow.
    let pin = request.pin;
    let matched = match member {
        Some(m) => tokio::task::spawn_blocking(move || m.pin_matches(&pin).then_some(m))
            .await
            .map_err(ApiError::internal)?,
        None => None,
    };
    let outcome = {
        let mut inner = app.session.inner.lock().unwrap_or_else(|e| e.into_inner());
        match matched {
            Some(m) if m.active => {
                inner.failures.remove(&code);
                let signed_in = SignedIn {
                    staff_id: m.staff_id,
                    name: m.name,
                    role: m.role,
                    since: Timestamp::now(),
                };
                inner.current = Some(signed_in.clone());
                Ok(signed_in)
            }
            Some(_) => Err((
                None,
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "staff_inactive",
                    "this member of staff may not sign in; ask a manager",
                ),
            )),
            None => {
                let entry = inner.failures.entry(code.clone()).or_insert((0, None));
                entry.0 += 1;
                let left = MAX_FAILURES.saturating_sub(entry.0);
                if left == 0 {
                    *entry = (0, Some(Instant::now() + LOCKOUT));
                }
                Err((
                    Some(left),
                    ApiError::unauthorized(format!(
                        "wrong code or PIN; {left} tries left before this code is locked"
                    )),
                ))
            }
        }
    };
    match outcome {
        Ok(signed_in) => {
            let who = SaleCashier {
                staff_id: signed_in.staff_id,
                name: signed_in.name.clone(),
            };
            log(
                &app,
                AuditAction::SignedIn,
                Some(who),
                format!("{} signed in", signed_in.name),
            )
            .await;
            Ok(Json(signed_in))
        }
        Err((Some(0), e)) => {
            log(
                &app,
                AuditAction::CodeLocked,
                None,
                format!("code {code} locked after {MAX_FAILURES} wrong PINs"),
            )
            .await;
            Err(e)
        }
        Err((Some(_), e)) => {
            log(
                &app,
                AuditAction::SignInFailed,
                None,
                format!("wrong PIN or unknown code {code}"),
            )
            .await;
            Err(e)
        }
        Err((None, e)) => {
            log(
                &app,
                AuditAction::SignInFailed,
                None,
                format!("inactive code {code} tried to sign in"),
            )
            .await;
            Err(e)
        }
    }
}

async fn current(State(app): State<AgentState>) -> Result<Json<SignedIn>, ApiError> {
    app.session
        .current()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("signed_out", "nobody is signed in at this till"))
}

async fn sign_out(State(app): State<AgentState>) -> StatusCode {
    app.session
        .inner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .current = None;
    StatusCode::NO_CONTENT
}
