//! A stock take in headless Chromium: the browser script
//! (`tests/js/browser/stock_take.mjs`) starts a count with a manager's
//! approval, counts by scanner bursts and typed cases bin by bin, recounts
//! a shelf, and approves it; this side starts a real hub and till and then checks that
//! the approval reached the till's ledger and the hub's.

use crate::harness::{eventually, Agent, Backend, Hub, ADMIN_TOKEN};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const TEA: &str = "8901234567890";
const DAL: &str = "8901058000016";
const RICE: &str = "4006381333931";
const MILK: &str = "8901262010016";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stock_take_counted_and_approved_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let hq = system_tests::create_tenant(&hub.base, ADMIN_TOKEN, "Kirana Chain")
        .await
        .unwrap();
    let (store, codes) = system_tests::seed_demo(&hq, 1).await.unwrap();
    hq.create_staff(&store, "Asha", "101", "cashier", "4821")
        .await
        .unwrap();
    hq.create_staff(&store, "Meena", "301", "manager", "2468")
        .await
        .unwrap();
    let till = Agent::start(&hub, &codes[0]).await;
    eventually(
        "the till to know its catalog and its staff",
        30,
        || {
            let till = &till;
            async move {
                till.try_post("/v1/session", json!({"code": "301", "pin": "2468"}))
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
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js/browser/stock_take.mjs");
    let mut node = Command::new("node")
        .arg(script)
        .env("TILL", &till.base)
        .env("SHOTS", &shots)
        .env("TEA", TEA)
        .env("DAL", DAL)
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

    // The approval is in the till's ledger at once, and reaches the hub's.
    for (code, want) in [(TEA, "3"), (DAL, "45"), (RICE, "0"), (MILK, "0")] {
        assert_eq!(till.available(code).await.as_deref(), Some(want), "{code}");
    }
    eventually(
        "the hub to hold what was counted",
        60,
        || {
            let (hq, store) = (&hq, &store);
            async move {
                let inv = hq.inventory(store).await.unwrap();
                let on_hand = |code: &str| {
                    let gtin = pos_shared::Gtin::parse(code).unwrap();
                    inv["positions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|p| p["barcode"] == gtin.as_str())
                        .map(|p| p["on_hand"].as_str().unwrap().to_owned())
                };
                [(TEA, "3"), (DAL, "45"), (RICE, "0"), (MILK, "0")]
                    .iter()
                    .all(|(c, q)| on_hand(c).as_deref() == Some(*q))
            }
        },
        || till.log(),
    )
    .await;
}
