//! Delivery orders and dark stores through HQ's API: a store's delivery
//! settings, bins and slots, placing orders, moving them along, reading them.

use crate::{HqClient, HqResult};
use serde_json::{json, Value};

impl HqClient {
    /// Opens `store` for delivery orders: where it is, how far it delivers,
    /// how many open orders it takes and its SLA target.
    pub async fn set_fulfilment(&self, store: &str, settings: &Value) -> HqResult<Value> {
        self.put(&format!("/v1/stores/{store}/fulfilment"), settings)
            .await
    }

    /// Creates (or re-zones) bin `code` in `zone` at `store`.
    pub async fn put_bin(&self, store: &str, code: &str, zone: &str) -> HqResult<Value> {
        self.put(
            &format!("/v1/stores/{store}/bins/{code}"),
            &json!({"zone": zone}),
        )
        .await
    }

    /// Slots `variant` in bin `code` at `store`: pickers take it from there.
    pub async fn slot(&self, store: &str, variant: &str, code: &str) -> HqResult<Value> {
        self.put(
            &format!("/v1/stores/{store}/slots/{variant}"),
            &json!({"bin": code}),
        )
        .await
    }

    /// Places an order (`idempotency_key`, `customer`, `lines`, `channel`);
    /// the status tells a new order (201) from a refusal (422).
    pub async fn place_order(&self, order: &Value) -> HqResult<(reqwest::StatusCode, Value)> {
        self.post_json("/v1/orders", order).await
    }

    pub async fn order(&self, id: &str) -> HqResult<Value> {
        self.get(&format!("/v1/orders/{id}")).await
    }

    /// Moves the order one step (`confirmed`, `assigned_to_store`, …).
    pub async fn step_order(&self, id: &str, to: &str) -> HqResult<Value> {
        self.post(&format!("/v1/orders/{id}/transitions"), &json!({"to": to}))
            .await
    }
}
