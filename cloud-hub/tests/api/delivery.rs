//! Hand-over to a delivery partner and payment through a gateway, on both
//! backends, through the hub's real interfaces: orders placed over HQ's API,
//! packed through the store's device API, handed over by the hub's own
//! background task to a partner and paid through a gateway that are real
//! HTTP servers on loopback (`fakes.rs`, the only mocks), and the partner's
//! signed callbacks posted as a partner would.

use crate::fakes::{self, FakeGateway, FakePartner};
use crate::helpers::{assert_problem, shop_with, Backend, Shop};
use crate::on_both_backends;
use crate::order_picking::{pack, packed_fact, pick, picker, step, terminal_at, upload};
use crate::orders::{dark_store, order, HOME};
use cloud_hub::config::HubConfig;
use cloud_hub::fulfilment::{GatewayConfig, PartnerConfig};
use cloud_hub::signatures::WebhookSecret;
use pos_shared::Secret;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// 3 teas at ₹145 and 1.5 kg of rice at ₹62.50.
const TOTAL: i64 = 43_500 + 9_375;
/// Short one tea.
const PACKED: i64 = 29_000 + 9_375;

fn partner_config(url: &str) -> PartnerConfig {
    PartnerConfig {
        name: "swift".into(),
        base_url: url.parse().unwrap(),
        api_key: Secret::new(fakes::PARTNER_KEY),
        webhook_secret: WebhookSecret::parse(SECRET).unwrap(),
        timeout: Duration::from_secs(2),
    }
}

fn gateway_config(url: &str) -> GatewayConfig {
    GatewayConfig {
        base_url: url.parse().unwrap(),
        key_id: fakes::GATEWAY_KEY_ID.into(),
        key_secret: Secret::new(fakes::GATEWAY_SECRET),
        timeout: Duration::from_secs(2),
    }
}

/// The hub's config with the partner at `partner` and the gateway at
/// `gateway`, the hand-over task looking every 100 ms.
fn configured(partner: &str, gateway: Option<&str>) -> impl FnOnce(HubConfig) -> HubConfig {
    let (partner, gateway) = (partner_config(partner), gateway.map(gateway_config));
    move |config| HubConfig {
        delivery: Some(partner),
        payments: gateway,
        delivery_sweep_every: Duration::from_millis(100),
        delivery_retry_max: Duration::from_secs(1),
        ..config
    }
}

/// A shop with a dark store near HOME holding 10 teas and 50 kg of rice, and
/// a picker's terminal there: (shop, store, terminal id, device token).
async fn dark_shop(
    backend: Backend,
    adjust: impl FnOnce(HubConfig) -> HubConfig,
) -> (Shop, String, String, String) {
    let shop = shop_with(backend, adjust).await;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 10).await;
    let (terminal, token) = terminal_at(&shop, &store, "Picker", "pk").await;
    (shop, store, terminal, token)
}

/// Places the usual order (with `payment` unless it is null): its id.
async fn place(shop: &Shop, key: &str, payment: Value) -> String {
    let mut body = order(
        key,
        HOME,
        json!([{"variant_id": shop.variants[0].0, "qty": "3"},
               {"variant_id": shop.variants[1].0, "qty": "1.5"}]),
    );
    if !payment.is_null() {
        body["payment"] = payment;
    }
    let (s, placed) = shop.hub.post("/v1/orders", &shop.api_key, body).await;
    assert_eq!(s, StatusCode::CREATED, "{placed}");
    assert_eq!(placed["total"]["minor"], TOTAL);
    placed["id"].as_str().unwrap().to_owned()
}

fn payment(gateway_ref: &str, authorized: i64) -> Value {
    json!({"gateway_ref": gateway_ref, "authorized": {"minor": authorized, "currency": "INR"}})
}

/// Confirms, assigns and packs the order short of one tea, as the store's
/// device reports it.
async fn packed_short(shop: &Shop, store: &str, terminal: &str, token: &str, id: &str) {
    step(shop, id, "confirmed").await;
    step(shop, id, "assigned_to_store").await;
    let (tea, rice) = (&shop.variants[0].0, &shop.variants[1].0);
    let packed = pack(
        store,
        id,
        &picker(terminal, "Arun"),
        vec![
            (0, vec![pick(tea, "2", None)], 29_000),
            (1, vec![pick(rice, "1.5", None)], 9_375),
        ],
    );
    let outcome = upload(shop, token, &[packed_fact(shop, packed)]).await;
    assert_eq!(outcome["status"], "accepted", "{outcome}");
}

/// Reads the order through `hq` until `done` holds (15 s at most).
async fn wait_for(
    hq: &hq_client::HqClient,
    id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (s, order) = hq
            .send_json(reqwest::Method::GET, &format!("/v1/orders/{id}"), None)
            .await
            .unwrap();
        assert_eq!(s, StatusCode::OK, "{order}");
        if done(&order) {
            return order;
        }
        assert!(Instant::now() < deadline, "waited for {what}: {order:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn events(shop: &Shop, kind: &str) -> Vec<Value> {
    let (_, page) = shop
        .hub
        .get(&format!("/v1/events?type={kind}"), &shop.api_key)
        .await;
    page["events"].as_array().unwrap().clone()
}

fn now_secs() -> i64 {
    pos_shared::Timestamp::now().unix_millis() / 1000
}

/// Posts a report to the partner callback, signed with `secret` at `ts`.
async fn report_as(
    shop: &Shop,
    partner: &str,
    webhook_id: &str,
    ts: i64,
    body: &str,
    secret: &str,
) -> (StatusCode, Value) {
    let signature = WebhookSecret::parse(secret)
        .unwrap()
        .sign(webhook_id, ts, body.as_bytes());
    let resp = shop
        .hub
        .http
        .post(format!("{}/v1/delivery/callbacks/{partner}", shop.hub.base))
        .header("content-type", "application/json")
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", ts.to_string())
        // A stale signature first, as a sender rotating secrets lists both.
        .header("webhook-signature", format!("v1,bm9wZQ== {signature}"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn report(
    shop: &Shop,
    webhook_id: &str,
    reference: &str,
    status: &str,
) -> (StatusCode, Value) {
    let body = json!({"reference": reference, "status": status}).to_string();
    report_as(shop, "swift", webhook_id, now_secs(), &body, SECRET).await
}

fn steps(order: &Value) -> Vec<(String, String, String)> {
    order["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["to"].as_str().unwrap().to_owned(),
                t["actor"].as_str().unwrap().to_owned(),
                t["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn a_paid_order_is_captured_handed_over_delivered_and_closed(backend: Backend) {
    let partner = FakePartner::start().await;
    let gateway = FakeGateway::start().await;
    // The first capture takes effect but its answer is lost; the partner is
    // down until the payment is taken.
    gateway.log.lock().unwrap().lose_answers = 1;
    partner.set_down(true);
    let (shop, store, terminal, token) =
        dark_shop(backend, configured(&partner.url, Some(&gateway.url))).await;
    // A second hub on the same database, its own hand-over task running
    // beside the first one's all along.
    let second = cloud_hub::start(configured(&partner.url, Some(&gateway.url))(HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..HubConfig::new(shop.hub.database_url.clone())
    }))
    .await
    .unwrap();
    let hq = shop.hub.as_(&shop.api_key);
    let id = place(&shop, "paid-1", payment("pay_A1", TOTAL)).await;
    packed_short(&shop, &store, &terminal, &token, &id).await;

    let waiting = wait_for(&hq, &id, "a failed hand-over after the capture", |o| {
        o["delivery"]["attempts"].as_u64() >= Some(2)
    })
    .await;
    assert_eq!(waiting["state"], "packed");
    assert_eq!(waiting["payment"]["state"], "captured", "{waiting}");
    partner.set_down(false);
    let handed = wait_for(&hq, &id, "the hand-over", |o| {
        o["state"] == "assigned_to_partner"
    })
    .await;
    second.stop().await.unwrap();
    // One delivery, never called off: one hub at a time worked the order.
    assert_eq!(partner.answered_and_cancelled(), (1, 0));
    // Captured once: what was packed, under one key, though asked twice.
    assert_eq!(
        gateway.effective(),
        [("capture".to_owned(), "pay_A1".to_owned(), Some(PACKED))]
    );
    let asked = gateway.requests();
    assert_eq!(asked.len(), 2, "{asked:?}");
    for r in &asked {
        assert_eq!(r.path, "/payments/pay_A1/capture");
        assert_eq!(r.body, json!({"amount": PACKED, "currency": "INR"}));
        assert_eq!(
            r.idempotency_key.as_deref(),
            Some(format!("{id}:capture").as_str())
        );
    }
    assert_eq!(handed["payment"]["state"], "captured", "{handed}");
    assert_eq!(handed["payment"]["captured"]["minor"], PACKED);
    let captured = events(&shop, "payment.captured").await;
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0]["data"]["released"]["minor"], TOTAL - PACKED);

    // The partner was asked with what a rider needs, the same each try.
    let pickups = partner.pickups();
    assert!(pickups.len() >= 2, "{pickups:?}");
    let sent = pickups.last().unwrap();
    assert!(pickups.iter().all(|p| p.body == sent.body));
    assert_eq!(
        sent.authorization.as_deref(),
        Some("Bearer partner-api-key")
    );
    assert_eq!(sent.idempotency_key.as_deref(), Some(id.as_str()));
    assert_eq!(
        sent.body,
        json!({
            "order_id": id,
            "store": {"id": store, "name": "DS-1", "lat": 12.9784, "lon": 77.6325},
            "customer": {"lat": HOME.0, "lon": HOME.1, "contact": "+91 98450 00000"},
            "packed_total": {"minor": PACKED, "currency": "INR"},
            "items_count": 2,
        })
    );
    assert_eq!(handed["delivery"]["partner"], "swift");
    assert_eq!(handed["delivery"]["reference"], "SWIFT-0001");
    assert_eq!(handed["delivery"]["eta"], "2030-01-01T10:30:00Z");
    assert_eq!(
        steps(&handed).last().unwrap(),
        &(
            "assigned_to_partner".to_owned(),
            "partner:swift".to_owned(),
            "SWIFT-0001".to_owned()
        )
    );

    // Runs after the hand-over find nothing to do.
    let asked = partner.pickups().len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(gateway.requests().len(), 2);
    assert_eq!(partner.pickups().len(), asked);

    // The partner reports, signed.
    let (s, b) = report(&shop, "msg_1", "SWIFT-0001", "picked_up").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["outcome"].as_str(), b["state"].as_str()),
        (Some("applied"), Some("picked_up"))
    );
    // Its retry of the same report changes nothing.
    let (s, b) = report(&shop, "msg_1", "SWIFT-0001", "picked_up").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["outcome"], "duplicate");
    let (s, b) = report(&shop, "msg_1", "SWIFT-0001", "delivered").await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "webhook-id");
    // A report that does not fit the order's state names it.
    let (s, b) = report(&shop, "msg_2", "SWIFT-0001", "picked_up").await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(b["field"], "status");
    assert!(b["detail"].as_str().unwrap().contains("picked_up"), "{b}");

    let (s, b) = report(&shop, "msg_3", "SWIFT-0001", "delivered").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "closed", "paid for: closed at once");
    let (_, done) = shop
        .hub
        .get(&format!("/v1/orders/{id}"), &shop.api_key)
        .await;
    let walked: Vec<_> = steps(&done)
        .into_iter()
        .skip_while(|s| s.0 != "picked_up")
        .collect();
    let expect =
        |to: &str, actor: &str, reason: &str| (to.to_owned(), actor.to_owned(), reason.to_owned());
    assert_eq!(
        walked,
        [
            expect("picked_up", "partner:swift", ""),
            expect("in_transit", "partner:swift", "implied by delivered"),
            expect("delivered", "partner:swift", ""),
            expect("closed", "hub", "payment captured"),
        ]
    );
    let delivered = events(&shop, "order.delivered").await;
    assert_eq!(delivered[0]["source"], "partner:swift", "{delivered:?}");
    let (s, b) = report(&shop, "msg_4", "SWIFT-0001", "delivered").await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert!(b["detail"].as_str().unwrap().contains("closed"), "{b}");
    assert_eq!(gateway.effective().len(), 1, "closing takes nothing more");
}
on_both_backends!(a_paid_order_is_captured_handed_over_delivered_and_closed);

async fn callbacks_that_cannot_be_trusted_or_placed_are_refused(backend: Backend) {
    let partner = FakePartner::start().await;
    let (shop, store, terminal, token) = dark_shop(backend, configured(&partner.url, None)).await;
    let hq = shop.hub.as_(&shop.api_key);
    let id = place(&shop, "cod-1", Value::Null).await;
    packed_short(&shop, &store, &terminal, &token, &id).await;
    let handed = wait_for(&hq, &id, "the hand-over", |o| {
        o["state"] == "assigned_to_partner"
    })
    .await;
    // Cash on delivery: the rider is told to collect the packed total.
    assert_eq!(
        partner.pickups()[0].body["collect_on_delivery"],
        json!({"minor": PACKED, "currency": "INR"})
    );
    assert!(handed.get("payment").is_none(), "{handed}");
    let body = json!({"reference": "SWIFT-0001", "status": "in_transit"}).to_string();
    let other = "whsec_aHViLXBhcnRuZXItc2VjcmV0LTAxMjM0NTY3ODlhYmM=";

    let (s, b) = report_as(&shop, "swift", "m1", now_secs(), &body, other).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "bad_signature");
    assert_eq!(b["field"], "webhook-signature");
    let (s, b) = report_as(&shop, "swift", "m1", now_secs() - 400, &body, SECRET).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "stale_timestamp");
    assert_eq!(b["field"], "webhook-timestamp");
    let (s, b) = report_as(&shop, "swift", "m1", now_secs() + 400, &body, SECRET).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "stale_timestamp");
    let resp = shop
        .hub
        .http
        .post(format!("{}/v1/delivery/callbacks/swift", shop.hub.base))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (s, b) = (resp.status(), resp.json::<Value>().await.unwrap());
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "missing_signature");
    assert_eq!(b["field"], "webhook-id");
    let (s, b) = report_as(&shop, "acme", "m1", now_secs(), &body, SECRET).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_partner");
    assert_eq!(b["field"], "partner");
    let (s, b) = report(&shop, "m2", "SWIFT-9999", "in_transit").await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_reference");
    assert_eq!(b["field"], "reference");
    let (s, b) = report(&shop, "m3", "SWIFT-0001", "teleported").await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "status");
    let huge =
        json!({"reference": "SWIFT-0001", "status": "in_transit", "reason": "x".repeat(70 * 1024)})
            .to_string();
    let (s, b) = report_as(&shop, "swift", "m4", now_secs(), &huge, SECRET).await;
    assert_problem(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(b["field"], "body");
    let (s, b) = report_as(&shop, "swift", "m5", now_secs(), "{\"reference\": ", SECRET).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_json");

    // Nothing refused moved the order; a failed delivery flags it.
    let (_, still) = shop
        .hub
        .get(&format!("/v1/orders/{id}"), &shop.api_key)
        .await;
    assert_eq!(still["state"], "assigned_to_partner");
    let failed =
        json!({"reference": "SWIFT-0001", "status": "failed", "reason": "customer unreachable"})
            .to_string();
    let (s, b) = report_as(&shop, "swift", "m6", now_secs(), &failed, SECRET).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "assigned_to_partner");
    let (_, flagged) = shop
        .hub
        .get(&format!("/v1/orders/{id}"), &shop.api_key)
        .await;
    assert_eq!(flagged["delivery"]["issue"], "failed: customer unreachable");
    assert_eq!(events(&shop, "order.delivery_failed").await.len(), 1);
    // Cash on delivery closes once delivered.
    let (s, b) = report(&shop, "m7", "SWIFT-0001", "delivered").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "closed");

    // Without a gateway, an order cannot carry a payment.
    let mut body = order(
        "paid-x",
        HOME,
        json!([{"variant_id": shop.variants[0].0, "qty": "1"}]),
    );
    body["payment"] = payment("pay_1", 14_500);
    let (s, b) = shop.hub.post("/v1/orders", &shop.api_key, body).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "payment");
}
on_both_backends!(callbacks_that_cannot_be_trusted_or_placed_are_refused);

async fn a_partner_that_is_down_is_retried_and_the_order_waits(backend: Backend) {
    // First nothing listens where the partner should be.
    let nowhere = fakes::closed_url().await;
    let (shop, store, terminal, token) = dark_shop(backend, configured(&nowhere, None)).await;
    let hq = shop.hub.as_(&shop.api_key);
    let id = place(&shop, "wait-1", Value::Null).await;
    packed_short(&shop, &store, &terminal, &token, &id).await;
    let waiting = wait_for(&hq, &id, "two failed tries", |o| {
        o["delivery"]["attempts"].as_u64() >= Some(2)
    })
    .await;
    assert_eq!(waiting["state"], "packed");
    let error = waiting["delivery"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("unavailable") && error.contains("connect"),
        "{error}"
    );
    assert!(
        waiting["delivery"]["next_attempt_at"].is_string(),
        "{waiting}"
    );
    let failed = events(&shop, "order.handover_failed").await;
    assert_eq!(
        failed.len(),
        1,
        "announced once while the error stays the same"
    );
    assert_eq!(failed[0]["data"]["order_id"], id.as_str());

    // The hub restarts, now with a partner that answers 503 for a while.
    let key = shop.api_key.clone();
    let database_url = shop.hub.database_url.clone();
    let hub = std::sync::Arc::try_unwrap(shop.hub)
        .ok()
        .expect("the only handle");
    let _dir = hub.stop().await;
    let partner = FakePartner::start().await;
    partner.set_down(true);
    let again = cloud_hub::start(configured(&partner.url, None)(HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..HubConfig::new(database_url)
    }))
    .await
    .unwrap();
    let hq = hq_client::HqClient::new(&again.base_url())
        .unwrap()
        .with_credential(&key);
    let waiting = wait_for(&hq, &id, "a 503", |o| {
        o["delivery"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("503"))
    })
    .await;
    assert_eq!(waiting["state"], "packed");
    assert!(partner.pickups().len() >= 3, "tried and retried at once");
    partner.set_down(false);
    let handed = wait_for(&hq, &id, "the hand-over", |o| {
        o["state"] == "assigned_to_partner"
    })
    .await;
    assert_eq!(handed["delivery"]["attempts"], 0);
    assert!(handed["delivery"].get("last_error").is_none(), "{handed}");
    // Every try carried the order id: the partner made one delivery.
    let keys: std::collections::HashSet<_> = partner
        .pickups()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 1);
    again.stop().await.unwrap();
}
on_both_backends!(a_partner_that_is_down_is_retried_and_the_order_waits);

async fn cancelled_payments_are_voided_and_declined_ones_wait(backend: Backend) {
    let partner = FakePartner::start().await;
    let gateway = FakeGateway::start().await;
    gateway.log.lock().unwrap().declined.push("pay_X".into());
    let (shop, store, terminal, token) =
        dark_shop(backend, configured(&partner.url, Some(&gateway.url))).await;
    let hq = shop.hub.as_(&shop.api_key);

    // Payments are checked where they enter.
    let tea = json!([{"variant_id": shop.variants[0].0, "qty": "1"}]);
    for (pay, field) in [
        (payment("pay_1", 14_499), "payment.authorized"),
        (payment("pay_1", 0), "payment.authorized"),
        (payment(" ", 14_500), "payment.gateway_ref"),
        (
            json!({"gateway_ref": "pay_1", "authorized": {"minor": 14_500, "currency": "USD"}}),
            "payment.authorized.currency",
        ),
    ] {
        let mut body = order("bad-pay", HOME, tea.clone());
        body["payment"] = pay;
        let (s, b) = shop.hub.post("/v1/orders", &shop.api_key, body).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{b}");
    }
    // The payment is part of the order's idempotency.
    let id = place(&shop, "void-1", payment("pay_V1", TOTAL)).await;
    let mut same = order(
        "void-1",
        HOME,
        json!([{"variant_id": shop.variants[0].0, "qty": "3"},
               {"variant_id": shop.variants[1].0, "qty": "1.5"}]),
    );
    same["payment"] = payment("pay_V1", TOTAL);
    let (s, b) = shop
        .hub
        .post("/v1/orders", &shop.api_key, same.clone())
        .await;
    assert_eq!(
        (s, b["id"].as_str()),
        (StatusCode::OK, Some(id.as_str())),
        "{b}"
    );
    same["payment"] = payment("pay_V2", TOTAL);
    let (s, b) = shop.hub.post("/v1/orders", &shop.api_key, same).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "idempotency_key");

    // Cancelled before picking: the authorisation is voided, once.
    step(&shop, &id, "confirmed").await;
    step(&shop, &id, "cancelled").await;
    let voided = wait_for(&hq, &id, "the void", |o| o["payment"]["state"] == "voided").await;
    assert_eq!(voided["state"], "cancelled");
    assert_eq!(
        gateway.effective(),
        [("void".to_owned(), "pay_V1".to_owned(), None)]
    );
    assert_eq!(
        gateway.requests()[0].idempotency_key.as_deref(),
        Some(format!("{id}:void").as_str())
    );
    assert_eq!(events(&shop, "payment.voided").await.len(), 1);

    // A capture the gateway declines: the order waits, packed, for HQ.
    let declined = place(&shop, "declined-1", payment("pay_X", TOTAL)).await;
    packed_short(&shop, &store, &terminal, &token, &declined).await;
    let stuck = wait_for(&hq, &declined, "the refusal", |o| {
        o["payment"]["state"] == "failed"
    })
    .await;
    assert_eq!(stuck["state"], "packed");
    let error = stuck["delivery"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("declined") && error.contains("authorization expired"),
        "{error}"
    );
    let failed = events(&shop, "payment.failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["data"]["operation"], "capture");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(partner.pickups().is_empty(), "not handed over unpaid");
    let (_, still) = shop
        .hub
        .get(&format!("/v1/orders/{declined}"), &shop.api_key)
        .await;
    assert_eq!(still["state"], "packed");
}
on_both_backends!(cancelled_payments_are_voided_and_declined_ones_wait);

/// The real clients against the far sides: a refund's request, a cancelled
/// pick-up, and refusals told apart from outages.
#[tokio::test]
async fn the_clients_speak_the_partners_and_the_gateways_apis() {
    use cloud_hub::fulfilment::{
        DeliveryPartner, GatewayError, HttpGateway, HttpPartner, PartnerError, PaymentGateway,
    };
    let gateway = FakeGateway::start().await;
    let client = HttpGateway::new(&gateway_config(&gateway.url)).unwrap();
    let receipt = client
        .refund("pay_R1", pos_shared::Money::inr(1_250), "o:refund")
        .await
        .unwrap();
    assert_eq!(receipt.id, "rfnd_1");
    let sent = &gateway.requests()[0];
    assert_eq!(sent.path, "/payments/pay_R1/refund");
    assert_eq!(sent.body, json!({"amount": 1_250}));
    assert_eq!(sent.idempotency_key.as_deref(), Some("o:refund"));
    gateway.log.lock().unwrap().declined.push("pay_R2".into());
    let e = client.void("pay_R2", "k").await.unwrap_err();
    assert!(
        e.permanent() && matches!(e, GatewayError::Declined { status: 400, .. }),
        "{e}"
    );
    let wrong = HttpGateway::new(&GatewayConfig {
        key_secret: Secret::new("nope"),
        ..gateway_config(&gateway.url)
    })
    .unwrap();
    assert!(matches!(
        wrong
            .capture("pay_R3", pos_shared::Money::inr(1), "k2")
            .await,
        Err(GatewayError::Declined { status: 401, .. })
    ));
    let down = HttpGateway::new(&gateway_config(&fakes::closed_url().await)).unwrap();
    let e = down.void("pay_R4", "k3").await.unwrap_err();
    assert!(!e.permanent(), "{e}");

    let partner = FakePartner::start().await;
    let client = HttpPartner::new(&partner_config(&partner.url)).unwrap();
    client.cancel_pickup("SWIFT/1 2").await.unwrap();
    assert_eq!(
        partner.log.lock().unwrap().cancels[0].path,
        "/deliveries/SWIFT/1 2/cancel"
    );
    let wrong = HttpPartner::new(&PartnerConfig {
        api_key: Secret::new("nope"),
        ..partner_config(&partner.url)
    })
    .unwrap();
    let place = |lat, lon| cloud_hub::fulfilment::Place { lat, lon };
    let request = cloud_hub::fulfilment::PickupRequest {
        order_id: uuid::Uuid::now_v7(),
        store: cloud_hub::fulfilment::PickupStore {
            id: pos_shared::StoreId::new(),
            name: "DS-1".into(),
            place: place(12.9, 77.6),
        },
        customer: cloud_hub::fulfilment::DropOff {
            place: place(HOME.0, HOME.1),
            contact: "+91 98450 00000".into(),
        },
        packed_total: pos_shared::Money::inr(100),
        items_count: 1,
        collect_on_delivery: None,
    };
    assert!(matches!(
        wrong.request_pickup(&request).await,
        Err(PartnerError::Refused { status: 401, .. })
    ));
    partner.set_down(true);
    assert!(matches!(
        client.request_pickup(&request).await,
        Err(PartnerError::Unavailable(e)) if e.contains("503")
    ));
}
