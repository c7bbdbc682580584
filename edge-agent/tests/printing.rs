//! Receipt printing end to end: a network printer on a loopback TCP port (it
//! answers `DLE EOT` like an Epson and keeps every byte), sales through the
//! agent's API, and the bytes decoded by an ESC/POS parser written separately
//! from the encoder (`tests/escpos/decode.py`, from Epson's command reference).

mod common;

use common::escpos::{decode, lines, preview_lines};
use common::printer::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    let job = wait_job(&till, sale_id, |j| {
        j["purpose"] == "receipt" && j["state"] == "printed"
    })
    .await;

    let jobs = printer.jobs();
    assert_eq!(jobs.len(), 1);
    let decoded = decode(&jobs[0]);
    // Status before the job (offline cause, paper sensor), confirmation after.
    assert_eq!(decoded["status_requests"], json!([2, 4, 2]));
    assert_eq!(decoded["code_pages"], json!(["cp858"]));
    assert_eq!(decoded["cuts"], json!(["partial"]));
    // The receipt does not open the drawer: its own pulse, asked at the
    // sale's commit, did, in real time on pin 2.
    assert_eq!(decoded["drawer_pulses"], json!([]));
    let drawer = wait_job(&till, sale_id, |j| j["purpose"] == "drawer").await;
    assert_eq!(drawer["state"], "printed", "{drawer}");
    let pulses: Vec<Value> = printer
        .connections
        .lock()
        .unwrap()
        .iter()
        .filter(|c| !prints(c))
        .flat_map(|c| decode(c)["drawer_pulses"].as_array().unwrap().clone())
        .collect();
    assert_eq!(
        pulses,
        [json!({"pin": 2, "on_ms": 100, "off_ms": 100, "realtime": true})]
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
        "GSTIN: 29ABCDE1234F1ZW".into(),
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
    // Rice is sold by the kilogram: the unit is on the line.
    assert!(has("1.5 kg x 62.50/kg", "93.75"), "{printed:#?}");
    assert!(has("Subtotal", "383.75"), "{printed:#?}");
    assert!(
        !printed.iter().any(|l| l.starts_with("GST added")),
        "every price includes its GST: {printed:#?}"
    );
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
    assert_eq!(model["number_label"], "Bill");

    // A reprint's body is an object naming the printer, or nothing: an
    // array is not read by position, and nothing is queued.
    for (body, status) in [
        (json!(["front"]), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"printer": "front", "copies": 2}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (got, problem) = post(&till, &format!("/v1/sales/{sale_id}/receipt"), Some(body)).await;
        assert_eq!(got, status, "{problem}");
    }
    assert_eq!(printer.jobs().len(), 1, "a refused reprint queues nothing");
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
    assert_eq!(
        printer.drawer_pulses(),
        1,
        "a reprint leaves the drawer shut"
    );

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
    // Numbered and labelled as a credit note, not as a bill.
    let note_no = ret["receipt_no"].as_str().unwrap();
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with(&format!("Credit note: {note_no}"))),
        "{printed:#?}"
    );
    assert!(
        !printed.iter().any(|l| l.starts_with("Bill:")),
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
    assert_eq!(decoded["drawer_pulses"].as_array().unwrap().len(), 0);
    // The cash refund opened the drawer, with its own pulse.
    let deadline = Instant::now() + Duration::from_secs(20);
    while printer.drawer_pulses() < 2 {
        assert!(Instant::now() < deadline, "no drawer pulse for the refund");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

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

    // The printer drops the connection part-way through the receipt: the
    // receipt may be cut short, so the next copy says DUPLICATE; after two
    // copies nobody confirmed, the job waits for the cashier, and never
    // counts as failed (it can print).
    printer.set(DROPS_MID_JOB);
    let (status, sale) = till.sell(cash_sale()).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let sale_id = sale["sale_id"].as_str().unwrap().to_owned();
    let unconfirmed = wait_job(&till, &sale_id, |j| j["state"] == "unconfirmed").await;
    assert_eq!(unconfirmed["copies_sent"], 2, "{unconfirmed}");
    let error = unconfirmed["last_error"].as_str().unwrap();
    assert!(
        error.contains("cut short") || error.contains("confirm"),
        "{error}"
    );
    // The sale stands, queued for the hub as any other.
    let (_, sync) = till.get("/v1/sync/status").await;
    assert_eq!(sync["queued"], 1, "{sync}");
    let (_, printers) = till.get("/v1/printers").await;
    assert_eq!(printers[0]["state"], "error");
    assert_eq!(printers[0]["unconfirmed"], 1, "{printers}");
    assert_eq!(printers[0]["failed"], 0, "{printers}");
    // The store's monitoring sees the same on /metrics.
    let metrics = till
        .http
        .get(format!("{}/metrics", till.base))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = metrics.text().await.unwrap();
    for sample in [
        "agent_outbox_facts{state=\"queued\"} 1",
        "agent_outbox_facts{state=\"quarantined\"} 0",
        "agent_printer_state{printer=\"front\",state=\"error\"} 1",
        "agent_printer_state{printer=\"front\",state=\"ready\"} 0",
        "agent_print_jobs{printer=\"front\",state=\"unconfirmed\"} 1",
        "agent_print_jobs{printer=\"front\",state=\"failed\"} 0",
        "agent_link_state{state=\"online\"} 0",
        "agent_http_requests_total{method=\"POST\",route=\"/v1/sales\",status=\"201\"} 1",
        "agent_http_requests_total{method=\"GET\",route=\"/v1/print-jobs\",status=\"200\"}",
    ] {
        assert!(text.contains(sample), "{sample} missing from:\n{text}");
    }

    // Back on: a retry prints the receipt in full, marked as a possible second copy.
    printer.set(READY);
    let id = unconfirmed["id"].as_i64().unwrap();
    let (status, retried) = post(&till, &format!("/v1/print-jobs/{id}/retry"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{retried}");
    wait_job(&till, &sale_id, |j| {
        j["id"] == id && j["state"] == "printed"
    })
    .await;
    let full = lines(&decode(&printer.jobs().pop().unwrap()));
    assert_eq!(full[0], "DUPLICATE", "{full:#?}");
    assert!(full.contains(&"TAX INVOICE".to_owned()), "{full:#?}");
    let (status, again) = post(&till, &format!("/v1/print-jobs/{id}/retry"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(
        again["type"].as_str().unwrap().rsplit('/').next(),
        Some("already_printed")
    );

    // Out of paper: the printer says so before any receipt byte is sent, the
    // job waits in the queue, and the drawer still opens for the cash.
    printer.set(PAPER_OUT);
    let sent_before = printer.jobs().len();
    let pulses_before = printer.drawer_pulses();
    let (_, sale) = till.sell(cash_sale()).await;
    let sale_id = sale["sale_id"].as_str().unwrap().to_owned();
    let job = wait_job(&till, &sale_id, |j| {
        j["purpose"] == "receipt" && j["last_error"].is_string()
    })
    .await;
    assert!(
        job["last_error"].as_str().unwrap().contains("out of paper"),
        "{job}"
    );
    assert_eq!(job["state"], "queued", "it prints once the roll is in");
    assert_eq!(
        printer.jobs().len(),
        sent_before,
        "no receipt bytes went out"
    );
    let drawer = wait_job(&till, &sale_id, |j| {
        j["purpose"] == "drawer" && j["state"] != "queued"
    })
    .await;
    assert_eq!(drawer["state"], "printed", "{drawer}");
    assert_eq!(printer.drawer_pulses(), pulses_before + 1);

    // A printer that refuses connections: the job waits for it, with the reason.
    let (status, job) = post(
        &till,
        &format!("/v1/sales/{sale_id}/receipt"),
        Some(json!({"printer": "back"})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let id = job["id"].clone();
    let job = wait_job(&till, &sale_id, |j| {
        j["id"] == id && j["last_error"].is_string()
    })
    .await;
    assert_eq!(job["state"], "queued", "{job}");
    assert!(
        job["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{job}"
    );
    let (_, printers) = till.get("/v1/printers").await;
    assert_eq!(printers[1]["queued"], 1, "{printers}");
    assert!(printers[1]["retry_at"].is_string(), "{printers}");
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
            StatusCode::UNPROCESSABLE_ENTITY,
            "printr",
        ),
        // Opening the drawer outside a sale is a supervisor's call, with a reason.
        (
            "POST",
            "/v1/drawer/open".into(),
            Some(json!({"reason": "change for the float"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "approval",
        ),
        (
            "POST",
            "/v1/drawer/open".into(),
            Some(json!({"reason": "change", "approval": {"code": "999", "pin": "0000"}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "approval",
        ),
        (
            "POST",
            "/v1/drawer/open".into(),
            Some(json!({"reason": "  "})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason",
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
    // Only the receipt, its drawer pulse and the test page were queued: bad
    // requests wrote nothing.
    let (_, jobs) = till.get("/v1/print-jobs").await;
    assert_eq!(jobs.as_array().unwrap().len(), 3, "{jobs}");
    // A drawer pulse is sent at its moment or never: no retry.
    let drawer = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["purpose"] == "drawer")
        .unwrap();
    let (status, problem) = post(
        &till,
        &format!("/v1/print-jobs/{}/retry", drawer["id"]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("supervisor"),
        "{problem}"
    );

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
    // The drawer pulse (checked and confirmed), then the receipt.
    assert_eq!(serial["status_requests"], json!([2, 2, 2, 4, 2]));
    assert_eq!(serial["drawer_pulses"].as_array().unwrap().len(), 1);
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

#[tokio::test]
async fn a_silent_printer_is_not_reported_printed_and_a_second_copy_says_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let mut s = settings(&[spec]);
    s.retry_max = Duration::from_millis(500);
    let till = start_till_with(dir.path(), vec![], s).await;
    // The printer answers status requests: the till knows it is two-way.
    let (_, sale) = till.sell(cash_sale()).await;
    wait_printed(&till, sale["sale_id"].as_str().unwrap()).await;

    // Hung: it takes bytes and answers nothing. Nothing is sent, nothing is
    // called printed.
    printer.set(SILENT);
    let sent = printer.jobs().len();
    let (_, sale) = till.sell(cash_sale()).await;
    let sale_id = sale["sale_id"].as_str().unwrap().to_owned();
    let job = wait_job(&till, &sale_id, |j| {
        j["purpose"] == "receipt" && j["attempts"].as_i64() >= Some(2)
    })
    .await;
    assert_eq!(job["state"], "queued", "{job}");
    assert!(
        job["last_error"]
            .as_str()
            .unwrap()
            .contains("does not answer"),
        "{job}"
    );
    assert_eq!(
        printer.jobs().len(),
        sent,
        "no receipt went to a silent printer"
    );
    // Back: it prints, once, as the original.
    printer.set(READY);
    wait_printed(&till, &sale_id).await;
    let first = lines(&decode(printer.jobs().last().unwrap()));
    assert_ne!(first[0], "DUPLICATE", "{first:#?}");

    // Prints the whole job, then drops before confirming: at most one more
    // copy, marked DUPLICATE, no drawer pulse in either, and the job waits
    // for the cashier as unconfirmed, never failed.
    printer.set(DROPS_AFTER_JOB);
    let sent = printer.jobs().len();
    let (_, sale) = till.sell(cash_sale()).await;
    let sale_id = sale["sale_id"].as_str().unwrap().to_owned();
    let job = wait_job(&till, &sale_id, |j| j["state"] == "unconfirmed").await;
    assert_eq!(job["copies_sent"], 2, "{job}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let copies: Vec<Vec<String>> = printer.jobs()[sent..]
        .iter()
        .map(|j| lines(&decode(j)))
        .collect();
    assert_eq!(copies.len(), 2, "{copies:#?}");
    assert_ne!(copies[0][0], "DUPLICATE");
    assert_eq!(copies[1][0], "DUPLICATE");
    for c in printer.jobs()[sent..].iter() {
        assert_eq!(decode(c)["drawer_pulses"], json!([]));
    }
    let (_, failed) = till.get("/v1/print-jobs?state=failed").await;
    assert!(
        failed
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["purpose"] == "drawer"),
        "{failed}"
    );
}

#[tokio::test]
async fn an_outage_holds_receipts_in_order_and_prints_them_after_without_a_retry_or_a_late_drawer()
{
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let mut s = settings(&[spec]);
    // A one-minute outage with a 30 s cap, shortened: 10 s with a 2 s cap.
    // The queue behaves the same, only its waits are shorter.
    s.retry_max = Duration::from_secs(2);
    s.receipt.logo_png = None;
    let till = start_till_with(dir.path(), vec![], s).await;

    let mut up = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let (status, sale) = till.sell(cash_sale()).await;
        up.push(t.elapsed());
        assert_eq!(status, StatusCode::CREATED, "{sale}");
        wait_printed(&till, sale["sale_id"].as_str().unwrap()).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while printer.drawer_pulses() < 5 {
        assert!(
            Instant::now() < deadline,
            "each cash sale opened the drawer"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let printed_before = printer.jobs().len();

    printer.set(OFF);
    let outage = Instant::now();
    let mut down = Vec::new();
    let mut receipt_nos = Vec::new();
    let mut sale_ids = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let (status, sale) = till.sell(cash_sale()).await;
        down.push(t.elapsed());
        assert_eq!(status, StatusCode::CREATED, "{sale}");
        receipt_nos.push(sale["receipt_no"].as_str().unwrap().to_owned());
        sale_ids.push(sale["sale_id"].as_str().unwrap().to_owned());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The till shows the printer's state and its queue.
    let (_, printers) = till.get("/v1/printers").await;
    assert_eq!(printers[0]["state"], "error", "{printers}");
    assert_eq!(printers[0]["queued"], 30, "{printers}");
    assert_eq!(printers[0]["failed"], 0, "{printers}");
    assert!(
        printers[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{printers}"
    );
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(outage.elapsed())).await;
    printer.set(READY);
    let back = Instant::now();

    // Every receipt prints, with nobody pressing retry.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, queued) = till.get("/v1/print-jobs?state=queued").await;
        if queued.as_array().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still queued: {queued}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drained = back.elapsed();
    for id in &sale_ids {
        wait_printed(&till, id).await;
    }
    // In order: the printer got them as they were sold.
    let late: Vec<Vec<String>> = printer.jobs()[printed_before..]
        .iter()
        .map(|j| lines(&decode(j)))
        .collect();
    let order: Vec<String> = late
        .iter()
        .map(|l| {
            l.iter()
                .find_map(|x| x.strip_prefix("Bill: "))
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(order, receipt_nos);
    assert!(late.iter().all(|l| l[0] != "DUPLICATE"));
    // No drawer opened late: the pulses are the five from before the outage.
    assert_eq!(printer.drawer_pulses(), 5);
    let (_, failed) = till.get("/v1/print-jobs?state=failed&limit=100").await;
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 30, "the outage's drawer pulses, not sent");
    assert!(failed
        .iter()
        .all(|j| j["purpose"] == "drawer"
            && j["last_error"].as_str().unwrap().starts_with("not sent")));
    let (_, printers) = till.get("/v1/printers").await;
    assert_eq!(printers[0]["state"], "ready", "{printers}");
    assert_eq!(printers[0]["queued"], 0, "{printers}");

    let ms = |d: &[Duration]| {
        let mut v: Vec<u128> = d.iter().map(|d| d.as_millis()).collect();
        v.sort();
        (v[v.len() / 2], v[v.len() - 1])
    };
    let (up_med, up_max) = ms(&up);
    let (down_med, down_max) = ms(&down);
    println!(
        "sale latency, printer up: median {up_med} ms, max {up_max} ms; \
         printer off: median {down_med} ms, max {down_max} ms; \
         30 receipts printed {} ms after the printer came back",
        drained.as_millis()
    );
}

#[tokio::test]
async fn a_supervisor_opens_the_drawer_from_the_till_and_it_is_audited() {
    use pos_shared::staff::{hash_pin, Role, StaffRecord, PIN_SALT_LEN};
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let member = |code: &str, name: &str, role, pin: &str| StaffRecord {
        staff_id: pos_shared::StaffId::new(),
        store_id: credential.store_id,
        name: name.into(),
        code: code.into(),
        role,
        pin_salt: String::new(),
        pin_hash: hash_pin(pin, &[7u8; PIN_SALT_LEN]),
        active: true,
    };
    apply_changes(
        dir.path(),
        credential.store_id,
        5,
        vec![
            pos_shared::sync::ChangeBody::StaffUpserted(member(
                "101",
                "Asha",
                Role::Cashier,
                "4821",
            )),
            pos_shared::sync::ChangeBody::StaffUpserted(member(
                "102",
                "Ravi",
                Role::Supervisor,
                "7305",
            )),
        ],
    );
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let till = start_till_with(dir.path(), vec![], settings(&[spec])).await;

    // A cashier's own approval is not enough.
    let (status, problem) = post_json(
        &till,
        "/v1/drawer/open",
        json!({"reason": "change for the float", "approval": {"code": "101", "pin": "4821"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "approval");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Asha may not approve"),
        "{problem}"
    );
    assert_eq!(printer.drawer_pulses(), 0);

    let (status, opened) = post_json(
        &till,
        "/v1/drawer/open",
        json!({"reason": "change for the float", "approval": {"code": "102", "pin": "7305"}}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{opened}");
    assert_eq!(opened["audit"]["action"], "drawer_opened");
    assert_eq!(opened["audit"]["staff"]["name"], "Ravi");
    assert_eq!(opened["job"]["purpose"], "drawer");
    let deadline = Instant::now() + Duration::from_secs(10);
    while printer.drawer_pulses() < 1 {
        assert!(Instant::now() < deadline, "the drawer never opened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, log) = till.get("/v1/audit").await;
    assert!(
        log.to_string()
            .contains("cash drawer opened outside a sale"),
        "{log}"
    );
    assert_eq!(
        printer.jobs().len(),
        0,
        "nothing printed, the drawer opened"
    );
}

#[tokio::test]
async fn a_payment_of_dues_in_cash_opens_the_drawer_and_prints_its_slip() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let account = pos_shared::credit::CreditAccount {
        phone: "+919876543210".into(),
        name: Some("Meena Iyer".into()),
        store_id: credential.store_id,
        limit: pos_shared::Money::inr(500_000),
        dues: pos_shared::Money::inr(50_000),
        keep: pos_shared::Money::inr(0),
        closed: false,
        grants: Vec::new(),
    };
    apply_changes(
        dir.path(),
        credential.store_id,
        20,
        vec![pos_shared::sync::ChangeBody::CreditAccountChanged(account)],
    );
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let till = start_till_with(dir.path(), vec![], settings(&[spec])).await;

    let body = json!({"payment_id": uuid::Uuid::now_v7(), "amount": {"minor": 20_000, "currency": "INR"}, "method": "cash"});
    let (status, paid) = post(
        &till,
        "/v1/credit-accounts/9876543210/payments",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while printer.jobs().is_empty() {
        assert!(Instant::now() < deadline, "the slip never printed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let printed = lines(&decode(&printer.jobs()[0]));
    for part in [
        "PAYMENT RECEIVED",
        "Customer: Meena Iyer (+919876543210)",
        "Owed now:",
        "Paid against dues (on account)",
    ] {
        assert!(
            printed.iter().any(|l| l.contains(part)),
            "{part} not on the slip: {printed:?}"
        );
    }
    let owed = printed.iter().find(|l| l.contains("Owed now:")).unwrap();
    assert!(owed.contains("300.00"), "{owed}");
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("Cash") && l.ends_with("200.00")),
        "{printed:?}"
    );
    // The cash went in the drawer: its pulse, as for a cash sale.
    while !printer
        .connections
        .lock()
        .unwrap()
        .iter()
        .any(|c| !prints(c) && !decode(c)["drawer_pulses"].as_array().unwrap().is_empty())
    {
        assert!(Instant::now() < deadline, "the drawer never opened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The same payment again (a retry): no second slip, no second pulse.
    let (status, again) = post(&till, "/v1/credit-accounts/9876543210/payments", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(printer.jobs().len(), 1);
}
