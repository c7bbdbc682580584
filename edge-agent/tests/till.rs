//! The till on its own: a real agent on loopback with its SQLite file, the hub
//! unreachable the whole time. The catalog is seeded as the feed would deliver it.

mod common;

use common::*;
use edge_agent::printing::PrintSettings;
use edge_agent::serial_scanner::SerialScanner;
use edge_agent::store::{catalog, LocalStore};
use pos_shared::sync::{Change, ChangeBody, FeedPage, MovementReason, MovementRecord};
use pos_shared::{Gtin, MovementId, Qty, StoreId, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// (sales, queued outbox entries, receipt counter) straight from the SQLite file.
/// Read through a second connection to the file (WAL allows it), as a support tool would.
fn on_disk(dir: &Path) -> (i64, i64, Option<String>) {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            let sales: i64 = c.query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0))?;
            let queued = edge_agent::store::outbox::counts(c)?.queued as i64;
            let seq: Option<String> = c
                .query_row(
                    "SELECT value FROM meta WHERE key = 'receipt_seq'",
                    [],
                    |r| r.get(0),
                )
                .ok();
            Ok((sales, queued, seq))
        })
        .unwrap()
}

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
            "invalid_body",
            "",
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
    till.agent.stop();

    let till = start_till(dir.path()).await;
    let (_, next) = till
        .sell(json!({"lines": [{"barcode": RICE, "qty": 1}], "tenders": cash(6250)}))
        .await;
    assert_eq!(next["receipt_no"], "T1-000002");
    assert_eq!(till.available(RICE).await, "8.5");
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
    };
    let page = FeedPage {
        protocol_version: 1,
        changes: vec![Change {
            seq: 5,
            body: ChangeBody::StockMoved(foreign),
        }],
        next_cursor: 5,
        has_more: false,
    };
    let applied = store
        .with_conn(|c| catalog::apply_feed_page(c, credential.store_id, &page))
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
    assert!(
        first["source"].as_str().unwrap().starts_with("serial:"),
        "{first}"
    );
    let second = stream.next("scan").await;
    assert_eq!(
        (second["text"].as_str(), second["symbology"].as_str()),
        (Some(RICE), Some("ean13"))
    );

    // One barcode split across writes.
    pty.write(ports.path(), b"96385");
    tokio::time::sleep(Duration::from_millis(300)).await;
    pty.write(ports.path(), b"074\r\n");
    assert_eq!(stream.next("scan").await["text"], "96385074");

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

fn tender(method: &str, minor: i64, reference: Option<&str>) -> Value {
    let mut t = json!({"method": method, "amount": {"minor": minor, "currency": "INR"}});
    if let Some(r) = reference {
        t["reference"] = json!(r);
    }
    t
}

#[tokio::test]
async fn split_tenders_with_references_and_cash_rounding() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let policy = edge_agent::store::sales::SalePolicy {
        cash_rounding_minor: 100,
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;
    let lines = json!([{"barcode": TEA, "qty": "1"}, {"barcode": RICE, "qty": "1.5"}]);

    // 145.00 + 1.5 kg × 62.50 = 238.75, rounded to 239.00 because cash is in the mix.
    let (status, sale) = till
        .sell(json!({"lines": lines, "tenders": [
            tender("upi", 10000, Some(" 412345678901 ")),
            tender("card", 5000, Some("AP1234")),
            tender("cash", 10000, None),
        ]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["total"]["minor"], 23875);
    assert_eq!(sale["rounding"]["minor"], 25);
    assert_eq!(sale["change_due"]["minor"], 1100);
    assert_eq!(sale["tenders"][0]["reference"], "412345678901", "trimmed");
    assert_eq!(sale["tenders"][1]["method"], "card");

    // All by card: no rounding, exact.
    let (status, sale) = till
        .sell(json!({"lines": lines, "tenders": [tender("card", 23875, Some("AP1235"))]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert!(sale.get("rounding").is_none(), "{sale}");
    assert_eq!(sale["change_due"]["minor"], 0);

    // 151.25 rounds down to 151.00.
    let (status, sale) = till
        .sell(json!({
            "lines": [{"barcode": TEA, "qty": "1"}, {"barcode": RICE, "qty": "0.1"}],
            "tenders": [tender("cash", 20000, None)],
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["rounding"]["minor"], -25);
    assert_eq!(sale["change_due"]["minor"], 4900);

    let before = on_disk(dir.path());
    let bad = [
        (
            json!([tender("card", 30000, Some("AP9"))]),
            "tenders",
            "only cash gives change",
        ),
        (
            json!([tender("upi", 23875, None)]),
            "tenders[0].reference",
            "needs its reference",
        ),
        (
            json!([tender("cash", 30000, Some("x"))]),
            "tenders[0].reference",
            "no reference",
        ),
        (json!([tender("cash", 23800, None)]), "tenders", "short of"),
        (
            json!([tender("cheque", 23900, None)]),
            "tenders[0].method",
            "",
        ),
        (
            json!([tender("upi", 23875, Some(&"9".repeat(65)))]),
            "tenders[0].reference",
            "64",
        ),
    ];
    for (tenders, field, says) in bad {
        let (status, problem) = till.sell(json!({"lines": lines, "tenders": tenders})).await;
        assert!(status.is_client_error(), "{tenders}: {status} {problem}");
        assert_eq!(problem["field"], field, "{tenders}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    assert_eq!(on_disk(dir.path()), before, "refused sales wrote nothing");
    till.agent.stop();
}

async fn search(till: &Till, query: &str) -> Vec<String> {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/v1/products/search", till.base),
        &[("q", query)],
    )
    .unwrap();
    let r = till.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let found: Value = r.json().await.unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn type_ahead_search_works_offline_and_follows_the_feed() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let till = start_till(dir.path()).await;
    let tea = "Assam Tea 250 g";
    let rice = "Rice (kg)";
    assert_eq!(search(&till, "ass").await, [tea]);
    assert_eq!(search(&till, "TEA 25").await, [tea]);
    assert_eq!(search(&till, "ri").await, [rice]);
    assert_eq!(search(&till, "sku").await.len(), 2);
    assert_eq!(search(&till, "8901234").await, [tea], "barcode as printed");
    assert_eq!(search(&till, "SKU-1").await, [rice]);
    // Query syntax is just text here.
    for odd in ["\"", "*)(", "tea OR", "NEAR(a b)", "-", "ri*ce"] {
        let found = search(&till, odd).await;
        assert!(found.len() <= 2, "{odd}: {found:?}");
    }
    assert!(
        search(&till, "tea OR").await.is_empty(),
        "every word must match"
    );

    // HQ renames the rice; the feed brings it and search follows at once.
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let old = store
        .with_conn(|c| catalog::product_by_barcode(c, &Gtin::parse(RICE).unwrap()))
        .unwrap()
        .unwrap();
    let renamed = pos_shared::sync::VariantRecord {
        variant_id: old.variant_id,
        product_id: pos_shared::ProductId::new(),
        name: "Basmati Rice Crème".into(),
        sku: "BAS-5".into(),
        barcode: old.barcode.clone(),
        price: old.price,
        tax: old.tax.clone(),
    };
    let page = FeedPage {
        protocol_version: 1,
        changes: vec![Change {
            seq: 5,
            body: ChangeBody::VariantUpserted(renamed),
        }],
        next_cursor: 5,
        has_more: false,
    };
    store
        .with_conn(|c| catalog::apply_feed_page(c, credential.store_id, &page))
        .unwrap();
    let new = "Basmati Rice Crème";
    assert_eq!(search(&till, "basm").await, [new]);
    assert_eq!(search(&till, "creme").await, [new], "accents folded");
    assert_eq!(search(&till, "bas-5").await, [new]);
    assert!(search(&till, "kg").await.is_empty(), "the old name is gone");
    assert!(search(&till, "sku-1").await.is_empty());

    for (path, field) in [
        ("/v1/products/search", "q"),
        ("/v1/products/search?q=tea&limit=0", "limit"),
        ("/v1/products/search?q=tea&limit=many", "limit"),
        ("/v1/products/search?q=tea&sort=price", "sort"),
    ] {
        let (status, problem) = till.get(path).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(problem["field"], field, "{path}: {problem}");
    }
    let long = "a".repeat(101);
    let (status, _) = till.get(&format!("/v1/products/search?q={long}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    till.agent.stop();
}

fn ean(body: &str) -> String {
    let gtin = Gtin::with_check_digit(body).unwrap();
    gtin.as_str().trim_start_matches('0').to_owned()
}

#[tokio::test]
async fn weighed_and_priced_labels_from_the_store_scales() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    // HQ lists the scale items under their labels with the value zeroed.
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let item = |name: &str, body: &str, price: i64| pos_shared::sync::VariantRecord {
        variant_id: pos_shared::VariantId::new(),
        product_id: pos_shared::ProductId::new(),
        name: name.into(),
        sku: name.to_uppercase(),
        barcode: Gtin::with_check_digit(body).unwrap(),
        price: pos_shared::Money::inr(price),
        tax: None,
    };
    let page = FeedPage {
        protocol_version: 1,
        changes: vec![
            Change {
                seq: 5,
                body: ChangeBody::VariantUpserted(item("Tomatoes (kg)", "211234500000", 4000)),
            },
            Change {
                seq: 6,
                body: ChangeBody::VariantUpserted(item("Paneer pack", "221234000000", 40000)),
            },
        ],
        next_cursor: 6,
        has_more: false,
    };
    store
        .with_conn(|c| catalog::apply_feed_page(c, credential.store_id, &page))
        .unwrap();
    let policy = edge_agent::store::sales::SalePolicy {
        scale_rules: vec![
            edge_agent::store::sales::parse_scale_rule("21:5:weight:5:3").unwrap(),
            edge_agent::store::sales::parse_scale_rule("22:4:price:5:2:check").unwrap(),
        ],
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;

    // 1.250 kg of tomatoes at 40.00/kg; a paneer pack labelled 146.85 (price
    // check digit 6 for 14685, the GS1 General Specifications' example).
    let tomatoes = ean("211234501250");
    let paneer = ean("221234614685");
    let (status, sale) = till
        .sell(json!({
            "lines": [{"barcode": tomatoes}, {"barcode": paneer}, {"barcode": TEA, "qty": "1"}],
            "tenders": cash(50000),
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let lines = sale["lines"].as_array().unwrap();
    assert_eq!(lines[0]["name"], "Tomatoes (kg)");
    assert_eq!(lines[0]["qty"], "1.25");
    assert_eq!(lines[0]["unit_price"]["minor"], 4000);
    assert_eq!(lines[0]["line_total"]["minor"], 5000);
    assert_eq!(
        lines[0]["barcode"], "02112345000008",
        "recorded under the catalog's label"
    );
    assert_eq!(lines[1]["name"], "Paneer pack");
    assert_eq!(lines[1]["qty"], "1");
    assert_eq!(lines[1]["line_total"]["minor"], 14685);
    assert_eq!(sale["total"]["minor"], 5000 + 14685 + 14500);

    let before = on_disk(dir.path());
    let wrong_check = ean("221234714685");
    let unknown = ean("219999901250");
    let zero = ean("211234500000");
    let bad = [
        (
            json!({"barcode": tomatoes, "qty": "2"}),
            "lines[0].qty",
            "leave qty out",
        ),
        (json!({"barcode": wrong_check}), "lines[0].barcode", "check"),
        (
            json!({"barcode": unknown}),
            "lines[0].barcode",
            "no product",
        ),
        (json!({"barcode": zero}), "lines[0].barcode", "zero"),
        (json!({"barcode": TEA}), "lines[0].qty", "required"),
    ];
    for (line, field, says) in bad {
        let (status, problem) = till
            .sell(json!({"lines": [line], "tenders": cash(50000)}))
            .await;
        assert!(status.is_client_error(), "{line}: {status} {problem}");
        assert_eq!(problem["field"], field, "{line}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{line}: {problem}"
        );
    }
    assert_eq!(on_disk(dir.path()), before, "refused sales wrote nothing");
    till.agent.stop();
}

/// Adds items to a seeded till's replica as the feed would, after the seed's changes.
fn add_items(
    dir: &Path,
    store_id: StoreId,
    first_seq: u64,
    items: Vec<pos_shared::sync::VariantRecord>,
) {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    let changes: Vec<Change> = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| Change {
            seq: first_seq + i as u64,
            body: ChangeBody::VariantUpserted(v),
        })
        .collect();
    let page = FeedPage {
        protocol_version: 1,
        next_cursor: first_seq + changes.len() as u64 - 1,
        changes,
        has_more: false,
    };
    store
        .with_conn(|c| catalog::apply_feed_page(c, store_id, &page))
        .unwrap();
}

const SOAP: &str = "8901058000023";

fn soap() -> pos_shared::sync::VariantRecord {
    pos_shared::sync::VariantRecord {
        variant_id: pos_shared::VariantId::new(),
        product_id: pos_shared::ProductId::new(),
        name: "Neem Soap".into(),
        sku: "SOAP-1".into(),
        barcode: Gtin::parse(SOAP).unwrap(),
        price: pos_shared::Money::inr(4000),
        tax: Some(pos_shared::tax::TaxClass {
            rate_bp: 1800,
            inclusive: false,
            hsn: Some("34011110".into()),
        }),
    }
}

fn paise(v: &Value) -> i64 {
    v["minor"].as_i64().unwrap()
}

#[tokio::test]
async fn gst_per_line_inclusive_and_exclusive_with_a_summary_by_rate() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let till = start_till(dir.path()).await;

    let (status, sale) = till
        .sell(json!({
            "lines": [
                {"barcode": TEA, "qty": "2"},
                {"barcode": SOAP, "qty": "3"},
                {"barcode": RICE, "qty": "1"},
            ],
            "tenders": cash(50000),
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let lines = sale["lines"].as_array().unwrap();
    // Tea, 2 × 145.00 = 290.00 at MRP with 5 % inside:
    // taxable 29000 × 100/105 = 27619.05 → 276.19; GST 13.81 → CGST 6.91, SGST 6.90.
    let tea = &lines[0]["tax"];
    assert_eq!(
        (
            paise(&tea["taxable"]),
            paise(&tea["cgst"]),
            paise(&tea["sgst"])
        ),
        (27619, 691, 690)
    );
    assert_eq!(tea["hsn"], "0902");
    assert_eq!(paise(&lines[0]["line_total"]), 29000);
    // Soap, 3 × 40.00 = 120.00 plus 18 %: CGST 9 % = 10.80, SGST 10.80; 141.60.
    let soap_tax = &lines[1]["tax"];
    assert_eq!(
        (
            paise(&soap_tax["taxable"]),
            paise(&soap_tax["cgst"]),
            paise(&soap_tax["sgst"])
        ),
        (12000, 1080, 1080)
    );
    assert_eq!(paise(&lines[1]["line_total"]), 14160);
    // Loose rice is exempt: no tax on the line.
    assert!(lines[2].get("tax").is_none(), "{}", lines[2]);
    assert_eq!(paise(&sale["total"]), 29000 + 14160 + 6250);
    assert_eq!(paise(&sale["change_due"]), 50000 - 49410);

    // The receipt's summary by rate adds up the lines.
    let sale_id = sale["sale_id"].as_str().unwrap();
    let (_, receipt) = till
        .get(&format!("/v1/sales/{sale_id}/receipt?format=json"))
        .await;
    let rows = receipt["tax_summary"].as_array().unwrap();
    let row = |i: usize| {
        let r = &rows[i];
        (
            r["rate"].as_str().unwrap().to_owned(),
            paise(&r["taxable"]),
            paise(&r["cgst"]),
            paise(&r["sgst"]),
        )
    };
    assert_eq!(rows.len(), 2, "{receipt}");
    assert_eq!(row(0), ("5".into(), 27619, 691, 690));
    assert_eq!(row(1), ("18".into(), 12000, 1080, 1080));
    till.agent.stop();

    // An inter-state till charges IGST instead.
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let policy = edge_agent::store::sales::SalePolicy {
        igst: true,
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": SOAP, "qty": "1"}], "tenders": cash(4720)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let tax = &sale["lines"][0]["tax"];
    // 18 % of 40.00 = 7.20, all IGST.
    assert_eq!(
        (
            paise(&tax["cgst"]),
            paise(&tax["sgst"]),
            paise(&tax["igst"])
        ),
        (0, 0, 720)
    );
    assert_eq!(paise(&sale["total"]), 4720);
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": SOAP, "qty": "1"}], "tenders": cash(4000)}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tax is due on top: {problem}"
    );
    till.agent.stop();
}

async fn post_json(till: &Till, path: &str, body: Value) -> (StatusCode, Value) {
    let r = till
        .http
        .post(format!("{}{path}", till.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

fn inr(minor: i64) -> Value {
    json!({"minor": minor, "currency": "INR"})
}

fn shifts_on_disk(dir: &Path) -> (i64, i64) {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            Ok((
                c.query_row("SELECT COUNT(*) FROM shifts", [], |r| r.get(0))?,
                c.query_row("SELECT COUNT(*) FROM cash_movements", [], |r| r.get(0))?,
            ))
        })
        .unwrap()
}

/// A whole shift offline: open with a float, 200 mixed sales (GST inclusive
/// and exclusive, weighed labels, split tenders, cash rounding), cash in and
/// out, X report, close. The Z report must equal sums the test keeps itself.
#[tokio::test]
async fn a_full_shift_offline_closes_with_a_z_report_that_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let mut tomato = soap();
    tomato.name = "Tomatoes (kg)".into();
    tomato.sku = "TOM-KG".into();
    tomato.barcode = Gtin::with_check_digit("211234500000").unwrap();
    tomato.price = pos_shared::Money::inr(4000);
    tomato.tax = None;
    add_items(dir.path(), credential.store_id, 5, vec![soap(), tomato]);
    let policy = edge_agent::store::sales::SalePolicy {
        cash_rounding_minor: 100,
        scale_rules: vec![edge_agent::store::sales::parse_scale_rule("21:5:weight:5:3").unwrap()],
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;

    // Nothing to report or move before a shift is open.
    let (status, problem) = till.get("/v1/shifts/current").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(
        problem["type"].as_str().unwrap().rsplit('/').next(),
        Some("no_open_shift")
    );
    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "in", "amount": inr(100), "reason": "change"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(0)}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(-1)}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("opening_float"))
    );
    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": " ", "opening_float": inr(200000)}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cashier"))
    );
    assert_eq!(shifts_on_disk(dir.path()), (0, 0));

    let (status, x) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(200000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{x}");
    assert_eq!(x["opened_by"], "Asha");
    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Ravi", "opening_float": inr(0)}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("Asha"));

    // 200 sales; the test keeps its own books from what the till answered.
    let mut rng = fastrand::Rng::with_seed(7);
    let (mut total, mut rounding, mut change) = (0i64, 0i64, 0i64);
    let mut tendered = std::collections::BTreeMap::<String, (u64, i64)>::new();
    let mut tax = std::collections::BTreeMap::<u64, [i64; 4]>::new();
    for n in 0..200 {
        // Tea in every bill keeps it above the card and UPI parts below.
        let mut lines = vec![json!({"barcode": TEA, "qty": rng.u32(1..3).to_string()})];
        for _ in 0..rng.usize(0..3) {
            lines.push(match rng.u8(0..4) {
                0 => json!({"barcode": TEA, "qty": rng.u32(1..4).to_string()}),
                1 => json!({"barcode": SOAP, "qty": rng.u32(1..3).to_string()}),
                2 => json!({"barcode": RICE, "qty": format!("{}.{:03}", rng.u32(0..3), rng.u32(1..1000))}),
                _ => json!({"barcode": ean(&format!("2112345{:05}", rng.u32(50..3000)))}),
            });
        }
        let cash_part = tender("cash", 10_000_000, None);
        let tenders = match n % 4 {
            0 => json!([cash_part]),
            1 => json!([tender("upi", 10000, Some(&format!("UPI{n}"))), cash_part]),
            2 => json!([
                tender("card", 5000, Some(&format!("AP{n}"))),
                tender("upi", 5000, Some(&format!("UPI{n}"))),
                cash_part
            ]),
            _ => json!([tender("card", 10000, Some(&format!("AP{n}"))), cash_part]),
        };
        let (status, sale) = till.sell(json!({"lines": lines, "tenders": tenders})).await;
        assert_eq!(status, StatusCode::CREATED, "sale {n}: {sale}");
        total += paise(&sale["total"]);
        rounding += sale.get("rounding").map_or(0, paise);
        change += paise(&sale["change_due"]);
        for t in sale["tenders"].as_array().unwrap() {
            let e = tendered
                .entry(t["method"].as_str().unwrap().to_owned())
                .or_default();
            e.0 += 1;
            e.1 += paise(&t["amount"]);
        }
        for line in sale["lines"].as_array().unwrap() {
            if let Some(t) = line.get("tax") {
                let e = tax.entry(t["rate_bp"].as_u64().unwrap()).or_default();
                for (sum, k) in e.iter_mut().zip(["taxable", "cgst", "sgst", "igst"]) {
                    *sum += paise(&t[k]);
                }
            }
        }
    }

    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "in", "amount": inr(50000), "reason": "coins from the safe"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, x) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "out", "amount": inr(100000), "reason": "to the safe"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{x}");
    let cash_taken = tendered.get("cash").map_or(0, |c| c.1) - change;
    let expected = 200000 + cash_taken + 50000 - 100000;
    assert_eq!(paise(&x["expected_cash"]), expected, "X report: {x}");
    let (status, problem) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "out", "amount": inr(expected + 1), "reason": "too much"}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
        "{problem}"
    );
    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "sideways", "amount": inr(1), "reason": "?"}),
    )
    .await;
    assert!(status.is_client_error());
    let (status, problem) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(-5)}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("counted_cash"))
    );
    assert_eq!(
        shifts_on_disk(dir.path()),
        (1, 2),
        "refused requests wrote nothing"
    );

    // Close ₹10.00 short.
    let queued_before = on_disk(dir.path()).1;
    let (status, z) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(expected - 1000)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{z}");
    assert_eq!(z["sales_count"], 200);
    assert_eq!(paise(&z["sales_total"]), total);
    assert_eq!(paise(&z["rounding"]), rounding);
    assert_eq!(paise(&z["change_given"]), change);
    for t in z["tenders"].as_array().unwrap() {
        let mine = tendered[t["method"].as_str().unwrap()];
        assert_eq!(
            (t["count"].as_u64().unwrap(), paise(&t["amount"])),
            mine,
            "{t}"
        );
    }
    assert_eq!(z["tenders"].as_array().unwrap().len(), tendered.len());
    let z_tax: Vec<(u64, [i64; 4])> = z["tax"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["rate_bp"].as_u64().unwrap(),
                [
                    paise(&t["taxable"]),
                    paise(&t["cgst"]),
                    paise(&t["sgst"]),
                    paise(&t["igst"]),
                ],
            )
        })
        .collect();
    assert_eq!(z_tax, tax.into_iter().collect::<Vec<_>>());
    assert_eq!(paise(&z["expected_cash"]), expected);
    assert_eq!(paise(&z["counted_cash"]), expected - 1000);
    assert_eq!(paise(&z["variance"]), -1000);
    assert!(z["closed_at"].is_string());
    assert_eq!(
        on_disk(dir.path()).1,
        queued_before + 1,
        "the Z report is queued for the hub"
    );

    // The shift is over: a new one may open; sales made now belong to it.
    let (status, _) = till.get("/v1/shifts/current").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, x) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Ravi", "opening_float": inr(100000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(x["sales_count"], 0);
    till.agent.stop();
}

#[tokio::test]
async fn bills_are_held_and_resumed_once_with_clear_refusals() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let (status, bill) = post_json(
        &till,
        "/v1/held-bills",
        json!({"lines": [{"barcode": TEA, "qty": "2"}, {"barcode": RICE, "qty": "0.5"}], "note": "customer fetching wallet"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bill}");
    assert_eq!(bill["held_by"], "Till 1");
    assert_eq!(bill["resumed_by"], json!([]));
    let id = bill["bill_id"].as_str().unwrap().to_owned();

    let before = till.get("/v1/held-bills").await.1;
    for (body, field) in [
        (json!({"lines": []}), "lines"),
        (
            json!({"lines": [{"barcode": "4006381333932", "qty": "1"}]}),
            "lines[0]",
        ),
        (
            json!({"lines": [{"barcode": "8901058000016", "qty": "1"}]}),
            "lines[0].barcode",
        ),
        (json!({"lines": [{"barcode": TEA}]}), "lines[0]"),
        (
            json!({"lines": [{"barcode": TEA, "qty": "1"}], "note": "x".repeat(201)}),
            "note",
        ),
    ] {
        let (status, problem) = post_json(&till, "/v1/held-bills", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    assert_eq!(
        till.get("/v1/held-bills").await.1,
        before,
        "refusals wrote nothing"
    );

    let (status, resumed) =
        post_json(&till, &format!("/v1/held-bills/{id}/resume"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(resumed["lines"][0], json!({"barcode": TEA, "qty": "2"}));
    assert!(resumed["resumed_by"][0]
        .as_str()
        .unwrap()
        .starts_with("Till 1 at "));
    let (status, again) = post_json(&till, &format!("/v1/held-bills/{id}/resume"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert!(
        again["detail"].as_str().unwrap().contains("Till 1"),
        "{again}"
    );
    let unknown = uuid::Uuid::now_v7();
    let (status, _) = post_json(
        &till,
        &format!("/v1/held-bills/{unknown}/resume"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = post_json(&till, "/v1/held-bills/bill-7/resume", json!({})).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bill_id"))
    );
    till.agent.stop();
}

#[tokio::test]
async fn selling_beyond_stock_follows_the_store_policy() {
    use edge_agent::store::sales::{NegativeStock, SalePolicy};
    // The seed holds 10 of each item.
    for (rule, expect) in [
        (NegativeStock::Allow, StatusCode::CREATED),
        (NegativeStock::Warn, StatusCode::CREATED),
        (NegativeStock::Block, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let dir = tempfile::tempdir().unwrap();
        seed(dir.path());
        let policy = SalePolicy {
            negative_stock: rule,
            ..Default::default()
        };
        let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;
        // 6 + 5 tea on two lines: 11 of 10, counted together.
        let body = json!({
            "lines": [{"barcode": TEA, "qty": "6"}, {"barcode": RICE, "qty": "1"}, {"barcode": TEA, "qty": "5"}],
            "tenders": cash(1_000_000),
        });
        let r = till
            .http
            .post(format!("{}/v1/sales", till.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let warnings: Vec<String> = r
            .headers()
            .get_all("x-stock-warning")
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let answer: Value = r.json().await.unwrap();
        assert_eq!(status, expect, "{rule:?}: {answer}");
        match rule {
            NegativeStock::Allow => assert!(warnings.is_empty()),
            NegativeStock::Warn => {
                assert_eq!(warnings.len(), 1, "{warnings:?}");
                assert!(
                    warnings[0].contains("Assam Tea") && warnings[0].contains("11"),
                    "{warnings:?}"
                );
            }
            NegativeStock::Block => {
                assert_eq!(answer["field"], "lines[0].qty", "{answer}");
                assert!(
                    answer["detail"].as_str().unwrap().contains("only 10"),
                    "{answer}"
                );
                assert_eq!(on_disk(dir.path()).0, 0, "nothing recorded");
                assert_eq!(till.available(TEA).await, "10");
                // Within stock it sells.
                let (status, _) = till
                    .sell(json!({"lines": [{"barcode": TEA, "qty": "10"}], "tenders": cash(1_000_000)}))
                    .await;
                assert_eq!(status, StatusCode::CREATED);
            }
        }
        till.agent.stop();
    }
}

fn returns_on_disk(dir: &Path) -> i64 {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| Ok(c.query_row("SELECT COUNT(*) FROM returns", [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test]
async fn returns_refund_their_share_put_stock_back_and_never_exceed_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let till = start_till(dir.path()).await;
    post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(100000)}),
    )
    .await;

    // Tea 3 × 145.00 (5 % inside) = 435.00; soap 2 × 40.00 + 18 % = 94.40; by UPI.
    let (status, sale) = till
        .sell(json!({
            "lines": [{"barcode": TEA, "qty": "3"}, {"barcode": SOAP, "qty": "2"}],
            "tenders": [tender("upi", 52940, Some("412345678901"))],
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let receipt = sale["receipt_no"].as_str().unwrap().to_owned();

    // One tea and one soap back, to the UPI account.
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt, "refund_to": "original", "reason": "damaged pack",
               "lines": [{"sale_line": 0, "qty": "1"}, {"sale_line": 1, "qty": "1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    // Tea: a third of 435.00 = 145.00; its GST parts a third each of 10.36 and
    // 10.35 → 3.45 + 3.45, taxable the rest, 138.10. Soap: half of 94.40 = 47.20,
    // CGST and SGST half of 7.20 each → 3.60, taxable 40.00.
    let l0 = &ret["lines"][0];
    assert_eq!(paise(&l0["refund"]), 14500);
    assert_eq!(
        (
            paise(&l0["tax"]["taxable"]),
            paise(&l0["tax"]["cgst"]),
            paise(&l0["tax"]["sgst"])
        ),
        (13810, 345, 345)
    );
    let l1 = &ret["lines"][1];
    assert_eq!(paise(&l1["refund"]), 4720);
    assert_eq!(
        (paise(&l1["tax"]["taxable"]), paise(&l1["tax"]["cgst"])),
        (4000, 360)
    );
    assert_eq!(paise(&ret["total"]), 19220);
    assert_eq!(
        ret["refunds"],
        json!([{"method": "upi", "amount": inr(19220), "reference": "412345678901"}])
    );
    assert_ne!(
        ret["receipt_no"],
        receipt.as_str(),
        "a return has its own number"
    );
    assert_eq!(till.available(TEA).await, "8", "10 − 3 sold + 1 back");

    let (_, found) = till.get(&format!("/v1/sales/by-receipt/{receipt}")).await;
    assert_eq!(found["returned"], json!(["1", "1"]));

    let count = returns_on_disk(dir.path());
    let bad = [
        (
            json!({"original_receipt_no": "T9-999999", "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
            StatusCode::NOT_FOUND,
            "original_receipt_no",
            "T9-999999",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "3"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].qty",
            "only 2",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 5, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].sale_line",
            "0 to 1",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}, {"sale_line": 0, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[1].sale_line",
            "once",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "0"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].qty",
            "positive",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": " ", "lines": [{"sale_line": 0, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason",
            "reason",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cheque", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refund_to",
            "",
        ),
    ];
    for (body, want, field, says) in bad {
        let (status, problem) = post_json(&till, "/v1/returns", body.clone()).await;
        assert_eq!(status, want, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{body}: {problem}"
        );
    }
    assert_eq!(
        returns_on_disk(dir.path()),
        count,
        "refused returns wrote nothing"
    );
    assert_eq!(till.available(TEA).await, "8");

    // The rest of the tea, in cash: exactly what was left of 435.00.
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "changed mind", "lines": [{"sale_line": 0, "qty": "2"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    assert_eq!(paise(&ret["total"]), 43500 - 14500);
    let (status, problem) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "again", "lines": [{"sale_line": 0, "qty": "1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("only 0"),
        "{problem}"
    );

    // A bill paid two ways goes back in cash.
    let (_, split) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}],
                     "tenders": [tender("card", 10000, Some("AP1")), tender("cash", 4500, None)]}))
        .await;
    let split_no = split["receipt_no"].as_str().unwrap();
    let (status, problem) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": split_no, "refund_to": "original", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("refund_to"))
    );
    let (status, _) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": split_no, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // The shift counts the refunds; cash refunds leave the drawer.
    let (_, x) = till.get("/v1/shifts/current").await;
    assert_eq!(x["returns_count"], 3, "{x}");
    assert_eq!(paise(&x["refunds_total"]), 19220 + 29000 + 14500);
    assert_eq!(
        paise(&x["expected_cash"]),
        100000 + 4500 - 29000 - 14500,
        "{x}"
    );
    till.agent.stop();
}

async fn put_json(till: &Till, path: &str, body: Value) -> (StatusCode, Value) {
    let r = till
        .http
        .put(format!("{}{path}", till.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn customers_are_captured_found_and_named_on_the_bill() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;

    let (status, c) = put_json(
        &till,
        "/v1/customers/98765 43210",
        json!({"name": "Meera Traders", "gstin": "27aapfu0939f1zv"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(
        c,
        json!({"phone": "+919876543210", "name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"})
    );
    let (status, _) = put_json(
        &till,
        "/v1/customers/+91-91234-56789",
        json!({"name": "Ravi"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, found) = till.get("/v1/customers?q=43210").await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let (_, found) = till.get("/v1/customers?q=ravi").await;
    assert_eq!(found[0]["phone"], "+919123456789");
    let (status, one) = till.get("/v1/customers/09876543210").await;
    assert_eq!(
        (status, one["name"].as_str()),
        (StatusCode::OK, Some("Meera Traders"))
    );

    let before = till.get("/v1/customers?q=9").await.1;
    for (path, body, field, says) in [
        (
            "/v1/customers/12345",
            json!({"name": "X"}),
            "phone",
            "mobile",
        ),
        (
            "/v1/customers/9876543210",
            json!({"gstin": "27AAPFU0939F1ZA"}),
            "gstin",
            "expected V",
        ),
        (
            "/v1/customers/9876543210",
            json!({"name": "x".repeat(101)}),
            "name",
            "100",
        ),
        (
            "/v1/customers/9876543210",
            json!({}),
            "name",
            "at least one",
        ),
    ] {
        let (status, problem) = put_json(&till, path, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {problem}"
        );
        assert_eq!(problem["field"], field, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    assert_eq!(
        till.get("/v1/customers?q=9").await.1,
        before,
        "refusals changed nothing"
    );
    let (status, _) = till.get("/v1/customers/9000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = till.get("/v1/customers").await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("q"))
    );

    // A B2B sale names the buyer and their GSTIN on the bill.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500), "customer_phone": "9876543210"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(
        sale["customer"],
        json!({"phone": "+919876543210", "name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"})
    );
    let id = sale["sale_id"].as_str().unwrap();
    let text = till
        .http
        .get(format!("{}/v1/sales/{id}/receipt", till.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("Customer: Meera Traders (******3210)"),
        "{text}"
    );
    assert!(text.contains("Buyer GSTIN: 27AAPFU0939F1ZV"), "{text}");
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500), "customer_phone": "12"}))
        .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("customer_phone"))
    );
    till.agent.stop();
}
