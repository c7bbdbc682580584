//! How HQ arranges and prices the catalog reaches the till: the category tree
//! and quick keys from the snapshot and then the feed, search by brand and
//! synonym, selling by a second barcode, and price windows that start on time
//! with the hub out of reach.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, gtin, on_both_backends, wait_synced, DAL, MILK, TEA};
use pos_shared::Timestamp;
use serde_json::Value;

fn page_paths(pages: &Value) -> Vec<(String, Vec<String>)> {
    pages
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path: Vec<&str> = p["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            let keys = p["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["name"].as_str().unwrap().to_owned())
                .collect();
            (path.join(" / "), keys)
        })
        .collect()
}

async fn search(till: &Agent, q: &str) -> Vec<String> {
    let (status, found) = till
        .get(&format!("/v1/products/search?q={}", q.replace(' ', "%20")))
        .await;
    assert_eq!(status, 200, "{q}: {found}");
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["barcode"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_catalogs_arrangement_reaches_the_till(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;

    let (_, tree) = till.get("/v1/categories").await;
    let names: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Staples", "Rice & Dal", "Beverages", "Dairy"]);
    let (_, pages) = till.get("/v1/quick-keys").await;
    assert_eq!(
        page_paths(&pages),
        [
            (
                "Staples / Rice & Dal".to_owned(),
                vec![
                    "Sona Masoori Rice (per kg)".to_owned(),
                    "Toor Dal 1 kg".to_owned()
                ]
            ),
            ("Beverages".to_owned(), vec!["Assam Tea 250 g".to_owned()]),
        ],
        "{pages}"
    );
    assert_eq!(pages[1]["keys"][0]["brand"], "Tata Tea");

    // Search by brand, by synonym, by the second barcode.
    assert_eq!(search(&till, "chai").await, [gtin(TEA)]);
    assert_eq!(search(&till, "pigeon pe").await, [gtin(DAL)]);
    let mut tata = search(&till, "tata").await;
    tata.sort();
    let mut want = vec![gtin(TEA), gtin(DAL)];
    want.sort();
    assert_eq!(tata, want);
    assert_eq!(search(&till, "9638507").await, [gtin(TEA)]);

    // The case's barcode sells the tea.
    let sale = till.sell(&[("96385074", "1")]).await;
    assert_eq!(sale["lines"][0]["barcode"], gtin(TEA), "{sale}");
    let (status, product) = till.get("/v1/products/by-barcode/96385074").await;
    assert_eq!(
        (status, product["name"].as_str()),
        (reqwest::StatusCode::OK, Some("Assam Tea 250 g"))
    );

    // HQ renames a category and moves it to the front of another: the grid
    // follows through the feed.
    let id_of = |name: &str| {
        tree.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["category_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    hq.update_category(
        &id_of("Beverages"),
        "Tea & Coffee",
        Some(&id_of("Staples")),
        0,
    )
    .await
    .unwrap();
    eventually(
        "the moved category first on the till's grid",
        30,
        || {
            let till = &till;
            async move {
                let (_, pages) = till.get("/v1/quick-keys").await;
                page_paths(&pages).first().map(|p| p.0.clone())
                    == Some("Staples / Tea & Coffee".into())
            }
        },
        || till.log(),
    )
    .await;
}
on_both_backends!(the_catalogs_arrangement_reaches_the_till);

pub(crate) async fn variant_id(till: &Agent, barcode: &str) -> String {
    till.get(&format!("/v1/products/by-barcode/{barcode}"))
        .await
        .1["variant_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn price_on_till(till: &Agent, barcode: &str) -> i64 {
    till.get(&format!("/v1/products/by-barcode/{barcode}"))
        .await
        .1["price"]["minor"]
        .as_i64()
        .unwrap()
}

async fn a_promotion_starts_on_time_while_the_hub_is_down(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let (tea, milk) = (variant_id(&till, TEA).await, variant_id(&till, MILK).await);
    let base = price_on_till(&till, TEA).await;

    // The store's tea promotion starts in a few seconds; the chain's milk
    // price at once (scheduled after, so once the till has it, it has both).
    let starts = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 6_000);
    hq.schedule_price(
        &tea,
        &serde_json::json!({"price": {"minor": 12000, "currency": "INR"}, "store_id": store,
                           "effective_from": starts.to_string()}),
    )
    .await
    .unwrap();
    hq.schedule_price(
        &milk,
        &serde_json::json!({"price": {"minor": 2500, "currency": "INR"}}),
    )
    .await
    .unwrap();
    eventually(
        "the chain's milk price on the till",
        30,
        || {
            let till = &till;
            async move { price_on_till(till, MILK).await == 2500 }
        },
        || till.log(),
    )
    .await;
    assert_eq!(price_on_till(&till, TEA).await, base, "not yet");

    hub.stop();
    eventually(
        "the till to see the hub gone",
        30,
        || {
            let till = &till;
            async move { till.status().await["online"] == false }
        },
        || till.log(),
    )
    .await;
    let wait = starts.unix_millis() - Timestamp::now().unix_millis() + 200;
    tokio::time::sleep(std::time::Duration::from_millis(wait.max(0) as u64)).await;
    assert_eq!(
        price_on_till(&till, TEA).await,
        12000,
        "the promotion holds offline"
    );
    let sale = till.sell(&[(TEA, "2"), (MILK, "1")]).await;
    assert_eq!(sale["total"]["minor"], 2 * 12000 + 2500, "{sale}");
}
on_both_backends!(a_promotion_starts_on_time_while_the_hub_is_down);

async fn an_item_hq_edits_deletes_and_restores_follows_on_the_till(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let (tea, dal) = (variant_id(&till, TEA).await, variant_id(&till, DAL).await);

    hq.edit_variant(
        &tea,
        &serde_json::json!({"name": "Assam Tea Gold 250 g", "synonyms": ["kadak"]}),
    )
    .await
    .unwrap();
    hq.delete_variant(&dal).await.unwrap();
    eventually(
        "the edit and the deletion on the till",
        30,
        || {
            let till = &till;
            async move {
                let (_, tea) = till.get(&format!("/v1/products/by-barcode/{TEA}")).await;
                let (gone, _) = till.get(&format!("/v1/products/by-barcode/{DAL}")).await;
                tea["name"] == "Assam Tea Gold 250 g" && gone == reqwest::StatusCode::NOT_FOUND
            }
        },
        || till.log(),
    )
    .await;
    assert_eq!(search(&till, "kadak").await, [gtin(TEA)]);
    assert!(search(&till, "toor").await.is_empty(), "deleted, not found");
    let (status, refused) = till
        .try_post(
            "/v1/sales",
            serde_json::json!({"lines": [{"barcode": DAL, "qty": "1"}]}),
        )
        .await;
    assert!(status.is_client_error(), "{status} {refused}");

    hq.restore_variant(&dal).await.unwrap();
    eventually(
        "the restored item on the till",
        30,
        || {
            let till = &till;
            async move {
                till.get(&format!("/v1/products/by-barcode/{DAL}"))
                    .await
                    .0
                    .is_success()
            }
        },
        || till.log(),
    )
    .await;
    let sale = till.sell(&[(DAL, "1")]).await;
    assert_eq!(sale["lines"][0]["barcode"], gtin(DAL), "{sale}");
}
on_both_backends!(an_item_hq_edits_deletes_and_restores_follows_on_the_till);

/// Why the till may not sell the item with `code`, if it may not.
async fn stopped(till: &Agent, code: &str) -> Option<String> {
    let (_, p) = till.get(&format!("/v1/products/by-barcode/{code}")).await;
    p["not_for_sale"].as_str().map(str::to_owned)
}

/// HQ takes an item out of a store's assortment and puts another's stock on
/// hold: once the feed reaches the till it refuses to sell either, saying
/// why; a till enrolled afterwards learns the same from its snapshot; and
/// both sell again once HQ lets them.
async fn what_hq_stops_a_store_selling_the_till_refuses(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let (tea, dal) = (variant_id(&till, TEA).await, variant_id(&till, DAL).await);

    hq.set_listed(&store, &dal, false).await.unwrap();
    hq.set_hold(&store, &tea, Some("recall")).await.unwrap();
    eventually(
        "the delisting and the hold on the till",
        30,
        || async { stopped(&till, DAL).await.is_some() && stopped(&till, TEA).await.is_some() },
        || till.log(),
    )
    .await;
    assert!(stopped(&till, TEA).await.unwrap().contains("recall"));
    for code in [DAL, TEA] {
        let (status, refused) = till
            .try_post(
                "/v1/sales",
                serde_json::json!({"lines": [{"barcode": code, "qty": "1"}],
                                   "tenders": [{"method": "cash", "amount": {"minor": 100000, "currency": "INR"}}]}),
            )
            .await;
        assert_eq!(status, 422, "{code}: {refused}");
        assert_eq!(refused["field"], "lines[0].barcode", "{refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains("not for sale"),
            "{refused}"
        );
    }
    // Milk is untouched, and sells.
    let sale = till.sell(&[(MILK, "1")]).await;
    assert_eq!(sale["lines"][0]["barcode"], gtin(MILK), "{sale}");

    // A till enrolled now bootstraps from a snapshot that says the same.
    let second = Agent::start(&hub, &codes[1]).await;
    wait_synced(&second, &hq, &store).await;
    assert!(stopped(&second, DAL).await.is_some() && stopped(&second, TEA).await.is_some());

    hq.set_listed(&store, &dal, true).await.unwrap();
    hq.set_hold(&store, &tea, None).await.unwrap();
    for t in [&till, &second] {
        eventually(
            "both items for sale again",
            30,
            || async { stopped(t, DAL).await.is_none() && stopped(t, TEA).await.is_none() },
            || t.log(),
        )
        .await;
    }
    let sale = till.sell(&[(DAL, "1"), (TEA, "1")]).await;
    assert_eq!(sale["lines"].as_array().unwrap().len(), 2, "{sale}");
}
on_both_backends!(what_hq_stops_a_store_selling_the_till_refuses);
