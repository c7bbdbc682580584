//! Seller feeds through the HQ API: a CSV and a JSON Lines feed with good
//! and bad rows (good rows in the catalog with their stock, bad ones in
//! review by line, field and error), a row resubmitted corrected and one
//! rejected, the same feed again changing nothing, an upload over the limit
//! (413), a source that is not a seller refused by name, and a feed of
//! 100,000 rows with 1% bad.

use crate::helpers::*;
use crate::on_both_backends;
use hq_client::ingestion::{ReviewRow, Run};
use hq_client::{HqClient, HqError, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// An EAN-13 of twelve digits from `n` and its check digit.
pub fn ean(n: u64) -> String {
    let body = format!("89{:010}", n % 10_000_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A tenant with one store and a seller feeding it (as `W1`).
pub struct Seller {
    pub hq: HqClient,
    pub store: String,
    pub source: String,
}

pub async fn seller(hub: &TestHub) -> Seller {
    let key = hub.tenant("Feeds").await;
    let hq = hub.as_(&key);
    let store = hq.create_store("S1", "Store", "INR").await.expect("store");
    let store = store.id.to_string();
    let source = hq
        .create_seller("acme", "Acme Foods", &[("W1", &store)])
        .await
        .expect("seller");
    Seller {
        hq,
        store,
        source: source.id,
    }
}

/// Waits for a run to finish.
pub async fn finished(hq: &HqClient, run: &str, within: Duration) -> Run {
    let until = Instant::now() + within;
    loop {
        let now = hq.ingestion_run(run).await.expect("run");
        if now.finished() {
            return now;
        }
        assert!(Instant::now() < until, "run still {now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn upload(s: &Seller, content_type: &str, body: String) -> Run {
    let receipt =
        s.hq.upload_feed(&s.source, content_type, body)
            .await
            .expect("upload");
    assert_eq!(receipt.status, "queued");
    finished(&s.hq, &receipt.run_id, Duration::from_secs(60)).await
}

async fn pending(s: &Seller) -> Vec<ReviewRow> {
    s.hq.review_rows(&s.source, Some("pending"), None, 1000)
        .await
        .expect("review")
        .items
}

/// The catalog's variants by SKU.
async fn catalog(hq: &HqClient) -> std::collections::HashMap<String, Value> {
    let mut out = std::collections::HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = hq
            .catalog_page(500, cursor.as_deref())
            .await
            .expect("catalog");
        for v in page.items {
            out.insert(v.sku.clone(), serde_json::to_value(&v).unwrap());
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

async fn on_hand(s: &Seller, sku: &str) -> Option<String> {
    let inventory = s.hq.inventory(&s.store).await.expect("inventory");
    inventory["positions"]
        .as_array()?
        .iter()
        .find(|p| p["sku"] == sku)
        .map(|p| p["on_hand"].as_str().unwrap_or_default().to_owned())
}

fn refused_field(e: &HqError) -> (u16, Option<String>) {
    let p = e.problem().expect("a problem body");
    (p.status, p.field.clone())
}

async fn versions(hub: &TestHub, hq: &HqClient, variant: &str) -> usize {
    let key = hq.credential().unwrap().to_owned();
    let (s, v) = hub
        .get(&format!("/v1/catalog/{variant}/versions"), &key)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().len()
}

fn csv_feed() -> String {
    format!(
        "sku,name,barcode,price,unit,pack,brand,category,stock\n\
         MILK-1,AMUL TAAZA MILK 500ML,{},28,,,Amul,Dairy > Milk,10\n\
         DAL-1,Toor Dal,{},99.50,,1 kg,,Staples > Dal,5\n\
         RICE-1,Rice,{},ten,,,,,\n\
         NONAME-1,,{},10,,,,,\n\
         SUGAR-1,Sugar,{},40,dozen,,,,\n\
         SALT-1,Salt,12345,20,,,,,\n\
         MILK-1,Milk again,{},30,,,,,\n",
        ean(1),
        ean(2),
        ean(3),
        ean(4),
        ean(5),
        ean(7),
    )
}

async fn csv_feed_with_review(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let s = seller(&hub).await;
    let run = upload(&s, "text/csv", csv_feed()).await;
    assert_eq!(
        (
            run.trigger.as_str(),
            run.format.as_str(),
            run.state.as_str()
        ),
        ("feed", "seller_feed", "completed")
    );
    assert_eq!(
        (
            run.counts.received,
            run.counts.applied,
            run.counts.unchanged,
            run.counts.failed
        ),
        (7, 2, 0, 5),
        "{run:?}"
    );
    assert_eq!(run.errors.len(), 5);

    let items = catalog(&s.hq).await;
    let milk = &items["MILK-1"];
    assert_eq!(
        milk["name"], "Amul Taaza Milk 500ml",
        "the title is cleaned"
    );
    assert_eq!(milk["pack"], json!({"size": "500", "unit": "ml"}), "{milk}");
    assert_eq!(items["DAL-1"]["pack"], json!({"size": "1000", "unit": "g"}));
    assert!(!items.contains_key("RICE-1"));
    assert_eq!(on_hand(&s, "MILK-1").await.as_deref(), Some("10"));
    assert_eq!(on_hand(&s, "DAL-1").await.as_deref(), Some("5"));

    let rows = pending(&s).await;
    let got: Vec<(u64, Option<&str>)> = rows.iter().map(|r| (r.line, r.field.as_deref())).collect();
    assert_eq!(
        got,
        [
            (4, Some("price")),
            (5, Some("name")),
            (6, Some("unit")),
            (7, Some("barcode")),
            (8, Some("sku"))
        ]
    );
    assert!(rows[0].error.contains("ten"), "{:?}", rows[0]);
    assert_eq!(rows[0].row["price"], "ten", "the row as received");
    assert!(rows[4].error.contains("earlier line"), "{:?}", rows[4]);

    // A resubmission with the price corrected applies at once.
    let fixed =
        s.hq.resubmit_review_row(&s.source, &rows[0].id, &json!({"price": "45.50"}))
            .await
            .expect("resubmit");
    assert_eq!(
        (fixed.outcome.as_str(), fixed.row.status.as_str()),
        ("changed", "applied")
    );
    assert_eq!(fixed.row.row["price"], "45.50");
    let items = catalog(&s.hq).await;
    assert_eq!(items["RICE-1"]["price"]["minor"], 4550);

    // One corrected wrongly stays pending, with the new error.
    let wrong =
        s.hq.resubmit_review_row(&s.source, &rows[2].id, &json!({"unit": "dozens"}))
            .await
            .unwrap_err();
    assert_eq!(refused_field(&wrong), (422, Some("unit".into())));
    let bad_key =
        s.hq.resubmit_review_row(&s.source, &rows[2].id, &json!({"colour": "red"}))
            .await
            .unwrap_err();
    assert_eq!(refused_field(&bad_key), (422, Some("colour".into())));

    // Rejected, once.
    let rejected =
        s.hq.reject_review_row(&s.source, &rows[1].id)
            .await
            .expect("reject");
    assert_eq!(rejected.status, "rejected");
    let again =
        s.hq.reject_review_row(&s.source, &rows[1].id)
            .await
            .unwrap_err();
    assert_eq!(refused_field(&again), (409, Some("row_id".into())));
    let left: Vec<u64> = pending(&s).await.iter().map(|r| r.line).collect();
    assert_eq!(left, [6, 7, 8]);
    let page =
        s.hq.review_rows(&s.source, None, None, 2)
            .await
            .expect("page");
    assert_eq!(page.items.len(), 2);
    let next =
        s.hq.review_rows(&s.source, None, page.next_cursor.as_deref(), 1000)
            .await
            .expect("next page");
    assert_eq!(next.items.len(), 3);

    // The same feed again: nothing changes, no new version anywhere.
    let milk_id = items["MILK-1"]["variant_id"].as_str().unwrap().to_owned();
    let dal_id = items["DAL-1"]["variant_id"].as_str().unwrap().to_owned();
    let before = (
        versions(&hub, &s.hq, &milk_id).await,
        versions(&hub, &s.hq, &dal_id).await,
    );
    let run = upload(&s, "text/csv", csv_feed()).await;
    assert_eq!(
        (
            run.counts.received,
            run.counts.applied,
            run.counts.unchanged,
            run.counts.failed
        ),
        (7, 0, 2, 5),
        "{run:?}"
    );
    let after = (
        versions(&hub, &s.hq, &milk_id).await,
        versions(&hub, &s.hq, &dal_id).await,
    );
    assert_eq!(before, after);
    assert_eq!(on_hand(&s, "MILK-1").await.as_deref(), Some("10"));
    // The rows refused again replace the ones still pending from before.
    let rows = pending(&s).await;
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.run_id == run.id), "{rows:?}");
    let superseded =
        s.hq.review_rows(&s.source, Some("superseded"), None, 100)
            .await
            .expect("superseded");
    assert_eq!(superseded.items.len(), 3);
}
on_both_backends!(csv_feed_with_review);

async fn jsonl_feed(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let s = seller(&hub).await;
    let body = format!(
        "{{\"sku\":\"GHEE-1\",\"name\":\"Ghee\",\"pack\":\"1 Ltr\",\"barcode\":\"{}\",\"price\":550,\"barcodes\":[\"{}\"],\"stock\":3}}\n\
         {{\"sku\":\"PANEER-1\",\"name\":\"Paneer\",\"barcode\":\"{}\",\"price\":\"abc\"}}\n\
         \n\
         {{\"sku\":\"CURD-1\",\"name\":\"Curd\",\"barcode\":\"{}\",\"price\":30,\"colour\":\"white\"}}\n\
         {{\"sku\":\"OIL-1\",\"name\":\"Oil\",\"barcode\":\"{}\",\"price\":120,\"unit\":\"gallon\"}}\n\
         not json\n",
        ean(11),
        ean(12),
        ean(13),
        ean(14),
        ean(15),
    );
    let run = upload(&s, "application/x-ndjson", body).await;
    assert_eq!(
        (run.counts.received, run.counts.applied, run.counts.failed),
        (5, 1, 4),
        "{run:?}"
    );
    let items = catalog(&s.hq).await;
    assert_eq!(
        items["GHEE-1"]["pack"],
        json!({"size": "1000", "unit": "ml"})
    );
    assert_eq!(
        items["GHEE-1"]["extra_barcodes"].as_array().map(Vec::len),
        Some(1),
        "{}",
        items["GHEE-1"]
    );
    assert_eq!(on_hand(&s, "GHEE-1").await.as_deref(), Some("3"));
    let got: Vec<(u64, Option<String>)> = pending(&s)
        .await
        .into_iter()
        .map(|r| (r.line, r.field))
        .collect();
    assert_eq!(
        got,
        [
            (2, Some("price".into())),
            (4, Some("colour".into())),
            (5, Some("unit".into())),
            (6, None)
        ]
    );
}
on_both_backends!(jsonl_feed);

async fn refusals(backend: Backend) {
    let hub = spawn_hub_with(backend, |c| cloud_hub::config::HubConfig {
        feed_max_body: 4096,
        ..c
    })
    .await;
    let s = seller(&hub).await;
    // Over the limit: 413, and nothing kept.
    let mut big = String::from("sku,name,barcode,price\n");
    while big.len() <= 4096 {
        big.push_str(&format!("X,Item,{},1\n", ean(99)));
    }
    let e =
        s.hq.upload_feed(&s.source, "text/csv", big)
            .await
            .unwrap_err();
    assert_eq!(refused_field(&e), (413, Some("body".into())));
    let runs = s.hq.get::<Value>("/v1/ingestion-runs").await.expect("runs");
    assert_eq!(runs["items"], json!([]), "no run for a refused upload");
    // Not CSV or JSON Lines: 415.
    let e =
        s.hq.upload_feed(&s.source, "application/pdf", "x".to_owned())
            .await
            .unwrap_err();
    assert_eq!(refused_field(&e), (415, Some("content-type".into())));
    // A source of another kind: refused by name.
    let erp =
        s.hq.create_source(&json!({"code": "erp", "name": "ERP", "kind": "erp"}))
            .await
            .expect("erp");
    let e =
        s.hq.upload_feed(erp["id"].as_str().unwrap(), "text/csv", "sku\n".to_owned())
            .await
            .unwrap_err();
    assert_eq!(refused_field(&e), (422, Some("source_id".into())));
    assert!(e.problem().unwrap().detail.contains("erp"), "{e}");
    // A bad header fails the run, saying why.
    let run = upload(&s, "text/csv", "sku,name,prise\nA,B,1\n".into()).await;
    assert_eq!(run.state, "failed");
    assert!(run.errors[0].detail.contains("prise"), "{run:?}");
}
on_both_backends!(refusals);

/// Rows refused whole (a stock the item's unit cannot hold, past a line's
/// largest quantity, a rate that is not GST) leave nothing in the catalog,
/// and every refusal names the line a text editor shows, CRLF and blank
/// lines counted.
async fn rows_refused_whole_on_the_lines_they_are_on(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let s = seller(&hub).await;
    let body = format!(
        "sku,name,barcode,price,stock,unit,tax_rate\r\n\r\nF-1,Frac Each,{},10,1.5,each,5\r\nF-2,Grams,{},10,1.5,g,5\r\n\r\nF-3,Huge,{},10,200000,each,5\r\nF-4,Odd Rate,{},10,1,each,7\r\nF-5,Good,{},10,2,each,18\r\n",
        ean(501),
        ean(502),
        ean(503),
        ean(504),
        ean(505)
    );
    let run = upload(&s, "text/csv", body).await;
    assert_eq!((run.counts.applied, run.counts.failed), (1, 4), "{run:?}");
    let rows = pending(&s).await;
    let by_sku = |sku: &str| {
        rows.iter()
            .find(|r| r.sku.as_deref() == Some(sku))
            .unwrap_or_else(|| panic!("{sku} in {rows:?}"))
    };
    assert_eq!(
        (by_sku("F-1").line, by_sku("F-1").field.as_deref()),
        (3, Some("stock"))
    );
    assert_eq!(
        (by_sku("F-2").line, by_sku("F-2").field.as_deref()),
        (4, Some("stock"))
    );
    assert_eq!(
        (by_sku("F-3").line, by_sku("F-3").field.as_deref()),
        (6, Some("stock"))
    );
    assert_eq!(
        (by_sku("F-4").line, by_sku("F-4").field.as_deref()),
        (7, Some("tax_rate"))
    );
    let items = catalog(&s.hq).await;
    assert_eq!(
        items.keys().cloned().collect::<Vec<_>>(),
        vec!["F-5".to_owned()],
        "nothing half-applied"
    );
}
on_both_backends!(rows_refused_whole_on_the_lines_they_are_on);

/// A feed of `rows` rows with every hundredth bad (a price that is not a
/// number), each with stock; the bad rows' SKUs.
pub fn large_feed(rows: u64) -> (String, Vec<String>) {
    let mut body = String::with_capacity(rows as usize * 80);
    body.push_str("sku,name,barcode,price,brand,category,pack,stock\n");
    let mut bad = Vec::new();
    for i in 0..rows {
        let sku = format!("SKU-{i:06}");
        let price = if i % 100 == 42 {
            bad.push(sku.clone());
            "n/a".to_owned()
        } else {
            format!("{}.{:02}", 10 + i % 500, i % 100)
        };
        body.push_str(&format!(
            "{sku},ITEM {i} {} GM,{},{price},Brand {},Cat {} > Sub {},,{}\n",
            100 + i % 900,
            ean(100_000 + i),
            i % 50,
            i % 10,
            i % 40,
            i % 30
        ));
    }
    (body, bad)
}

/// `rows` rows with 1% bad, on SQLite in a debug
/// build: every good row in the catalog, every bad one in review with its
/// error. Prints how long the upload and the run took.
async fn feed_at_scale(backend: Backend, rows: u64) {
    let hub = spawn_hub(backend).await;
    let s = seller(&hub).await;
    // A till at the seller's store, caught up before the feed comes.
    let terminal =
        s.hq.create_terminal(&s.store, "Till 1", "t1")
            .await
            .expect("terminal");
    let till = hub
        .hq
        .enroll(&terminal.enrollment_code, "test")
        .await
        .expect("enroll")
        .token;
    let (_, head) = hub.get("/v1/sync/feed?since=0&limit=1000", &till).await;
    let caught_up = head["next_cursor"].as_u64().unwrap_or(0);
    let (body, bad) = large_feed(rows);
    let started = Instant::now();
    let receipt =
        s.hq.upload_feed(&s.source, "text/csv", body)
            .await
            .expect("upload");
    let uploaded = started.elapsed();
    let mut seen_progress = false;
    let run = loop {
        let now = s.hq.ingestion_run(&receipt.run_id).await.expect("run");
        seen_progress |= !now.finished() && now.counts.received > 0;
        if now.finished() {
            break now;
        }
        assert!(started.elapsed() < Duration::from_secs(3600), "{now:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let applied_in = started.elapsed();
    eprintln!(
        "{backend:?}: {rows} rows, {} bytes: uploaded in {uploaded:?}, applied in {applied_in:?} ({:.0} rows/s)",
        receipt.bytes,
        rows as f64 / applied_in.as_secs_f64()
    );
    assert_eq!(
        (run.counts.received, run.counts.applied, run.counts.failed),
        (rows, rows - bad.len() as u64, bad.len() as u64),
        "{run:?}"
    );
    assert!(
        seen_progress || rows <= 2000,
        "the run's counts moved while it ran"
    );
    let mut in_review = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page =
            s.hq.review_rows(&s.source, Some("pending"), cursor.as_deref(), 1000)
                .await
                .expect("review");
        in_review.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(in_review.len(), bad.len());
    assert!(in_review
        .iter()
        .all(|r| r.field.as_deref() == Some("price") && r.error.contains("n/a")));
    let skus: Vec<String> = in_review.iter().filter_map(|r| r.sku.clone()).collect();
    assert_eq!(skus, bad);
    let items = catalog(&s.hq).await;
    assert_eq!(items.len() as u64, rows - bad.len() as u64);
    // The till hears of every new item, and of the stock counted at its store.
    let (mut items_heard, mut stock_heard, mut since) = (0u64, 0u64, caught_up);
    loop {
        let (status, page) = hub
            .get(&format!("/v1/sync/feed?since={since}&limit=1000"), &till)
            .await;
        assert!(status.is_success(), "{page}");
        for change in page["changes"].as_array().unwrap() {
            match change["type"].as_str().unwrap() {
                "variant_upserted" => items_heard += 1,
                "stock_moved" => stock_heard += 1,
                _ => {}
            }
        }
        since = page["next_cursor"].as_u64().unwrap();
        if page["has_more"] != true {
            break;
        }
    }
    let good = rows - bad.len() as u64;
    assert_eq!(items_heard, good, "every good row reached the till");
    let counted = (0..rows).filter(|i| i % 100 != 42 && i % 30 != 0).count() as u64;
    assert_eq!(
        stock_heard, counted,
        "every stock figure that moved the store's stock"
    );
}

mod at_scale {
    use crate::helpers::Backend;

    /// `FEED_ROWS`, or 100,000.
    fn rows() -> u64 {
        std::env::var("FEED_ROWS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000)
    }

    /// `cargo test -p cloud-hub --test api at_scale -- --ignored --nocapture`
    #[tokio::test]
    #[ignore = "100,000 rows: run on its own (see the doc)"]
    async fn sqlite() {
        super::feed_at_scale(Backend::Sqlite, rows()).await
    }

    #[tokio::test]
    #[ignore = "100,000 rows: run on its own (see the doc)"]
    async fn postgres() {
        super::feed_at_scale(Backend::Postgres, rows()).await
    }

    /// The same at 3,000 rows, in every run.
    #[tokio::test]
    async fn small_sqlite() {
        super::feed_at_scale(Backend::Sqlite, 3000).await
    }
}
