//! Who may call: tenants (with the hub's admin token), HQ API keys, HQ users
//! and their invitations, sign-in sessions, and `whoami`.

use crate::{HqClient, HqResult};
use pos_shared::{StoreId, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A tenant just created, with its first (owner) API key, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTenant {
    pub tenant_id: TenantId,
    pub name: String,
    pub currency: String,
    pub api_key: String,
}

/// A person to invite to HQ.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation<'a> {
    pub email: &'a str,
    pub name: &'a str,
    /// owner, catalog_manager, store_manager or read_only.
    pub role: &'a str,
    /// The stores they are limited to; empty for all.
    pub store_ids: &'a [StoreId],
}

impl HqClient {
    /// Creates a tenant (called with the hub's admin token).
    pub async fn create_tenant(&self, name: &str) -> HqResult<NewTenant> {
        self.post("/v1/admin/tenants", &json!({ "name": name }))
            .await
    }

    /// Creates a tenant (called with the hub's admin token) and answers with
    /// a client acting as its HQ, with the tenant's owner key.
    pub async fn as_new_tenant(&self, name: &str) -> HqResult<HqClient> {
        let tenant = self.create_tenant(name).await?;
        Ok(self.with_credential(tenant.api_key))
    }

    /// Creates a tenant, answering with the hub's answer as it is.
    pub async fn create_tenant_raw(&self, name: &str) -> HqResult<Value> {
        self.post("/v1/admin/tenants", &json!({ "name": name }))
            .await
    }

    /// Issues an API key; the answer carries its secret, shown once.
    pub async fn create_api_key(
        &self,
        label: &str,
        role: &str,
        store_ids: &[StoreId],
    ) -> HqResult<Value> {
        let body = json!({ "label": label, "role": role, "store_ids": store_ids });
        self.post("/v1/api-keys", &body).await
    }

    pub async fn api_keys(&self) -> HqResult<Vec<Value>> {
        self.get("/v1/api-keys").await
    }

    pub async fn revoke_api_key(&self, key_id: &str) -> HqResult<Value> {
        self.post(&format!("/v1/api-keys/{key_id}/revoke"), &json!({}))
            .await
    }

    /// Invites a person; the answer carries the one-time `invitation_code`.
    pub async fn invite_user(&self, invitation: &Invitation<'_>) -> HqResult<Value> {
        self.post("/v1/users", invitation).await
    }

    pub async fn users(&self) -> HqResult<Vec<Value>> {
        self.get("/v1/users").await
    }

    /// `disable`, `enable` (or another action the hub knows) for a user.
    pub async fn user_action(&self, user_id: &str, action: &str) -> HqResult<Value> {
        self.post(&format!("/v1/users/{user_id}/{action}"), &json!({}))
            .await
    }

    /// A new invitation code for a user (a lost code, a forgotten password).
    pub async fn reinvite_user(&self, user_id: &str) -> HqResult<Value> {
        self.post(&format!("/v1/users/{user_id}/invitation"), &json!({}))
            .await
    }

    /// Takes up an invitation with a password; the answer is a session
    /// (`token`, `expires_at`, `user`).
    pub async fn accept_invitation(&self, code: &str, password: &str) -> HqResult<Value> {
        let body = json!({ "code": code, "password": password });
        self.post("/v1/invitations/accept", &body).await
    }

    /// Signs in; the answer is a session (`token`, `expires_at`, `user`).
    pub async fn sign_in(&self, email: &str, password: &str) -> HqResult<Value> {
        let body = json!({ "email": email, "password": password });
        self.post("/v1/sessions", &body).await
    }

    /// What the credential in use is: key or user, role, stores.
    pub async fn me(&self) -> HqResult<Value> {
        self.get("/v1/me").await
    }

    /// Invites a person (this credential must be an owner's), takes the
    /// invitation up with `password`, and answers with a client acting as them.
    pub async fn add_user(
        &self,
        email: &str,
        name: &str,
        role: &str,
        password: &str,
    ) -> HqResult<HqClient> {
        let invited = self
            .invite_user(&Invitation {
                email,
                name,
                role,
                store_ids: &[],
            })
            .await?;
        let code = crate::field(
            &invited,
            "invitation_code",
            crate::Method::POST,
            "/v1/users",
        )?;
        let session = self.anonymous().accept_invitation(&code, password).await?;
        let token = crate::field(
            &session,
            "token",
            crate::Method::POST,
            "/v1/invitations/accept",
        )?;
        Ok(self.with_credential(token))
    }
}
