//! Ingestion through the webhook gateway, as source systems reach it:
//! requests signed by the reference `standardwebhooks` package from PyPI
//! (`ORACLE_PYTHON`, `tests/sign_webhooks.py`), refusals that leave only an
//! audit row, a restaurant POS's menu pushed twice (one version per item), an
//! ERP's snapshot sent three times with shuffled deltas between (the stock of
//! one application), availability toggles, replays, and generated payloads
//! that never make the hub answer 5xx or stop its ingestion task.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Signs `(id, timestamp, body)` messages with `secret` through the
/// `standardwebhooks` package: their `webhook-signature` values.
fn sign_with_python(secret: &str, messages: &[(String, i64, String)]) -> Vec<String> {
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

fn now_secs() -> i64 {
    pos_shared::Timestamp::now().unix_millis() / 1000
}

/// A source as registered: its id and secret.
struct Source {
    id: String,
    secret: String,
}

async fn register(shop: &Shop, code: &str, kind: &str, external: &str) -> Source {
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
async fn post_raw(
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
async fn push(shop: &Shop, source: &Source, bodies: &[Value]) -> Vec<(StatusCode, Value)> {
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
async fn settled(shop: &Shop, source: &Source) -> Vec<Value> {
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

async fn run_of(shop: &Shop, payload: &Value) -> Value {
    let run = payload["last_run_id"].as_str().expect("a run");
    let (s, b) = shop
        .hub
        .get(&format!("/v1/ingestion-runs/{run}"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

fn menu(price_of_paneer: &str) -> Value {
    json!({
        "restaurants": [{"restaurantid": "R1", "details": {"restaurantname": "Spice Route"}}],
        "parentcategories": [{"id": "P1", "name": "MAIN COURSE", "rank": "1"}],
        "categories": [
            {"categoryid": "C2", "categoryname": "Paneer  Specials", "categoryrank": "2", "parent_category_id": "P1"},
            {"categoryid": "C3", "categoryname": "Breads", "categoryrank": "3", "parent_category_id": "0"}
        ],
        "attributes": [{"attributeid": "1", "attribute": "veg"}, {"attributeid": "2", "attribute": "non-veg"}],
        "taxes": [
            {"taxid": "T1", "taxname": "CGST", "tax": "2.5"},
            {"taxid": "T2", "taxname": "SGST", "tax": "2.5"}
        ],
        "addongroups": [{"addongroupid": "A1", "addongroup_name": "Extras", "addongroupitems": [
            {"addonitemid": "A11", "addonitem_name": "Extra Cheese", "addonitem_price": "30", "active": "1"},
            {"addonitemid": "A12", "addonitem_name": "Butter", "addonitem_price": "15", "active": "1"}
        ]}],
        "items": [
            {"itemid": "I1", "itemname": "PANEER TIKKA MASALA", "item_categoryid": "C2", "price": price_of_paneer,
             "active": "1", "in_stock": "2", "item_attributeid": "1", "item_tax": "T1,T2",
             "addon": [{"addon_group_id": "A1", "addon_item_selection_min": "0", "addon_item_selection_max": "2"}]},
            {"itemid": "I2", "itemname": "Butter Naan", "item_categoryid": "C3", "price": "0", "item_tax": "T1,T2",
             "variation": [
                {"variationid": "V1", "name": "Single", "price": "45.00", "active": "1"},
                {"variationid": "V2", "name": "Double", "price": "85.50", "active": "1"}
             ]},
            {"itemid": "I3", "itemname": "Mystery Dish", "item_categoryid": "C3", "price": "abc"}
        ]
    })
}

async fn catalog_by_sku(shop: &Shop, sku: &str) -> Value {
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

async fn versions(shop: &Shop, variant: &Value) -> usize {
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

async fn a_menu_pushed_twice_makes_one_version_of_each_item(backend: Backend) {
    let shop = shop(backend).await;
    let source = register(&shop, "pp", "restaurant_pos", "R1").await;
    let answers = push(&shop, &source, &[menu("250.00")]).await;
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    let payloads = settled(&shop, &source).await;
    let first = run_of(&shop, &payloads[0]).await;
    assert_eq!(first["state"], "completed", "{first}");
    assert_eq!(first["format"], "menu_push");
    // 3 categories, 3 items, one refused naming its price.
    assert_eq!(first["counts"]["received"], 6, "{first}");
    assert_eq!(first["counts"]["applied"], 5, "{first}");
    assert_eq!(first["counts"]["failed"], 1, "{first}");
    assert_eq!(first["errors"][0]["entity"], "item I3", "{first}");
    assert_eq!(first["errors"][0]["field"], "price", "{first}");

    let paneer = catalog_by_sku(&shop, "pp:I1").await;
    assert_eq!(
        paneer["name"], "Paneer Tikka Masala",
        "title cleaned: {paneer}"
    );
    assert_eq!(paneer["price"]["minor"], 25000);
    assert_eq!(paneer["tax"]["rate_bp"], 500, "CGST + SGST: {paneer}");
    assert_eq!(
        paneer["modifiers"][0]["options"][0]["price"]["minor"], 3000,
        "{paneer}"
    );
    assert_eq!(paneer["modifiers"][0]["max"], 2);
    assert_eq!(paneer["attributes"]["diet"], "veg", "{paneer}");
    let double = catalog_by_sku(&shop, "pp:I2:V2").await;
    assert_eq!(double["name"], "Butter Naan (Double)");
    assert_eq!(double["price"]["minor"], 8550);
    let single = catalog_by_sku(&shop, "pp:I2:V1").await;
    assert_eq!(
        single["product_id"], double["product_id"],
        "variations of one product"
    );
    assert_ne!(
        double["barcode"], single["barcode"],
        "each its own in-store barcode"
    );
    let (_, categories) = shop.hub.get("/v1/categories", &shop.api_key).await;
    let names: Vec<&str> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Main Course") && names.contains(&"Paneer Specials"),
        "{names:?}"
    );

    // The same menu again changes nothing: no new version, nothing to tills.
    let (_, feed_before) = shop.hub.get("/v1/events?limit=1000", &shop.api_key).await;
    push(&shop, &source, &[menu("250.00")]).await;
    let payloads = settled(&shop, &source).await;
    let second = run_of(&shop, &payloads[0]).await;
    assert_eq!(second["counts"]["applied"], 0, "{second}");
    assert_eq!(second["counts"]["unchanged"], 5, "{second}");
    for sku in ["pp:I1", "pp:I2:V1", "pp:I2:V2"] {
        assert_eq!(
            versions(&shop, &catalog_by_sku(&shop, sku).await).await,
            1,
            "{sku}"
        );
    }
    let (_, feed_after) = shop.hub.get("/v1/events?limit=1000", &shop.api_key).await;
    let types = |page: &Value| -> Vec<String> {
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap().to_owned())
            .collect()
    };
    let new_types: Vec<String> = types(&feed_after)
        .into_iter()
        .skip(types(&feed_before).len())
        .collect();
    assert_eq!(
        new_types,
        vec!["catalog.ingestion.completed"],
        "only the run is announced"
    );

    // A new price: one new version, a price event.
    push(&shop, &source, &[menu("275.50")]).await;
    settled(&shop, &source).await;
    let paneer = catalog_by_sku(&shop, "pp:I1").await;
    assert_eq!(paneer["price"]["minor"], 27550);
    let (_, events) = shop
        .hub
        .get("/v1/events?type=pricing.price.updated", &shop.api_key)
        .await;
    assert_eq!(events["events"].as_array().unwrap().len(), 1, "{events}");
    // A new name and a new price at once: one version, never one without the other.
    let mut renamed = menu("280");
    renamed["items"][0]["itemname"] = json!("Paneer Tikka Masala (Chef's)");
    push(&shop, &source, &[renamed]).await;
    settled(&shop, &source).await;
    let paneer = catalog_by_sku(&shop, "pp:I1").await;
    let id = paneer["variant_id"].as_str().unwrap();
    let (_, history) = shop
        .hub
        .get(&format!("/v1/catalog/{id}/versions"), &shop.api_key)
        .await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[2]["record"]["name"], "Paneer Tikka Masala (Chef's)");
    assert_eq!(history[2]["record"]["price"]["minor"], 28000);
    push(&shop, &source, &[menu("275.50")]).await;
    settled(&shop, &source).await;

    // The availability toggle holds the item at the store, and lifts it.
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "type": "item", "inStock": false, "itemID": ["I2"]})],
    )
    .await;
    settled(&shop, &source).await;
    let blocked = |view: &Value, sku: &str| {
        view["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku"] == sku)
            .map(|i| {
                i["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == "blocked")
            })
    };
    let (_, view) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/catalog-view", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(blocked(&view, "pp:I2:V1"), Some(true), "{view}");
    assert_eq!(blocked(&view, "pp:I2:V2"), Some(true), "{view}");
    assert_eq!(blocked(&view, "pp:I1"), Some(false), "{view}");
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "type": "item", "inStock": true, "itemID": "I2"})],
    )
    .await;
    let payloads = settled(&shop, &source).await;
    assert_eq!(run_of(&shop, &payloads[0]).await["counts"]["applied"], 1);
    let (_, view) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/catalog-view", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(blocked(&view, "pp:I2:V1"), Some(false), "{view}");
    // An item left out of the next full menu is held there; back, it is lifted.
    let mut without = menu("275.50");
    without["items"].as_array_mut().unwrap().remove(0);
    push(&shop, &source, &[without]).await;
    settled(&shop, &source).await;
    let view_path = format!("/v1/stores/{}/catalog-view", shop.store_id);
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(blocked(&now, "pp:I1"), Some(true), "{now}");
    // Off the menu, a toggle does not bring it back; the menu does.
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "inStock": true, "itemID": ["I1"]})],
    )
    .await;
    settled(&shop, &source).await;
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(blocked(&now, "pp:I1"), Some(true), "{now}");
    push(&shop, &source, &[menu("275.50")]).await;
    settled(&shop, &source).await;
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(blocked(&now, "pp:I1"), Some(false), "{now}");
    // A hold HQ put on is HQ's: the source neither lifts nor rewords it.
    let naan = catalog_by_sku(&shop, "pp:I2:V1").await;
    let (s, b) = shop
        .hub
        .put(
            &format!(
                "/v1/stores/{}/blocks/{}",
                shop.store_id,
                naan["variant_id"].as_str().unwrap()
            ),
            &shop.api_key,
            json!({"blocked": true, "reason": "quality check"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "inStock": false, "itemID": ["I2"]})],
    )
    .await;
    push(
        &shop,
        &source,
        &[
            json!({"restID": "R1", "inStock": true, "itemID": ["I2"]}),
            menu("275.50"),
        ],
    )
    .await;
    settled(&shop, &source).await;
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(
        blocked(&now, "pp:I2:V1"),
        Some(true),
        "HQ's hold stays: {now}"
    );
    assert_eq!(blocked(&now, "pp:I2:V2"), Some(false), "{now}");
    let (_, unknown) = (
        0,
        push(
            &shop,
            &source,
            &[json!({"restID": "R9", "inStock": false, "itemID": ["I1"]})],
        )
        .await,
    );
    assert_eq!(unknown[0].0, StatusCode::ACCEPTED);
    let payloads = settled(&shop, &source).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["failed"], 1, "{run}");
    assert!(
        run["errors"][0]["detail"].as_str().unwrap().contains("R9"),
        "{run}"
    );
}
on_both_backends!(a_menu_pushed_twice_makes_one_version_of_each_item);

fn adjustment(id: &str, sku: &str, qty: i64, at: &str) -> Value {
    let kind = if qty >= 0 { "ADD" } else { "REMOVE" };
    json!({"adjustmentId": id, "itemSKU": sku, "facilityCode": "WH1", "quantity": qty.abs(), "adjustmentType": kind, "updated": at})
}

async fn erp_snapshots_sent_again_between_shuffled_deltas_count_once(backend: Backend) {
    let shop = shop(backend).await;
    let source = register(&shop, "uc", "erp", "WH1").await;
    let snapshot = json!({"updated": "2026-12-01T10:00:00Z", "inventorySnapshots": [
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 30},
        {"itemSKU": "RICE-KG", "facilityCode": "WH1", "inventory": "12.5"}
    ]});
    let mut deltas: Vec<Value> = (0..12)
        .map(|i| {
            let qty = if i % 3 == 0 { -2 } else { 5 };
            adjustment(
                &format!("ADJ-{i}"),
                "TEA-250",
                qty,
                &format!("2026-12-01T10:{:02}:00Z", 10 + i),
            )
        })
        .collect();
    // Already in the snapshot: happened before it was taken.
    deltas.push(adjustment("ADJ-OLD", "TEA-250", 7, "2026-12-01T09:00:00Z"));
    let expected_tea = 30
        + (0..12)
            .map(|i| if i % 3 == 0 { -2 } else { 5 })
            .sum::<i64>();
    let mut rng = fastrand::Rng::with_seed(21);
    rng.shuffle(&mut deltas);
    let (first, rest) = deltas.split_at(6);
    let mut bodies = vec![snapshot.clone()];
    bodies.extend(first.iter().map(|d| json!({"inventoryAdjustments": [d]})));
    bodies.push(snapshot.clone());
    bodies.push(json!({"inventoryAdjustments": rest}));
    // The same adjustments again, in another payload.
    bodies.push(json!({"inventoryAdjustments": first}));
    bodies.push(snapshot.clone());
    for (s, b) in push(&shop, &source, &bodies).await {
        assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    }
    let payloads = settled(&shop, &source).await;
    assert!(
        payloads.iter().all(|p| p["state"] == "applied"),
        "{payloads:?}"
    );
    assert_eq!(shop.on_hand(TEA).await, expected_tea.to_string());
    assert_eq!(shop.on_hand(RICE).await, "12.5");
    // One movement for the snapshot's difference per item, one per delta after it.
    let (_, movements) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/movements?limit=1000", shop.store_id),
            &shop.api_key,
        )
        .await;
    let adjustments = movements["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "adjustment")
        .count();
    assert_eq!(adjustments, 2 + 12, "{movements}");
    // A newer snapshot sets the figure again, counting the deltas after it only.
    let newer = json!({"updated": "2026-12-01T10:15:00Z", "inventorySnapshots": [
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 100}
    ]});
    push(&shop, &source, &[newer]).await;
    settled(&shop, &source).await;
    let after_newer = 100
        + (6..12)
            .map(|i| if i % 3 == 0 { -2 } else { 5 })
            .sum::<i64>();
    assert_eq!(shop.on_hand(TEA).await, after_newer.to_string());
    // Lines that cannot be applied are refused one by one.
    let bad = json!({"inventorySnapshots": [
        {"itemSKU": "NOPE", "facilityCode": "WH1", "inventory": 1, "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH9", "inventory": 1, "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": "1.5", "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": -1, "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 1, "updated": "yesterday"}
    ]});
    push(&shop, &source, &[bad]).await;
    let payloads = settled(&shop, &source).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["failed"], 5, "{run}");
    let fields: Vec<&str> = run["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["itemSKU", "facilityCode", "inventory", "updated"] {
        assert!(fields.contains(&field), "{field} in {run}");
    }
    assert_eq!(
        shop.on_hand(TEA).await,
        after_newer.to_string(),
        "nothing half-applied"
    );
}
on_both_backends!(erp_snapshots_sent_again_between_shuffled_deltas_count_once);

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

async fn sources_keep_to_their_own_items_and_categories(backend: Backend) {
    let shop = shop(backend).await;
    let ab = register(&shop, "ab", "restaurant_pos", "R1").await;
    let abc = register(&shop, "ab-c", "restaurant_pos", "R1").await;
    let one = |id: &str, name: &str, price: &str, category: &str| {
        json!({"restaurants": [{"restaurantid": "R1"}],
               "categories": [{"categoryid": "C1", "categoryname": category}],
               "items": [{"itemid": id, "itemname": name, "item_categoryid": "C1", "price": price}]})
    };
    push(&shop, &ab, &[one("c-1", "Alpha Dosa", "100", "Mains")]).await;
    push(&shop, &abc, &[one("1", "Beta Idli", "50", "Mains")]).await;
    settled(&shop, &ab).await;
    let applied = settled(&shop, &abc).await;
    let run = run_of(&shop, &applied[0]).await;
    assert_eq!(run["counts"]["failed"], 0, "{run}");
    let alpha = catalog_by_sku(&shop, "ab:c-1").await;
    let beta = catalog_by_sku(&shop, "ab-c:1").await;
    assert_eq!(alpha["name"], "Alpha Dosa");
    assert_eq!(beta["name"], "Beta Idli");
    assert_eq!(
        alpha["category_id"], beta["category_id"],
        "a category of the same name and place is used, not made twice"
    );
    // Naming it otherwise moves the source's items to a category of its
    // own; the one it shared is left as it was.
    push(&shop, &abc, &[one("1", "Beta Idli", "50", "Tiffin")]).await;
    settled(&shop, &abc).await;
    let beta = catalog_by_sku(&shop, "ab-c:1").await;
    assert_ne!(alpha["category_id"], beta["category_id"]);
    assert_eq!(
        catalog_by_sku(&shop, "ab:c-1").await["category_id"],
        alpha["category_id"]
    );
    let (_, categories) = shop.hub.get("/v1/categories", &shop.api_key).await;
    let names: Vec<&str> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Mains") && names.contains(&"Tiffin"),
        "{names:?}"
    );
    // An item whose SKU is another source's item is refused, not merged.
    let taken = json!({"restaurants": [{"restaurantid": "R1"}],
        "items": [{"itemid": "X", "itemname": "Gamma", "price": "10"}]});
    let seller_like = register(&shop, "ab-c-x", "restaurant_pos", "R1").await;
    push(&shop, &seller_like, &[taken]).await;
    settled(&shop, &seller_like).await;
    let (s, b) = shop
        .hub
        .send(
            hq_client::Method::PATCH,
            &format!(
                "/v1/variants/{}",
                catalog_by_sku(&shop, "ab-c-x:X").await["variant_id"]
                    .as_str()
                    .unwrap()
            ),
            Some(&shop.api_key),
            Some(json!({"sku": "ab:Y"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    push(
        &shop,
        &ab,
        &[json!({"restaurants": [{"restaurantid": "R1"}],
        "items": [{"itemid": "c-1", "itemname": "Alpha Dosa", "price": "100"},
                  {"itemid": "Y", "itemname": "Delta", "price": "20"}]})],
    )
    .await;
    let payloads = settled(&shop, &ab).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["failed"], 1, "{run}");
    assert_eq!(run["errors"][0]["field"], "sku", "{run}");
    assert_eq!(
        catalog_by_sku(&shop, "ab:Y").await["name"],
        "Gamma",
        "not taken over"
    );
}
on_both_backends!(sources_keep_to_their_own_items_and_categories);

async fn inventory_lines_that_contradict_are_refused_not_swallowed(backend: Backend) {
    let shop = shop(backend).await;
    let source = register(&shop, "uc", "erp", "WH1").await;
    // Snapshots and adjustments in one payload: both applied.
    push(&shop, &source, &[json!({
        "inventorySnapshots": [{"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 20, "updated": "2026-12-01T10:00:00Z"}],
        "inventoryAdjustments": [adjustment("C1", "TEA-250", 1, "2026-12-01T11:00:00Z")]
    })]).await;
    let payloads = settled(&shop, &source).await;
    assert_eq!(run_of(&shop, &payloads[0]).await["counts"]["applied"], 2);
    assert_eq!(shop.on_hand(TEA).await, "21");
    // The same adjustment id for another change, a second figure for the
    // same time, a time far ahead of the hub's clock: each refused by name.
    push(&shop, &source, &[json!({
        "inventorySnapshots": [
            {"itemSKU": "RICE-KG", "facilityCode": "WH1", "inventory": 10, "updated": "2026-12-01T10:00:00Z"},
            {"itemSKU": "RICE-KG", "facilityCode": "WH1", "inventory": 30, "updated": "2026-12-01T10:00:00Z"},
            {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 99, "updated": "2099-01-01T00:00:00Z"}
        ],
        "inventoryAdjustments": [adjustment("C1", "TEA-250", 99, "2026-12-01T11:00:00Z")]
    })]).await;
    let payloads = settled(&shop, &source).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["applied"], 1, "{run}");
    assert_eq!(run["counts"]["failed"], 3, "{run}");
    let fields: Vec<&str> = run["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["inventory", "updated", "adjustmentId"] {
        assert!(fields.contains(&field), "{field} in {run}");
    }
    assert_eq!(shop.on_hand(TEA).await, "21");
    assert_eq!(shop.on_hand(RICE).await, "10");
    let (_, failing) = shop
        .hub
        .get(
            &format!("/v1/ingestion-runs?source_id={}&failed=true", source.id),
            &shop.api_key,
        )
        .await;
    assert_eq!(failing["items"].as_array().unwrap().len(), 1, "{failing}");
    let (_, rates) = shop
        .hub
        .get(&format!("/v1/sources/{}/rates", source.id), &shop.api_key)
        .await;
    assert_eq!(rates["runs_with_failures"], 1, "{rates}");
    assert_eq!(rates["entities_failed"], 3, "{rates}");
    // A body with a byte-order mark is read like any other.
    let body = format!("\u{feff}{}", json!({"inventorySnapshots": []}));
    let ts = now_secs();
    let signature = sign_with_python(&source.secret, &[("bom".into(), ts, body.clone())]).remove(0);
    let (s, b) = post_raw(
        &shop,
        &source.id,
        &[
            ("webhook-id", "bom".into()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", signature),
        ],
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    let payloads = settled(&shop, &source).await;
    assert_eq!(payloads[0]["state"], "applied", "{:?}", payloads[0]);
}
on_both_backends!(inventory_lines_that_contradict_are_refused_not_swallowed);
