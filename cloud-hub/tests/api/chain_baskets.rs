//! Across the chain, and as a till's add-ons: the store's pairs first, the
//! chain's after; the projection built from the ledger counts as the one
//! kept from the events.

use crate::helpers::*;
use crate::on_both_backends;
use crate::recommendations::{item, named, projected, receive, recommend, skus};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn the_chain_and_its_tills_hear_what_sells_together(backend: Backend) {
    let mut shop = shop(backend).await;
    let key = shop.api_key.clone();
    let bakery = named(&shop, "categories", "Bakery").await;
    let brand = named(&shop, "brands", "Modern").await;
    let bread = item(&mut shop, "Bread", "BRD", 41, &bakery, &brand).await;
    let butter = item(&mut shop, "Butter", "BUT", 42, &bakery, &brand).await;
    let jam = item(&mut shop, "Jam", "JAM", 43, &bakery, &brand).await;
    for i in [bread, butter, jam] {
        receive(&shop, i, "100").await;
    }
    let mut east = shop.second_store("EAST-1", "East").await;
    east.variants = shop.variants.clone();
    // Here bread sells with butter; in the east store with jam, and once
    // with butter.
    let here: Vec<Value> = (0..4)
        .map(|n| shop.sale(&format!("T1-{:06}", n + 1), &[(bread, "1"), (butter, "1")]))
        .collect();
    let mut there: Vec<Value> = (0..6)
        .map(|n| east.sale(&format!("EAST1-{:06}", n + 1), &[(bread, "2"), (jam, "1")]))
        .collect();
    there.push(east.sale("EAST1-000007", &[(bread, "1"), (butter, "1")]));
    for (till, facts) in [(&shop, &here), (&east, &there)] {
        let (s, ack) = till.upload(facts).await;
        assert_eq!(s, StatusCode::OK, "{ack}");
        assert!(
            Shop::statuses(&ack).iter().all(|s| s == "accepted"),
            "{ack}"
        );
    }
    projected(&shop).await;
    let id = |i: usize| shop.variants[i].0.clone();

    // The chain: jam with 6 sales, butter with 5.
    let chain = |query: String| {
        let shop = &shop;
        async move {
            shop.hub
                .get(&format!("/v1/recommendations?{query}"), &shop.api_key)
                .await
        }
    };
    let (s, got) = chain(format!("item_id={}", id(bread))).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(skus(&got["bought_with"]), ["JAM", "BUT"], "{got}");
    assert_eq!(got["bought_with"][0]["sales_together"], 6);
    assert_eq!(got["bought_with"][1]["sales_together"], 5);
    assert_eq!(got["days"], 90);

    // This store: its own butter first, then the chain's jam.
    let (_, got) = recommend(&shop, &format!("item_id={}", id(bread))).await;
    assert_eq!(skus(&got["bought_with"]), ["BUT", "JAM"], "{got}");
    assert_eq!(got["bought_with"][0]["sales_together"], 4);
    assert!(
        got["bought_with"][0].get("chain_sales_together").is_none(),
        "{got}"
    );
    assert_eq!(got["bought_with"][1]["chain_sales_together"], 6);
    assert!(
        got["bought_with"][1].get("sales_together").is_none(),
        "{got}"
    );

    // The till's add-ons: the same order, HQ's pin first.
    let add_ons = |item: String| {
        let shop = &shop;
        async move {
            shop.hub
                .get(
                    &format!("/v1/sync/items/{item}/add-ons"),
                    &shop.device_token,
                )
                .await
        }
    };
    let (s, got) = add_ons(id(bread)).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    let ids = |got: &Value| -> Vec<String> {
        got["add_ons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["variant_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&got), [id(butter), id(jam)], "{got}");
    assert_eq!(got["add_ons"][0]["sales_together"], 4);
    assert_eq!(got["add_ons"][1]["chain_sales_together"], 6);
    let (s, _) = shop
        .hub
        .put(
            &format!("/v1/recommendation-rules/{}", id(bread)),
            &key,
            json!({"pinned": [id(0)], "excluded": [id(jam)]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, got) = add_ons(id(bread)).await;
    assert_eq!(ids(&got), [id(0), id(butter)], "{got}");
    assert_eq!(got["add_ons"][0]["pinned"], true);
    let (_, got) = chain(format!("item_id={}", id(bread))).await;
    assert_eq!(skus(&got["bought_with"]), ["TEA-250", "BUT"], "{got}");
    // The exclusion parts them both ways: bread is not suggested beside jam.
    let (_, got) = chain(format!("item_id={}", id(jam))).await;
    assert!(!skus(&got["bought_with"]).contains(&"BRD"), "{got}");
    let (_, got) = add_ons(id(jam)).await;
    assert!(!ids(&got).contains(&id(bread)), "{got}");
    assert!(
        got["bought_with"][0].get("sales_together").is_none(),
        "{got}"
    );

    // Catching up again counts nothing twice; the projection built again
    // from the ledger holds what the events made of it.
    let before = recommend(&shop, &format!("item_id={}", id(butter))).await.1;
    projected(&shop).await;
    let tenant: pos_shared::TenantId = shop.tenant_id.parse().unwrap();
    let place = shop.hub.storage.basket_place(tenant).await.unwrap();
    assert!(place.is_some());
    let since = pos_shared::Timestamp::now().unix_millis() - 400 * 86_400_000;
    let rebuilt = shop
        .hub
        .storage
        .rebuild_baskets(tenant, place, since)
        .await
        .unwrap();
    assert!(rebuilt >= place, "{rebuilt:?} {place:?}");
    // A worker whose place was moved under it builds nothing.
    assert_eq!(
        shop.hub
            .storage
            .rebuild_baskets(tenant, Some(0), since)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        recommend(&shop, &format!("item_id={}", id(butter))).await.1,
        before
    );
    assert_eq!(before["bought_with"][0]["sales_together"], 4, "{before}");
    // Stock an order took (a committed reservation) sells too: its units
    // and one sale count in what is trending, with no pairs.
    let (s, held) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/reservations", shop.store_id),
            &key,
            json!({"variant_id": id(jam), "qty": "5", "order_ref": "ORD-9"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{held}");
    let (s, b) = shop
        .hub
        .post(
            &format!(
                "/v1/reservations/{}/commit",
                held["reservation_id"].as_str().unwrap()
            ),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    projected(&shop).await;
    let (_, trend) = shop
        .hub
        .get(&format!("/v1/stores/{}/trending", shop.store_id), &key)
        .await;
    let jam_row = trend["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "JAM")
        .cloned();
    assert_eq!(
        jam_row.map(|r| (r["units"].clone(), r["sales"].clone())),
        Some((json!("5"), json!(1))),
        "{trend}"
    );
    let (_, got) = recommend(&shop, &format!("item_id={}", id(jam))).await;
    assert!(
        got["bought_with"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("sales_together").is_none()),
        "{got}"
    );
    let (_, trend) = shop
        .hub
        .get(&format!("/v1/stores/{}/trending", east.store_id), &key)
        .await;
    assert_eq!(trend["items"][0]["sku"], "BRD", "{trend}");
    assert_eq!(trend["items"][0]["units"], "13", "{trend}");
    assert_eq!(trend["items"][0]["sales"], 7, "{trend}");

    // A key limited to this store reads its own pairs only: no chain fill,
    // and the chain's list is refused.
    let (s, limited) = shop
        .hub
        .post(
            "/v1/api-keys",
            &key,
            json!({"label": "floor", "role": "store_manager", "store_ids": [shop.store_id]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{limited}");
    let floor = Shop {
        api_key: limited["api_key"].as_str().unwrap().to_owned(),
        ..Shop::clone_of(&shop)
    };
    let (_, got) = recommend(&floor, &format!("item_id={}", id(butter))).await;
    assert!(
        got["bought_with"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("chain_sales_together").is_none()),
        "{got}"
    );
    let (s, b) = floor
        .hub
        .get(
            &format!("/v1/recommendations?item_id={}", id(bread)),
            &floor.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("limited"), "{b}");

    // Bad requests and other tenants.
    for (query, status, field) in [
        (String::new(), StatusCode::UNPROCESSABLE_ENTITY, "item_id"),
        (
            format!("item_id={}&days=0", id(bread)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "days",
        ),
        (
            format!("item_id={}&limit=51", id(bread)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
        ),
        (
            format!("item_id={}", pos_shared::VariantId::new()),
            StatusCode::NOT_FOUND,
            "item_id",
        ),
    ] {
        let (s, b) = chain(query.clone()).await;
        assert_eq!(
            (s, b["field"].as_str()),
            (status, Some(field)),
            "{query}: {b}"
        );
    }
    let (s, _) = add_ons(pos_shared::VariantId::new().to_string()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = add_ons("bread".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = shop
        .hub
        .get(&format!("/v1/sync/items/{}/add-ons", id(bread)), &key)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "HQ's key is no till's");
    let other = shop.hub.tenant("Other").await;
    let (s, _) = shop
        .hub
        .get(
            &format!("/v1/recommendations?item_id={}", id(bread)),
            &other,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(the_chain_and_its_tills_hear_what_sells_together);
