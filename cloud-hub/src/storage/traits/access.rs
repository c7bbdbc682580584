//! Who may reach a tenant: the tenant and its HQ API keys, HQ users and
//! their sessions, a store's staff (who sign in at its tills) and its
//! terminals (device credentials). Secrets arrive and are kept as hashes.

use crate::domain::access::{
    ApiKeyInfo, Invitation, LockOut, NewApiKey, NewSession, NewUser, SignInRecord, UserInfo,
    UserPatch,
};
use crate::domain::stores::{
    DeviceIdentity, NewStaff, NewTerminal, SeenReport, Tenant, Terminal, TerminalStatus,
};
use crate::storage::DbResult;
use async_trait::async_trait;
use pos_shared::staff::StaffRecord;
use pos_shared::{StoreId, TenantId, TerminalId, Timestamp};

/// Tenants and their HQ API keys; SQL in `sql/tenants.rs`.
#[async_trait]
pub trait TenantStorage: Send + Sync {
    /// Creates a tenant, selling in `currency`, and its first HQ API key
    /// (stored as a hash).
    async fn create_tenant(
        &self,
        name: &str,
        currency: pos_shared::Currency,
        api_key_hash: &str,
    ) -> DbResult<Tenant>;
    /// The currency every price of the tenant is in.
    async fn tenant_currency(&self, tenant: TenantId) -> DbResult<pos_shared::Currency>;
    /// What a working (unrevoked) API key grants.
    async fn api_key_grant(&self, key_hash: &str) -> DbResult<crate::roles::Grant>;
    async fn create_api_key(&self, tenant: TenantId, key: &NewApiKey) -> DbResult<ApiKeyInfo>;
    async fn api_keys(&self, tenant: TenantId) -> DbResult<Vec<ApiKeyInfo>>;
    /// Revokes a key; the last owner key is refused ([`DbError::State`](crate::storage::DbError::State)).
    async fn revoke_api_key(&self, tenant: TenantId, key: uuid::Uuid) -> DbResult<ApiKeyInfo>;
}

/// HQ users: invitations, passwords, sign-in and sessions; SQL in `sql/users.rs`.
#[async_trait]
pub trait UserStorage: Send + Sync {
    /// Invites a user; the email is unique across the hub ([`DbError::Conflict`](crate::storage::DbError::Conflict)).
    async fn create_user(&self, tenant: TenantId, user: &NewUser) -> DbResult<UserInfo>;
    async fn users(&self, tenant: TenantId) -> DbResult<Vec<UserInfo>>;
    async fn user(&self, tenant: TenantId, user: uuid::Uuid) -> DbResult<UserInfo>;
    /// Changes name, role or stores; demoting the last owner is refused.
    async fn update_user(
        &self,
        tenant: TenantId,
        user: uuid::Uuid,
        patch: &UserPatch,
    ) -> DbResult<UserInfo>;
    /// Disabling ends the user's sessions; the last owner is refused.
    async fn set_user_disabled(
        &self,
        tenant: TenantId,
        user: uuid::Uuid,
        disabled: bool,
    ) -> DbResult<UserInfo>;
    /// A new invitation (also how a forgotten password is reset).
    async fn reinvite_user(
        &self,
        tenant: TenantId,
        user: uuid::Uuid,
        invitation: &Invitation,
    ) -> DbResult<UserInfo>;
    /// The user a (lower-cased) email names, for signing in.
    async fn sign_in_record(&self, email: &str) -> DbResult<SignInRecord>;
    async fn sign_in_record_of(&self, tenant: TenantId, user: uuid::Uuid)
        -> DbResult<SignInRecord>;
    /// Counts a wrong password; answers the lock's end if this one locked the user out.
    async fn sign_in_failed(&self, user: uuid::Uuid, lock: LockOut) -> DbResult<Option<Timestamp>>;
    async fn open_session(
        &self,
        tenant: TenantId,
        user: uuid::Uuid,
        session: &NewSession,
    ) -> DbResult<UserInfo>;
    /// The email of the user an outstanding invitation is for.
    async fn invitation_email(&self, code_hash: &str) -> DbResult<String>;
    /// Sets the password an invitation was for and opens a session.
    async fn accept_invitation(
        &self,
        code_hash: &str,
        password_hash: &str,
        session: &NewSession,
    ) -> DbResult<UserInfo>;
    /// Sets a new password, ending every session but `keep_session`.
    async fn change_password(
        &self,
        tenant: TenantId,
        user: uuid::Uuid,
        password_hash: &str,
        keep_session: &str,
    ) -> DbResult<()>;
    /// What a working session grants and when it ends.
    async fn session_grant(&self, token_hash: &str) -> DbResult<(crate::roles::Grant, Timestamp)>;
    async fn end_session(&self, token_hash: &str) -> DbResult<()>;
}

/// A store's staff, whom its tills hear of in the feed; SQL in `sql/staff.rs`.
#[async_trait]
pub trait StaffStorage: Send + Sync {
    /// Adds a member of staff to `store`; the store's tills hear of it in the feed.
    async fn create_staff(
        &self,
        tenant: TenantId,
        store: StoreId,
        staff: &NewStaff,
    ) -> DbResult<StaffRecord>;
    /// Lets a member of staff sign in again, or stops them.
    async fn set_staff_active(
        &self,
        tenant: TenantId,
        staff: pos_shared::StaffId,
        active: bool,
    ) -> DbResult<StaffRecord>;
    /// Replaces a member of staff's PIN hash (an Argon2id PHC string); the
    /// store's tills hear of it in the feed.
    async fn set_staff_pin(
        &self,
        tenant: TenantId,
        staff: pos_shared::StaffId,
        pin_hash: &str,
    ) -> DbResult<StaffRecord>;
    async fn staff(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<StaffRecord>>;
}

/// A store's terminals: enrollment, device credentials and what each
/// reports of its sync; SQL in `sql/terminals.rs`.
#[async_trait]
pub trait TerminalStorage: Send + Sync {
    /// Creates a terminal awaiting enrollment with the hash of its one-time code.
    async fn create_terminal(
        &self,
        tenant: TenantId,
        store: StoreId,
        terminal: &NewTerminal,
        code_hash: &str,
    ) -> DbResult<Terminal>;
    /// Consumes a one-time code, binding the device token hash to the terminal.
    /// The installation that consumed it may repeat the exchange for a day (its
    /// answer may have been lost); each repeat issues a new token. The code
    /// of a terminal made again under its id enrolls only the till that
    /// `was` that terminal at its store (`State` on `terminal_id`, the code
    /// kept, otherwise).
    async fn enroll_terminal(
        &self,
        code_hash: &str,
        token_hash: &str,
        install_id: Option<uuid::Uuid>,
        was: Option<pos_shared::sync::FormerTerminal>,
    ) -> DbResult<DeviceIdentity>;
    async fn device_for_token(&self, token_hash: &str) -> DbResult<DeviceIdentity>;
    /// When HQ revoked the terminal whose credential this was, if it did.
    async fn token_revoked_at(&self, token_hash: &str) -> DbResult<Option<pos_shared::Timestamp>>;
    /// Every tenant's terminals HQ revoked at `since` or after, with their
    /// store and when, so requests they have waiting can be ended.
    async fn terminals_revoked_since(
        &self,
        since: pos_shared::Timestamp,
    ) -> DbResult<Vec<(TenantId, StoreId, TerminalId, pos_shared::Timestamp)>>;
    /// Withdraws a terminal's device credential; its token stops working at
    /// once. Answers when it was revoked (the first time, if again).
    async fn revoke_terminal(
        &self,
        tenant: TenantId,
        store: StoreId,
        terminal: TerminalId,
    ) -> DbResult<pos_shared::Timestamp>;
    /// Records that the devices were seen, with what each reported, in one
    /// transaction (a terminal revoked or gone meanwhile is skipped).
    async fn record_terminal_reports(&self, reports: &[SeenReport]) -> DbResult<()>;
    /// The store's terminals with their sync status.
    async fn terminals(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<TerminalStatus>>;
}
