//! The lists of a store in SKU order (the catalog view, the inventory) read
//! a page at a time: every item once and in order, and a cursor that holds
//! when the item a page ended on is renamed before the next page.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// One page of the view, as asked.
async fn page(shop: &Shop, store: &str, query: &str) -> Value {
    let (s, v) = shop
        .hub
        .get(
            &format!("/v1/stores/{store}/catalog-view{query}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Seven more items beside the shop's two; every SKU, in the view's order
/// (checked to be SKU order).
async fn nine_items(shop: &Shop) -> Vec<String> {
    let store = shop.store_id.clone();
    for n in 0..7u64 {
        let code = pos_shared::Gtin::with_check_digit(&format!("890{n:09}")).unwrap();
        let (s, b) = shop
            .hub
            .post(
                "/v1/products",
                &shop.api_key,
                json!({"name": format!("Page item {n}"), "variants": [{
                    "name": format!("Page item {n}"), "sku": format!("PG-{n}"),
                    "barcode": code.as_str(), "price": {"minor": 100 + n as i64, "currency": "INR"}}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let whole = page(shop, &store, "?limit=1000").await;
    assert!(
        whole.get("next_cursor").is_none(),
        "one page holds it all: {whole}"
    );
    let all: Vec<String> = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "SKU order");
    assert_eq!(all.len(), 9, "the shop's two items and seven more");
    all
}

async fn the_catalog_view_pages_in_sku_order(backend: Backend) {
    let shop = shop(backend).await;
    let store = shop.store_id.clone();
    let all = nine_items(&shop).await;

    // Pages of three: every item once, in order, the last page without a cursor.
    let (mut paged, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let query = match &cursor {
            None => "?limit=3".to_owned(),
            Some(c) => format!("?limit=3&cursor={c}"),
        };
        let page = page(&shop, &store, &query).await;
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3, "{page}");
        paged.extend(items.iter().map(|i| i["sku"].as_str().unwrap().to_owned()));
        match page.get("next_cursor") {
            Some(c) => cursor = Some(c.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!((paged, pages), (all, 3));
}
on_both_backends!(the_catalog_view_pages_in_sku_order);

async fn the_inventory_pages_like_the_view_and_a_renamed_boundary_moves_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let store = shop.store_id.clone();
    let all = nine_items(&shop).await;

    // The inventory is the view's stock half and pages the same way: a
    // store of 100,000 items is never read in one answer.
    let (mut stocked, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &cursor {
            None => format!("/v1/stores/{store}/inventory?limit=4"),
            Some(c) => format!("/v1/stores/{store}/inventory?limit=4&cursor={c}"),
        };
        let (s, page) = shop.hub.get(&path, &shop.api_key).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert_eq!(page["store_id"], store.as_str());
        pages += 1;
        let positions = page["positions"].as_array().unwrap();
        assert!(positions.len() <= 4, "{page}");
        stocked.extend(
            positions
                .iter()
                .map(|p| p["sku"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!((&stocked, pages), (&all, 3));
    let (s, first) = shop
        .hub
        .get(&format!("/v1/stores/{store}/inventory"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(
        first["positions"].as_array().unwrap().len(),
        9,
        "500 a page unless asked: {first}"
    );
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=1001", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=garbage", "cursor"),
        ("?cursor=0190a8e2-0000-7000-8000-000000000000", "cursor"),
        ("?colour=red", ""),
    ] {
        let (s, b) = shop
            .hub
            .get(
                &format!("/v1/stores/{store}/inventory{query}"),
                &shop.api_key,
            )
            .await;
        assert!(s.is_client_error(), "{query} → {s} {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{query} → {b}");
        }
    }

    // A cursor belongs to its list.
    let (_, view_page) = shop
        .hub
        .get(
            &format!("/v1/stores/{store}/catalog-view?limit=2"),
            &shop.api_key,
        )
        .await;
    let view_cursor = view_page["next_cursor"].as_str().unwrap();
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/stores/{store}/inventory?cursor={view_cursor}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(
        (s, &b["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("cursor")),
        "{b}"
    );

    // The item a page ended on renamed before the next page is read, to
    // sort after everything and then before everything: the reader still
    // gets every other item once, in order, on both lists (the renamed one
    // again only where its new SKU lies ahead of the reader).
    let rename = |variant: String, sku: String| {
        let hub = &shop.hub;
        let key = shop.api_key.clone();
        async move {
            let (s, b) = hub
                .send(
                    reqwest::Method::PATCH,
                    &format!("/v1/variants/{variant}"),
                    Some(&key),
                    Some(json!({ "sku": sku })),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    };
    for (list, key) in [("inventory", "positions"), ("catalog-view", "items")] {
        for renamed in ["zz-moved", "0-moved"] {
            let path = format!("/v1/stores/{store}/{list}?limit=4");
            let (_, first) = shop.hub.get(&path, &shop.api_key).await;
            let rows = first[key].as_array().unwrap();
            let mut read: Vec<String> = rows
                .iter()
                .map(|r| r["sku"].as_str().unwrap().to_owned())
                .collect();
            let boundary = rows.last().unwrap()["variant_id"]
                .as_str()
                .unwrap()
                .to_owned();
            rename(boundary.clone(), renamed.to_owned()).await;
            let mut cursor = first["next_cursor"].as_str().unwrap().to_owned();
            loop {
                let (s, page) = shop
                    .hub
                    .get(&format!("{path}&cursor={cursor}"), &shop.api_key)
                    .await;
                assert_eq!(s, StatusCode::OK, "{page}");
                read.extend(
                    page[key]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r["sku"].as_str().unwrap().to_owned()),
                );
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = c.to_owned(),
                    None => break,
                }
            }
            let mut rest = all[4..].to_vec();
            if renamed > all[3].as_str() {
                rest.push(renamed.to_owned());
            }
            let expected: Vec<String> = all[..4].iter().cloned().chain(rest).collect();
            assert_eq!(read, expected, "{list}, the boundary renamed {renamed}");
            rename(boundary, all[3].clone()).await;
        }
    }
}
on_both_backends!(the_inventory_pages_like_the_view_and_a_renamed_boundary_moves_nothing);
