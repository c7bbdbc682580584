//! Transfers at the store, in headless Chromium on two tills: HQ asks the
//! Indiranagar store to send tea to the HSR dark store; the browser script
//! (`tests/js/browser/transfers.mjs`) scans the goods out at Indiranagar's
//! till and dispatches them, then scans them in at HSR's till, one short.
//! This side starts a real hub and both tills, raises the request, and
//! checks the ledgers: the stock left the source at once, arrived at the
//! destination into the batch it was sent in, and HQ reads the shortfall.

use crate::harness::{eventually, Agent, Backend, Hub, ADMIN_TOKEN};
use pos_shared::Qty;
use serde_json::json;

const TEA: &str = "8901234567890";
const DAL: &str = "8901058000016";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_sent_and_received_by_scan_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let hq = system_tests::create_tenant(&hub.base, ADMIN_TOKEN, "Kirana Chain")
        .await
        .unwrap();
    let (from, codes) = system_tests::seed_demo(&hq, 1).await.unwrap();
    let (to, to_code) = system_tests::store_with_till(&hq, "BLR-02", "HSR dark store", "H1")
        .await
        .unwrap();
    for store in [&from, &to] {
        hq.create_staff(store, "Ravi", "101", "cashier", "4821")
            .await
            .unwrap();
    }
    let tea = system_tests::variant_at(&hq, &from, TEA).await.unwrap();
    // Ten packs of batch L1 at the source: the transfer takes from it.
    let (s, b) = hq
        .post_json(
            &format!("/v1/stores/{from}/movements"),
            &json!({"variant_id": tea, "delta": "10", "reason": "receipt",
                    "batch": {"code": "L1", "expires_on": "2027-01-31"}}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{b}");
    // For the stock alerts: tea to reorder below 1,000, and dal whose batch
    // D-7 expires in two days.
    let (s, b) = hq
        .put_json(
            &format!("/v1/stores/{from}/reorder-points/{tea}"),
            &json!({"reorder_point": "1000"}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{b}");
    let soon = pos_shared::Timestamp::from_unix_millis(
        pos_shared::Timestamp::now().unix_millis() + 2 * 86_400_000,
    )
    .to_string();
    let dal = system_tests::variant_at(&hq, &from, DAL).await.unwrap();
    let (s, b) = hq
        .post_json(
            &format!("/v1/stores/{from}/movements"),
            &json!({"variant_id": dal, "delta": "3", "reason": "receipt",
                    "batch": {"code": "D-7", "expires_on": soon.get(..10)}}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{b}");
    let (s, request) = hq
        .post_json(
            &format!("/v1/stores/{from}/transfer-requests"),
            &json!({"to_store_id": to, "variant_id": tea, "qty": "6"}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{request}");

    let source = Agent::start(&hub, &codes[0]).await;
    crate::wait_till_ready(&source, "101", "4821", &[TEA, DAL]).await;
    let destination = Agent::start(&hub, &to_code).await;
    crate::wait_till_ready(&destination, "101", "4821", &[TEA]).await;
    eventually(
        "the source's till to hear of the request",
        30,
        || async {
            source.get("/v1/transfers").await.1["to_send"]
                .as_array()
                .is_some_and(|r| r.len() == 1)
        },
        || source.log(),
    )
    .await;
    let before = tea_at(&source).await;
    crate::run_browser_script(
        "transfers.mjs",
        &[
            ("TILL", &source.base),
            ("TEA", TEA),
            ("DAL", DAL),
            ("PART", "send"),
            ("OTHER_STORE", "HSR dark store"),
        ],
        || source.log(),
    );
    assert_eq!(
        tea_at(&source).await,
        before.checked_sub(Qty::units(6)).unwrap(),
        "the stock left the source's till at once"
    );

    eventually(
        "the destination's till to hear of the transfer",
        60,
        || async {
            destination.get("/v1/transfers").await.1["to_receive"]
                .as_array()
                .is_some_and(|r| r.len() == 1)
        },
        || format!("{}\n{}", source.log(), destination.log()),
    )
    .await;
    let arriving = tea_at(&destination).await;
    crate::run_browser_script(
        "transfers.mjs",
        &[
            ("TILL", &destination.base),
            ("TEA", TEA),
            ("DAL", DAL),
            ("PART", "receive"),
            ("OTHER_STORE", "Indiranagar"),
        ],
        || destination.log(),
    );
    assert_eq!(
        tea_at(&destination).await,
        arriving.checked_add(Qty::units(5)).unwrap()
    );

    let id = request["request_id"].as_str().unwrap().to_owned();
    eventually(
        "HQ to read the transfer received five of six, into batch L1",
        60,
        || {
            let (hq, id, to) = (&hq, &id, &to);
            async move {
                let (_, request) = hq
                    .get_json(&format!("/v1/transfer-requests/{id}"))
                    .await
                    .unwrap();
                let Some(transfer) = request["transfer_id"].as_str() else {
                    return false;
                };
                let (_, transfer) = hq
                    .get_json(&format!("/v1/transfers/{transfer}"))
                    .await
                    .unwrap();
                let (_, batches) = hq
                    .get_json(&format!("/v1/stores/{to}/batches"))
                    .await
                    .unwrap();
                transfer["state"] == "received"
                    && transfer["received_qty"] == "5"
                    && transfer["shortfall"] == "1"
                    && transfer["dispatched_by"] == "Ravi"
                    && batches[0]["code"] == "L1"
                    && batches[0]["on_hand"] == "5"
            }
        },
        || format!("{}\n{}", source.log(), destination.log()),
    )
    .await;
}

async fn tea_at(till: &Agent) -> Qty {
    Qty::parse(&till.available(TEA).await.unwrap_or_else(|| "0".into())).unwrap()
}
