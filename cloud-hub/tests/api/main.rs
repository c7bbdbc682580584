//! HQ and device API tests against a real hub, on SQLite and on PostgreSQL.

mod helpers;

use helpers::{shop, spawn_hub, Backend, Shop, RICE, TEA};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn feed_delivers_catalog_and_stock_in_order(backend: Backend) {
    let shop = shop(backend).await;
    let (status, page) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let changes = page["changes"].as_array().unwrap();
    let kinds: Vec<&str> = changes
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "variant_upserted",
            "variant_upserted",
            "stock_moved",
            "stock_moved"
        ]
    );
    let seqs: Vec<u64> = changes.iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(page["next_cursor"].as_u64(), seqs.last().copied());
    assert_eq!(page["has_more"], false);

    // Paging: one change at a time walks the same sequence.
    let mut since = 0;
    let mut walked = vec![];
    loop {
        let (_, page) = shop
            .hub
            .get(
                &format!("/v1/sync/feed?since={since}&limit=1"),
                &shop.device_token,
            )
            .await;
        walked.extend(
            page["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["seq"].as_u64().unwrap()),
        );
        since = page["next_cursor"].as_u64().unwrap();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(walked, seqs);

    // Caught up: nothing new, cursor stays.
    let (_, page) = shop
        .hub
        .get(&format!("/v1/sync/feed?since={since}"), &shop.device_token)
        .await;
    assert_eq!(page["changes"], json!([]));
    assert_eq!(page["next_cursor"].as_u64(), Some(since));

    // A price change is a new change in the feed.
    let variant = &shop.variants[0].0;
    let (status, body) = shop
        .hub
        .send(
            reqwest::Method::PUT,
            &format!("/v1/variants/{variant}/price"),
            Some(&shop.api_key),
            Some(json!({"price": {"minor": 15000, "currency": "INR"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = shop
        .hub
        .get(&format!("/v1/sync/feed?since={since}"), &shop.device_token)
        .await;
    assert_eq!(page["changes"][0]["type"], "variant_upserted");
    assert_eq!(page["changes"][0]["price"]["minor"], 15000);
}
on_both_backends!(feed_delivers_catalog_and_stock_in_order);

async fn enrollment_codes_work_once(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let key = hub.tenant("T").await;
    let (_, store) = hub
        .post("/v1/stores", &key, json!({"code": "S1", "name": "S"}))
        .await;
    let (_, terminal) = hub
        .post(
            &format!("/v1/stores/{}/terminals", store["id"].as_str().unwrap()),
            &key,
            json!({"name": "Till", "receipt_prefix": "A"}),
        )
        .await;
    let code = terminal["enrollment_code"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .replace('-', " ");
    let enroll = |code: String| {
        let hub = &hub;
        async move {
            hub.send(
                reqwest::Method::POST,
                "/v1/enroll",
                None,
                Some(json!({"code": code, "agent_version": "t"})),
            )
            .await
        }
    };
    let (status, body) = enroll(code.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "codes are accepted as typed: {body}"
    );
    let (status, body) = enroll(code).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["type"], "unknown_enrollment_code");
    assert_eq!(body["field"], "code");
}
on_both_backends!(enrollment_codes_work_once);

async fn same_batch_twice_changes_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let batch = [
        shop.sale("T1-000001", &[(0, "2"), (1, "1.5")]),
        shop.sale("T1-000002", &[(0, "1")]),
    ];
    let (status, ack) = shop.upload(&batch).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"]);
    let after_first = shop.snapshot().await;

    let (status, ack) = shop.upload(&batch).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["duplicate", "duplicate"]);
    assert_eq!(
        shop.snapshot().await,
        after_first,
        "a replayed batch must change nothing"
    );

    assert_eq!(after_first["sales"].as_array().unwrap().len(), 2);
    assert_eq!(shop.on_hand(TEA).await, "47");
    assert_eq!(shop.on_hand(RICE).await, "48.5");
}
on_both_backends!(same_batch_twice_changes_nothing);

async fn a_batch_whose_ack_was_lost_is_resent_safely(backend: Backend) {
    let shop = shop(backend).await;
    let first = shop.sale("T1-000001", &[(1, "0.25")]);
    let (_, ack) = shop.upload(std::slice::from_ref(&first)).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    // The terminal never saw that ack: it resends, with the next sale behind it.
    let second = shop.sale("T1-000002", &[(1, "0.75")]);
    let (_, ack) = shop.upload(&[first, second]).await;
    assert_eq!(Shop::statuses(&ack), ["duplicate", "accepted"]);
    let snapshot = shop.snapshot().await;
    assert_eq!(snapshot["sales"].as_array().unwrap().len(), 2);
    let sale_movements = snapshot["movements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "sale")
        .count();
    assert_eq!(sale_movements, 2);
    assert_eq!(shop.on_hand(RICE).await, "49");
}
on_both_backends!(a_batch_whose_ack_was_lost_is_resent_safely);

async fn a_bad_fact_is_rejected_alone_and_writes_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let mut wrong_total = shop.sale("T1-000001", &[(0, "1")]);
    wrong_total["data"]["total"]["minor"] = json!(1);
    let mut unknown_variant = shop.sale("T1-000002", &[(0, "1")]);
    unknown_variant["data"]["lines"][0]["variant_id"] = json!(uuid::Uuid::now_v7());
    let mut other_store = shop.sale("T1-000003", &[(0, "1")]);
    other_store["data"]["store_id"] = json!(uuid::Uuid::now_v7());
    let mut unparseable = shop.sale("T1-000004", &[(0, "1")]);
    unparseable["data"]["lines"] = json!("not a list");
    let good = shop.sale("T1-000005", &[(0, "3")]);
    let before = shop.on_hand(TEA).await;

    let (status, ack) = shop
        .upload(&[wrong_total, unknown_variant, other_store, unparseable, good])
        .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        Shop::statuses(&ack),
        ["rejected", "rejected", "rejected", "rejected", "accepted"]
    );
    let reasons: Vec<&str> = ack["results"].as_array().unwrap()[..4]
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].starts_with("total:"), "{reasons:?}");
    assert!(reasons[1].contains("lines[0].variant_id"), "{reasons:?}");
    assert!(reasons[2].starts_with("store_id:"), "{reasons:?}");
    assert!(reasons[3].contains("does not parse"), "{reasons:?}");

    let snapshot = shop.snapshot().await;
    assert_eq!(
        snapshot["sales"].as_array().unwrap().len(),
        1,
        "only the good sale is stored"
    );
    assert_eq!(before, "50");
    assert_eq!(shop.on_hand(TEA).await, "47");

    // Reusing a receipt number for a different sale is refused too.
    let (_, ack) = shop.upload(&[shop.sale("T1-000005", &[(0, "1")])]).await;
    assert_eq!(Shop::statuses(&ack), ["rejected"]);
    assert!(ack["results"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("receipt_no:"));
    assert_eq!(shop.on_hand(TEA).await, "47");
}
on_both_backends!(a_bad_fact_is_rejected_alone_and_writes_nothing);

fn assert_problem(status: StatusCode, body: &Value, expected: StatusCode, kind: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["type"], kind, "{body}");
    assert_eq!(body["status"], expected.as_u16(), "{body}");
    assert!(
        !body["detail"].as_str().unwrap_or_default().is_empty(),
        "{body}"
    );
}

async fn bad_credentials_and_bodies_get_clear_errors(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let (s, b) = hub
        .get("/v1/sync/feed?since=0", "dev_not-a-real-token")
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(b["detail"].as_str().unwrap().contains("device credential"));
    let (s, b) = hub
        .send(reqwest::Method::GET, "/v1/sync/feed?since=0", None, None)
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    // An HQ key is not a device credential.
    let (s, b) = hub.get("/v1/sync/feed?since=0", &shop.api_key).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, b) = hub.get("/v1/sync/feed?since=-1", &shop.device_token).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_query");
    let (s, b) = hub
        .get("/v1/sync/feed?since=0&limit=0", &shop.device_token)
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "limit");

    let before = shop.snapshot().await;
    let (s, b) = hub
        .post_raw(
            "/v1/sync/outbox",
            &shop.device_token,
            "{\"protocol_version\": 1, \"facts\": [",
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_json");
    let (s, b) = hub
        .post(
            "/v1/sync/outbox",
            &shop.device_token,
            json!({"protocol_version": 99, "facts": []}),
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "unsupported_protocol");
    assert_eq!(b["field"], "protocol_version");
    let (s, b) = hub
        .post(
            "/v1/sync/outbox",
            &shop.device_token,
            json!({"protocol_version": 1, "facts": [{"no": "id"}]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "facts[0].event_id");

    let (s, b) = hub
        .post("/v1/products", &shop.api_key, json!({"name": "X", "variants": [{"sku": "X1", "barcode": "4006381333932", "price": {"minor": 1, "currency": "INR"}}]}))
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert_eq!(b["field"], "variants[0].barcode");
    assert!(b["detail"].as_str().unwrap().contains("check digit"), "{b}");

    let (s, b) = hub
        .post("/v1/products", &shop.api_key, json!({"name": "Dup", "variants": [{"sku": "NEW-1", "barcode": TEA, "price": {"minor": 1, "currency": "INR"}}]}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "barcode");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": shop.variants[0].0, "delta": 1.5, "reason": "receipt"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert_eq!(b["field"], "delta");
    let (s, b) = hub
        .get("/v1/stores/not-a-uuid/inventory", &shop.api_key)
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");

    assert_eq!(
        shop.snapshot().await,
        before,
        "refused requests write nothing"
    );
}
on_both_backends!(bad_credentials_and_bodies_get_clear_errors);

async fn one_tenant_cannot_touch_another(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let intruder = hub.tenant("Other Chain").await;
    let store = &shop.store_id;
    let before = shop.snapshot().await;

    for path in [
        format!("/v1/stores/{store}"),
        format!("/v1/stores/{store}/inventory"),
        format!("/v1/stores/{store}/sales"),
        format!("/v1/stores/{store}/movements"),
    ] {
        let (s, b) = hub.get(&path, &intruder).await;
        assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
        assert!(b["detail"].as_str().unwrap().contains("store"), "{b}");
    }
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/movements"),
            &intruder,
            json!({"variant_id": shop.variants[0].0, "delta": "-5", "reason": "adjustment"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/terminals"),
            &intruder,
            json!({"name": "Rogue", "receipt_prefix": "R"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .send(
            reqwest::Method::PUT,
            &format!("/v1/variants/{}/price", shop.variants[0].0),
            Some(&intruder),
            Some(json!({"price": {"minor": 1, "currency": "INR"}})),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");

    // The intruder's own store cannot receive the victim's variant either.
    let (_, own) = hub
        .post("/v1/stores", &intruder, json!({"code": "X-1", "name": "X"}))
        .await;
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{}/movements", own["id"].as_str().unwrap()),
            &intruder,
            json!({"variant_id": shop.variants[0].0, "delta": "5", "reason": "receipt"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert!(b["detail"].as_str().unwrap().contains("variant"), "{b}");

    assert_eq!(
        shop.snapshot().await,
        before,
        "nothing of the victim changed"
    );
}
on_both_backends!(one_tenant_cannot_touch_another);

async fn hq_movements_are_idempotent_by_id(backend: Backend) {
    let shop = shop(backend).await;
    let id = uuid::Uuid::now_v7();
    let body = json!({"movement_id": id, "variant_id": shop.variants[1].0, "delta": "-2.5", "reason": "adjustment"});
    let path = format!("/v1/stores/{}/movements", shop.store_id);
    let (s, first) = shop.hub.post(&path, &shop.api_key, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = shop.hub.post(&path, &shop.api_key, body).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(shop.on_hand(RICE).await, "47.5");
}
on_both_backends!(hq_movements_are_idempotent_by_id);

async fn a_waiting_feed_request_wakes_on_a_change(backend: Backend) {
    let shop = shop(backend).await;
    let (_, page) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    let cursor = page["next_cursor"].as_u64().unwrap();

    let (http, url, token) = (
        shop.hub.http.clone(),
        format!("{}/v1/sync/feed?since={cursor}&wait=30", shop.hub.base),
        shop.device_token.clone(),
    );
    let waiting = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let body: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (started.elapsed(), body)
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "with nothing new, the request is held open"
    );

    let variant = &shop.variants[1].0;
    let (status, _) = shop
        .hub
        .send(
            reqwest::Method::PUT,
            &format!("/v1/variants/{variant}/price"),
            Some(&shop.api_key),
            Some(json!({"price": {"minor": 5999, "currency": "INR"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (held_for, page) = waiting.await.unwrap();
    assert_eq!(page["changes"][0]["type"], "variant_upserted", "{page}");
    assert_eq!(page["changes"][0]["price"]["minor"], 5999);
    assert!(
        held_for < std::time::Duration::from_secs(30),
        "woken by the change, not by the wait running out"
    );

    // Nothing new: the wait runs out and the answer is an empty page at the same cursor.
    let cursor = page["next_cursor"].as_u64().unwrap();
    let (status, idle) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since={cursor}&wait=1"),
            &shop.device_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(idle["changes"], json!([]));
    assert_eq!(idle["next_cursor"].as_u64(), Some(cursor));
    let (status, body) = shop
        .hub
        .get("/v1/sync/feed?since=0&wait=3600", &shop.device_token)
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
    );
    assert_eq!(body["field"], "wait");
}
on_both_backends!(a_waiting_feed_request_wakes_on_a_change);

async fn unknown_protocol_versions_get_a_clear_error(backend: Backend) {
    let shop = shop(backend).await;
    let newer = pos_shared::sync::PROTOCOL_VERSION + 1;
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since=0&v={newer}"),
            &shop.device_token,
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "unsupported_protocol");
    assert_eq!(b["field"], "v");
    assert!(
        b["detail"].as_str().unwrap().contains("upgrade the hub"),
        "{b}"
    );
    let (s, b) = shop
        .hub
        .post(
            "/v1/sync/outbox",
            &shop.device_token,
            json!({"protocol_version": 0, "facts": []}),
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "unsupported_protocol");
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains("upgrade the terminal"),
        "{b}"
    );
}
on_both_backends!(unknown_protocol_versions_get_a_clear_error);

async fn hq_sees_each_terminals_sync_status(backend: Backend) {
    let shop = shop(backend).await;
    let path = format!("/v1/stores/{}/terminals", shop.store_id);
    let (s, terminals) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{terminals}");
    assert_eq!(terminals[0]["enrolled"], true);
    assert_eq!(
        terminals[0]["last_seen_at"],
        Value::Null,
        "not seen before its first sync"
    );

    let (s, _) = shop
        .hub
        .get(
            "/v1/sync/feed?since=1&queue=3&agent=1.2.3",
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, terminals) = shop.hub.get(&path, &shop.api_key).await;
    let t = &terminals[0];
    assert_eq!(t["receipt_prefix"], "T1");
    assert!(t["last_seen_at"].is_string(), "{t}");
    assert_eq!(t["feed_cursor"], 1);
    assert_eq!(t["cursor_lag"], 3, "four changes so far, one applied: {t}");
    assert_eq!(t["queue_depth"], 3);
    assert_eq!(t["agent_version"], "1.2.3");
    assert_eq!(t["protocol_version"], pos_shared::sync::PROTOCOL_VERSION);

    let (s, b) = shop
        .hub
        .get(
            "/v1/sync/feed?since=0&agent=bad%20version",
            &shop.device_token,
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "agent");
}
on_both_backends!(hq_sees_each_terminals_sync_status);

async fn a_revoked_terminal_credential_is_refused(backend: Backend) {
    let shop = shop(backend).await;
    let good = shop.sale("T1-000001", &[(0, "1")]);
    // HQ's view only: the device's own feed view is what revocation takes away.
    let hq_view = |mut v: Value| {
        v.as_object_mut().unwrap().remove("feed_cursor");
        v
    };
    let before = hq_view(shop.snapshot().await);
    let path = format!(
        "/v1/stores/{}/terminals/{}/revoke",
        shop.store_id, shop.terminal_id
    );
    let (s, _) = shop
        .hub
        .send(reqwest::Method::POST, &path, Some(&shop.api_key), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let (s, b) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(b["detail"].as_str().unwrap().contains("enroll"), "{b}");
    let (s, b) = shop.upload(&[good]).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(
        hq_view(shop.snapshot().await),
        before,
        "a replayed credential changes nothing"
    );

    let (_, terminals) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/terminals", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(terminals[0]["enrolled"], false);
    let unknown = format!(
        "/v1/stores/{}/terminals/{}/revoke",
        shop.store_id,
        uuid::Uuid::now_v7()
    );
    let (s, b) = shop
        .hub
        .send(reqwest::Method::POST, &unknown, Some(&shop.api_key), None)
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}
on_both_backends!(a_revoked_terminal_credential_is_refused);

async fn bad_document_sync_messages_are_refused(backend: Backend) {
    let shop = shop(backend).await;
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/documents/item_state", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");

    let post = |path: &str, body: &'static [u8], protocol: Option<&'static str>| {
        let mut req = shop
            .hub
            .http
            .post(format!("{}{path}", shop.hub.base))
            .bearer_auth(&shop.device_token)
            .header("content-type", "application/octet-stream")
            .body(body);
        if let Some(v) = protocol {
            req = req.header(pos_shared::sync::PROTOCOL_HEADER, v);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, b) = post("/v1/sync/docs/item_state", b"\x42garbage", None).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_sync_message");
    let (s, b) = post("/v1/sync/docs/everything", b"", None).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_document");
    assert!(b["detail"].as_str().unwrap().contains("item_state"), "{b}");
    let (s, b) = post("/v1/sync/docs/item_state", b"", Some("99")).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "unsupported_protocol");

    // An empty message is a terminal asking for news: the hub answers, and
    // stores no document for it.
    let r = shop
        .hub
        .http
        .post(format!("{}/v1/sync/docs/item_state", shop.hub.base))
        .bearer_auth(&shop.device_token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (s, _) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/documents/item_state", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(bad_document_sync_messages_are_refused);

async fn snapshot_get(shop: &Shop, query: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = shop
        .hub
        .http
        .get(format!("{}/v1/sync/snapshot{query}", shop.hub.base))
        .bearer_auth(&shop.device_token);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

fn snapshot_lines(gz: &[u8]) -> Vec<Value> {
    use std::io::BufRead;
    std::io::BufReader::new(flate2::read::GzDecoder::new(gz))
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

async fn a_snapshot_holds_the_store_at_one_sequence(backend: Backend) {
    let shop = shop(backend).await;
    // This terminal sold 2 tea; HQ wrote off a rice.
    let (_, ack) = shop.upload(&[shop.sale("T1-000001", &[(0, "2")])]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    let (s, _) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": shop.variants[1].0, "delta": "-1", "reason": "adjustment"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, page) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    let head = page["next_cursor"].as_u64().unwrap();

    let full = snapshot_get(&shop, "", None).await;
    assert_eq!(full.status(), StatusCode::OK);
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    let seq: u64 = full.headers()["x-snapshot-seq"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(seq, head);
    let bytes = full.bytes().await.unwrap();
    let lines = snapshot_lines(&bytes);
    assert_eq!(lines[0]["seq"], head);
    assert_eq!(lines[0]["variants"], 2);
    assert_eq!(lines[0]["positions"], 2);
    let kinds: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["variant", "variant", "position", "position"]);
    let on_hand = |variant: &str| {
        lines
            .iter()
            .find(|l| l["type"] == "position" && l["variant_id"] == variant)
            .unwrap()["on_hand"]
            .clone()
    };
    assert_eq!(
        on_hand(&shop.variants[0].0),
        "50",
        "the terminal's own sale is left for it to add"
    );
    assert_eq!(on_hand(&shop.variants[1].0), "49", "other movements are in");

    // A cut download resumes from a byte offset.
    let resumed = snapshot_get(&shop, &format!("?seq={seq}"), Some("bytes=10-")).await;
    assert_eq!(resumed.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        resumed.headers()["content-range"].to_str().unwrap(),
        format!("bytes 10-{}/{}", bytes.len() - 1, bytes.len())
    );
    assert_eq!(resumed.bytes().await.unwrap(), bytes.slice(10..));

    let past = snapshot_get(
        &shop,
        &format!("?seq={seq}"),
        Some(&format!("bytes={}-", bytes.len())),
    )
    .await;
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let gone = snapshot_get(&shop, &format!("?seq={}", seq + 999), None).await;
    assert_eq!(gone.status(), StatusCode::GONE);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["type"], "snapshot_expired");
}
on_both_backends!(a_snapshot_holds_the_store_at_one_sequence);

async fn a_pruned_feed_sends_old_cursors_to_a_snapshot(backend: Backend) {
    let shop = shop(backend).await;
    let (_, page) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    let head = page["next_cursor"].as_u64().unwrap();
    let dropped = shop.hub.storage.prune_feed(1).await.unwrap();
    assert_eq!(dropped, head - 1);

    let (s, b) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    assert_problem(s, &b, StatusCode::GONE, "cursor_expired");
    assert_eq!(b["field"], "since");
    let (s, page) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since={}", head - 1),
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["changes"].as_array().unwrap().len(), 1);
    assert_eq!(
        shop.hub.storage.prune_feed(1).await.unwrap(),
        0,
        "pruning again drops nothing"
    );
}
on_both_backends!(a_pruned_feed_sends_old_cursors_to_a_snapshot);

async fn an_enrollment_whose_answer_was_lost_can_be_asked_again(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let key = hub.tenant("T").await;
    let (_, store) = hub
        .post("/v1/stores", &key, json!({"code": "S1", "name": "S"}))
        .await;
    let (_, terminal) = hub
        .post(
            &format!("/v1/stores/{}/terminals", store["id"].as_str().unwrap()),
            &key,
            json!({"name": "Till", "receipt_prefix": "A"}),
        )
        .await;
    let code = terminal["enrollment_code"].as_str().unwrap();
    let install = uuid::Uuid::now_v7();
    let enroll = |install: uuid::Uuid| {
        let hub = &hub;
        async move {
            hub.send(
                reqwest::Method::POST,
                "/v1/enroll",
                None,
                Some(json!({"code": code, "agent_version": "t", "install_id": install})),
            )
            .await
        }
    };
    let (s, first) = enroll(install).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    // The answer never arrived; the same installation asks again.
    let (s, again) = enroll(install).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["terminal_id"], first["terminal_id"]);
    assert_ne!(
        again["token"], first["token"],
        "a new token replaces the lost one"
    );
    let (s, _) = hub
        .get("/v1/sync/feed?since=0", again["token"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = hub
        .get("/v1/sync/feed?since=0", first["token"].as_str().unwrap())
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the lost token no longer works"
    );
    // Anyone else holding the used code gets nothing.
    let (s, b) = enroll(uuid::Uuid::now_v7()).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_enrollment_code");
}
on_both_backends!(an_enrollment_whose_answer_was_lost_can_be_asked_again);
