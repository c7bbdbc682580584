//! Tenancy over the whole API: another tenant's owner key is sent to every
//! documented HQ operation, with this tenant's real ids in the path. It reads
//! nothing (a 404, never a 2xx), lists none of this tenant's things, and
//! changes nothing: the victim's ledger, sales, stock, feed and event log are
//! the same afterwards. A read-only key of the tenant itself is refused every
//! write. New endpoints are covered as they are documented.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Creates one of each thing a path can name; answers path parameter → id.
/// One webhook from `source`, signed as the source signs it, applied: its
/// payload's id and its run's.
async fn one_payload(shop: &Shop, source: &Value) -> (String, String) {
    let secret =
        cloud_hub::signatures::WebhookSecret::parse(source["secret"].as_str().expect("secret"))
            .expect("a secret");
    let body = json!({"inventorySnapshots": []}).to_string();
    let ts = pos_shared::Timestamp::now().unix_millis() / 1000;
    let sent = shop
        .hub
        .http
        .post(format!(
            "{}/v1/webhooks/{}",
            shop.hub.base,
            source["id"].as_str().unwrap()
        ))
        .header("webhook-id", "iso-1")
        .header("webhook-timestamp", ts.to_string())
        .header(
            "webhook-signature",
            secret.sign("iso-1", ts, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    for _ in 0..200 {
        let (_, page) = shop
            .hub
            .get(
                &format!("/v1/sources/{}/payloads", source["id"].as_str().unwrap()),
                &shop.api_key,
            )
            .await;
        let payload = &page["items"][0];
        if let Some(run) = payload["last_run_id"].as_str() {
            return (payload["id"].as_str().unwrap().to_owned(), run.to_owned());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the payload was not applied");
}

/// A seller's feed with one bad row: the seller source's id and the row
/// waiting in its review queue.
async fn one_review_row(shop: &Shop) -> (String, String) {
    let hq = shop.hub.as_(&shop.api_key);
    let (s, seller) = shop
        .hub
        .post(
            "/v1/sources",
            &shop.api_key,
            json!({"code": "iso-seller", "name": "Seller", "kind": "seller",
                   "stores": [{"external_id": "S1", "store_id": shop.store_id}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{seller}");
    let id = seller["id"].as_str().unwrap().to_owned();
    hq.upload_feed(
        &id,
        "text/csv",
        "sku,name,barcode,price
X-1,Thing,,abc
"
        .to_owned(),
    )
    .await
    .expect("upload");
    for _ in 0..200 {
        let rows = hq
            .review_rows(&id, Some("pending"), None, 10)
            .await
            .expect("review");
        if let Some(row) = rows.items.first() {
            return (id, row.id.to_string());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the feed's bad row never reached review");
}

async fn one_of_everything(shop: &Shop) -> HashMap<&'static str, String> {
    let hub = &shop.hub;
    let key = shop.api_key.as_str();
    let store = shop.store_id.clone();
    let tea = shop.variants[0].0.clone();
    let created = |what: &'static str, s: StatusCode, b: &Value| {
        assert!(s.is_success(), "{what}: {s} {b}");
    };
    let (s, other) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-2", "name": "Koramangala"}),
        )
        .await;
    created("store", s, &other);
    let (s, transfer) = hub
        .post(
            &format!("/v1/stores/{store}/transfers"),
            key,
            json!({"to_store_id": other["id"], "variant_id": tea, "qty": "1"}),
        )
        .await;
    created("transfer", s, &transfer);
    let (s, request) = hub
        .post(
            &format!("/v1/stores/{store}/transfer-requests"),
            key,
            json!({"to_store_id": other["id"], "variant_id": tea, "qty": "1"}),
        )
        .await;
    created("transfer request", s, &request);
    let (s, reservation) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            key,
            json!({"variant_id": tea, "qty": "1", "order_ref": "ORD-1"}),
        )
        .await;
    created("reservation", s, &reservation);
    let (s, staff) = hub
        .post(
            &format!("/v1/stores/{store}/staff"),
            key,
            json!({"name": "Asha", "code": "101", "role": "cashier", "pin": "4821"}),
        )
        .await;
    created("staff", s, &staff);
    let (s, category) = hub
        .post("/v1/categories", key, json!({"name": "Dairy"}))
        .await;
    created("category", s, &category);
    let later = pos_shared::Timestamp::from_unix_millis(
        pos_shared::Timestamp::now().unix_millis() + 3_600_000,
    );
    let (s, price) = hub
        .post(
            &format!("/v1/variants/{tea}/prices"),
            key,
            json!({"price": {"minor": 13000, "currency": "INR"}, "effective_from": later}),
        )
        .await;
    created("price", s, &price);
    let (s, bin) = hub
        .put(
            &format!("/v1/stores/{store}/bins/A-01"),
            key,
            json!({"zone": "chilled"}),
        )
        .await;
    created("bin", s, &bin);
    let (s, dark) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "DS-ISO", "name": "Dark", "kind": "dark_store"}),
        )
        .await;
    created("dark store", s, &dark);
    let dark = dark["id"].as_str().expect("an id").to_owned();
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{dark}/fulfilment"),
            key,
            json!({"lat": 12.97, "lon": 77.64, "delivery_radius_m": 5000, "order_capacity": 10, "sla_minutes": 20}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{dark}/movements"),
            key,
            json!({"variant_id": tea, "delta": 5, "reason": "receipt"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (s, order) = hub
        .post(
            "/v1/orders",
            key,
            json!({"idempotency_key": "iso-1", "channel": "app",
                   "customer": {"lat": 12.97, "lon": 77.64, "contact": "x"},
                   "lines": [{"variant_id": tea, "qty": "1"}]}),
        )
        .await;
    created("order", s, &order);
    let (s, user) = hub
        .post(
            "/v1/users",
            key,
            json!({"email": "asha@example.com", "name": "Asha", "role": "read_only"}),
        )
        .await;
    created("user", s, &user);
    // Nothing listens there: its deliveries fail quietly meanwhile.
    let (s, subscription) = hub
        .post(
            "/v1/webhook-subscriptions",
            key,
            json!({"url": "https://127.0.0.1:9/hooks", "event_types": ["order."]}),
        )
        .await;
    created("webhook subscription", s, &subscription);
    let (s, source) = hub
        .post(
            "/v1/sources",
            key,
            json!({"code": "iso", "name": "ERP", "kind": "erp",
                   "stores": [{"external_id": "W1", "store_id": store}]}),
        )
        .await;
    created("source", s, &source);
    let (payload, run) = one_payload(shop, &source).await;
    let review_row = one_review_row(shop).await;
    let (_, me) = hub.get("/v1/me", key).await;
    let take = one_stock_take(shop).await;
    let (supplier, po, receipt) = one_delivery(shop).await;
    let (s, bill) = hub
        .post(
            "/v1/supplier-bills",
            key,
            json!({"supplier_id": supplier, "bill_no": "SB-1", "bill_date": "2026-12-04", "receipt_ids": [receipt],
                   "lines": [{"variant_id": shop.variants[0].0, "qty": "1", "unit_cost_minor": 100}]}),
        )
        .await;
    created("supplier bill", s, &bill);
    let (s, account) = shop
        .hub
        .put(
            &format!("/v1/stores/{store}/credit-accounts/+919876543210"),
            &shop.api_key,
            json!({"limit": {"minor": 100_000, "currency": "INR"}}),
        )
        .await;
    created("credit account", s, &account);
    // The enrichment worker's suggestions for the shop's items (its tea
    // and rice have words in the synonym table).
    cloud_hub::enrichment::catch_up(&hub.storage, &cloud_hub::enrichment::Enricher::rules())
        .await
        .expect("enrichment");
    let (_, proposals) = hub.get("/v1/enrichment/proposals", key).await;
    let text = |v: &Value| v.as_str().expect("an id").to_owned();
    HashMap::from([
        (
            "proposal_id",
            text(&proposals["proposals"][0]["proposal_id"]),
        ),
        ("store_id", store),
        ("variant_id", tea),
        ("terminal_id", shop.terminal_id.clone()),
        ("transfer_id", text(&transfer["transfer_id"])),
        ("request_id", text(&request["request_id"])),
        ("take_id", take),
        ("supplier_id", supplier),
        ("po_id", po),
        ("receipt_id", receipt),
        ("bill_id", text(&bill["bill_id"])),
        ("phone", text(&account["phone"])),
        ("reservation_id", text(&reservation["reservation_id"])),
        ("order_id", text(&order["id"])),
        ("staff_id", text(&staff["staff_id"])),
        ("category_id", text(&category["category_id"])),
        ("price_id", text(&price["price_id"])),
        ("code", text(&bin["code"])),
        ("user_id", text(&user["user_id"])),
        ("key_id", text(&me["key_id"])),
        ("subscription_id", text(&subscription["id"])),
        ("source_id", text(&source["id"])),
        ("payload_id", payload),
        ("run_id", run),
        // Its seller's, not the source above: another tenant reaches neither.
        ("row_id", review_row.1),
        ("purpose", "item_state".to_owned()),
        // A section of a report: a name, not anything of a tenant's.
        ("section", "b2b".to_owned()),
        // No fact is quarantined here: HQ reaches none of another tenant's anyway.
        ("event_id", uuid::Uuid::now_v7().to_string()),
    ])
}

async fn event_head(shop: &Shop) -> Value {
    let (_, page) = shop.hub.get("/v1/events?limit=1", &shop.api_key).await;
    page["head"].clone()
}

/// The documented HQ operations (not the live stream), with `ids` in their
/// paths: (method, route, concrete path).
fn hq_operations(
    doc: &Value,
    ids: &HashMap<&'static str, String>,
) -> Vec<(Method, String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let hq = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|c| c.get("hq").is_some()));
            let streams = op["responses"]["200"]["content"]
                .get("text/event-stream")
                .is_some();
            if !hq || streams {
                continue; // devices, the admin, the ways in; the live stream never ends
            }
            let concrete = path
                .split('/')
                .map(
                    |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(param) => ids
                            .get(param)
                            .unwrap_or_else(|| panic!("{path}: no id for {{{param}}}"))
                            .clone(),
                        None => seg.to_owned(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            out.push((method, path.clone(), concrete));
        }
    }
    out
}

async fn no_endpoint_lets_one_tenant_reach_another(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let ids = one_of_everything(&shop).await;
    let intruder = hub.tenant("Other Chain").await;
    let before = (shop.snapshot().await, event_head(&shop).await);
    let (_, doc) = hub.get("/openapi.json", "").await;

    let operations = hq_operations(&doc, &ids);
    let mut leaks = Vec::new();
    for (method, path, concrete) in &operations {
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let (status, answer) = hub
            .send(method.clone(), concrete, Some(&intruder), body)
            .await;
        let what = format!("{method} {path}");
        // Ids are the victim's; a report's section is only a name.
        let names_the_victims = path
            .split('/')
            .any(|seg| seg.starts_with('{') && seg != "{section}");
        if names_the_victims {
            // Names one of the victim's things: never found, never done.
            if status.is_success() || (method == Method::GET && status != StatusCode::NOT_FOUND) {
                leaks.push(format!("{what}: {status} {answer}"));
            }
        } else if method == Method::GET {
            // A list of the intruder's own: none of the victim's ids in it.
            let text = answer.to_string();
            if let Some((param, _)) = ids
                .iter()
                .filter(|(p, _)| !["code", "purpose", "section"].contains(p))
                .find(|(_, id)| text.contains(id.as_str()))
            {
                leaks.push(format!("{what}: shows the victim's {param}: {text}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "reached another tenant:\n{}",
        leaks.join("\n")
    );
    assert!(
        operations.len() >= 70,
        "only {} operations tried",
        operations.len()
    );
    assert_eq!(
        (shop.snapshot().await, event_head(&shop).await),
        before,
        "nothing of the victim changed"
    );
}
on_both_backends!(no_endpoint_lets_one_tenant_reach_another);

async fn a_read_only_credential_changes_nothing_anywhere(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let ids = one_of_everything(&shop).await;
    let (s, reader) = hub
        .post(
            "/v1/api-keys",
            &shop.api_key,
            json!({"label": "auditor", "role": "read_only"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reader}");
    let reader = reader["api_key"].as_str().unwrap().to_owned();
    let before = (shop.snapshot().await, event_head(&shop).await);
    let (_, doc) = hub.get("/openapi.json", "").await;
    let mut wrong = Vec::new();
    let mut writes = 0;
    for (method, path, concrete) in hq_operations(&doc, &ids) {
        // Everyone may sign out and change their own password; rendering
        // labels (a POST for its item list) reads and changes nothing.
        if method == Method::GET
            || path.starts_with("/v1/session")
            || path == "/v1/stores/{store_id}/labels"
        {
            continue;
        }
        writes += 1;
        let body = (method != Method::DELETE).then(|| json!({}));
        let (status, answer) = hub
            .send(method.clone(), &concrete, Some(&reader), body)
            .await;
        if status != StatusCode::FORBIDDEN {
            wrong.push(format!("{method} {path}: {status} {answer}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "a read-only key was not refused:\n{}",
        wrong.join("\n")
    );
    assert!(writes >= 40, "only {writes} writes tried");
    assert_eq!(
        (shop.snapshot().await, event_head(&shop).await),
        before,
        "nothing changed"
    );
}
on_both_backends!(a_read_only_credential_changes_nothing_anywhere);

/// A stock take the shop's till approved (nothing counted differed).
async fn one_stock_take(shop: &Shop) -> String {
    use pos_shared::stock_take::{CountScope, StockTakeApproved};
    let now = pos_shared::Timestamp::now();
    let part = StockTakeApproved {
        part_id: uuid::Uuid::now_v7(),
        approval_id: uuid::Uuid::now_v7(),
        take_id: uuid::Uuid::now_v7(),
        part: 1,
        parts: 1,
        store_id: shop.store_id.parse().unwrap(),
        terminal_id: shop.terminal_id.parse().unwrap(),
        name: "Shelf A".into(),
        scope: CountScope::Counted,
        blind: false,
        started_at: now,
        approved_at: now,
        approved_by: pos_shared::sale::SaleCashier {
            staff_id: pos_shared::StaffId::new(),
            name: "Meena".into(),
        },
        lines: Vec::new(),
    };
    let take = part.take_id.to_string();
    let envelope = pos_shared::Envelope::new(
        part.part_id,
        "pos.stock_take.approved",
        format!("terminal:{}", shop.terminal_id),
        shop.tenant_id.parse().unwrap(),
        now,
        pos_shared::sync::Fact::StockTakeApproved(part),
    );
    let (s, ack) = shop
        .upload(&[serde_json::to_value(envelope).unwrap()])
        .await;
    assert_eq!(
        (s, Shop::statuses(&ack)),
        (StatusCode::OK, vec!["accepted".to_owned()]),
        "{ack}"
    );
    take
}

/// A supplier, an order to it for the shop's store, and a delivery the
/// shop's till received against the order: their ids.
async fn one_delivery(shop: &Shop) -> (String, String, String) {
    use pos_shared::purchase::{GoodsReceived, ReceivedLine};
    let hub = &shop.hub;
    let (s, supplier) = hub
        .post(
            "/v1/suppliers",
            &shop.api_key,
            json!({"name": "Sharma Traders"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{supplier}");
    let supplier = supplier["supplier_id"].as_str().unwrap().to_owned();
    let (s, po) = hub
        .post(
            &format!("/v1/stores/{}/purchase-orders", shop.store_id),
            &shop.api_key,
            json!({"supplier_id": supplier, "lines": [{"variant_id": shop.variants[0].0, "qty": "2"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{po}");
    let po = po["po_id"].as_str().unwrap().to_owned();
    let now = pos_shared::Timestamp::now();
    let receipt = GoodsReceived {
        receipt_id: uuid::Uuid::now_v7(),
        po_id: Some(po.parse().unwrap()),
        supplier_id: supplier.parse().unwrap(),
        store_id: shop.store_id.parse().unwrap(),
        terminal_id: shop.terminal_id.parse().unwrap(),
        started_at: now,
        received_at: now,
        received_by: pos_shared::sale::SaleCashier {
            staff_id: pos_shared::StaffId::new(),
            name: "Ravi".into(),
        },
        bill_no: String::new(),
        note: String::new(),
        // Damaged only: the ledger (which the tests compare) does not move.
        lines: vec![ReceivedLine {
            variant_id: shop.variants[0].0.parse().unwrap(),
            batch: None,
            received: pos_shared::Qty::ZERO,
            damaged: pos_shared::Qty::units(1),
            movement_id: None,
        }],
    };
    let id = receipt.receipt_id.to_string();
    let envelope = pos_shared::Envelope::new(
        receipt.receipt_id,
        "pos.goods.received",
        format!("terminal:{}", shop.terminal_id),
        shop.tenant_id.parse().unwrap(),
        now,
        pos_shared::sync::Fact::GoodsReceived(receipt),
    );
    let (s, ack) = shop
        .upload(&[serde_json::to_value(envelope).unwrap()])
        .await;
    assert_eq!(
        (s, Shop::statuses(&ack)),
        (StatusCode::OK, vec!["accepted".to_owned()]),
        "{ack}"
    );
    (supplier, po, id)
}
