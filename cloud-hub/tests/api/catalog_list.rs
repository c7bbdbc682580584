//! HQ's catalog read paths: `GET /v1/catalog` pages by cursor, sorts, and
//! filters; `GET /v1/catalog/{id}` reads one item; both stay in the tenant.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::Gtin;
use reqwest::StatusCode;
use serde_json::{json, Value};

const NAMES: [&str; 5] = ["Zeta", "Alpha", "Mango", "Beta", "Kiwi"];

/// 25 products: even ones in category A, odd in B; every third of brand X.
async fn seed(hub: &TestHub, key: &str) -> (String, String, Vec<(String, String)>) {
    let (_, a) = hub.post("/v1/categories", key, json!({"name": "A"})).await;
    let (_, b) = hub.post("/v1/categories", key, json!({"name": "B"})).await;
    let (_, x) = hub.post("/v1/brands", key, json!({"name": "X"})).await;
    let (a, b, x) = (
        a["category_id"].as_str().unwrap().to_owned(),
        b["category_id"].as_str().unwrap().to_owned(),
        x["brand_id"].as_str().unwrap().to_owned(),
    );
    let mut made = Vec::new();
    for i in 0..25u32 {
        let barcode = Gtin::with_check_digit(&format!("29{i:010}"))
            .unwrap()
            .as_str()[1..]
            .to_owned();
        let mut body = json!({
            "name": format!("{} {i}", NAMES[i as usize % 5]),
            "category_id": if i % 2 == 0 { &a } else { &b },
            "variants": [{"sku": format!("SKU-{i:03}"), "barcode": barcode, "price": {"minor": 1000 + i, "currency": "INR"}}],
        });
        if i % 3 == 0 {
            body["brand_id"] = json!(x);
        }
        let (s, p) = hub.post("/v1/products", key, body).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        made.push((
            p["variants"][0]["variant_id"].as_str().unwrap().to_owned(),
            barcode,
        ));
    }
    (a, x, made)
}

/// Every item of a listing, following cursors; also the page sizes.
async fn all_pages(hub: &TestHub, key: &str, query: &str) -> (Vec<Value>, Vec<usize>) {
    let (mut items, mut sizes, mut cursor) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            None => format!("/v1/catalog?{query}"),
            Some(c) => format!("/v1/catalog?{query}&cursor={c}"),
        };
        let (s, page) = hub.get(&path, key).await;
        assert_eq!(s, StatusCode::OK, "{path}: {page}");
        let got = page["items"].as_array().unwrap();
        sizes.push(got.len());
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (items, sizes),
        }
        assert!(sizes.len() < 50, "paging never ends");
    }
}

fn field(items: &[Value], name: &str) -> Vec<String> {
    items
        .iter()
        .map(|i| i[name].as_str().unwrap().to_owned())
        .collect()
}

async fn the_catalog_pages_sorts_and_filters(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let key = hub.tenant("Kirana Chain").await;
    let (category_a, brand_x, made) = seed(&hub, &key).await;

    let (items, sizes) = all_pages(&hub, &key, "limit=10").await;
    assert_eq!(sizes, [10, 10, 5]);
    let skus = field(&items, "sku");
    let expected: Vec<String> = (0..25).map(|i| format!("SKU-{i:03}")).collect();
    assert_eq!(skus, expected, "every item once, in SKU order");

    // By name, paged, the same order as in one page.
    let (by_name, sizes) = all_pages(&hub, &key, "sort=name&limit=7").await;
    assert_eq!(sizes, [7, 7, 7, 4]);
    let (whole, _) = all_pages(&hub, &key, "sort=name&limit=500").await;
    assert_eq!(field(&by_name, "name"), field(&whole, "name"));
    assert!(
        by_name[0]["name"].as_str().unwrap().starts_with("Alpha"),
        "{}",
        by_name[0]
    );

    let count = |items: (Vec<Value>, Vec<usize>)| items.0.len();
    assert_eq!(
        count(all_pages(&hub, &key, &format!("category_id={category_a}")).await),
        13
    );
    assert_eq!(
        count(all_pages(&hub, &key, &format!("brand_id={brand_x}")).await),
        9
    );
    assert_eq!(
        count(
            all_pages(
                &hub,
                &key,
                &format!("category_id={category_a}&brand_id={brand_x}")
            )
            .await
        ),
        5
    );
    assert_eq!(count(all_pages(&hub, &key, "q=mango").await), 5);
    assert_eq!(count(all_pages(&hub, &key, "q=sku-01").await), 10);
    let (by_barcode, _) = all_pages(&hub, &key, &format!("q={}", made[7].1)).await;
    assert_eq!(field(&by_barcode, "sku"), ["SKU-007"]);
    assert_eq!(
        count(all_pages(&hub, &key, "q=%25").await),
        25,
        "a wildcard is taken out, not matched"
    );

    let (s, one) = hub.get(&format!("/v1/catalog/{}", made[3].0), &key).await;
    assert_eq!(s, StatusCode::OK, "{one}");
    assert_eq!(
        (&one["sku"], &one["brand"]),
        (&json!("SKU-003"), &json!("X"))
    );

    // Another tenant sees none of it.
    let stranger = hub.tenant("Another Chain").await;
    let (s, page) = hub.get("/v1/catalog", &stranger).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["items"], json!([]));
    let (s, _) = hub
        .get(&format!("/v1/catalog/{}", made[3].0), &stranger)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(the_catalog_pages_sorts_and_filters);

async fn bad_catalog_queries_are_refused_by_name(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let key = hub.tenant("Kirana Chain").await;
    seed(&hub, &key).await;
    let (_, first) = hub.get("/v1/catalog?limit=2", &key).await;
    let sku_cursor = first["next_cursor"].as_str().unwrap().to_owned();
    for (query, status, field) in [
        (
            "sort=price".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sort",
        ),
        (
            "limit=0".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
        ),
        (
            "limit=501".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
        ),
        (
            "limit=ten".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
        ),
        (
            "cursor=garbage".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cursor",
        ),
        (
            format!("sort=name&cursor={sku_cursor}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cursor",
        ),
        (
            "category_id=nope".to_owned(),
            StatusCode::BAD_REQUEST,
            "category_id",
        ),
        (
            "brand_id=nope".to_owned(),
            StatusCode::BAD_REQUEST,
            "brand_id",
        ),
        (
            format!("q={}", "x".repeat(101)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "q",
        ),
        ("colour=red".to_owned(), StatusCode::BAD_REQUEST, ""),
    ] {
        let (s, b) = hub.get(&format!("/v1/catalog?{query}"), &key).await;
        assert_eq!(s, status, "{query} → {b}");
        assert!(!b["detail"].as_str().unwrap_or_default().is_empty(), "{b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{query} → {b}");
        }
    }
    let (s, b) = hub.get("/v1/catalog/not-an-id", &key).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
    let (s, b) = hub
        .get(&format!("/v1/catalog/{}", uuid::Uuid::now_v7()), &key)
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = hub.get("/v1/catalog", "hq_not_a_key").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
on_both_backends!(bad_catalog_queries_are_refused_by_name);
