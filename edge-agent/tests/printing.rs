//! Receipt printing end to end: a network printer on a loopback TCP port (it
//! answers `DLE EOT` like an Epson and keeps every byte), sales through the
//! agent's API, and the bytes decoded by an ESC/POS parser written separately
//! from the encoder (`tests/escpos/decode.py`, from Epson's command reference).

mod common;

use common::escpos::{decode, lines, preview_lines};
use common::*;
use edge_agent::printing::receipt::ReceiptSettings;
use edge_agent::printing::{PrintSettings, PrinterConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READY: u8 = 0;
const PAPER_OUT: u8 = 1;
const DROPS_MID_JOB: u8 = 2;

/// A network receipt printer on loopback. Every connection's bytes are kept.
struct TestPrinter {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
    connections: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl TestPrinter {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(READY));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (m, c) = (mode.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let (m, c) = (m.clone(), c.clone());
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = match stream.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let start = got.len();
                        got.extend_from_slice(&buf[..n]);
                        let mode = m.load(Ordering::SeqCst);
                        if mode == DROPS_MID_JOB && got.len() > 64 {
                            break; // the printer goes away mid-receipt
                        }
                        // Answer each status request in the new bytes.
                        let from = start.saturating_sub(2);
                        for i in from..got.len().saturating_sub(2) {
                            if got[i] == 0x10 && got[i + 1] == 0x04 && i + 2 >= start {
                                let answer = match (got[i + 2], mode) {
                                    (2, PAPER_OUT) => 0x12 | 0x20,
                                    (4, PAPER_OUT) => 0x12 | 0x60,
                                    _ => 0x12,
                                };
                                let _ = stream.write_all(&[answer]);
                            }
                        }
                    }
                    c.lock().unwrap().push(got);
                });
            }
        });
        TestPrinter {
            addr,
            mode,
            connections,
        }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// The connections that carried more than status requests.
    fn jobs(&self) -> Vec<Vec<u8>> {
        self.connections
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.len() > 9)
            .cloned()
            .collect()
    }
}

/// A 64×32 logo: a black frame around white.
fn logo_png() -> Vec<u8> {
    let (w, h) = (64u32, 32u32);
    let mut px = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let edge = x < 4 || y < 4 || x >= w - 4 || y >= h - 4;
            px.push(if edge { 0 } else { 255 });
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&px).unwrap();
    out
}

fn settings(printers: &[String]) -> PrintSettings {
    PrintSettings {
        printers: printers
            .iter()
            .map(|p| PrinterConfig::parse(p).unwrap())
            .collect(),
        receipt_printer: None,
        receipt: ReceiptSettings {
            header: vec!["Kirana on Main".into(), "12 MG Road, Bengaluru".into()],
            gstin: Some("29ABCDE1234F1Z5".into()),
            footer: vec!["Thank you \u{2014} visit again".into()],
            logo_png: Some(logo_png()),
            qr_template: Some("https://r.example.in/{sale_id}".into()),
            utc_offset_minutes: 330,
        },
    }
}

async fn wait_job(till: &Till, sale_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, jobs) = till.get(&format!("/v1/print-jobs?sale_id={sale_id}")).await;
        assert_eq!(status, StatusCode::OK, "{jobs}");
        if let Some(job) = jobs.as_array().unwrap().iter().find(|j| done(j)) {
            return job.clone();
        }
        assert!(
            Instant::now() < deadline,
            "print job never got there: {jobs}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post(till: &Till, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = till.http.post(format!("{}{path}", till.base));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

fn cash_sale() -> Value {
    json!({
        "lines": [{"barcode": TEA, "qty": "2"}, {"barcode": RICE, "qty": "1.5"}],
        "tenders": cash(50000),
    })
}

#[tokio::test]
async fn a_cash_sale_prints_a_full_receipt_on_a_network_printer() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let till = start_till_with(dir.path(), vec![], settings(&[spec])).await;

    let (status, sale) = till.sell(cash_sale()).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let sale_id = sale["sale_id"].as_str().unwrap();
    let receipt_no = sale["receipt_no"].as_str().unwrap();
    let job = wait_job(&till, sale_id, |j| j["state"] == "printed").await;
    assert_eq!(job["purpose"], "receipt");

    let jobs = printer.jobs();
    assert_eq!(jobs.len(), 1);
    let decoded = decode(&jobs[0]);
    // Status before the job (offline cause, paper sensor), confirmation after.
    assert_eq!(decoded["status_requests"], json!([2, 4, 2]));
    assert_eq!(decoded["code_pages"], json!(["cp858"]));
    assert_eq!(decoded["cuts"], json!(["partial"]));
    assert_eq!(
        decoded["drawer_pulses"],
        json!([{"pin": 2, "on_ms": 50, "off_ms": 500}])
    );
    assert_eq!(
        decoded["barcodes"],
        json!([{"type": "CODE128", "data": receipt_no}])
    );
    assert_eq!(
        decoded["qr"],
        json!([format!("https://r.example.in/{sale_id}")])
    );
    let images = decoded["images"].as_array().unwrap();
    assert_eq!(images.len(), 1, "the logo");
    assert_eq!(
        (
            images[0]["bytes_per_row"].as_u64(),
            images[0]["rows"].as_u64()
        ),
        (Some(8), Some(32))
    );
    assert!(images[0]["black_dots"].as_u64().unwrap() > 500);

    let printed = lines(&decoded);
    let expect = [
        "Kirana on Main".to_owned(),
        "12 MG Road, Bengaluru".into(),
        "GSTIN: 29ABCDE1234F1Z5".into(),
        "TAX INVOICE".into(),
        "Assam Tea 250 g".into(),
        "Rice (kg)".into(),
        "Thank you - visit again".into(),
    ];
    for e in &expect {
        assert!(printed.contains(e), "{e:?} not printed in {printed:#?}");
    }
    let has = |prefix: &str, amount: &str| {
        printed
            .iter()
            .any(|l| l.starts_with(prefix) && l.ends_with(amount))
    };
    assert!(has(&format!("Bill: {receipt_no}"), ""), "{printed:#?}");
    assert!(has("2 x 145.00", "290.00"), "{printed:#?}");
    assert!(has("1.5 x 62.50", "93.75"), "{printed:#?}");
    assert!(has("TOTAL INR", "383.75"), "{printed:#?}");
    assert!(has("Cash", "500.00"), "{printed:#?}");
    assert!(has("Change", "116.25"), "{printed:#?}");
    // Tea carries 5 % GST inside its price: 290.00 → taxable 276.19, 6.91 + 6.90.
    assert!(has("GST%", "SGST"), "{printed:#?}");
    assert!(
        printed
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["5", "276.19", "6.91", "6.90"]),
        "{printed:#?}"
    );
    assert_eq!(
        decoded["double_lines"].as_array().unwrap().len(),
        2,
        "store name and total"
    );
    assert!(decoded["bold_lines"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "TAX INVOICE"));

    // What the till shows as the job's preview is what the paper says.
    assert_eq!(preview_lines(job["preview"].as_str().unwrap()), printed);

    // The receipt on screen, three ways.
    let text = till.text(&format!("/v1/sales/{sale_id}/receipt")).await;
    assert_eq!(preview_lines(&text), printed);
    let html = till
        .text(&format!("/v1/sales/{sale_id}/receipt?format=html"))
        .await;
    assert!(html.contains("<div class=\"receipt\""), "{html}");
    assert!(
        html.contains("Rice (kg)") && html.contains("383.75"),
        "{html}"
    );
    let (_, model) = till
        .get(&format!("/v1/sales/{sale_id}/receipt?format=json"))
        .await;
    assert_eq!(model["receipt_no"], receipt_no);
    assert_eq!(model["open_drawer"], true);

    // A reprint says so and leaves the drawer shut.
    let (status, reprint) = post(&till, &format!("/v1/sales/{sale_id}/receipt"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{reprint}");
    wait_job(&till, sale_id, |j| {
        j["purpose"] == "reprint" && j["state"] == "printed"
    })
    .await;
    let decoded = decode(&printer.jobs()[1]);
    assert!(lines(&decoded).contains(&"DUPLICATE RECEIPT".to_owned()));
    assert_eq!(decoded["drawer_pulses"], json!([]));

    // A tea comes back: the credit note prints and the drawer opens for the cash.
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt_no, "refund_to": "cash", "reason": "torn pack",
               "lines": [{"sale_line": 0, "qty": "1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    wait_job(&till, sale_id, |j| {
        j["state"] == "printed" && j["preview"].as_str().unwrap().contains("CREDIT NOTE")
    })
    .await;
    let decoded = decode(printer.jobs().last().unwrap());
    let printed = lines(&decoded);
    assert!(
        printed.contains(&"CREDIT NOTE (RETURN)".to_owned()),
        "{printed:#?}"
    );
    assert!(
        printed.contains(&format!("Against bill: {receipt_no}")),
        "{printed:#?}"
    );
    assert!(
        printed.contains(&"Reason: torn pack".to_owned()),
        "{printed:#?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("Refund: Cash") && l.ends_with("145.00")),
        "{printed:#?}"
    );
    assert_eq!(decoded["drawer_pulses"].as_array().unwrap().len(), 1);

    let (_, printers) = till.get("/v1/printers").await;
    assert_eq!(printers[0]["name"], "front");
    assert_eq!(printers[0]["state"], "ready");
    assert_eq!(printers[0]["receipts"], true);
    assert_eq!(printers[0]["profile"]["columns_a"], 48);
}

#[tokio::test]
async fn a_failing_printer_keeps_the_job_queued_and_never_touches_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let printer = TestPrinter::start();
    // A port nothing listens on: the second printer refuses connections.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let specs = [
        format!("front=tcp://{}?profile=epson-tm-t82", printer.addr),
        format!("back=tcp://{closed}?profile=generic-58mm"),
    ];
    let till = start_till_with(dir.path(), vec![], settings(&specs)).await;

    // The printer drops the connection part-way through the receipt.
    printer.set(DROPS_MID_JOB);
    let (status, sale) = till.sell(cash_sale()).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let sale_id = sale["sale_id"].as_str().unwrap().to_owned();
    let failed = wait_job(&till, &sale_id, |j| j["state"] == "failed").await;
    assert_eq!(failed["attempts"], 3);
    let error = failed["last_error"].as_str().unwrap();
    assert!(error.contains("cut short"), "{error}");
    // The sale stands, queued for the hub as any other.
    let (_, sync) = till.get("/v1/sync/status").await;
    assert_eq!(sync["queued"], 1, "{sync}");
    let (_, printers) = till.get("/v1/printers").await;
    assert_eq!(printers[0]["state"], "error");
    assert_eq!(printers[0]["failed"], 1);

    // Back on: a retry prints the same receipt in full.
    printer.set(READY);
    let id = failed["id"].as_i64().unwrap();
    let (status, retried) = post(&till, &format!("/v1/print-jobs/{id}/retry"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{retried}");
    wait_job(&till, &sale_id, |j| {
        j["id"] == id && j["state"] == "printed"
    })
    .await;
    let full = printer.jobs().pop().unwrap();
    assert!(lines(&decode(&full)).contains(&"TAX INVOICE".to_owned()));
    let (status, again) = post(&till, &format!("/v1/print-jobs/{id}/retry"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(
        again["type"].as_str().unwrap().rsplit('/').next(),
        Some("already_printed")
    );

    // Out of paper: the printer says so before any receipt byte is sent.
    printer.set(PAPER_OUT);
    let sent_before = printer.jobs().len();
    let (_, sale) = till.sell(cash_sale()).await;
    let sale_id = sale["sale_id"].as_str().unwrap().to_owned();
    let job = wait_job(&till, &sale_id, |j| j["last_error"].is_string()).await;
    assert!(
        job["last_error"].as_str().unwrap().contains("out of paper"),
        "{job}"
    );
    assert_eq!(
        printer.jobs().len(),
        sent_before,
        "no receipt bytes went out"
    );

    // A printer that refuses connections.
    let (status, job) = post(
        &till,
        &format!("/v1/sales/{sale_id}/receipt"),
        Some(json!({"printer": "back"})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let id = job["id"].clone();
    let job = wait_job(&till, &sale_id, |j| j["id"] == id && j["state"] == "failed").await;
    assert!(
        job["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{job}"
    );
    let (_, sync) = till.get("/v1/sync/status").await;
    assert_eq!(sync["queued"], 2, "both sales stand: {sync}");
}

#[tokio::test]
async fn test_prints_and_bad_printing_requests_get_clear_answers() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=generic-58mm", printer.addr);
    let till = start_till_with(dir.path(), vec![], settings(&[spec])).await;

    let (status, job) = post(&till, "/v1/printers/front/test", None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while printer.jobs().is_empty() {
        assert!(Instant::now() < deadline, "the test page never printed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let decoded = decode(&printer.jobs()[0]);
    let printed = lines(&decoded);
    assert!(
        printed.contains(&"Test print: front".to_owned()),
        "{printed:#?}"
    );
    assert!(
        printed.contains(&"Profile: generic-58mm (58 mm)".to_owned()),
        "{printed:#?}"
    );
    // CP437 has no euro or rupee sign: readable stand-ins.
    assert!(
        printed
            .iter()
            .any(|l| l.contains("EUR5") && l.contains("Rs.10")),
        "{printed:#?}"
    );
    assert_eq!(
        decoded["barcodes"],
        json!([{"type": "EAN13", "data": "4006381333931"}])
    );
    // This printer cannot draw QR codes: the QR code comes as an image, after the logo.
    assert_eq!(decoded["qr"], json!([]));
    let images = decoded["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "{images:?}");
    // Model 2, version 2 for this short text (25 modules), quiet zone of 4, 3 dots a module.
    assert_eq!(images[1]["rows"], (25 + 8) * 3, "{images:?}");
    assert_eq!(decoded["cuts"], json!([]), "no cutter on this printer");

    let (_, sale) = till.sell(cash_sale()).await;
    let sale_id = sale["sale_id"].as_str().unwrap();
    let problems = [
        (
            "POST",
            "/v1/printers/kitchen/test".to_owned(),
            None,
            StatusCode::NOT_FOUND,
            "printer",
        ),
        (
            "POST",
            "/v1/print-jobs/abc/retry".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "id",
        ),
        (
            "POST",
            "/v1/print-jobs/999/retry".into(),
            None,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "GET",
            "/v1/print-jobs?state=lost".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "state",
        ),
        (
            "GET",
            "/v1/print-jobs?colour=red".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            "GET",
            "/v1/print-jobs?limit=0".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
        ),
        (
            "GET",
            "/v1/print-jobs/12x".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "id",
        ),
        (
            "GET",
            "/v1/sales/nope/receipt".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "sale_id",
        ),
        (
            "GET",
            "/v1/sales/01960000-0000-7000-8000-000000000000/receipt".into(),
            None,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "GET",
            format!("/v1/sales/{sale_id}/receipt?format=pdf"),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "format",
        ),
        (
            "POST",
            format!("/v1/sales/{sale_id}/receipt"),
            Some(json!({"printer": "kitchen"})),
            StatusCode::NOT_FOUND,
            "printer",
        ),
        (
            "POST",
            format!("/v1/sales/{sale_id}/receipt"),
            Some(json!({"printr": "front"})),
            StatusCode::BAD_REQUEST,
            "",
        ),
    ];
    for (method, path, body, want, field) in problems {
        let url = format!("{}{path}", till.base);
        let mut req = if method == "GET" {
            till.http.get(url)
        } else {
            till.http.post(url)
        };
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let problem: Value = r.json().await.unwrap();
        assert_eq!(status, want, "{method} {path}: {problem}");
        assert!(problem["detail"].is_string(), "{problem}");
        if !field.is_empty() {
            assert_eq!(problem["field"], field, "{method} {path}: {problem}");
        }
    }
    // Only the receipt and the test page were queued: bad requests wrote nothing.
    let (_, jobs) = till.get("/v1/print-jobs").await;
    assert_eq!(jobs.as_array().unwrap().len(), 2, "{jobs}");

    // USB enumeration runs whether or not this machine has a USB bus.
    let (status, usb) = till.get("/v1/usb-devices").await;
    assert_eq!(status, StatusCode::OK, "{usb}");
    assert!(usb["devices"].is_array());
}

/// Plays a serial printer on the host end of a pseudo-terminal: keeps every
/// byte and answers status requests.
fn serial_printer(host: std::path::PathBuf) -> Arc<Mutex<Vec<u8>>> {
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    std::thread::spawn(move || {
        let mut port = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(host)
            .unwrap();
        let mut buf = [0u8; 4096];
        // Ends when socat goes away at the end of the test.
        while let Ok(n) = port.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut all = keep.lock().unwrap();
            let start = all.len();
            all.extend_from_slice(&buf[..n]);
            for i in start.saturating_sub(2)..all.len().saturating_sub(2) {
                if all[i] == 0x10 && all[i + 1] == 0x04 && i + 2 >= start {
                    let _ = port.write_all(&[0x12]);
                }
            }
        }
    });
    got
}

#[tokio::test]
async fn serial_and_device_file_printers_print_receipts() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let ports = tempfile::tempdir().unwrap();
    let pty = PtyPair::start(ports.path());
    let received = serial_printer(ports.path().join("host"));
    let lp0 = ports.path().join("lp0");
    std::fs::write(&lp0, b"").unwrap();
    let specs = [
        format!(
            "slip=serial://{}?baud=19200&profile=generic-58mm",
            ports.path().join("device").display()
        ),
        format!("lp=file://{}?profile=epson-tm-t88vii", lp0.display()),
    ];
    let till = start_till_with(dir.path(), vec![], settings(&specs)).await;

    let (status, sale) = till.sell(cash_sale()).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let sale_id = sale["sale_id"].as_str().unwrap();
    let (status, _) = post(
        &till,
        &format!("/v1/sales/{sale_id}/receipt"),
        Some(json!({"printer": "lp"})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    wait_job(&till, sale_id, |j| {
        j["printer"] == "slip" && j["state"] == "printed"
    })
    .await;
    wait_job(&till, sale_id, |j| {
        j["printer"] == "lp" && j["state"] == "printed"
    })
    .await;

    // The serial printer answered its status requests and got the receipt.
    let serial = decode(&received.lock().unwrap());
    assert_eq!(serial["status_requests"], json!([2, 4, 2]));
    assert_eq!(serial["code_pages"], json!(["cp437"]));
    let serial_lines = lines(&serial);
    assert!(
        serial_lines.contains(&"Thank you - visit again".to_owned()),
        "{serial_lines:#?}"
    );
    assert!(serial_lines
        .iter()
        .any(|l| l.starts_with("TOTAL INR") && l.ends_with("383.75")));

    // The device file: one-way, so no status requests; this profile takes UTF-8.
    let file = decode(&std::fs::read(&lp0).unwrap());
    assert_eq!(file["status_requests"], json!([]));
    assert_eq!(file["code_pages"], json!(["utf-8"]));
    let file_lines = lines(&file);
    assert!(
        file_lines.contains(&"Thank you \u{2014} visit again".to_owned()),
        "{file_lines:#?}"
    );
    assert!(file_lines.contains(&"DUPLICATE RECEIPT".to_owned()));
    drop(pty);
}
