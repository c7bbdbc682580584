//! HQ access as the storage layer takes and gives it: API keys, users and
//! their sessions. Secrets (key secrets, passwords, invitation codes, session
//! tokens) arrive already hashed; the policies (password strength, lock-out,
//! lifetimes) are the HTTP layer's, passed in as values. Roles and grants are
//! `crate::roles`'.

use crate::roles::Role;
use pos_shared::{StoreId, TenantId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a user stands: invited (no password yet), active, or disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Invited,
    Active,
    Disabled,
}

/// An HQ user as owners (and the user) see them; never a secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserInfo {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The stores the user is limited to; empty for every store.
    pub store_ids: Vec<StoreId>,
    pub status: UserStatus,
    pub created_at: Timestamp,
    /// Until when the outstanding invitation can be taken up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<Timestamp>,
}

/// A one-time invitation code (hashed) and when it stops working.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub code_hash: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    /// Lower-cased.
    pub email: String,
    pub name: String,
    pub role: Role,
    pub store_ids: Vec<StoreId>,
    pub invitation: Invitation,
}

/// An owner's change to a user; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub store_ids: Option<Vec<StoreId>>,
}

/// What signing in needs to know about the user an email names.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    pub user_id: Uuid,
    pub tenant: TenantId,
    pub email: String,
    /// `None` until the invitation is taken up.
    pub password_hash: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub disabled: bool,
}

/// A session to open: its token (hashed) and its end.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub expires_at: Timestamp,
}

/// After how many wrong passwords in a row a user is locked out, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LockOut {
    pub after_failures: i64,
    pub for_ms: i64,
}

/// An HQ API key to issue: its secret arrives hashed.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub label: String,
    pub role: Role,
    /// The stores it is limited to; empty for all.
    pub store_ids: Vec<StoreId>,
    pub key_hash: String,
}

/// An HQ API key as its owner sees it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyInfo {
    pub key_id: Uuid,
    pub label: String,
    pub role: Role,
    /// The stores it is limited to; empty for every store.
    pub store_ids: Vec<StoreId>,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}
