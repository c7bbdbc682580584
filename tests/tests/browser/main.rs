//! Browser tests: the cashier UI, the picker screens and the customer's
//! display in headless Chromium on real tills and a real hub. A test binary of its own, so it runs after
//! the system tests rather than beside the fault harness: a starved browser
//! types a scanner's burst too slowly to be one.

// The process harness is shared with the system tests; this binary uses part of it.
#[allow(dead_code)]
#[path = "../system/harness.rs"]
mod harness;

mod add_ons_ui;
mod cashier_ui;
mod counter_ui;
mod credit_ui;
mod display_ui;
mod loyalty_ui;
mod picker_ui;
mod receiving_ui;
mod stock_take_ui;
mod transfers_ui;
mod wire;

/// The browser tests take turns: two browsers at once on a small machine
/// starve each other, and a starved browser types a scanner's burst too
/// slowly to be one.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where the browser scripts keep their screenshots.
fn shots_dir() -> std::path::PathBuf {
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screens");
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// Runs `tests/js/browser/<script>` under node with `env` (and `SHOTS`),
/// echoing what it prints; panics with `log` unless it exits well after
/// printing its `result` line, which it returns.
fn run_browser_script(script: &str, env: &[(&str, &str)], log: impl Fn() -> String) -> String {
    use std::io::{BufRead, BufReader};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("js/browser")
        .join(script);
    let mut node = std::process::Command::new("node");
    node.arg(path)
        .env("SHOTS", shots_dir())
        .stdout(std::process::Stdio::piped());
    for (k, v) in env {
        node.env(k, v);
    }
    let mut node = node
        .spawn()
        .expect("node runs the browser script (scripts/test.sh installs it)");
    let lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let mut result = None;
    // Reading blocks, so it leaves the runtime's thread.
    for line in tokio::task::block_in_place(|| lines.collect::<Vec<_>>()) {
        let line = line.unwrap();
        if let Some(r) = line.strip_prefix("result ") {
            result = Some(r.to_owned());
        }
        println!("[browser] {line}");
    }
    let status = node.wait().unwrap();
    match result {
        Some(r) if status.success() => r,
        _ => panic!("the browser script failed ({status}); the till:\n{}", log()),
    }
}

/// A hub's demo chain: its HQ, the store and `tills` enrollment codes.
async fn demo_store(hub: &harness::Hub, tills: usize) -> (system_tests::Hq, String, Vec<String>) {
    let hq = system_tests::create_tenant(&hub.base, harness::ADMIN_TOKEN, "Kirana Chain")
        .await
        .unwrap();
    let (store, codes) = system_tests::seed_demo(&hq, tills).await.unwrap();
    (hq, store, codes)
}

/// Waits until `till` knows its catalog (`barcodes`) and lets `code`/`pin`
/// sign in, then signs out again so the browser starts at the sign-in.
async fn wait_till_ready(till: &harness::Agent, code: &str, pin: &str, barcodes: &[&str]) {
    harness::eventually(
        "the till to know its catalog and its staff",
        30,
        || async move {
            if !till
                .try_post("/v1/session", serde_json::json!({"code": code, "pin": pin}))
                .await
                .0
                .is_success()
            {
                return false;
            }
            for b in barcodes {
                if till.available(b).await.is_none() {
                    return false;
                }
            }
            true
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
}
