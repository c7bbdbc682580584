//! Customers across stores, as real processes: a customer captured at one
//! store's till is merged into the chain's record at the hub; a till of
//! another store finds them by phone while it can reach the hub, takes the
//! profile in, and knows them offline from then on; the bill it makes
//! offline counts at its store in HQ's view of the customer.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, on_both_backends, wait_drained, wait_synced, TEA};
use serde_json::json;

const MEERA: &str = "+919876543210";

async fn a_customer_met_at_one_store_is_found_at_another_and_kept_offline(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, indiranagar, codes) = demo_chain(&hub, 1).await;
    let (hsr, hsr_code) = system_tests::store_with_till(&hq, "BLR-02", "HSR dark store", "H1")
        .await
        .unwrap();
    let a = Agent::start(&hub, &codes[0]).await;
    let h = Agent::start(&hub, &hsr_code).await;
    wait_synced(&a, &hq, &indiranagar).await;
    wait_synced(&h, &hq, &hsr).await;

    let profile = json!({"phone": MEERA, "name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"});
    a.put(
        "/v1/customers/98765 43210",
        json!({"name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"}),
    )
    .await;
    eventually(
        "the hub to merge Indiranagar's profile",
        30,
        || async {
            let (s, c) = hq
                .get_json(&format!("/v1/customers/{MEERA}"))
                .await
                .unwrap();
            s.is_success()
                && c["name"] == "Meera Traders"
                && c["first_store_id"] == indiranagar.as_str()
        },
        || a.log(),
    )
    .await;

    // HSR has never met her: its till asks the chain.
    let (s, unknown) = h.get("/v1/customers/9000000001").await;
    assert_eq!(s.as_u16(), 404, "{unknown}");
    let (s, found) = h.get("/v1/customers?q=9876543210").await;
    assert_eq!(s.as_u16(), 200, "{found}");
    assert_eq!(found, json!([profile.clone()]));

    // Offline, HSR's till still knows her, and bills her.
    hub.stop();
    let (s, kept) = h.get("/v1/customers/9876543210").await;
    assert_eq!((s.as_u16(), kept), (200, profile.clone()));
    let (s, found) = h.get("/v1/customers?q=meera").await;
    assert_eq!((s.as_u16(), found), (200, json!([profile.clone()])));
    let (_, item) = h.get(&format!("/v1/products/by-barcode/{TEA}")).await;
    let price = item["price"]["minor"].as_i64().unwrap();
    let (s, sale) = h
        .try_post(
            "/v1/sales",
            json!({
                "lines": [{"barcode": TEA, "qty": "1"}],
                "tenders": [{"method": "cash", "amount": {"minor": price, "currency": "INR"}}],
                "customer_phone": "9876543210",
            }),
        )
        .await;
    assert_eq!(s.as_u16(), 201, "{sale}");

    hub.restart().await;
    wait_drained(&h, &hub).await;
    eventually(
        "HQ to see her bill at HSR",
        30,
        || async {
            let (_, c) = hq
                .get_json(&format!("/v1/customers/{MEERA}"))
                .await
                .unwrap();
            c["stores"].as_array().is_some_and(|stores| {
                stores.iter().any(|s| {
                    s["store_id"] == hsr.as_str() && s["bills"] == 1 && s["profile_here"] == true
                })
            })
        },
        || h.log(),
    )
    .await;
    let (_, c) = hq
        .get_json(&format!("/v1/customers/{MEERA}"))
        .await
        .unwrap();
    assert_eq!(c["name"], "Meera Traders", "{c}");
    assert_eq!(c["first_store_id"], indiranagar.as_str());
    assert_eq!(
        c["updated_by_store_id"],
        indiranagar.as_str(),
        "HSR took the profile in as it was and edited nothing"
    );
}
on_both_backends!(a_customer_met_at_one_store_is_found_at_another_and_kept_offline);
