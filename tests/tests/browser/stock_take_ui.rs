//! A stock take in headless Chromium: the browser script
//! (`tests/js/browser/stock_take.mjs`) starts a count with a manager's
//! approval, counts by scanner bursts and typed cases bin by bin, recounts
//! a shelf, and approves it; this side starts a real hub and till and then checks that
//! the approval reached the till's ledger and the hub's.

use crate::harness::{eventually, Agent, Backend, Hub};

const TEA: &str = "8901234567890";
const DAL: &str = "8901058000016";
const RICE: &str = "4006381333931";
const MILK: &str = "8901262010016";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stock_take_counted_and_approved_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = crate::demo_store(&hub, 1).await;
    hq.create_staff(&store, "Asha", "101", "cashier", "4821")
        .await
        .unwrap();
    hq.create_staff(&store, "Meena", "301", "manager", "2468")
        .await
        .unwrap();
    let till = Agent::start(&hub, &codes[0]).await;
    crate::wait_till_ready(&till, "301", "2468", &[TEA, MILK]).await;
    crate::run_browser_script(
        "stock_take.mjs",
        &[("TILL", &till.base), ("TEA", TEA), ("DAL", DAL)],
        || till.log(),
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
