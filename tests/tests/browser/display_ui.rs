//! The customer-facing display in headless Chromium on a real till: a real
//! hub and a till enrolled with it, its UPI ID set in the environment. The
//! browser script (`tests/js/browser/display.mjs`) opens `/display`,
//! publishes bills, a UPI QR, the change and a thank-you from a second page
//! on the till's origin, and checks each screen at three sizes (axe-core, no
//! text out of its box); this side checks the answers against the UI's
//! generated types.

use crate::harness::{Agent, Backend, Hub, ADMIN_TOKEN};
use crate::wire::typecheck_answers;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const PAYEE: &str = "Kirana Store";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_sees_the_bill_the_upi_qr_and_the_change() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let hq = system_tests::create_tenant(&hub.base, ADMIN_TOKEN, "Kirana Chain")
        .await
        .unwrap();
    let (_store, codes) = system_tests::seed_demo(&hq, 1).await.unwrap();
    let till = Agent::start_with(
        &hub.base,
        &codes[0],
        &[
            ("EDGE_UPI_VPA", "kiranastore@okicici"),
            ("EDGE_UPI_PAYEE_NAME", PAYEE),
        ],
    )
    .await;

    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screens");
    std::fs::create_dir_all(&shots).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js/browser/display.mjs");
    let mut node = Command::new("node")
        .arg(script)
        .env("TILL", &till.base)
        .env("SHOTS", &shots)
        .env("PAYEE", PAYEE)
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the browser script (scripts/test.sh installs it)");
    let from_script = BufReader::new(node.stdout.take().unwrap()).lines();
    let mut results: Option<Value> = None;
    for line in tokio::task::block_in_place(|| from_script.collect::<Vec<_>>()) {
        let line = line.unwrap();
        match line.strip_prefix("result ") {
            Some(json) => results = Some(serde_json::from_str(json).unwrap()),
            None => println!("[browser] {line}"),
        }
    }
    let status = node.wait().unwrap();
    assert!(
        status.success(),
        "the browser script failed ({status}); till:\n{}",
        till.log()
    );
    let results = results.expect("the script reports its results");
    assert_eq!(results["intent"]["payee_name"], PAYEE, "{results}");
    typecheck_answers(&[
        ("UpiIntent", &results["intent"]),
        ("DisplayState", &results["state"]),
    ]);
    println!("display screens saved in {}", shots.display());
}
