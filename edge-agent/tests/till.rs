//! The till on its own: a real agent on loopback with its SQLite file, the hub
//! unreachable the whole time. The catalog is seeded as the feed would deliver it.

mod common;

use common::*;
use edge_agent::devices::serial::SerialScanner;
use edge_agent::printing::PrintSettings;
use edge_agent::store::{catalog, feed, LocalStore};
use pos_shared::sync::{Change, ChangeBody, FeedPage, MovementReason, MovementRecord};
use pos_shared::{Gtin, MovementId, Qty, StoreId, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn sells_offline_with_durable_receipts_and_local_stock() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;

    let (s, tea) = till.get(&format!("/v1/products/by-barcode/{TEA}")).await;
    assert_eq!(s, StatusCode::OK, "{tea}");
    assert_eq!(tea["name"], "Assam Tea 250 g");
    assert_eq!(tea["price"]["minor"], 14500);
    assert_eq!(tea["available"], "10");

    let (s, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": 2}, {"barcode": RICE, "qty": "1.5"}], "tenders": cash(50000)}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["receipt_no"], "T1-000001");
    assert_eq!(sale["total"]["minor"], 2 * 14500 + 9375);
    assert_eq!(sale["change_due"]["minor"], 50000 - 38375);
    assert_eq!(till.available(TEA).await, "8");
    assert_eq!(till.available(RICE).await, "8.5");

    let (_, second) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": 1}], "tenders": cash(14500)}))
        .await;
    assert_eq!(second["receipt_no"], "T1-000002");

    // The hub is unreachable: the status says so and the queue holds both sales.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, status) = till.get("/v1/sync/status").await;
    assert_eq!(status["online"], false, "{status}");
    assert_eq!(status["queued"], 2);
    assert_eq!(status["enrolled"], true);
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{status}"
    );
    assert_eq!(on_disk(dir.path()), (2, 2, Some("2".into())));
    till.agent.stop();
}

#[tokio::test]
async fn bad_input_is_refused_by_name_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;

    let (s, b) = till.get("/v1/products/by-barcode/4006381333938").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(b["type"], "invalid_barcode");
    assert!(b["detail"].as_str().unwrap().contains("check digit"));
    let (s, b) = till.get("/v1/products/by-barcode/96385074").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    assert_eq!(b["type"], "unknown_barcode");

    let cases = [
        (
            json!({"lines": [{"barcode": TEA, "qty": 1}, {"barcode": "96385074", "qty": 1}], "tenders": cash(100000)}),
            "unknown_barcode",
            "lines[1].barcode",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": 1.5}], "tenders": cash(100000)}),
            "invalid_body",
            "lines[0].qty",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": "0"}], "tenders": cash(100000)}),
            "invalid_field",
            "lines[0].qty",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": 1}]}),
            "invalid_field",
            "tenders",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": 1}], "tenders": cash(100)}),
            "invalid_field",
            "tenders",
        ),
        (
            json!({"lines": [], "tenders": cash(100)}),
            "invalid_field",
            "lines",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": 1}], "tenders": [{"method": "cheque", "amount": {"minor": 14500, "currency": "INR"}}]}),
            "invalid_body",
            "tenders[0].method",
        ),
    ];
    for (body, kind, field) in cases {
        let (s, b) = till.sell(body.clone()).await;
        assert!(s.is_client_error(), "{body} -> {s} {b}");
        assert_eq!(b["type"], kind, "{body} -> {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{body} -> {b}");
        }
        assert!(!b["detail"].as_str().unwrap().is_empty());
    }
    let r = till
        .http
        .post(format!("{}/v1/sales", till.base))
        .header("content-type", "application/json")
        .body("{\"lines\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A body past the limit is named for what it is, not called unreadable.
    let r = till
        .http
        .post(format!("{}/v1/sales", till.base))
        .header("content-type", "application/json")
        .body(format!("{{\"note\": \"{}\"}}", "x".repeat(3 << 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(b["type"], "payload_too_large", "{b}");
    // A method the path does not take is a problem body too.
    let r = till
        .http
        .delete(format!("{}/v1/sales", till.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(b["type"], "method_not_allowed", "{b}");

    assert_eq!(
        on_disk(dir.path()),
        (0, 0, None),
        "no sale, outbox entry or receipt number was used"
    );
    assert_eq!(till.available(TEA).await, "10");

    // The next good sale still gets the first receipt number: no gaps.
    let (s, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": 1}], "tenders": cash(14500)}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["receipt_no"], "T1-000001");
    till.agent.stop();
}

#[tokio::test]
async fn a_retried_sale_is_recorded_once_and_numbers_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let sale_id = uuid::Uuid::now_v7();
    let body = json!({"sale_id": sale_id, "lines": [{"barcode": RICE, "qty": "0.5"}], "tenders": cash(5000)});
    let (s, first) = till.sell(body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = till.sell(body).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again, first, "the retry returns the recorded sale");
    assert_eq!(on_disk(dir.path()).0, 1);
    // A sale made without an id, retried under the id the till gave back, is
    // the same sale.
    let basket = json!({"lines": [{"barcode": RICE, "qty": "0.25"}], "tenders": cash(2500)});
    let (s, made) = till.sell(basket.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let mut retry = basket;
    retry["sale_id"] = made["sale_id"].clone();
    let (s, again) = till.sell(retry).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["receipt_no"], made["receipt_no"]);
    assert_eq!(on_disk(dir.path()).0, 2);
    till.agent.stop();

    let till = start_till(dir.path()).await;
    let (_, next) = till
        .sell(json!({"lines": [{"barcode": RICE, "qty": 1}], "tenders": cash(6250)}))
        .await;
    assert_eq!(next["receipt_no"], "T1-000003");
    assert_eq!(till.available(RICE).await, "8.25");
    till.agent.stop();
}

#[tokio::test]
async fn a_sale_id_reused_for_another_basket_is_refused_and_bills_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let sale_id = uuid::Uuid::now_v7();
    let first = json!({"sale_id": sale_id, "lines": [{"barcode": RICE, "qty": "0.5"}], "tenders": cash(5000)});
    let (s, sale) = till.sell(first).await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");

    // The same id with other lines is another sale: refused, nothing written.
    let other = json!({"sale_id": sale_id, "lines": [{"barcode": RICE, "qty": "1"}], "tenders": cash(6250)});
    let (s, body) = till.sell(other).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["type"], "id_conflict");
    assert_eq!(body["field"], "sale_id");
    // The same id with other tenders, too.
    let other_tender = json!({"sale_id": sale_id, "lines": [{"barcode": RICE, "qty": "0.5"}], "tenders": cash(10000)});
    let (s, body) = till.sell(other_tender).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(on_disk(dir.path()).0, 1);
    assert_eq!(till.available(RICE).await, "9.5");

    // Sale ids are UUIDv7: a random (v4) id is refused with the field named.
    let v4 = json!({"sale_id": "2f1c7b4e-8d3a-4c55-9a0e-1b2c3d4e5f60", "lines": [{"barcode": RICE, "qty": 1}], "tenders": cash(6250)});
    let (s, body) = till.sell(v4).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "sale_id");

    // A bill has at most MAX_SALE_LINES lines; refused before anything is charged.
    let lines: Vec<_> = (0..pos_shared::limits::MAX_SALE_LINES + 1)
        .map(|_| json!({"barcode": RICE, "qty": "0.001"}))
        .collect();
    let (s, body) = till
        .sell(json!({"lines": lines, "tenders": cash(1_000_000)}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "lines");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("at most 1000 lines"),
        "{body}"
    );
    assert_eq!(on_disk(dir.path()).0, 1, "nothing recorded");
    till.agent.stop();
}

#[tokio::test]
async fn another_stores_movement_in_the_feed_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let tea = store
        .with_conn(|c| catalog::product_by_barcode(c, &Gtin::parse(TEA).unwrap()))
        .unwrap()
        .unwrap();
    let foreign = MovementRecord {
        movement_id: MovementId::new(),
        store_id: StoreId::new(),
        variant_id: tea.variant_id,
        delta: Qty::units(-7),
        reason: MovementReason::Adjustment,
        sale_id: None,
        terminal_id: None,
        occurred_at: Timestamp::now(),
        batch: None,
    };
    let page = FeedPage {
        protocol_version: 1,
        changes: vec![Change {
            seq: 5,
            body: ChangeBody::StockMoved(foreign),
        }],
        next_cursor: 5,
        has_more: false,
        cursor_mark: None,
    };
    let applied = store
        .with_conn(|c| feed::apply_feed_page(c, credential.store_id, &page))
        .unwrap();
    assert_eq!(applied.changes, 0);
    assert_eq!(
        applied.cursor, 5,
        "the cursor moves past it, so it cannot stall the feed"
    );
    let after = store
        .with_conn(|c| catalog::product_by_barcode(c, &Gtin::parse(TEA).unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(after.available, Qty::units(10));
}

#[tokio::test]
async fn item_state_edits_work_offline_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let put = |barcode: &str, body: Value| {
        let req = till
            .http
            .put(format!("{}/v1/item-state/{barcode}", till.base))
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, item) = put(TEA, json!({"disabled": true, "shelf": "A1"})).await;
    assert_eq!(s, StatusCode::OK, "{item}");
    assert_eq!(item, json!({"disabled": true, "shelf": "A1", "note": null}));
    let (_, all) = till.get("/v1/item-state").await;
    assert_eq!(
        all,
        json!({Gtin::parse(TEA).unwrap().as_str(): {"disabled": true, "shelf": "A1", "note": null}})
    );

    for (barcode, body, kind, field) in [
        (
            "4006381333938",
            json!({"disabled": true}),
            "invalid_barcode",
            "barcode",
        ),
        (TEA, json!({}), "invalid_field", "disabled"),
        (
            TEA,
            json!({"shelf": "x".repeat(41)}),
            "invalid_field",
            "shelf",
        ),
        (TEA, json!({"colour": "red"}), "invalid_body", ""),
        (TEA, json!({"disabled": "yes"}), "invalid_body", "disabled"),
    ] {
        let (s, b) = put(barcode, body.clone()).await;
        assert!(s.is_client_error(), "{body} -> {s} {b}");
        assert_eq!(b["type"], kind, "{body} -> {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{body} -> {b}");
        }
    }
    let (_, after) = till.get("/v1/item-state").await;
    assert_eq!(after, all, "refused edits change nothing");
    till.agent.stop();
}

/// The till's server-sent event stream, read frame by frame.
struct EventStream {
    resp: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(till: &Till) -> EventStream {
        let resp = till
            .http
            .get(format!("{}/v1/events", till.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        EventStream {
            resp,
            buffer: String::new(),
        }
    }

    /// Reads until an event named `name` arrives and returns its data.
    async fn next(&mut self, name: &str) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let event = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("event: "))
                    .unwrap_or("");
                let data = frame.lines().find_map(|l| l.strip_prefix("data: "));
                if event == name {
                    return serde_json::from_str(data.expect("data line")).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

#[tokio::test]
async fn the_event_stream_tells_the_ui_when_the_queue_grows() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let mut stream = EventStream::open(&till).await;
    let first = stream.next("sync_status").await;
    assert_eq!(first["queued"], 0, "{first}");

    let (s, _) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": 1}], "tenders": cash(14500)}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut latest = stream.next("sync_status").await;
    while latest["queued"] != 1 {
        latest = stream.next("sync_status").await;
    }
    assert_eq!(
        latest["online"], false,
        "the hub is unreachable in this file: {latest}"
    );
    till.agent.stop();
}

#[tokio::test]
async fn a_keyboard_wedge_scan_reaches_the_event_stream() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let mut stream = EventStream::open(&till).await;
    stream.next("sync_status").await;

    let post = |body: Value| {
        till.http
            .post(format!("{}/v1/scans", till.base))
            .json(&body)
            .send()
    };
    let r = post(json!({"text": format!("]E0{TEA}")})).await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let scan = stream.next("scan").await;
    assert_eq!(scan["source"], "keyboard");
    assert_eq!(scan["symbology"], "ean13");
    assert_eq!(scan["text"], TEA);
    // The item arrives with the scan, as by-barcode answers it.
    let (_, mut by_barcode) = till.get(&format!("/v1/products/by-barcode/{TEA}")).await;
    by_barcode.as_object_mut().unwrap().remove("scan");
    assert_eq!(scan["product"], by_barcode, "{scan}");
    assert_eq!(scan["product"]["price"], inr(14500));
    assert!(scan.get("problem").is_none(), "{scan}");
    // A GS1-128 symbol with the pack's GTIN-14 and a batch: resolved the same way.
    let r = post(json!({"text": format!("]C1010{TEA}10LOT7")}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let gs1 = stream.next("scan").await;
    assert_eq!(gs1["product"]["name"], "Assam Tea 250 g", "{gs1}");
    assert_eq!(gs1["code"]["batch"], "LOT7", "{gs1}");

    for bad in [
        json!({"text": ""}),
        json!({"text": "bell\u{7}"}),
        json!({"text": "1".repeat(600)}),
    ] {
        let r = post(bad.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["field"], "text", "{body}");
    }
    till.agent.stop();
}

async fn device(till: &Till) -> Value {
    let (_, devices) = till.get("/v1/devices").await;
    devices
        .as_object()
        .unwrap()
        .values()
        .next()
        .cloned()
        .unwrap_or(Value::Null)
}

async fn wait_device(till: &Till, connected: bool) {
    for _ in 0..200 {
        if device(till).await["connected"] == connected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the scanner never became connected={connected}: {}",
        device(till).await
    );
}

#[tokio::test]
async fn a_serial_scanner_on_a_pseudo_terminal_feeds_the_scan_stream() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let ports = tempfile::tempdir().unwrap();
    let pty = PtyPair::start(ports.path());
    let spec = format!("{}@9600:crlf", ports.path().join("device").display());
    let till = start_till_with(
        dir.path(),
        vec![SerialScanner::parse(&spec).unwrap()],
        PrintSettings::default(),
    )
    .await;
    wait_device(&till, true).await;
    let mut stream = EventStream::open(&till).await;
    stream.next("sync_status").await;

    // Two barcodes in one write, one with an AIM identifier.
    pty.write(ports.path(), format!("{TEA}\r\n]E0{RICE}\r\n").as_bytes());
    let first = stream.next("scan").await;
    assert_eq!(first["text"], TEA);
    assert_eq!(first["product"]["name"], "Assam Tea 250 g", "{first}");
    assert!(
        first["source"].as_str().unwrap().starts_with("serial:"),
        "{first}"
    );
    let second = stream.next("scan").await;
    assert_eq!(
        (second["text"].as_str(), second["symbology"].as_str()),
        (Some(RICE), Some("ean13"))
    );
    assert_eq!(second["product"]["unit"], "kg", "{second}");

    // One barcode split across writes.
    pty.write(ports.path(), b"96385");
    tokio::time::sleep(Duration::from_millis(300)).await;
    pty.write(ports.path(), b"074\r\n");
    let unknown = stream.next("scan").await;
    assert_eq!(unknown["text"], "96385074");
    // No item has that code here: said in words, no product.
    assert_eq!(
        unknown["problem"], "No item with barcode 96385074 in this store",
        "{unknown}"
    );
    assert!(unknown.get("product").is_none(), "{unknown}");

    // Noise, and a 10 KB line with no suffix, are dropped; the next scan survives.
    pty.write(ports.path(), b"\x00\x01\x02\r\n");
    pty.write(ports.path(), &vec![b'7'; 10 * 1024]);
    pty.write(ports.path(), format!("\r\n{TEA}\r\n").as_bytes());
    assert_eq!(stream.next("scan").await["text"], TEA);
    // The count is updated just after the scan goes out on the stream.
    let mut status = device(&till).await;
    for _ in 0..100 {
        if status["scans"] == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        status = device(&till).await;
    }
    assert_eq!(status["scans"], 4, "{status}");
    assert!(status["dropped"].as_u64().unwrap() >= 2, "{status}");

    // Unplugged: reported; plugged back in: scanning resumes without a restart.
    drop(pty);
    wait_device(&till, false).await;
    assert!(device(&till).await["last_error"].is_string());
    let pty = PtyPair::start(ports.path());
    wait_device(&till, true).await;
    pty.write(ports.path(), format!("{RICE}\r\n").as_bytes());
    assert_eq!(stream.next("scan").await["text"], RICE);
    till.agent.stop();
}

#[tokio::test]
async fn with_the_hub_down_and_nothing_queued_the_till_never_claims_to_be_online() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    // The uploader finds nothing to send every 100 ms; that is no news of the
    // hub, so the status must stay offline throughout.
    for _ in 0..15 {
        let (_, status) = till.get("/v1/sync/status").await;
        assert_eq!(status["queued"], 0, "{status}");
        assert_eq!(status["online"], false, "{status}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
