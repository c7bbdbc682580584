//! Ingestion through the webhook gateway, as source systems reach it:
//! requests signed by the reference `standardwebhooks` package from PyPI
//! (`ORACLE_PYTHON`, `tests/sign_webhooks.py`), refusals that leave only an
//! audit row, a restaurant POS's menu pushed twice (one version per item), an
//! ERP's snapshot sent three times with shuffled deltas between (the stock of
//! one application), availability toggles, replays, and generated payloads
//! that never make the hub answer 5xx or stop its ingestion task.

use crate::helpers::*;
use crate::ingestion_menu::menu;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Signs `(id, timestamp, body)` messages with `secret` through the
/// `standardwebhooks` package: their `webhook-signature` values.
pub(crate) fn sign_with_python(secret: &str, messages: &[(String, i64, String)]) -> Vec<String> {
    let python = std::env::var("ORACLE_PYTHON")
        .expect("ORACLE_PYTHON is not set: run ./scripts/test.sh, which installs standardwebhooks");
    let job = json!({
        "secret": secret,
        "messages": messages.iter().map(|(id, ts, body)| json!({"id": id, "timestamp": ts, "body": body})).collect::<Vec<_>>(),
    });
    let mut child = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/sign_webhooks.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the signer");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "standardwebhooks failed");
    serde_json::from_slice(&out.stdout).expect("signatures")
}

pub(crate) fn now_secs() -> i64 {
    pos_shared::Timestamp::now().unix_millis() / 1000
}

/// A source as registered: its id and secret.
pub(crate) struct Source {
    pub id: String,
    pub secret: String,
}

pub(crate) async fn register(shop: &Shop, code: &str, kind: &str, external: &str) -> Source {
    let (s, b) = shop
        .hub
        .post(
            "/v1/sources",
            &shop.api_key,
            json!({"code": code, "name": format!("{code} system"), "kind": kind,
                   "stores": [{"external_id": external, "store_id": shop.store_id}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert!(b["secret"].as_str().unwrap().starts_with("whsec_"), "{b}");
    Source {
        id: b["id"].as_str().unwrap().to_owned(),
        secret: b["secret"].as_str().unwrap().to_owned(),
    }
}

/// Posts `body` to the gateway with the given headers.
pub(crate) async fn post_raw(
    shop: &Shop,
    source: &str,
    headers: &[(&str, String)],
    body: &str,
) -> (StatusCode, Value) {
    let mut request = shop
        .hub
        .http
        .post(format!("{}/v1/webhooks/{source}", shop.hub.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Signs `bodies` (each with a fresh webhook-id) and posts them in order.
pub(crate) async fn push(
    shop: &Shop,
    source: &Source,
    bodies: &[Value],
) -> Vec<(StatusCode, Value)> {
    let ts = now_secs();
    let messages: Vec<(String, i64, String)> = bodies
        .iter()
        .map(|b| {
            (
                format!("msg_{}", uuid::Uuid::now_v7().simple()),
                ts,
                b.to_string(),
            )
        })
        .collect();
    let signatures = sign_with_python(&source.secret, &messages);
    let mut out = Vec::new();
    for ((id, ts, body), signature) in messages.iter().zip(signatures) {
        let headers = [
            ("webhook-id", id.clone()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", signature),
        ];
        out.push(post_raw(shop, &source.id, &headers, body).await);
    }
    out
}

/// Waits until every payload of the source is applied or failed; the
/// source's payloads, newest first.
pub(crate) async fn settled(shop: &Shop, source: &Source) -> Vec<Value> {
    for _ in 0..400 {
        let (s, b) = shop
            .hub
            .get(
                &format!("/v1/sources/{}/payloads?limit=1000", source.id),
                &shop.api_key,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let items = b["items"].as_array().unwrap().clone();
        if items.iter().all(|p| p["state"] != "queued") {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("payloads still queued after 20 s");
}

pub(crate) async fn run_of(shop: &Shop, payload: &Value) -> Value {
    let run = payload["last_run_id"].as_str().expect("a run");
    let (s, b) = shop
        .hub
        .get(&format!("/v1/ingestion-runs/{run}"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

pub(crate) async fn catalog_by_sku(shop: &Shop, sku: &str) -> Value {
    let (s, b) = shop
        .hub
        .get(&format!("/v1/catalog?q={sku}&limit=10"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == sku)
        .cloned()
        .unwrap_or_else(|| panic!("no {sku} in {b}"))
}

pub(crate) async fn versions(shop: &Shop, variant: &Value) -> usize {
    let id = variant["variant_id"].as_str().unwrap();
    let (s, b) = shop
        .hub
        .get(&format!("/v1/catalog/{id}/versions"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b.as_array()
        .map(Vec::len)
        .unwrap_or_else(|| b["versions"].as_array().map_or(0, Vec::len))
}

async fn signed_requests_are_taken_and_the_rest_leave_only_a_refusal(backend: Backend) {
    let shop = shop_with(backend, |c| cloud_hub::config::HubConfig {
        ingestion_max_body: 64 * 1024,
        ..c
    })
    .await;
    let source = register(&shop, "pp", "restaurant_pos", "R1").await;
    let body = menu("250.00").to_string();
    let ts = now_secs();
    let id = "msg_first".to_owned();
    let signature = sign_with_python(&source.secret, &[(id.clone(), ts, body.clone())]).remove(0);
    let good = [
        ("webhook-id", id.clone()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", signature.clone()),
    ];
    let (s, b) = post_raw(&shop, &source.id, &good, &body).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    assert_eq!(b["status"], "queued");
    let (s, again) = post_raw(&shop, &source.id, &good, &body).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["status"], "duplicate");
    assert_eq!(again["payload_id"], b["payload_id"]);

    // Each refused by name, with nothing archived.
    let other = menu("99").to_string();
    let resigned = sign_with_python(&source.secret, &[(id.clone(), ts, other.clone())]).remove(0);
    let (s, b) = post_raw(
        &shop,
        &source.id,
        &[
            ("webhook-id", id.clone()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", resigned),
        ],
        &other,
    )
    .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "webhook_id_reused");
    let tampered = body.replace("250.00", "1.00");
    let (s, b) = post_raw(&shop, &source.id, &good, &tampered).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "bad_signature");
    assert_eq!(b["field"], "webhook-signature");
    let wrong = sign_with_python(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        &[(id.clone(), ts, body.clone())],
    )
    .remove(0);
    let (s, b) = post_raw(
        &shop,
        &source.id,
        &[
            ("webhook-id", "msg_2".into()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", wrong),
        ],
        &body,
    )
    .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "bad_signature");
    for skew in [-600, 600] {
        let when = ts + skew;
        let signed =
            sign_with_python(&source.secret, &[("msg_3".into(), when, body.clone())]).remove(0);
        let (s, b) = post_raw(
            &shop,
            &source.id,
            &[
                ("webhook-id", "msg_3".into()),
                ("webhook-timestamp", when.to_string()),
                ("webhook-signature", signed),
            ],
            &body,
        )
        .await;
        assert_problem(s, &b, StatusCode::UNAUTHORIZED, "stale_timestamp");
        assert_eq!(b["field"], "webhook-timestamp");
    }
    for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let headers: Vec<(&str, String)> = good
            .iter()
            .filter(|(n, _)| *n != missing)
            .cloned()
            .collect();
        let (s, b) = post_raw(&shop, &source.id, &headers, &body).await;
        assert_problem(s, &b, StatusCode::UNAUTHORIZED, "missing_signature");
        assert_eq!(b["field"], missing);
    }
    let huge = format!("{{\"items\": [], \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    let (s, b) = push(&shop, &source, &[serde_json::from_str(&huge).unwrap()])
        .await
        .remove(0);
    assert_problem(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let (s, b) = post_raw(&shop, &uuid::Uuid::now_v7().to_string(), &good, &body).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_source");
    let (s, b) = post_raw(&shop, "not-a-source", &good, &body).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_source");

    let (s, b) = shop
        .hub
        .send(
            hq_client::Method::PATCH,
            &format!("/v1/sources/{}", source.id),
            Some(&shop.api_key),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = push(&shop, &source, &[menu("1")]).await.remove(0);
    assert_problem(s, &b, StatusCode::FORBIDDEN, "source_disabled");

    let payloads = settled(&shop, &source).await;
    assert_eq!(
        payloads.len(),
        1,
        "only the one signed push is archived: {payloads:?}"
    );
    assert_eq!(payloads[0]["duplicates"], 1);
    let (_, refusals) = shop
        .hub
        .get(
            &format!("/v1/sources/{}/refusals", source.id),
            &shop.api_key,
        )
        .await;
    let refusals = refusals["items"].as_array().unwrap();
    assert_eq!(refusals.len(), 10, "{refusals:?}");
    let statuses: Vec<u64> = refusals
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert!(
        statuses.contains(&413) && statuses.contains(&403),
        "{statuses:?}"
    );
    let (_, rates) = shop
        .hub
        .get(&format!("/v1/sources/{}/rates", source.id), &shop.api_key)
        .await;
    assert_eq!(rates["received"], 1, "{rates}");
    assert_eq!(rates["duplicate"], 1, "{rates}");
    assert_eq!(rates["refused"], 10, "{rates}");

    // Secrets are sealed at rest: the source's, and a subscription's.
    let (s, subscription) = shop
        .hub
        .post(
            "/v1/webhook-subscriptions",
            &shop.api_key,
            json!({"url": "https://127.0.0.1:9/hooks", "event_types": ["catalog."]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{subscription}");
    let file = shop
        .hub
        .database_url
        .trim_start_matches("sqlite://")
        .to_owned();
    let mut stored = std::fs::read(&file).unwrap_or_default();
    stored.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
    let stored = String::from_utf8_lossy(&stored);
    for secret in [
        source.secret.as_str(),
        subscription["secret"].as_str().unwrap(),
    ] {
        assert!(
            !stored.contains(secret.trim_start_matches("whsec_")),
            "a secret is stored in the clear"
        );
    }
}
on_both_backends!(signed_requests_are_taken_and_the_rest_leave_only_a_refusal);

async fn a_rotated_secret_and_the_one_before_both_verify(backend: Backend) {
    let shop = shop(backend).await;
    let old = register(&shop, "pp", "restaurant_pos", "R1").await;
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/sources/{}/rotate-secret", old.id),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["previous_secret_until"].is_string(), "{b}");
    let new = Source {
        id: old.id.clone(),
        secret: b["secret"].as_str().unwrap().to_owned(),
    };
    assert_ne!(new.secret, old.secret);
    for source in [&old, &new] {
        let (s, b) = push(&shop, source, &[menu("250")]).await.remove(0);
        assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    }
    // A second rotation ends the first secret at once.
    let (s, _) = shop
        .hub
        .post(
            &format!("/v1/sources/{}/rotate-secret", old.id),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = push(&shop, &old, &[menu("250")]).await.remove(0);
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "bad_signature");
    // Sources are the owner's to register; a catalog manager may read them.
    let (s, key) = shop
        .hub
        .post(
            "/v1/api-keys",
            &shop.api_key,
            json!({"label": "catalog", "role": "catalog_manager"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let catalog = key["api_key"].as_str().unwrap();
    let (s, b) = shop
        .hub
        .post(
            "/v1/sources",
            catalog,
            json!({"code": "x", "name": "x", "kind": "erp"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let (s, _) = shop.hub.get("/v1/sources", catalog).await;
    assert_eq!(s, StatusCode::OK);
}
on_both_backends!(a_rotated_secret_and_the_one_before_both_verify);

async fn a_payload_replayed_changes_nothing_it_already_changed(backend: Backend) {
    let shop = shop(backend).await;
    let source = register(&shop, "pp", "restaurant_pos", "R1").await;
    push(&shop, &source, &[menu("250"), json!({"hello": "world"})]).await;
    let payloads = settled(&shop, &source).await;
    let (unreadable, applied) = (&payloads[0], &payloads[1]);
    assert_eq!(unreadable["state"], "failed", "{unreadable}");
    assert!(
        unreadable["error"].as_str().unwrap().contains("menu push"),
        "{unreadable}"
    );
    let (s, raw) = shop
        .hub
        .get(
            &format!(
                "/v1/sources/{}/payloads/{}",
                source.id,
                applied["id"].as_str().unwrap()
            ),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{raw}");
    assert_eq!(
        serde_json::from_str::<Value>(raw["body"].as_str().unwrap()).unwrap(),
        menu("250")
    );
    assert!(raw["headers"]["webhook-signature"].is_string(), "{raw}");
    let versions_before = versions(&shop, &catalog_by_sku(&shop, "pp:I1").await).await;
    for payload in [applied, unreadable] {
        let (s, b) = shop
            .hub
            .post(
                &format!(
                    "/v1/sources/{}/payloads/{}/replay",
                    source.id,
                    payload["id"].as_str().unwrap()
                ),
                &shop.api_key,
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    }
    let payloads = settled(&shop, &source).await;
    let replayed = run_of(&shop, &payloads[1]).await;
    assert_eq!(replayed["trigger"], "replay", "{replayed}");
    assert_eq!(replayed["counts"]["applied"], 0, "{replayed}");
    assert_eq!(
        versions(&shop, &catalog_by_sku(&shop, "pp:I1").await).await,
        versions_before
    );
    assert_eq!(payloads[0]["state"], "failed");
    let (_, runs) = shop
        .hub
        .get(
            &format!("/v1/ingestion-runs?source_id={}&limit=2", source.id),
            &shop.api_key,
        )
        .await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 2);
    assert!(runs["next_cursor"].is_string(), "{runs}");
    // Another tenant sees none of it.
    let other = shop_on(shop.hub.clone(), "Other Chain").await;
    let (s, b) = other
        .hub
        .get(&format!("/v1/sources/{}", source.id), &other.api_key)
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = other
        .hub
        .post(
            &format!(
                "/v1/sources/{}/payloads/{}/replay",
                source.id,
                applied["id"].as_str().unwrap()
            ),
            &other.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
}
on_both_backends!(a_payload_replayed_changes_nothing_it_already_changed);

/// Thousands of generated payloads, each signed and sent: no 5xx, and the
/// ingestion task survives every one (a good push after them applies).
async fn generated_payloads_never_break_the_gateway_or_the_task(backend: Backend) {
    let shop = shop(backend).await;
    let restaurant = register(&shop, "pp", "restaurant_pos", "R1").await;
    let erp = register(&shop, "uc", "erp", "WH1").await;
    let mut rng = fastrand::Rng::with_seed(99);
    for (source, seeds) in [
        (
            &restaurant,
            vec![
                menu("250"),
                json!({"restID": "R1", "inStock": false, "itemID": ["I1"]}),
            ],
        ),
        (
            &erp,
            vec![
                json!({"inventorySnapshots": [{"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 3, "updated": "2026-12-01T00:00:00Z"}]}),
            ],
        ),
    ] {
        let secret = cloud_hub::signatures::WebhookSecret::parse(&source.secret).unwrap();
        for i in 0..150 {
            let seed = rng.choice(seeds.iter()).unwrap().clone();
            let body = cloud_hub::ingest::fuzz::mutate(&mut |n| rng.usize(0..n), seed).to_string();
            let id = format!("gen_{i}");
            let ts = now_secs();
            let headers = [
                ("webhook-id", id.clone()),
                ("webhook-timestamp", ts.to_string()),
                ("webhook-signature", secret.sign(&id, ts, body.as_bytes())),
            ];
            let (s, b) = post_raw(&shop, &source.id, &headers, &body).await;
            assert!(
                s == StatusCode::ACCEPTED || s == StatusCode::OK,
                "{s} {b} for {body}"
            );
        }
        let payloads = settled(&shop, source).await;
        assert!(payloads
            .iter()
            .all(|p| p["state"] == "applied" || p["state"] == "failed"));
    }
    push(&shop, &erp, &[json!({"inventorySnapshots": [{"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 77, "updated": pos_shared::Timestamp::now()}]})]).await;
    settled(&shop, &erp).await;
    assert_eq!(shop.on_hand(TEA).await, "77");
}
on_both_backends!(generated_payloads_never_break_the_gateway_or_the_task);
