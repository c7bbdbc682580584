//! A busy counter in headless Chromium: the browser script
//! (`tests/js/browser/counter.mjs`) scans in bursts with the cursor in every
//! field, works the till by keyboard alone, holds and resumes a discounted
//! bill with its customer, and checks every screen's layout at three sizes;
//! this side starts a real hub and a real till that sells only with a shift
//! open (the default a new store gets).

use crate::harness::{eventually, Agent, Backend, Hub, ADMIN_TOKEN};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const TEA: &str = "8901234567890";
const DAL: &str = "8901058000016";
const MILK: &str = "8901262010016";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_counter_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let hq = system_tests::create_tenant(&hub.base, ADMIN_TOKEN, "Kirana Chain")
        .await
        .unwrap();
    let (store, codes) = system_tests::seed_demo(&hq, 1).await.unwrap();
    hq.create_staff(&store, "Asha", "101", "cashier", "4821")
        .await
        .unwrap();
    hq.create_staff(&store, "Ravi", "102", "supervisor", "7305")
        .await
        .unwrap();
    let till = Agent::start_with(
        &hub.base,
        &codes[0],
        &[
            ("EDGE_REQUIRE_OPEN_SHIFT", "yes"),
            ("EDGE_UPI_VPA", "kiranastore@okaxis"),
            ("EDGE_UPI_PAYEE_NAME", "Kirana Store"),
        ],
    )
    .await;
    eventually(
        "the till to know its catalog and its staff",
        30,
        || {
            let till = &till;
            async move {
                till.try_post("/v1/session", json!({"code": "101", "pin": "4821"}))
                    .await
                    .0
                    .is_success()
                    && till.available(TEA).await.is_some()
                    && till.available(MILK).await.is_some()
            }
        },
        || till.log(),
    )
    .await;
    let r = reqwest::Client::new()
        .delete(format!("{}/v1/session", till.base))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screens");
    std::fs::create_dir_all(&shots).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js/browser/counter.mjs");
    let mut node = Command::new("node")
        .arg(script)
        .env("TILL", &till.base)
        .env("SHOTS", &shots)
        .env("TEA", TEA)
        .env("DAL", DAL)
        .env("MILK", MILK)
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the browser script (scripts/test.sh installs it)");
    let lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let mut finished = false;
    for line in tokio::task::block_in_place(|| lines.collect::<Vec<_>>()) {
        let line = line.unwrap();
        finished |= line.starts_with("result ");
        println!("[browser] {line}");
    }
    let status = node.wait().unwrap();
    assert!(
        status.success() && finished,
        "the browser script failed ({status}); the till:\n{}",
        till.log()
    );
}
