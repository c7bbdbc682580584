//! The event outbox through HQ's API: every change as an enveloped event in
//! order, filtered and paged, and followed live over server-sent events,
//! resuming after `Last-Event-ID`.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

async fn all_events(shop: &Shop, query: &str) -> Vec<Value> {
    let (s, page) = shop
        .hub
        .get(&format!("/v1/events?limit=1000{query}"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["has_more"], false);
    page["events"].as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect()
}

async fn every_change_is_an_enveloped_event_in_order(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = shop.api_key.as_str();
    let store = shop.store_id.clone();
    let tea = shop.variants[0].0.clone();
    let opening = all_events(&shop, "").await;
    assert_eq!(
        types(&opening),
        [
            "catalog.variant.upserted",
            "catalog.variant.upserted",
            "inventory.stock.adjusted",
            "inventory.orderability.changed",
            "inventory.stock.adjusted",
            "inventory.orderability.changed",
        ],
        "the opening stock makes each item orderable"
    );
    assert_eq!(opening[3]["data"]["orderable"], true);
    let first = &opening[0];
    for field in ["event_id", "trace_id", "occurred_at", "data"] {
        assert!(!first[field].is_null(), "{field}: {first}");
    }
    let (_, me) = hub.get("/v1/me", key).await;
    assert_eq!(
        first["source"],
        format!("hq:key:{}", me["key_id"].as_str().unwrap()),
        "HQ's changes name the key that made them"
    );
    assert_eq!(first["tenant_id"], shop.tenant_id.as_str());
    assert_eq!(first["schema_version"], 1);
    assert_eq!(first["data"]["sku"], "TEA-250");
    assert_eq!(opening[2]["store_id"], store.as_str());

    // A price, an order holding every tea, its release, a delisting, a
    // closing, and a till's sale.
    let (s, _) = hub
        .put(
            &format!("/v1/variants/{tea}/price"),
            key,
            json!({"price": {"minor": 15000, "currency": "INR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, held) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            key,
            json!({"variant_id": tea, "qty": "50", "order_ref": "ORD-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{held}");
    let id = held["reservation_id"].as_str().unwrap();
    let (s, _) = hub
        .post(&format!("/v1/reservations/{id}/release"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let listing = format!("/v1/stores/{store}/assortment/{tea}");
    let (s, _) = hub.put(&listing, key, json!({"listed": false})).await;
    assert!(s.is_success());
    // Delisting what is already delisted is no change and no event.
    let (s, _) = hub.put(&listing, key, json!({"listed": false})).await;
    assert!(s.is_success());
    let (s, _) = hub
        .put(
            &format!("/v1/stores/{store}/status"),
            key,
            json!({"status": "closed"}),
        )
        .await;
    assert!(s.is_success());
    let (s, ack) = shop.upload(&[shop.sale("T1-000001", &[(1, "2")])]).await;
    assert_eq!(
        (s, Shop::statuses(&ack)),
        (StatusCode::OK, vec!["accepted".to_owned()])
    );

    let events = all_events(&shop, "").await;
    let later = &events[opening.len()..];
    assert_eq!(
        types(later),
        [
            "catalog.variant.upserted",
            "catalog.price.updated",
            "inventory.stock.reserved",
            "inventory.orderability.changed",
            "inventory.stock.released",
            "inventory.orderability.changed",
            "store.assortment.changed",
            "inventory.orderability.changed",
            "store.status.changed",
            "inventory.stock.adjusted",
            "pos.sale.recorded",
        ],
        "{later:#?}"
    );
    assert_eq!(later[1]["data"]["price"]["minor"], 15000);
    assert_eq!(later[3]["data"]["orderable"], false);
    assert_eq!(later[3]["data"]["reasons"], json!(["zero_stock"]));
    assert_eq!(later[5]["data"]["orderable"], true);
    assert_eq!(later[7]["data"]["reasons"], json!(["not_in_assortment"]));
    assert_eq!(later[8]["data"]["status"], "closed");
    let till = format!("terminal:{}", shop.terminal_id);
    assert_eq!(later[9]["source"], till.as_str());
    assert_eq!(later[10]["source"], till.as_str());
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());

    // Filtered by type and paged three at a time, the same events.
    let inventory = all_events(&shop, "&type=inventory.").await;
    assert_eq!(
        inventory,
        events
            .iter()
            .filter(|e| e["event_type"].as_str().unwrap().starts_with("inventory."))
            .cloned()
            .collect::<Vec<_>>()
    );
    let (mut after, mut paged) = (0, Vec::new());
    loop {
        let (_, page) = hub
            .get(&format!("/v1/events?limit=3&after={after}"), key)
            .await;
        paged.extend(page["events"].as_array().unwrap().iter().cloned());
        after = page["next_after"].as_u64().unwrap();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(paged, events);
    assert_eq!(after, events.len() as u64);
    // A filter that matches nothing still moves the cursor to the head.
    let (_, none) = hub.get("/v1/events?type=nothing.here", key).await;
    assert_eq!(none["events"], json!([]));
    assert_eq!(none["next_after"], events.len() as u64);
    // A place past the newest event (a hub restored from an older copy)
    // is refused, as a list and as a stream resumed there, never served as
    // an empty page or a stream that waits for numbers given again.
    let past = events.len() + 5;
    let (s, b) = hub.get(&format!("/v1/events?after={past}"), key).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "events_diverged");
    assert_eq!(b["field"], "after", "{b}");
    assert!(b["detail"].as_str().unwrap().contains("restored"), "{b}");
    assert!(
        b.get("resume_after").is_none(),
        "without a mark the hub cannot tell: {b}"
    );
    let streamed = hub
        .http
        .get(format!("{}/v1/events/stream", hub.base))
        .bearer_auth(key)
        .header("Last-Event-ID", past.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::CONFLICT);
    let b: serde_json::Value = streamed.json().await.unwrap();
    assert_eq!(b["field"], "Last-Event-ID", "{b}");
    // Each page marks its place: when the hub committed the event at
    // next_after. A reader sends it back with after; a place past the head
    // or whose event bears another mark (a hub restored from an older copy,
    // written on since) is refused, saying where to read on: before the
    // first event committed after the reader's mark.
    let (_, page) = hub.get("/v1/events?limit=2", key).await;
    let (at, mark) = (
        page["next_after"].as_u64().unwrap(),
        page["next_mark"].as_i64().unwrap(),
    );
    assert_eq!(at, 2);
    let (s, b) = hub
        .get(&format!("/v1/events?after={at}&mark={mark}"), key)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, whole) = hub.get("/v1/events?type=nothing.here", key).await;
    let head = whole["next_after"].as_u64().unwrap();
    let head_mark = whole["next_mark"]
        .as_i64()
        .expect("a filtered page marks the head");
    assert!(head_mark >= mark);
    let (s, b) = hub
        .get(&format!("/v1/events?after={past}&mark={head_mark}"), key)
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "events_diverged");
    assert_eq!(b["field"], "after", "{b}");
    assert_eq!(
        b["resume_after"], head,
        "everything here was committed by the reader's mark: {b}"
    );
    let (s, b) = hub
        .get(&format!("/v1/events?after={at}&mark={}", mark - 1), key)
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "events_diverged");
    assert_eq!(b["field"], "mark", "{b}");
    let resume = b["resume_after"].as_u64().expect("where to read on");
    assert!(
        resume < at,
        "before the first event committed after the mark: {b}"
    );
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("after={resume}")),
        "{b}"
    );
    let (s, b) = hub.get(&format!("/v1/events?mark={mark}"), key).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["field"], "mark", "{b}");
    for (last_id, ok) in [
        (format!("{at}:{}", mark - 1), false),
        (format!("{at}:{mark}"), true),
    ] {
        let streamed = hub
            .http
            .get(format!("{}/v1/events/stream", hub.base))
            .bearer_auth(key)
            .header("Last-Event-ID", &last_id)
            .send()
            .await
            .unwrap();
        match ok {
            false => {
                assert_eq!(streamed.status(), StatusCode::CONFLICT, "{last_id}");
                let b: serde_json::Value = streamed.json().await.unwrap();
                assert_eq!(b["field"], "Last-Event-ID", "{b}");
                assert!(b["resume_after"].as_u64().is_some(), "{b}");
            }
            true => assert_eq!(streamed.status(), StatusCode::OK, "{last_id}"),
        }
    }

    // Another store's filter leaves out this store's events, not the chain's.
    let (_, other_store) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-2", "name": "Koramangala"}),
        )
        .await;
    let elsewhere = all_events(
        &shop,
        &format!("&store_id={}", other_store["id"].as_str().unwrap()),
    )
    .await;
    assert!(
        elsewhere.iter().all(|e| e.get("store_id").is_none()),
        "{elsewhere:?}"
    );
    assert_eq!(
        types(&elsewhere),
        [
            "catalog.variant.upserted",
            "catalog.variant.upserted",
            "catalog.variant.upserted",
            "catalog.price.updated"
        ]
    );
}
on_both_backends!(every_change_is_an_enveloped_event_in_order);

async fn bad_event_queries_are_refused_and_tenants_see_only_their_own(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    for (query, status, kind, field) in [
        (
            "limit=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "limit",
        ),
        (
            "limit=1001",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "limit",
        ),
        (
            "type=Stock%20Moved",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "type",
        ),
        // Numbers as digits, named like every other list's.
        (
            "after=-1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "after",
        ),
        (
            "after=%2B0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "after",
        ),
        (
            "limit=%2B5",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "limit",
        ),
        (
            "limit=5.0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "limit",
        ),
        (
            "store_id=nope",
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "",
        ),
        ("colour=red", StatusCode::BAD_REQUEST, "invalid_query", ""),
    ] {
        for path in ["/v1/events", "/v1/events/stream"] {
            let (s, b) = hub.get(&format!("{path}?{query}"), &shop.api_key).await;
            assert_problem(s, &b, status, kind);
            if !field.is_empty() {
                assert_eq!(b["field"], field, "{query}");
            }
        }
    }
    let unknown = uuid::Uuid::now_v7();
    let (s, b) = hub
        .get(&format!("/v1/events?store_id={unknown}"), &shop.api_key)
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let refused = hub
        .as_(&shop.api_key)
        .event_stream("", Some("yesterday"))
        .await
        .expect_err("a Last-Event-ID that is not a number");
    assert_eq!(refused.status(), Some(StatusCode::BAD_REQUEST), "{refused}");
    let (s, _) = hub.get("/v1/events", "not-a-key").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = hub.get("/v1/events", &shop.device_token).await;
    assert!(s.is_client_error(), "a till is not HQ: {s}");

    let other = hub.tenant("Other").await;
    let (s, page) = hub.get("/v1/events", &other).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["events"], json!([]), "nothing of the first tenant's");
    let (s, _) = hub
        .get(&format!("/v1/events?store_id={}", shop.store_id), &other)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(bad_event_queries_are_refused_and_tenants_see_only_their_own);

async fn a_reader_behind_the_pruned_events_is_told_where_they_start(backend: Backend) {
    let shop = shop(backend).await;
    let head = all_events(&shop, "").await.len() as u64;
    shop.hub.storage.prune_feed(1).await.unwrap();
    let (s, b) = shop.hub.get("/v1/events?after=0", &shop.api_key).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(b["field"], "after");
    let (s, page) = shop
        .hub
        .get(&format!("/v1/events?after={}", head - 1), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["events"].as_array().unwrap().len(), 1, "the last kept");
    // Without `after`, a reader starts at the oldest event kept.
    let (s, page) = shop.hub.get("/v1/events", &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["events"][0]["seq"], head);
    assert_eq!(
        (page["head"].as_u64(), page["floor"].as_u64()),
        (Some(head), Some(head - 1))
    );
}
on_both_backends!(a_reader_behind_the_pruned_events_is_told_where_they_start);

/// Reads server-sent events off a response, frame by frame.
struct SseReader {
    resp: reqwest::Response,
    buf: String,
}

impl SseReader {
    async fn open(shop: &Shop, query: &str, last_id: Option<u64>) -> SseReader {
        let query = query.strip_prefix('?').unwrap_or(query);
        let last_id = last_id.map(|id| id.to_string());
        let resp = shop
            .hub
            .as_(&shop.api_key)
            .event_stream(query, last_id.as_deref())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        SseReader {
            resp,
            buf: String::new(),
        }
    }

    /// The next event (id, type, body), skipping keep-alive comments.
    async fn next(&mut self) -> (u64, String, Value) {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                let field = |name: &str| {
                    frame
                        .lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
                };
                let (Some(id), Some(kind), Some(data)) =
                    (field("id"), field("event"), field("data"))
                else {
                    continue;
                };
                // `<seq>:<mark>`
                let (seq, mark) = id.split_once(':').expect("seq:mark");
                assert!(mark.parse::<i64>().is_ok(), "{id}");
                let body: Value = serde_json::from_str(&data).unwrap();
                return (seq.parse().unwrap(), kind, body);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

async fn the_stream_follows_live_and_resumes_after_the_last_event(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = shop.api_key.as_str();
    let store = shop.store_id.clone();
    let tea = shop.variants[0].0.clone();
    let mut sse = SseReader::open(&shop, "?type=inventory.", None).await;
    // The backlog first: the opening stock, each item turning orderable.
    let mut last = 0;
    for expected in [
        "inventory.stock.adjusted",
        "inventory.orderability.changed",
        "inventory.stock.adjusted",
        "inventory.orderability.changed",
    ] {
        let (id, kind, _) = sse.next().await;
        assert_eq!(kind, expected);
        assert!(id > last);
        last = id;
    }

    // Live: an order holds every tea for a second; the sweep expires it and
    // the item turns orderable again.
    let (s, held) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            key,
            json!({"variant_id": tea, "qty": "50", "order_ref": "ORD-7", "ttl_secs": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{held}");
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let (id, kind, body) = sse.next().await;
        assert!(id > last, "in order, once");
        last = id;
        seen.push((kind, body));
    }
    let kinds: Vec<&str> = seen.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "inventory.stock.reserved",
            "inventory.orderability.changed",
            "inventory.stock.released",
            "inventory.orderability.changed",
        ]
    );
    assert_eq!(seen[2].1["data"]["state"], "expired");
    assert_eq!(seen[3].1["data"]["orderable"], true);
    drop(sse);

    // A movement while no one listens; a reconnect after the last event seen
    // gets it, and nothing it already had.
    let (s, _) = hub
        .post(
            &format!("/v1/stores/{store}/movements"),
            key,
            json!({"variant_id": tea, "delta": "-1", "reason": "adjustment"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut sse = SseReader::open(&shop, "?type=inventory.", Some(last)).await;
    let (id, kind, body) = sse.next().await;
    assert!(id > last);
    assert_eq!(kind, "inventory.stock.adjusted");
    assert_eq!(body["data"]["delta"], "-1");
}
on_both_backends!(the_stream_follows_live_and_resumes_after_the_last_event);
