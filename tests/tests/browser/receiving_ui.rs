//! Goods in, in headless Chromium: HQ raises a purchase order for the store,
//! the browser script (`tests/js/browser/receiving.mjs`) takes the delivery
//! in by scanner bursts and typed cases, with a damaged pack and a short
//! line recounted, and posts it; this side starts a real hub and till,
//! raises the order, and then checks the stock reached the till's ledger
//! and the hub's, and HQ reads what came short.

use crate::harness::{eventually, Agent, Backend, Hub};
use pos_shared::Qty;

const TEA: &str = "8901234567890";
const DAL: &str = "8901058000016";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_taken_in_and_posted_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = crate::demo_store(&hub, 1).await;
    hq.create_staff(&store, "Ravi", "101", "cashier", "4821")
        .await
        .unwrap();
    // Sharma Traders, and an order of 24 tea and 10 dal.
    let po = system_tests::seed_demo_purchase(&hq, &store).await.unwrap();
    let till = Agent::start(&hub, &codes[0]).await;
    crate::wait_till_ready(&till, "101", "4821", &[TEA, DAL]).await;
    eventually(
        "the till to hear of the order",
        30,
        || async {
            till.get("/v1/purchase-orders").await.1["orders"]
                .as_array()
                .is_some_and(|o| o.len() == 1)
        },
        || till.log(),
    )
    .await;
    let before = |code: &'static str| {
        let till = &till;
        async move { Qty::parse(&till.available(code).await.unwrap()).unwrap() }
    };
    let (tea, dal) = (before(TEA).await, before(DAL).await);
    crate::run_browser_script(
        "receiving.mjs",
        &[("TILL", &till.base), ("TEA", TEA), ("DAL", DAL)],
        || till.log(),
    );

    // In the till's ledger at once, and in the hub's once it syncs.
    let want = [
        (TEA, tea.checked_add(Qty::units(24)).unwrap().to_string()),
        (DAL, dal.checked_add(Qty::units(7)).unwrap().to_string()),
    ];
    for (code, qty) in &want {
        assert_eq!(
            till.available(code).await.as_deref(),
            Some(qty.as_str()),
            "{code}"
        );
    }
    let po_id = po["po_id"].as_str().unwrap().to_owned();
    eventually(
        "the hub to hold the delivery and read what came short",
        60,
        || {
            let (hq, store, want, po_id) = (&hq, &store, &want, &po_id);
            async move {
                let inventory = hq.inventory(store).await.unwrap();
                let on_hand = |code: &str| {
                    let gtin = pos_shared::Gtin::parse(code).unwrap();
                    inventory["positions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|p| p["barcode"] == gtin.as_str())
                        .and_then(|p| p["on_hand"].as_str().map(str::to_owned))
                };
                let (_, order) = hq
                    .get_json(&format!("/v1/purchase-orders/{po_id}"))
                    .await
                    .unwrap();
                want.iter().all(|(c, q)| on_hand(c).as_ref() == Some(q))
                    && order["state"] == "part_received"
                    && order["items"][1]["short"] == "3"
                    && order["items"][0]["damaged"] == "1"
            }
        },
        || till.log(),
    )
    .await;
}
