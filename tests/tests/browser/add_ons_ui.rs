//! The add-on hint in headless Chromium: the store's customers bought milk
//! with tea three times and rice once (sold through the till's API and
//! synced), the hub's basket worker pairs them, and the browser script
//! (`tests/js/browser/add_ons.mjs`) rings up a tea, reads the hint (milk,
//! then rice), takes milk from it, and, once this side has stopped the hub
//! when it asks, reads the same hint on a new bill from what the till kept.

use crate::harness::{eventually, Agent, Backend, Hub};
use serde_json::json;

const TEA: &str = "8901234567890";
const RICE: &str = "4006381333931";
const MILK: &str = "8901262010016";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tea_on_the_bill_offers_what_sells_with_it() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = crate::demo_store(&hub, 1).await;
    hq.create_staff(&store, "Ravi", "101", "cashier", "4821")
        .await
        .unwrap();
    let till = Agent::start(&hub, &codes[0]).await;
    crate::wait_till_ready(&till, "101", "4821", &[TEA, RICE, MILK]).await;
    till.post("/v1/session", json!({"code": "101", "pin": "4821"}))
        .await;
    for _ in 0..3 {
        till.sell(&[(TEA, "1"), (MILK, "1")]).await;
    }
    till.sell(&[(TEA, "1"), (RICE, "1")]).await;
    let (_, tea) = till.get(&format!("/v1/products/by-barcode/{TEA}")).await;
    let tea = tea["variant_id"].as_str().unwrap().to_owned();
    eventually(
        "the hub to pair what was sold with tea",
        60,
        || {
            let (hq, store, tea) = (&hq, &store, &tea);
            async move {
                let (_, got) = hq
                    .get_json(&format!("/v1/stores/{store}/recommendations?item_id={tea}"))
                    .await
                    .unwrap();
                got["bought_with"].as_array().is_some_and(|l| l.len() == 2)
            }
        },
        || till.log(),
    )
    .await;
    reqwest::Client::new()
        .delete(format!("{}/v1/session", till.base))
        .send()
        .await
        .unwrap();

    let signals = tempfile::tempdir().unwrap();
    let (ask, done) = (
        signals.path().join("stop-hub"),
        signals.path().join("hub-stopped"),
    );
    // The script asks for the hub to go while it runs: a thread waits for
    // the ask and stops it.
    let stopper = {
        let (ask, done) = (ask.clone(), done.clone());
        let mut hub = hub;
        std::thread::spawn(move || {
            for _ in 0..1200 {
                if ask.exists() {
                    hub.stop();
                    std::fs::write(&done, "stopped").unwrap();
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            hub
        })
    };
    let out = crate::run_browser_script(
        "add_ons.mjs",
        &[
            ("TILL", &till.base),
            ("TEA", TEA),
            ("STOP_HUB", ask.to_str().unwrap()),
            ("HUB_STOPPED", done.to_str().unwrap()),
        ],
        || till.log(),
    );
    assert_eq!(out.trim(), "ok");
    drop(stopper.join().unwrap());
}
