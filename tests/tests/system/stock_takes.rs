//! Stock takes across two tills and the hub, as real processes: a manager
//! starts a count on one till, both tills count by scan while the hub is
//! down, their counts merge bin by bin when it is back, the approval moves
//! the hub's stock (sales made after the count stand), and HQ reads the take.
//! A take approved on both tills while apart moves stock once: the hub takes
//! the first approval, the other is quarantined and its till takes its
//! adjustments back at once, and both tills show the approval the hub kept.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{
    demo_chain, gtin, hub_positions, on_both_backends, till_positions, wait_drained, wait_sign_in,
    wait_synced, DAL, MILK, RICE, TEA,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const MANAGER: (&str, &str) = ("301", "2468");
const COUNTER: (&str, &str) = ("101", "4821");

async fn sheet(till: &Agent, take: &str) -> Value {
    till.get(&format!("/v1/stock-takes/{take}")).await.1
}

fn counted_of(sheet: &Value, name_starts: &str) -> Option<Value> {
    sheet["items"].as_array()?.iter().find_map(|i| {
        i["name"]
            .as_str()?
            .starts_with(name_starts)
            .then(|| i.clone())
    })
}

async fn count(till: &Agent, take: &str, code: &str, bin: &str, qty: Option<&str>) -> Value {
    let mut body = json!({"code": code, "bin": bin});
    if let Some(q) = qty {
        body["qty"] = json!(q);
    }
    till.post(&format!("/v1/stock-takes/{take}/scans"), body)
        .await
}

/// Waits until `till`'s stock is `want` (HQ's on-hand by barcode).
async fn wait_till_holds(till: &Agent, want: &BTreeMap<String, String>, what: &str) {
    eventually(
        what,
        60,
        || async move { till_positions(till).await == *want },
        || till.log(),
    )
    .await;
}

/// Waits until `till` knows of take `take`.
async fn wait_take(till: &Agent, take: &str) {
    eventually(
        "the other till to hear of the take",
        30,
        || async move {
            till.get(&format!("/v1/stock-takes/{take}"))
                .await
                .0
                .is_success()
        },
        || till.log(),
    )
    .await;
}

async fn stock_counted_on_two_tills_offline_merges_and_its_approval_moves_the_hub(
    backend: Backend,
) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    hq.create_staff(&store, "Meena", MANAGER.0, "manager", MANAGER.1)
        .await
        .unwrap();
    hq.create_staff(&store, "Asha", COUNTER.0, "cashier", COUNTER.1)
        .await
        .unwrap();
    let till1 = Agent::start(&hub, &codes[0]).await;
    let till2 = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till1, &hq, &store).await;
    wait_synced(&till2, &hq, &store).await;
    wait_sign_in(&till1, MANAGER.0, MANAGER.1, 200).await;
    wait_sign_in(&till2, COUNTER.0, COUNTER.1, 200).await;

    let started = till1
        .post("/v1/stock-takes", json!({"name": "Month end"}))
        .await;
    let take = started["take_id"].as_str().unwrap().to_owned();
    wait_take(&till2, &take).await;

    // The hub goes down; both tills count, some of it the same item in
    // different bins. Milk is counted, then three are sold.
    hub.stop();
    for _ in 0..3 {
        count(&till1, &take, TEA, "A1", None).await;
    }
    count(&till1, &take, DAL, "A2", Some("50")).await;
    count(&till2, &take, TEA, "B1", Some("95")).await;
    count(&till2, &take, MILK, "D1", Some("38")).await;
    till2.sell(&[(MILK, "3")]).await;
    let alone = sheet(&till1, &take).await;
    assert_eq!(
        counted_of(&alone, "Assam Tea").unwrap()["counted"],
        "3",
        "till 1 has not heard of till 2's count: {alone}"
    );

    hub.restart().await;
    eventually(
        "till 1 to hold both tills' counts",
        60,
        || async {
            let s = sheet(&till1, &take).await;
            counted_of(&s, "Assam Tea").is_some_and(|t| t["counted"] == "98")
                && counted_of(&s, "Milk").is_some()
        },
        || till1.log(),
    )
    .await;
    let merged = sheet(&till1, &take).await;
    let tea = counted_of(&merged, "Assam Tea").unwrap();
    assert_eq!(
        tea["bins"],
        json!([{"bin": "A1", "qty": "3", "terminals": 1}, {"bin": "B1", "qty": "95", "terminals": 1}]),
        "{merged}"
    );
    assert_eq!(tea["variance"], "-2");
    assert_eq!(
        counted_of(&merged, "Milk").unwrap()["expected"],
        "40",
        "milk was expected at 40 when counted"
    );
    assert_eq!(merged["uncounted"]["count"], 1, "rice: {merged}");

    let approved = till1
        .post(&format!("/v1/stock-takes/{take}/approve"), json!({}))
        .await;
    assert_eq!(approved["adjusted"], 4, "{approved}");
    assert_eq!(approved["missing"], "264.5", "{approved}");
    wait_drained(&till1, &hub).await;
    wait_drained(&till2, &hub).await;
    let want = [
        (gtin(TEA), "98"),
        (gtin(DAL), "50"),
        // Counted 38 of the 40 expected; the three sold after stand.
        (gtin(MILK), "35"),
        (gtin(RICE), "0"),
    ]
    .into_iter()
    .map(|(g, q)| (g, q.to_owned()))
    .collect::<BTreeMap<_, _>>();
    eventually(
        "the hub's stock to be what was counted, less what was sold since",
        60,
        || {
            let (hq, store, want) = (&hq, &store, &want);
            async move { hub_positions(hq, store).await == *want }
        },
        || format!("{}\n{}", till1.log(), hub.log()),
    )
    .await;
    for till in [&till1, &till2] {
        wait_till_holds(till, &want, "each till's stock to equal the hub's").await;
    }

    // HQ reads the take, the largest shortfall first.
    let (status, list) = hq
        .get_json(&format!("/v1/stores/{store}/stock-takes"))
        .await
        .unwrap();
    assert!(status.is_success(), "{list}");
    let summary = &list["items"][0];
    assert_eq!(summary["take_id"], take.as_str());
    assert_eq!(
        (
            summary["parts"].as_u64(),
            summary["parts_received"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(summary["lines_adjusted"], 4);
    assert_eq!(summary["missing"], "264.5");
    assert_eq!(summary["approved_by"]["name"], "Meena");
    let (_, report) = hq
        .get_json(&format!("/v1/stock-takes/{take}"))
        .await
        .unwrap();
    assert_eq!(report["items"][0]["variance"], "-250.5", "{report}");
    assert_eq!(report["items"][0]["counted"], "0");

    // Till 2 hears it was approved and counts no more into it.
    eventually(
        "till 2 to hear of the approval",
        30,
        || async { sheet(&till2, &take).await["state"] == "approved" },
        || till2.log(),
    )
    .await;
    let (s, b) = till2
        .try_post(
            &format!("/v1/stock-takes/{take}/scans"),
            json!({"code": TEA}),
        )
        .await;
    assert_eq!(s.as_u16(), 409, "{b}");

    // A spot check approved on both tills while apart moves tea once.
    let started = till1
        .post(
            "/v1/stock-takes",
            json!({"name": "Tea spot check", "scope": {"kind": "counted"}}),
        )
        .await;
    let spot = started["take_id"].as_str().unwrap().to_owned();
    wait_take(&till2, &spot).await;
    hub.stop();
    count(&till1, &spot, TEA, "A1", Some("90")).await;
    till1
        .post(&format!("/v1/stock-takes/{spot}/approve"), json!({}))
        .await;
    count(&till2, &spot, TEA, "B1", Some("97")).await;
    till2
        .post(
            &format!("/v1/stock-takes/{spot}/approve"),
            json!({"approval": {"code": MANAGER.0, "pin": MANAGER.1}}),
        )
        .await;
    hub.restart().await;
    let mut loser = None;
    eventually(
        "one approval to be taken and the other quarantined",
        60,
        || async {
            let (s1, s2) = (till1.status().await, till2.status().await);
            s1["queued"] == 0
                && s2["queued"] == 0
                && s1["quarantined"].as_u64().unwrap_or(0) + s2["quarantined"].as_u64().unwrap_or(0)
                    == 1
        },
        || format!("{}\n{}", till1.log(), till2.log()),
    )
    .await;
    for till in [&till1, &till2] {
        let (_, held) = till.get("/v1/sync/quarantine").await;
        if let Some(fact) = held.as_array().and_then(|h| h.first()) {
            let reason = fact["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(pos_shared::stock_take::SUPERSEDED_APPROVAL)
                    && reason.contains("approved by Meena"),
                "{held}"
            );
            loser = Some(fact["event_id"].as_str().unwrap().to_owned());
        }
    }
    let (_, report) = hq
        .get_json(&format!("/v1/stock-takes/{spot}"))
        .await
        .unwrap();
    let kept = report["items"][0]["counted"].as_str().unwrap().to_owned();
    assert!(kept == "90" || kept == "97", "{report}");
    eventually(
        "the hub's tea to be the count it took",
        60,
        || {
            let (hq, store, kept) = (&hq, &store, &kept);
            async move { hub_positions(hq, store).await[&gtin(TEA)] == *kept }
        },
        || hub.log(),
    )
    .await;
    // The refused approval's adjustments left its till at once: both tills
    // agree with the hub before HQ does anything, and both show the
    // approval the hub kept, saying there were two.
    let want = hub_positions(&hq, &store).await;
    for till in [&till1, &till2] {
        wait_till_holds(
            till,
            &want,
            "each till's stock to equal the hub's, the refused approval taken back",
        )
        .await;
        eventually(
            "each till to show the approval the hub kept",
            30,
            || {
                let (kept, spot) = (&kept, &spot);
                async move {
                    let s = sheet(till, spot).await;
                    s["note"].as_str().is_some_and(|n| n.contains("2 tills"))
                        && counted_of(&s, "Assam Tea")
                            .is_some_and(|t| t["counted"] == kept.as_str())
                }
            },
            || till.log(),
        )
        .await;
    }

    // HQ writes the refused approval off; nothing moves again.
    let quarantined = hq.quarantine(&store).await.unwrap();
    let entry = quarantined
        .iter()
        .find(|q| q["event_id"].as_str() == loser.as_deref())
        .unwrap_or_else(|| panic!("HQ sees the refused approval: {quarantined:?}"));
    hq.decide_quarantined(
        &store,
        entry["terminal_id"].as_str().unwrap(),
        loser.as_deref().unwrap(),
        "write-off",
        "the first approval stands",
    )
    .await
    .unwrap();
    for till in [&till1, &till2] {
        eventually(
            "the write-off to be carried out",
            60,
            || async move { till.status().await["quarantined"] == 0 },
            || till.log(),
        )
        .await;
        assert_eq!(till_positions(till).await, want, "{}", till.log());
    }
}
on_both_backends!(stock_counted_on_two_tills_offline_merges_and_its_approval_moves_the_hub);
