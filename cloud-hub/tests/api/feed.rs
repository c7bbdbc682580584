//! The change feed: order, paging, long-poll, protocol versions, snapshots, pruning.

use crate::helpers::*;
use crate::on_both_backends;
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
    // A position past any the hub gives out (they are signed 64-bit) is
    // refused naming `since`, not answered "not found".
    let (status, past) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since={}", i64::MAX as u64 + 1),
            &shop.device_token,
        )
        .await;
    assert_problem(
        status,
        &past,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
    );
    assert_eq!(past["field"], "since", "{past}");
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

pub(crate) async fn snapshot_get(
    shop: &Shop,
    query: &str,
    range: Option<&str>,
) -> reqwest::Response {
    let mut req = shop
        .hub
        .http
        .get(format!("{}/v1/sync/snapshot{query}", shop.hub.base))
        .query(&[("v", pos_shared::sync::PROTOCOL_VERSION)])
        .bearer_auth(&shop.device_token);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

pub(crate) fn snapshot_lines(gz: &[u8]) -> Vec<Value> {
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
    // The store's own record (protocol 10) comes after the catalog.
    assert_eq!(lines[0]["stores"], 1);
    assert_eq!(
        kinds,
        ["variant", "variant", "store", "position", "position"]
    );
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

/// The snapshot's sequence and its on-hand figure for a variant.
async fn snapshot_of(till: &Shop, variant: &str) -> (u64, Value) {
    let got = snapshot_get(till, "", None).await;
    assert_eq!(got.status(), StatusCode::OK);
    let seq = got.headers()["x-snapshot-seq"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let lines = snapshot_lines(&got.bytes().await.unwrap());
    let on_hand = lines
        .iter()
        .find(|l| l["type"] == "position" && l["variant_id"] == variant)
        .unwrap()["on_hand"]
        .clone();
    (seq, on_hand)
}

async fn new_tills_of_a_store_share_one_snapshot_and_catch_up(backend: Backend) {
    let shop = shop(backend).await;
    let tea = shop.variants[0].0.clone();
    let (_, ack) = shop.upload(&[shop.sale("T1-000001", &[(0, "2")])]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);

    // A new till: the store as it is, the first till's sale in.
    let a = shop.till_at(&shop.store_id, "Till 2", "t2").await;
    let (seq, on_hand) = snapshot_of(&a, &tea).await;
    assert_eq!(on_hand, "48");
    // HQ writes a tea off; the next new till is given the same snapshot and
    // hears the write-off in the feed from its sequence.
    shop.write_off(&tea).await;
    let b = shop.till_at(&shop.store_id, "Till 3", "t3").await;
    assert_eq!(snapshot_of(&b, &tea).await, (seq, json!("48")));
    let (_, page) = shop
        .hub
        .get(&format!("/v1/sync/feed?since={seq}"), &b.device_token)
        .await;
    assert!(
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "stock_moved"
                && c["variant_id"] == tea.as_str()
                && c["delta"] == "-1"),
        "{page}"
    );
    // The till that sold has a snapshot of its own, without its sale; it
    // is given to no other till.
    let (own_seq, own) = snapshot_of(&shop, &tea).await;
    assert!(own_seq > seq);
    assert_eq!(own, "49", "its own sale is left for it to add");
    let c = shop.till_at(&shop.store_id, "Till 4", "t4").await;
    assert_eq!(snapshot_of(&c, &tea).await, (seq, json!("48")));
    // Each may resume the one it was given.
    let resumed = snapshot_get(&c, &format!("?seq={seq}"), Some("bytes=1-")).await;
    assert_eq!(resumed.status(), StatusCode::PARTIAL_CONTENT);
    // Once the feed no longer holds what followed it, no till is given it:
    // the next one gets a new snapshot it can catch up from.
    for _ in 0..2 {
        shop.write_off(&tea).await;
    }
    shop.hub.storage.prune_feed(1).await.unwrap();
    let d = shop.till_at(&shop.store_id, "Till 5", "t5").await;
    let (fresh, on_hand) = snapshot_of(&d, &tea).await;
    assert!(fresh > seq, "{fresh} after {seq}");
    assert_eq!(on_hand, "45");
    let (s, page) = shop
        .hub
        .get(&format!("/v1/sync/feed?since={fresh}"), &d.device_token)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
}
on_both_backends!(new_tills_of_a_store_share_one_snapshot_and_catch_up);

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
    // A cursor past the head (the hub's database older than the till's) is
    // sent to a snapshot too, never served pages that skip what follows.
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since={}&wait=5", head + 1),
            &shop.device_token,
        )
        .await;
    assert_problem(s, &b, StatusCode::GONE, "cursor_ahead");
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

/// Each page marks the change at its cursor; a terminal that sends the mark
/// back with the cursor is refused (`feed_diverged`) when the change there
/// is another (a hub restored from an older copy and written on since), and
/// served as before when it is the same or when it sends none.
async fn a_cursor_whose_change_is_another_is_refused_by_its_mark(backend: Backend) {
    let shop = shop(backend).await;
    let (_, page) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    let head = page["next_cursor"].as_u64().unwrap();
    let mark = page["cursor_mark"].as_i64().expect("a mark at the head");
    let shop = &shop;
    let ask = |mark: Option<i64>| {
        let path = match mark {
            Some(m) => format!("/v1/sync/feed?since={head}&mark={m}"),
            None => format!("/v1/sync/feed?since={head}"),
        };
        async move { shop.hub.get(&path, &shop.device_token).await }
    };
    let (s, b) = ask(Some(mark)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["cursor_mark"], mark, "the same change, the same mark");
    let (s, b) = ask(None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = ask(Some(mark - 1)).await;
    assert_problem(s, &b, StatusCode::GONE, "feed_diverged");
    assert_eq!(b["field"], "mark");
    // A page cut short marks its last change, the place to ask from next.
    let (_, first) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=1", &shop.device_token)
        .await;
    assert_eq!(first["has_more"], true, "{first}");
    let next = first["next_cursor"].as_u64().unwrap();
    let path = format!(
        "/v1/sync/feed?since={next}&mark={}",
        first["cursor_mark"].as_i64().unwrap()
    );
    let (s, b) = shop.hub.get(&path, &shop.device_token).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}
on_both_backends!(a_cursor_whose_change_is_another_is_refused_by_its_mark);

/// A till asks, with its feed request, whether the hub holds the fact it
/// acknowledged last; a fact the hub does not hold (a database restored
/// from a copy older than the acknowledgement) is a 410 `facts_lost`.
async fn a_fact_acknowledged_and_lost_is_told_with_the_feed(backend: Backend) {
    let shop = shop(backend).await;
    let sale = shop.sale("T1-000001", &[(0, "1")]);
    let (s, ack) = shop.upload(std::slice::from_ref(&sale)).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let held = sale["event_id"].as_str().unwrap().to_owned();
    let shop = &shop;
    let ask = |query: String| async move {
        shop.hub
            .get(
                &format!("/v1/sync/feed?since=0&{query}"),
                &shop.device_token,
            )
            .await
    };
    let (s, b) = ask(format!("acked={held}&acked_type=pos.sale.completed")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let lost = uuid::Uuid::now_v7();
    let (s, b) = ask(format!("acked={lost}&acked_type=pos.sale.completed")).await;
    assert_problem(s, &b, StatusCode::GONE, "facts_lost");
    assert_eq!(b["field"], "acked");
    assert!(
        b["detail"].as_str().unwrap().contains(&lost.to_string()),
        "{b}"
    );
    // Held, but as a sale: another kind of fact under its id is not held.
    let (s, b) = ask(format!("acked={held}&acked_type=pos.shift.closed")).await;
    assert_problem(s, &b, StatusCode::GONE, "facts_lost");
    // Another tenant's terminal is not told of this tenant's facts.
    let other = shop_on(shop.hub.clone(), "Other Chain").await;
    let (s, b) = other
        .hub
        .get(
            &format!("/v1/sync/feed?since=0&acked={held}&acked_type=pos.sale.completed"),
            &other.device_token,
        )
        .await;
    assert_problem(s, &b, StatusCode::GONE, "facts_lost");
    // What cannot be asked is named.
    for (query, field) in [
        (format!("acked={held}"), "acked_type"),
        ("acked_type=pos.sale.completed".to_owned(), "acked"),
        (
            format!("acked={held}&acked_type=pos.sale.made"),
            "acked_type",
        ),
    ] {
        let (s, b) = ask(query.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {b}");
        assert_eq!(b["field"], field, "{query}: {b}");
    }
    let (s, b) = ask("acked=not-an-id&acked_type=pos.sale.completed".to_owned()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
}
on_both_backends!(a_fact_acknowledged_and_lost_is_told_with_the_feed);

async fn tax_classes_travel_with_the_variant(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let tax = json!({"rate_bp": 1800, "inclusive": false, "hsn": "34011110"});
    let (s, product) = hub
        .post(
            "/v1/products",
            &shop.api_key,
            json!({"name": "Neem Soap", "variants": [{"sku": "SOAP-1", "barcode": "8901058000023",
                   "price": {"minor": 4000, "currency": "INR"}, "tax": tax}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{product}");
    assert_eq!(product["variants"][0]["tax"], tax);
    let variant = product["variants"][0]["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The feed carries it, and a price change keeps it.
    let (s, _) = hub
        .send(
            reqwest::Method::PUT,
            &format!("/v1/variants/{variant}/price"),
            Some(&shop.api_key),
            Some(json!({"price": {"minor": 4200, "currency": "INR"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, feed) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let upserts: Vec<&Value> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "variant_upserted" && c["variant_id"] == variant.as_str())
        .collect();
    assert_eq!(upserts.len(), 2, "{feed}");
    assert!(upserts.iter().all(|u| u["tax"] == tax), "{upserts:?}");
    assert_eq!(upserts[1]["price"]["minor"], 4200);

    let before = shop.snapshot().await;
    for (bad_tax, field, says) in [
        (
            json!({"rate_bp": 1234, "inclusive": false}),
            "variants[0].tax.rate_bp",
            "basis points",
        ),
        (
            json!({"rate_bp": 500, "inclusive": true, "hsn": "12AB"}),
            "variants[0].tax.hsn",
            "HSN",
        ),
        (
            json!({"rate_bp": 500}),
            "variants[0].tax.inclusive",
            "inclusive",
        ),
        (
            json!({"rate_bp": -5, "inclusive": true}),
            "variants[0].tax.rate_bp",
            "-5",
        ),
    ] {
        let (s, b) = hub
            .post(
                "/v1/products",
                &shop.api_key,
                json!({"name": "Bad", "variants": [{"sku": "BAD-1", "barcode": "8901058000030",
                       "price": {"minor": 100, "currency": "INR"}, "tax": bad_tax}]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad_tax}: {b}");
        assert_eq!(b["field"], field, "{bad_tax}: {b}");
        assert!(
            b["detail"].as_str().unwrap().contains(says),
            "{bad_tax}: {b}"
        );
    }
    assert_eq!(
        shop.snapshot().await,
        before,
        "refused products write nothing"
    );
}
on_both_backends!(tax_classes_travel_with_the_variant);

async fn menu_items_carry_their_modifier_groups(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let inr = |m: i64| json!({"minor": m, "currency": "INR"});
    let groups = json!([
        {"name": "Size", "min": 1, "max": 1, "options": [
            {"code": "regular", "name": "Regular", "price": inr(0)},
            {"code": "large", "name": "Large", "price": inr(4000)}]},
        {"name": "Extras", "min": 0, "max": 2, "options": [
            {"code": "cheese", "name": "Extra cheese", "price": inr(3000)},
            {"code": "olives", "name": "Olives", "price": inr(2000)}]}
    ]);
    let body = |groups: Value| {
        json!({"name": "Margherita", "variants": [{"sku": "PIZZA-M", "barcode": "2000000000015",
               "price": inr(19900), "modifiers": groups}]})
    };
    let (s, product) = hub
        .post("/v1/products", &shop.api_key, body(groups.clone()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{product}");
    let (_, feed) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let pizza = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sku"] == "PIZZA-M")
        .unwrap();
    assert_eq!(pizza["modifiers"], groups);

    let mut too_many = groups.clone();
    too_many[1]["max"] = json!(3);
    let mut twice = groups.clone();
    twice[1]["options"][1]["code"] = json!("cheese");
    for (bad, field) in [
        (too_many, "variants[0].modifiers[1].max"),
        (twice, "variants[0].modifiers[1].options[1].code"),
    ] {
        let (s, b) = hub.post("/v1/products", &shop.api_key, body(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["field"], field, "{b}");
    }
}
on_both_backends!(menu_items_carry_their_modifier_groups);
