//! The store as HQ keeps it reaches its tills, as real processes: the GSTIN
//! HQ enters is printed on the till's bills from then on (the till's own
//! setting stood in until then), HQ closing the store shows on the till, and
//! a till enrolled later has both from its snapshot.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, on_both_backends, wait_synced, TEA};
use reqwest::Method;
use serde_json::json;

const GSTIN: &str = "29AAACK1234A1Z6";

async fn hq_gstin_and_status_reach_the_tills_and_their_bills(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let status = till.status().await;
    assert_eq!(status["store"]["name"], "Indiranagar", "{status}");
    assert_eq!(status["store"]["status"], "open");
    assert!(status["store"].get("gstin").is_none(), "{status}");

    let (s, b) = hq
        .send_json(
            Method::PUT,
            &format!("/v1/stores/{store}/gstin"),
            Some(&json!({"gstin": GSTIN})),
        )
        .await
        .unwrap();
    assert!(s.is_success(), "{b}");
    eventually(
        "the till to hear the store's GSTIN",
        30,
        || async { till.status().await["store"]["gstin"] == GSTIN },
        || till.log(),
    )
    .await;
    let sale = till.sell(&[(TEA, "1")]).await;
    let sale_id = sale["sale_id"].as_str().unwrap();
    let r = reqwest::get(format!("{}/v1/sales/{sale_id}/receipt", till.base))
        .await
        .unwrap();
    let paper = r.text().await.unwrap();
    assert!(
        paper.contains(GSTIN),
        "the bill carries HQ's GSTIN:\n{paper}"
    );

    let (s, b) = hq
        .send_json(
            Method::PUT,
            &format!("/v1/stores/{store}/status"),
            Some(&json!({"status": "closed"})),
        )
        .await
        .unwrap();
    assert!(s.is_success(), "{b}");
    eventually(
        "the till to hear the store is closed",
        30,
        || async { till.status().await["store"]["status"] == "closed" },
        || till.log(),
    )
    .await;

    // A till enrolled now has both from its snapshot.
    let late = Agent::start(&hub, &codes[1]).await;
    eventually(
        "the new till to know the store",
        60,
        || async {
            let s = late.status().await;
            s["store"]["gstin"] == GSTIN && s["store"]["status"] == "closed"
        },
        || late.log(),
    )
    .await;
}
on_both_backends!(hq_gstin_and_status_reach_the_tills_and_their_bills);
