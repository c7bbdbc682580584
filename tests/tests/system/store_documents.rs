//! The store's shared Automerge documents across tills: item state, held bills
//! and customer profiles, edited on tills that cannot reach the hub and merged
//! once they can.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, gtin, on_both_backends, wait_synced, DAL, MILK, TEA};
use serde_json::{json, Value};

async fn item_state_edited_offline_on_two_tills_merges(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till1 = Agent::start(&hub, &codes[0]).await;
    let till2 = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till1, &hq, &store).await;
    wait_synced(&till2, &hq, &store).await;
    till1.edit_item(DAL, json!({"shelf": "B2"})).await;
    let dal = gtin(DAL);
    eventually(
        "till 2 to hear of till 1's edit",
        30,
        || {
            let dal = dal.clone();
            let till2 = &till2;
            async move { till2.get("/v1/item-state").await.1[dal]["shelf"] == "B2" }
        },
        || till2.log(),
    )
    .await;

    // Offline: each till edits on its own, some of it the same item.
    hub.stop();
    till1.edit_item(TEA, json!({"disabled": true})).await;
    till2
        .edit_item(TEA, json!({"shelf": "A1", "note": "top shelf, left"}))
        .await;
    till2.edit_item(MILK, json!({"disabled": true})).await;
    till2.edit_item(DAL, json!({"shelf": ""})).await;
    let (_, local) = till1.get("/v1/item-state").await;
    assert_eq!(
        local[gtin(TEA)]["disabled"],
        true,
        "edits apply at once, offline: {local}"
    );
    assert_eq!(
        local[gtin(TEA)]["shelf"],
        Value::Null,
        "till 1 has not heard of till 2's edit: {local}"
    );

    hub.restart().await;
    let expected = json!({
        gtin(TEA): {"disabled": true, "shelf": "A1", "note": "top shelf, left"},
        gtin(MILK): {"disabled": true, "shelf": null, "note": null},
    });
    // Dal's only state, its shelf, was cleared on till 2: it has no state left.
    for till in [&till1, &till2] {
        let expected = expected.clone();
        eventually(
            "both tills to hold the merged item state",
            30,
            move || {
                let expected = expected.clone();
                async move { till.get("/v1/item-state").await.1 == expected }
            },
            || format!("till: {:?}\n{}", "item state", till.log()),
        )
        .await;
    }

    // The hub's copy is a real Automerge document: the JavaScript library loads it.
    let saved = hq.document(&store, "item_state").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("item_state.automerge");
    std::fs::write(&path, &saved).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js/load-doc.mjs");
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(&path)
        .output()
        .expect("node is installed by scripts/test.sh");
    assert!(
        out.status.success(),
        "JS Automerge could not load the hub's document (run scripts/test.sh, which installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let js: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(js[format!("{}/disabled", gtin(TEA))], true, "{js}");
    assert_eq!(js[format!("{}/shelf", gtin(TEA))], "A1", "{js}");
    assert_eq!(js[format!("{}/disabled", gtin(MILK))], true, "{js}");
    assert!(
        js.get(format!("{}/shelf", gtin(DAL))).is_none(),
        "the cleared shelf stays cleared: {js}"
    );
}
on_both_backends!(item_state_edited_offline_on_two_tills_merges);

async fn held_bills(till: &Agent) -> Vec<Value> {
    till.get("/v1/held-bills")
        .await
        .1
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until `agent` lists bill `id` resumed by `resumed` terminals.
async fn wait_bill(what: &str, agent: &Agent, id: &str, resumed: usize) {
    eventually(
        what,
        30,
        || async move {
            held_bills(agent).await.iter().any(|b| {
                b["bill_id"] == id && b["resumed_by"].as_array().map_or(0, Vec::len) == resumed
            })
        },
        || agent.log(),
    )
    .await;
}

async fn a_bill_held_on_one_till_resumes_on_another_and_a_double_resume_shows(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    hq.create_staff(&store, "Ravi", "102", "supervisor", "7305")
        .await
        .unwrap();
    let till1 = Agent::start(&hub, &codes[0]).await;
    let till2 = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till1, &hq, &store).await;
    wait_synced(&till2, &hq, &store).await;

    let held = till1
        .post(
            "/v1/held-bills",
            json!({"lines": [{"barcode": TEA, "qty": "2"}]}),
        )
        .await;
    let id = held["bill_id"].as_str().unwrap().to_owned();
    wait_bill("till 2 to see the bill till 1 held", &till2, &id, 0).await;
    let resumed = till2
        .post(&format!("/v1/held-bills/{id}/resume"), json!({}))
        .await;
    assert_eq!(resumed["lines"][0]["barcode"], TEA);
    wait_bill("till 1 to see it resumed", &till1, &id, 1).await;

    // A supervisor's 15 % off travels with the bill: till 2 sells it on
    // Ravi's approval given at till 1, without asking again; a changed
    // discount asks.
    let discounted = |percent: &str| {
        json!([{"barcode": TEA, "qty": "2",
                "discount": {"percent": percent, "reason": "damaged box"}}])
    };
    let held = till1
        .post(
            "/v1/held-bills",
            json!({"lines": discounted("15"), "approval": {"code": "102", "pin": "7305"}}),
        )
        .await;
    assert_eq!(held["approved_by"], "Ravi", "{held}");
    let approved = held["bill_id"].as_str().unwrap().to_owned();
    wait_bill("till 2 to see the approved bill", &till2, &approved, 0).await;
    let resumed = till2
        .post(&format!("/v1/held-bills/{approved}/resume"), json!({}))
        .await;
    assert_eq!(resumed["approved_by"], "Ravi", "{resumed}");
    assert_eq!(resumed["total"], held["total"]);
    let (status, problem) = till2
        .try_post(
            "/v1/sales/quote",
            json!({"lines": discounted("16"), "resumed_bill": approved}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["field"].as_str()),
        (422, Some("approval")),
        "{problem}"
    );
    let quote = till2
        .post(
            "/v1/sales/quote",
            json!({"lines": discounted("15"), "resumed_bill": approved}),
        )
        .await;
    assert_eq!(quote["discount_approved_by"]["name"], "Ravi", "{quote}");
    let sale = till2
        .post(
            "/v1/sales",
            json!({"lines": discounted("15"), "resumed_bill": approved,
                   "tenders": [{"method": "cash", "amount": quote["cash_payable"]}]}),
        )
        .await;
    assert_eq!(sale["discount_approved_by"]["name"], "Ravi", "{sale}");

    // Apart, both tills resume the same bill: each succeeds alone, and once the
    // hub is back both see the bill resumed twice, flagged as a conflict.
    let held = till1
        .post(
            "/v1/held-bills",
            json!({"lines": [{"barcode": MILK, "qty": "3"}]}),
        )
        .await;
    let twice = held["bill_id"].as_str().unwrap().to_owned();
    wait_bill("till 2 to see the second bill", &till2, &twice, 0).await;
    hub.stop();
    till1
        .post(&format!("/v1/held-bills/{twice}/resume"), json!({}))
        .await;
    till2
        .post(&format!("/v1/held-bills/{twice}/resume"), json!({}))
        .await;
    hub.restart().await;
    for till in [&till1, &till2] {
        wait_bill("both tills to see the double resume", till, &twice, 2).await;
        let bill = held_bills(till)
            .await
            .into_iter()
            .find(|b| b["bill_id"] == twice.as_str())
            .unwrap();
        assert_eq!(bill["conflict"], true, "{bill}");
    }
}
on_both_backends!(a_bill_held_on_one_till_resumes_on_another_and_a_double_resume_shows);

async fn a_customer_edited_on_two_tills_apart_keeps_both_edits(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till1 = Agent::start(&hub, &codes[0]).await;
    let till2 = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till1, &hq, &store).await;
    wait_synced(&till2, &hq, &store).await;

    hub.stop();
    till1
        .put("/v1/customers/9876543210", json!({"name": "Meera Traders"}))
        .await;
    till2
        .put(
            "/v1/customers/9876543210",
            json!({"gstin": "27AAPFU0939F1ZV"}),
        )
        .await;
    hub.restart().await;
    let want =
        json!({"phone": "+919876543210", "name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"});
    for till in [&till1, &till2] {
        let want = want.clone();
        eventually(
            "both tills to hold the merged profile",
            30,
            move || {
                let want = want.clone();
                async move { till.get("/v1/customers/9876543210").await.1 == want }
            },
            || till.log(),
        )
        .await;
    }
}
on_both_backends!(a_customer_edited_on_two_tills_apart_keeps_both_edits);
