//! Shelf labels from the till: `POST /v1/labels` with items by barcode,
//! printed from the replica's prices (the hub is down for this whole file),
//! through the print queue to printers on loopback TCP ports that keep every
//! byte. ZPL and TSPL are read back by a reader written from the printer
//! manuals (`common/labels.rs`), ESC/POS by the independent decoder
//! (`tests/escpos/decode.py`); the barcode printed must be the item's, with a
//! valid check digit.

mod common;

use common::escpos::{decode, lines};
use common::labels::{ean13_check, read_tspl, read_zpl};
use common::*;
use edge_agent::printing::{PrintSettings, PrinterConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A one-way printer on loopback: each connection's bytes, kept whole, in
/// the order the connections came.
struct Capture {
    addr: SocketAddr,
    jobs: Arc<Mutex<Vec<Option<Vec<u8>>>>>,
}

impl Capture {
    fn on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let kept = jobs.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let slot = {
                    let mut all = kept.lock().unwrap();
                    all.push(None);
                    all.len() - 1
                };
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    let _ = stream.read_to_end(&mut got);
                    kept.lock().unwrap()[slot] = Some(got);
                });
            }
        });
        Capture { addr, jobs }
    }

    fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// Waits for `n` whole jobs, and answers every job with bytes, in order.
    async fn wait_for(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let all = self.jobs.lock().unwrap().clone();
            if all.iter().all(Option::is_some) {
                let jobs: Vec<Vec<u8>> = all
                    .into_iter()
                    .flatten()
                    .filter(|j| !j.is_empty())
                    .collect();
                if jobs.len() >= n {
                    return jobs;
                }
            }
            assert!(Instant::now() < deadline, "{n} jobs never arrived");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn settings(printers: &[String]) -> PrintSettings {
    PrintSettings {
        printers: printers
            .iter()
            .map(|p| PrinterConfig::parse(p).unwrap())
            .collect(),
        retry_max: Duration::from_millis(300),
        ..Default::default()
    }
}

async fn wait_printed(till: &Till, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, job) = till.get(&format!("/v1/print-jobs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if job["state"] == "printed" {
            return job;
        }
        assert!(Instant::now() < deadline, "label job never printed: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The in-store barcode the hub gives item number 1 under prefix 29.
fn dal_code() -> String {
    pos_shared::labels::in_store_ean13("29", 1)
        .unwrap()
        .as_str()[1..]
        .to_owned()
}

fn seed_with_dal(dir: &std::path::Path) {
    let credential = seed(dir);
    let mut dal = soap();
    dal.name = "Toor Dal (loose)".into();
    dal.sku = "DAL-KG".into();
    dal.barcode = pos_shared::Gtin::parse(&dal_code()).unwrap();
    dal.price = pos_shared::Money::inr(12_000);
    dal.tax = None;
    dal.details.unit = pos_shared::item::Unit::Kg;
    add_items(dir, credential.store_id, 5, vec![dal]);
}

#[tokio::test]
async fn labels_print_in_zpl_tspl_and_escpos_from_the_tills_prices() {
    let dir = tempfile::tempdir().unwrap();
    seed_with_dal(dir.path());
    let (zpl, tspl, front) = (Capture::start(), Capture::start(), Capture::start());
    let till = start_till_with(
        dir.path(),
        vec![],
        settings(&[
            format!("front=tcp://{}?profile=epson-tm-t20", front.addr),
            format!("shelf=tcp://{}?language=zpl", zpl.addr),
            format!("aisle=tcp://{}?language=tspl&label=60x40", tspl.addr),
        ]),
    )
    .await;
    let (_, printers) = till.get("/v1/printers").await;
    assert_eq!(printers[1]["language"], "zpl", "{printers}");
    assert_eq!(printers[0]["receipts"], true, "{printers}");
    assert_eq!(printers[1]["receipts"], false, "{printers}");

    // No printer named: the first label printer (ZPL) takes them.
    let dal = dal_code();
    let (status, job) = post_json(
        &till,
        "/v1/labels",
        json!({"items": [{"barcode": TEA, "copies": 3}, {"barcode": dal}], "date": "03-12-2026"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(
        (job["printer"].as_str(), job["purpose"].as_str()),
        (Some("shelf"), Some("label"))
    );
    wait_printed(&till, job["id"].as_i64().unwrap()).await;
    let printed = read_zpl(&zpl.wait_for(1).await[0]);
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert_eq!(printed[0].texts[0], "Assam Tea 250 g");
    assert!(
        printed[0].texts.contains(&"Rs 145.00".to_owned()),
        "{printed:?}"
    );
    assert!(
        printed[0].texts.contains(&"03-12-2026".to_owned()),
        "{printed:?}"
    );
    assert_eq!(printed[0].copies, 3);
    assert_eq!(printed[0].barcodes, [("EAN13".to_owned(), TEA.to_owned())]);
    assert_eq!(printed[1].texts[0], "Toor Dal (loose)");
    assert!(
        printed[1].texts.contains(&"Rs 120.00".to_owned()),
        "{printed:?}"
    );
    assert!(
        printed[1].texts.contains(&"Rs 120.00/kg".to_owned()),
        "{printed:?}"
    );
    assert_eq!(printed[1].barcodes, [("EAN13".to_owned(), dal.clone())]);
    assert!(dal.starts_with("29"));
    assert_eq!(dal.chars().last().unwrap(), ean13_check(&dal[..12]));

    // TSPL at its own label size.
    let (status, job) = post_json(
        &till,
        "/v1/labels",
        json!({"printer": "aisle", "items": [{"barcode": RICE, "copies": 2}]}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    wait_printed(&till, job["id"].as_i64().unwrap()).await;
    let bytes = &tspl.wait_for(1).await[0];
    assert!(
        bytes.starts_with(b"SIZE 60 mm,40 mm\r\n"),
        "{}",
        String::from_utf8_lossy(bytes)
    );
    let printed = read_tspl(bytes);
    assert_eq!(printed.len(), 1);
    assert_eq!(printed[0].texts[0], "Rice (kg)");
    assert!(
        printed[0].texts.contains(&"Rs 62.50".to_owned()),
        "{printed:?}"
    );
    assert_eq!(printed[0].copies, 2);
    assert_eq!(printed[0].barcodes, [("EAN13".to_owned(), RICE.to_owned())]);

    // On the receipt printer: each copy printed and cut off, GS k EAN-13.
    let (status, job) = post_json(
        &till,
        "/v1/labels",
        json!({"printer": "front", "items": [{"barcode": dal, "copies": 2}]}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    wait_printed(&till, job["id"].as_i64().unwrap()).await;
    let jobs = front.wait_for(1).await;
    let decoded = decode(jobs.last().unwrap());
    let text = lines(&decoded);
    assert_eq!(
        text.iter().filter(|l| *l == "Toor Dal (loose)").count(),
        2,
        "{text:#?}"
    );
    assert!(text.contains(&"Rs 120.00".to_owned()), "{text:#?}");
    assert_eq!(
        decoded["barcodes"],
        json!([{"type": "EAN13", "data": dal}, {"type": "EAN13", "data": dal}])
    );
    assert_eq!(decoded["cuts"].as_array().unwrap().len(), 2, "{decoded}");

    // Bad requests are refused by name, and queue nothing.
    for (body, status, field) in [
        (
            json!({"items": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items",
        ),
        (
            json!({"items": [{"barcode": "8901234567891"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].barcode",
        ),
        (
            json!({"items": [{"barcode": TEA}, {"barcode": "5901234123457"}]}),
            StatusCode::NOT_FOUND,
            "items[1].barcode",
        ),
        (
            json!({"items": [{"barcode": TEA, "copies": 0}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].copies",
        ),
        (
            json!({"items": [{"barcode": TEA, "copies": 501}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].copies",
        ),
        (
            json!({"printer": "back", "items": [{"barcode": TEA}]}),
            StatusCode::NOT_FOUND,
            "printer",
        ),
        (
            json!({"items": [{"barcode": TEA}], "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
    ] {
        let (s, problem) = post_json(&till, "/v1/labels", body.clone()).await;
        assert_eq!(
            (s, problem["field"].as_str()),
            (status, Some(field)),
            "{body}: {problem}"
        );
    }
    let (_, all) = till.get("/v1/print-jobs?limit=100").await;
    let labels = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["purpose"] == "label")
        .count();
    assert_eq!(labels, 3, "{all}");
}

#[tokio::test]
async fn labels_wait_in_order_for_a_printer_that_is_off() {
    let dir = tempfile::tempdir().unwrap();
    seed_with_dal(dir.path());
    // A port nothing listens on yet: the printer is off.
    let port = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = port.local_addr().unwrap();
    drop(port);
    let till = start_till_with(
        dir.path(),
        vec![],
        settings(&[format!("shelf=tcp://{addr}?language=zpl")]),
    )
    .await;
    let mut ids = Vec::new();
    for barcode in [TEA.to_owned(), dal_code(), RICE.to_owned()] {
        let (status, job) = post_json(
            &till,
            "/v1/labels",
            json!({"items": [{"barcode": barcode}]}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{job}");
        ids.push(job["id"].as_i64().unwrap());
    }
    // The worker tries and keeps them queued.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, job) = till.get(&format!("/v1/print-jobs/{}", ids[0])).await;
        if job["attempts"].as_i64().unwrap_or(0) > 0 {
            assert_eq!(job["state"], "queued", "{job}");
            break;
        }
        assert!(Instant::now() < deadline, "never tried: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The printer comes on: all three print, in the order they were asked.
    let printer = Capture::on(TcpListener::bind(addr).unwrap());
    for id in &ids {
        wait_printed(&till, *id).await;
    }
    let names: Vec<String> = printer
        .wait_for(3)
        .await
        .iter()
        .map(|j| read_zpl(j)[0].texts[0].clone())
        .collect();
    assert_eq!(names, ["Assam Tea 250 g", "Toor Dal (loose)", "Rice (kg)"]);
}
