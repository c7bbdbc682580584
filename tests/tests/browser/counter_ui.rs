//! A busy counter in headless Chromium: the browser script
//! (`tests/js/browser/counter.mjs`) scans in bursts with the cursor in every
//! field, works the till by keyboard alone, holds and resumes a discounted
//! bill with its customer, and checks every screen's layout at three sizes;
//! this side starts a real hub and a real till that sells only with a shift
//! open (the default a new store gets).

use crate::harness::{Agent, Backend, Hub};

const TEA: &str = "8901234567890";
const DAL: &str = "8901058000016";
const MILK: &str = "8901262010016";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_counter_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = crate::demo_store(&hub, 1).await;
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
    crate::wait_till_ready(&till, "101", "4821", &[TEA, MILK]).await;
    crate::run_browser_script(
        "counter.mjs",
        &[
            ("TILL", &till.base),
            ("TEA", TEA),
            ("DAL", DAL),
            ("MILK", MILK),
        ],
        || till.log(),
    );
}
