//! The cashier UI in headless Chromium against a real hub and two real tills:
//! the browser script (`tests/js/browser/till.mjs`) drives the screens; this
//! side runs the processes, stops and restarts the hub when the script asks,
//! receives the receipt printer's bytes on a loopback socket, and checks what
//! reached the hub.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::wire::typecheck_answers;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncReadExt;

/// Assam tea, from the demo catalog.
const TEA: &str = "8901234567890";
/// Masala chai, with a size to choose and extras to add.
const CHAI: &str = "8901058000047";

/// A network receipt printer on loopback: keeps every byte it is sent.
async fn loopback_printer() -> (u16, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    (port, received)
}

/// A serial scanner on a pseudo-terminal pair: the agent reads one end, the
/// test writes barcodes into the other.
struct SerialScanner {
    socat: std::process::Child,
    feeder: std::path::PathBuf,
}

impl SerialScanner {
    fn start(dir: &std::path::Path) -> (SerialScanner, std::path::PathBuf) {
        let (device, feeder) = (dir.join("scanner"), dir.join("feeder"));
        let scanner = SerialScanner {
            socat: Command::new("socat")
                .arg(format!("pty,raw,echo=0,link={}", device.display()))
                .arg(format!("pty,raw,echo=0,link={}", feeder.display()))
                .stderr(Stdio::null())
                .spawn()
                .expect("socat is installed by scripts/test.sh"),
            feeder,
        };
        for _ in 0..100 {
            if device.exists() && scanner.feeder.exists() {
                return (scanner, device);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("socat did not create the pseudo-terminals");
    }

    fn scan(&self, code: &str) {
        let mut port = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.feeder)
            .unwrap();
        port.write_all(format!("{code}\r").as_bytes()).unwrap();
    }
}

impl Drop for SerialScanner {
    fn drop(&mut self) {
        let _ = self.socat.kill();
        let _ = self.socat.wait();
    }
}

fn script_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// Waits until the till says whether it may sell the item with `code`.
async fn not_for_sale_on(till: &Agent, code: &str, stopped: bool) {
    eventually(
        "the till to hear whether it may sell the item",
        30,
        || async move {
            let (_, p) = till.get(&format!("/v1/products/by-barcode/{code}")).await;
            p.get("not_for_sale").is_some() == stopped
        },
        || till.log(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_shift_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let mut hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = crate::demo_store(&hub, 2).await;
    hq.create_staff(&store, "Asha", "101", "cashier", "4821")
        .await
        .unwrap();
    hq.create_staff(&store, "Ravi", "102", "supervisor", "7305")
        .await
        .unwrap();
    let (printer_port, printed) = loopback_printer().await;
    let printer = format!("front=tcp://127.0.0.1:{printer_port}");
    let ports = tempfile::tempdir().unwrap();
    let (scanner, scanner_device) = SerialScanner::start(ports.path());
    let scanner_spec = format!("{}:cr", scanner_device.display());
    let till1 = Agent::start_with(
        &hub.base,
        &codes[0],
        &[
            ("EDGE_PRINTERS", &printer),
            ("EDGE_SERIAL_SCANNERS", &scanner_spec),
        ],
    )
    .await;
    let till2 = Agent::start(&hub, &codes[1]).await;
    let inr = |minor: i64| json!({"minor": minor, "currency": "INR"});
    let option = |code: &str, name: &str, minor: i64| json!({"code": code, "name": name, "price": inr(minor)});
    let chai = hq
        .create_product(&json!({"name": "Masala Chai", "variants": [{
        "sku": "CHAI", "barcode": CHAI, "price": inr(2000),
        "modifiers": [
            {"name": "Size", "min": 1, "max": 1,
             "options": [option("regular", "Regular", 0), option("large", "Large", 1000)]},
            {"name": "Extras", "min": 0, "max": 2,
             "options": [option("ginger", "Ginger", 500), option("elaichi", "Elaichi", 500)]},
        ]}]}))
        .await
        .unwrap();
    let chai_variant = chai["variants"][0]["variant_id"].as_str().unwrap();
    hq.receive_stock(&store, chai_variant, "50").await.unwrap();

    for till in [&till1, &till2] {
        eventually(
            "the till to know its catalog, its staff and the chai",
            30,
            || async move {
                till.try_post("/v1/session", json!({"code": "101", "pin": "4821"}))
                    .await
                    .0
                    .is_success()
                    && till.available(TEA).await.is_some()
                    && till.available(CHAI).await.is_some()
                    && till.status().await["search_indexing"] == false
            },
            || till.log(),
        )
        .await;
    }
    // Both tills start signed out: the script signs in through the UI.
    for till in [&till1, &till2] {
        let r = reqwest::Client::new()
            .delete(format!("{}/v1/session", till.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screens");
    std::fs::create_dir_all(&shots).unwrap();
    let mut node = Command::new("node")
        .arg(script_dir().join("browser/till.mjs"))
        .env("TILL1", &till1.base)
        .env("TILL2", &till2.base)
        .env("SHOTS", &shots)
        .env("TEA", TEA)
        .env("CHAI", CHAI)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the browser script (scripts/test.sh installs it)");
    let mut to_script = node.stdin.take().unwrap();
    let mut from_script = BufReader::new(node.stdout.take().unwrap()).lines();
    let mut results: Option<Value> = None;
    // The script asks for the hub to go down and come back; everything else
    // it prints is progress. Reading blocks, so it leaves the runtime's thread.
    while let Some(line) = tokio::task::block_in_place(|| from_script.next()) {
        let line = line.unwrap();
        if let Some(command) = line.strip_prefix("control ") {
            let words: Vec<&str> = command.split_whitespace().collect();
            match words[..] {
                ["stop-hub"] => hub.stop(),
                ["start-hub"] => hub.restart().await,
                ["serial-scan", code] => scanner.scan(code),
                ["price", code, paise] => {
                    let inventory = hq.inventory(&store).await.unwrap();
                    let gtin = pos_shared::Gtin::parse(code).unwrap();
                    let variant = inventory["positions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|p| p["barcode"] == gtin.as_str())
                        .unwrap()["variant_id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    hq.set_price(&variant, pos_shared::Money::inr(paise.parse().unwrap()))
                        .await
                        .unwrap();
                }
                // Answered once the first till has heard it from the feed.
                ["hold", code, ..] | ["release", code] => {
                    let reason = words.get(2).copied();
                    let (_, product) = till1.get(&format!("/v1/products/by-barcode/{code}")).await;
                    let variant = product["variant_id"].as_str().unwrap();
                    hq.set_hold(&store, variant, reason).await.unwrap();
                    not_for_sale_on(&till1, code, reason.is_some()).await;
                }
                _ => panic!("the script asked for {command:?}"),
            }
            writeln!(to_script, "ok").unwrap();
        } else if let Some(json) = line.strip_prefix("result ") {
            results = Some(serde_json::from_str(json).unwrap());
        } else {
            println!("[browser] {line}");
        }
    }
    let status = node.wait().unwrap();
    assert!(
        status.success(),
        "the browser script failed ({status}); till 1:\n{}",
        till1.log()
    );
    let results = results.expect("the script reports its results");

    // The receipts reached the printer as ESC/POS bytes.
    let first_receipt = results["receipt_no"].as_str().unwrap();
    eventually(
        "the receipt at the printer",
        20,
        || {
            let printed = printed.clone();
            async move {
                let bytes = printed.lock().unwrap();
                // ESC @ (initialise) opens every job.
                bytes.windows(2).any(|w| w == b"\x1b@")
                    && String::from_utf8_lossy(&bytes).contains(first_receipt)
            }
        },
        || {
            let bytes = printed.lock().unwrap();
            format!(
                "{} bytes at the printer: {:?}\ntill 1:\n{}",
                bytes.len(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(400)]),
                till1.log()
            )
        },
    )
    .await;

    // Every sale the browser made is at the hub once, and the Z report the
    // cashier saw is the one HQ has.
    let made: Vec<String> = serde_json::from_value(results["sales"].clone()).unwrap();
    let z = &results["z"];
    eventually(
        "the sales and the Z report at the hub",
        30,
        || {
            let hq = hq.clone();
            let store = store.clone();
            let made = made.clone();
            async move {
                let sales = hq.sales(&store).await.unwrap();
                let shifts = hq.shifts(&store).await.unwrap();
                made.iter().all(|r| {
                    sales
                        .iter()
                        .filter(|s| s["receipt_no"] == r.as_str())
                        .count()
                        == 1
                }) && shifts.len() == 1
            }
        },
        || hub.log(),
    )
    .await;
    let shifts = hq.shifts(&store).await.unwrap();
    let shift = &shifts[0];
    assert_eq!(shift["sales_count"], z["sales_count"], "{shift}");
    assert_eq!(shift["sales_total"]["minor"], z["sales_total"], "{shift}");
    assert_eq!(
        shift["expected_cash"]["minor"], z["expected_cash"],
        "{shift}"
    );
    assert_eq!(shift["variance"]["minor"], z["variance"], "{shift}");
    assert_eq!(shift["returns_count"], 1, "{shift}");

    // The customer captured at the till rode on the first sale.
    let (_, first) = till1
        .get(&format!("/v1/sales/by-receipt/{first_receipt}"))
        .await;
    let customer = &first["sale"]["customer"];
    assert_eq!(customer["phone"], "+919845012345", "{first}");
    assert_eq!(customer["name"], "Meena Traders", "{first}");

    // What the till answered after a day of trading is what the UI's
    // generated types say it answers.
    let signed_in = till1
        .post("/v1/session", json!({"code": "102", "pin": "7305"}))
        .await;
    let get = |path: &'static str| {
        let till = &till1;
        async move {
            let (status, body) = till.get(path).await;
            assert!(status.is_success(), "GET {path}: {status} {body}");
            body
        }
    };
    let status = get("/v1/sync/status").await;
    let product = till1
        .get(&format!("/v1/products/by-barcode/{CHAI}"))
        .await
        .1;
    let search = get("/v1/products/search?q=tea").await;
    let keys = get("/v1/quick-keys").await;
    let held = get("/v1/held-bills").await;
    let customers = get("/v1/customers?q=98450").await;
    let devices = get("/v1/devices").await;
    let printers = get("/v1/printers").await;
    let quote = till1
        .post(
            "/v1/sales/quote",
            json!({"lines": [
                {"barcode": CHAI, "qty": "2", "modifiers": ["large", "ginger"],
                 "discount": {"percent": "5", "reason": "regular"}},
                {"barcode": TEA, "qty": "1"},
            ]}),
        )
        .await;
    let opened = till1
        .post(
            "/v1/shifts",
            json!({"cashier": "Ravi", "opening_float": inr(50000)}),
        )
        .await;
    let closed = till1
        .post(
            "/v1/shifts/current/close",
            json!({"counted_cash": inr(49900)}),
        )
        .await;
    typecheck_answers(&[
        ("SignedIn", &signed_in),
        ("SyncStatus", &status),
        ("ScannedProduct", &product),
        ("ProductView[]", &search),
        ("QuickKeyPage[]", &keys),
        ("HeldBill[]", &held),
        ("Customer[]", &customers),
        ("Record<string, DeviceStatus>", &devices),
        ("PrinterView[]", &printers),
        ("SaleQuote", &quote),
        ("ReturnableSale", &first),
        ("ShiftReport", &opened),
        ("ShiftReport", &closed),
    ]);
}
