//! A store as HQ runs it: the store itself, its stock and ledger, its
//! terminals (enrollment and revocation), its staff, the facts its tills set
//! aside (quarantine), and the records its tills send (sales, shifts, audit).

use crate::{HqClient, HqResult};
use pos_shared::sync::{DeviceCredential, EnrollRequest};
use pos_shared::{StoreId, TerminalId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A store as the hub lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Store {
    pub id: StoreId,
    pub code: String,
    pub name: String,
    pub currency: String,
    /// `open`, `closed` or `maintenance`.
    pub status: String,
    /// The GSTIN it trades under, once HQ has set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gstin: Option<String>,
}

/// A terminal just registered, with its one-time enrollment code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTerminal {
    pub id: TerminalId,
    pub store_id: StoreId,
    pub name: String,
    pub receipt_prefix: String,
    pub enrollment_code: String,
}

impl HqClient {
    pub async fn create_store(&self, code: &str, name: &str, currency: &str) -> HqResult<Store> {
        let body = json!({ "code": code, "name": name, "currency": currency });
        self.post("/v1/stores", &body).await
    }

    /// The stores the credential reaches.
    pub async fn stores(&self) -> HqResult<Vec<Store>> {
        self.get("/v1/stores").await
    }

    /// Puts an item in the store's assortment (`true`) or takes it out; its
    /// tills stop selling it once the feed reaches them.
    pub async fn set_listed(&self, store: &str, variant: &str, listed: bool) -> HqResult<Value> {
        self.put(
            &format!("/v1/stores/{store}/assortment/{variant}"),
            &json!({ "listed": listed }),
        )
        .await
    }

    /// Puts an item's stock at the store on hold with a reason, or releases it
    /// (`None`): no orders, and its tills do not sell it.
    pub async fn set_hold(
        &self,
        store: &str,
        variant: &str,
        reason: Option<&str>,
    ) -> HqResult<Value> {
        let body = match reason {
            Some(reason) => json!({ "blocked": true, "reason": reason }),
            None => json!({ "blocked": false }),
        };
        self.put(&format!("/v1/stores/{store}/blocks/{variant}"), &body)
            .await
    }

    /// The store's stock: on hand, reserved, available and orderability per
    /// item, every page of it, as `{store_id, positions}` in SKU order.
    pub async fn inventory(&self, store: &str) -> HqResult<Value> {
        self.inventory_in_pages(store, 1000).await
    }

    /// [`Self::inventory`], read `page_size` positions a request.
    pub async fn inventory_in_pages(&self, store: &str, page_size: u32) -> HqResult<Value> {
        let base = format!("/v1/stores/{store}/inventory?limit={page_size}");
        let mut whole: Value = self.get(&base).await?;
        while let Some(next) = whole["next_cursor"].as_str().map(str::to_owned) {
            let page: Value = self.get(&format!("{base}&cursor={next}")).await?;
            let more = page["positions"].as_array().cloned().unwrap_or_default();
            if let Some(positions) = whole["positions"].as_array_mut() {
                positions.extend(more);
            }
            whole["next_cursor"] = page["next_cursor"].clone();
        }
        if let Some(answer) = whole.as_object_mut() {
            answer.remove("next_cursor");
        }
        Ok(whole)
    }

    /// Records a stock movement at the store (`variant_id`, `delta`, `reason`, …).
    pub async fn post_movement(&self, store: &str, movement: &Value) -> HqResult<Value> {
        self.post(&format!("/v1/stores/{store}/movements"), movement)
            .await
    }

    /// Goods received: `qty` more of `variant` at `store`.
    pub async fn receive_stock(&self, store: &str, variant: &str, qty: &str) -> HqResult<Value> {
        let body = json!({"variant_id": variant, "delta": qty, "reason": "receipt"});
        self.post_movement(store, &body).await
    }

    /// Registers a till; the answer holds its one-time enrollment code.
    pub async fn create_terminal(
        &self,
        store: &str,
        name: &str,
        receipt_prefix: &str,
    ) -> HqResult<NewTerminal> {
        let body = json!({ "name": name, "receipt_prefix": receipt_prefix });
        self.post(&format!("/v1/stores/{store}/terminals"), &body)
            .await
    }

    /// Makes again, under its id, a terminal the hub lost (its database
    /// restored from a copy older than the terminal): the till enrolled as
    /// it enrolls again with the new code and keeps its identity.
    pub async fn recreate_terminal(
        &self,
        store: &str,
        terminal_id: &str,
        name: &str,
        receipt_prefix: &str,
    ) -> HqResult<NewTerminal> {
        let body =
            json!({ "name": name, "receipt_prefix": receipt_prefix, "terminal_id": terminal_id });
        self.post(&format!("/v1/stores/{store}/terminals"), &body)
            .await
    }

    /// Exchanges a one-time enrollment code for a device credential, as a
    /// till does (needs no credential).
    pub async fn enroll(&self, code: &str, agent_version: &str) -> HqResult<DeviceCredential> {
        let body = EnrollRequest {
            code: code.to_owned(),
            agent_version: agent_version.to_owned(),
            install_id: None,
            was: None,
        };
        self.post("/v1/enroll", &body).await
    }

    /// Withdraws a till's credential.
    pub async fn revoke_terminal(&self, store: &str, terminal: &str) -> HqResult<()> {
        self.post_empty::<Value>(&format!("/v1/stores/{store}/terminals/{terminal}/revoke"))
            .await
            .map(drop)
    }

    /// The store's terminals with their sync status.
    pub async fn terminals(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "terminals").await
    }

    /// Adds a member of staff to the store; returns their id.
    pub async fn create_staff(
        &self,
        store: &str,
        name: &str,
        code: &str,
        role: &str,
        pin: &str,
    ) -> HqResult<String> {
        let path = format!("/v1/stores/{store}/staff");
        let body = json!({"name": name, "code": code, "role": role, "pin": pin});
        let staff: Value = self.post(&path, &body).await?;
        crate::field(&staff, "staff_id", crate::Method::POST, &path)
    }

    pub async fn deactivate_staff(&self, staff: &str) -> HqResult<()> {
        self.post::<Value>(&format!("/v1/staff/{staff}/deactivate"), &json!({}))
            .await
            .map(drop)
    }

    /// The facts the store's tills set aside because the hub refused them.
    pub async fn quarantine(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "quarantine").await
    }

    /// HQ's decision on a quarantined fact: `resend` or `write-off`.
    pub async fn decide_quarantined(
        &self,
        store: &str,
        terminal: &str,
        event_id: &str,
        decision: &str,
        note: &str,
    ) -> HqResult<Value> {
        self.post(
            &format!("/v1/stores/{store}/quarantine/{terminal}/{event_id}/{decision}"),
            &json!({ "note": note }),
        )
        .await
    }

    /// A store document as the hub saved it (Automerge format).
    pub async fn document(&self, store: &str, purpose: &str) -> HqResult<Vec<u8>> {
        self.get_bytes(&format!("/v1/stores/{store}/documents/{purpose}"))
            .await
    }

    pub async fn sales(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "sales").await
    }

    pub async fn movements(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "movements").await
    }

    /// The store's till audit entries, in the order the hub committed them.
    pub async fn audit(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "audit").await
    }

    /// The store's closed shifts (Z reports), in the order the hub committed them.
    pub async fn shifts(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "shifts").await
    }

    /// `GET /v1/stores/{store}/{what}` whole: a plain array, or every page of
    /// a paged one.
    pub async fn store_list(&self, store: &str, what: &str) -> HqResult<Vec<Value>> {
        let base = format!("/v1/stores/{store}/{what}");
        let mut items = Vec::new();
        let mut path = base.clone();
        loop {
            let answer: Value = self.get(&path).await?;
            let Some(page) = answer["items"].as_array() else {
                return Ok(answer.as_array().cloned().unwrap_or_default());
            };
            items.extend(page.iter().cloned());
            match answer["next_cursor"].as_str() {
                Some(next) => path = format!("{base}?cursor={next}"),
                None => return Ok(items),
            }
        }
    }
}
