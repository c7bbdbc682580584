//! In-store barcodes and shelf labels through the HQ API: variants created
//! without a barcode get the tenant's next in-store EAN-13 (prefix, check
//! digit, unique even when asked for at once), tills hear of them in the feed,
//! and the labels the hub renders (ZPL, TSPL, ESC/POS) carry the item's name,
//! its price at the store and that barcode, as an independent reader of the
//! printer languages sees them.

#[path = "../../../edge-agent/tests/common/labels.rs"]
mod printed;

use crate::helpers::*;
use crate::on_both_backends;
use printed::{ean13_check, read_tspl, read_zpl};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The 13 digits of a GTIN-14 that is an EAN-13.
fn ean13(gtin14: &str) -> String {
    assert_eq!(gtin14.len(), 14, "{gtin14}");
    assert!(gtin14.starts_with('0'), "{gtin14}");
    gtin14[1..].to_owned()
}

async fn new_item(shop: &Shop, name: &str, sku: &str, extra: Value) -> Value {
    let mut variant = json!({"sku": sku, "price": {"minor": 4550, "currency": "INR"}});
    for (k, v) in extra.as_object().unwrap() {
        variant[k] = v.clone();
    }
    let (status, product) = shop
        .hub
        .post(
            "/v1/products",
            &shop.api_key,
            json!({"name": name, "variants": [variant]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{product}");
    product["variants"][0].clone()
}

async fn feed(shop: &Shop) -> Vec<Value> {
    let (s, page) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=5000&v=11", &shop.device_token)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["changes"].as_array().unwrap().clone()
}

async fn in_store_barcodes_are_numbered_checked_unique_and_announced(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let (s, settings) = hub
        .get("/v1/settings/in-store-barcodes", &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{settings}");
    assert_eq!(settings["prefix"], "29");

    // A loose item without a manufacturer's barcode: the hub numbers it.
    let dal = new_item(&shop, "Toor Dal (loose)", "DAL-KG", json!({"unit": "kg"})).await;
    let code = ean13(dal["barcode"].as_str().unwrap());
    assert!(code.starts_with("29"), "{code}");
    assert_eq!(
        code.chars().last().unwrap(),
        ean13_check(&code[..12]),
        "{code}"
    );
    // Tills hear of it like any variant, and can scan it.
    let changes = feed(&shop).await;
    assert!(
        changes.iter().any(|c| c["type"] == "variant_upserted"
            && c["variant_id"] == dal["variant_id"]
            && c["barcode"] == dal["barcode"]),
        "{changes:#?}"
    );

    // Asked for at once, every new item gets its own code.
    let codes = futures_util::future::join_all((0..8).map(|i| {
        let shop = &shop;
        async move {
            new_item(
                shop,
                &format!("Loose item {i}"),
                &format!("LOOSE-{i}"),
                json!({}),
            )
            .await["barcode"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    }))
    .await;
    let mut all = codes.clone();
    all.push(dal["barcode"].as_str().unwrap().to_owned());
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 9, "{codes:?}");
    for c in &codes {
        let c = ean13(c);
        assert!(c.starts_with("29"), "{c}");
        assert_eq!(c.chars().last().unwrap(), ean13_check(&c[..12]));
    }

    // A code HQ typed in by hand is skipped, never given twice.
    let (_, settings) = hub
        .get("/v1/settings/in-store-barcodes", &shop.api_key)
        .await;
    let next = settings["next"].as_u64().unwrap();
    let body = format!("29{next:010}");
    let taken = format!("{body}{}", ean13_check(&body));
    new_item(&shop, "Hand numbered", "HAND-1", json!({"barcode": taken})).await;
    let after = new_item(&shop, "After it", "AFTER-1", json!({})).await;
    assert_ne!(ean13(after["barcode"].as_str().unwrap()), taken);

    // The prefix is two digits, 20 to 29, refused by name otherwise.
    for bad in ["30", "19", "2", "abc", "290"] {
        let (s, problem) = hub
            .put(
                "/v1/settings/in-store-barcodes",
                &shop.api_key,
                json!({"prefix": bad}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert_eq!(problem["field"], "prefix", "{problem}");
    }
    let (s, settings) = hub
        .put(
            "/v1/settings/in-store-barcodes",
            &shop.api_key,
            json!({"prefix": "27"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{settings}");
    let later = new_item(&shop, "Later item", "LATER-1", json!({})).await;
    assert!(ean13(later["barcode"].as_str().unwrap()).starts_with("27"));

    // A variant with a barcode keeps it unless asked to replace it.
    let tea = &shop.variants[0].0;
    let (s, problem) = hub
        .post(
            &format!("/v1/variants/{tea}/barcode"),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["field"], "replace", "{problem}");
    let (s, problem) = hub
        .post(
            &format!("/v1/variants/{tea}/barcode"),
            &shop.api_key,
            json!({"replace": "yes"}),
        )
        .await;
    assert!(s.is_client_error(), "{problem}");
    let (s, retagged) = hub
        .post(
            &format!("/v1/variants/{tea}/barcode"),
            &shop.api_key,
            json!({"replace": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{retagged}");
    let new_code = ean13(retagged["barcode"].as_str().unwrap());
    assert!(new_code.starts_with("27"), "{new_code}");
    // The old code is free again: another item may take it.
    new_item(&shop, "Old tea code", "OLD-TEA", json!({"barcode": TEA})).await;
    let (s, problem) = hub
        .post(
            &format!("/v1/variants/{}/barcode", pos_shared::VariantId::new()),
            &shop.api_key,
            json!({"replace": true}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{problem}");
    // A read-only key cannot number items.
    let (s, _) = hub
        .send(
            Method::POST,
            &format!("/v1/variants/{tea}/barcode"),
            None,
            Some(json!({"replace": true})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
on_both_backends!(in_store_barcodes_are_numbered_checked_unique_and_announced);

async fn labels(shop: &Shop, body: Value) -> Vec<u8> {
    shop.hub
        .as_(&shop.api_key)
        .store_labels(&shop.store_id, &body)
        .await
        .expect("labels")
}

async fn the_hub_renders_labels_at_the_stores_prices(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let tea = shop.variants[0].0.clone();
    let rice = shop.variants[1].0.clone();
    // Tea comes in 250 g packs (a unit price per kg); loose dal gets an in-store code.
    let (s, body) = hub
        .send(
            Method::PATCH,
            &format!("/v1/variants/{tea}"),
            Some(&shop.api_key),
            Some(json!({"pack": {"size": "250", "unit": "g"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // At this store tea is on offer at 139.00, below its MRP of 145.00.
    let (s, body) = hub
        .post(
            &format!("/v1/variants/{tea}/prices"),
            &shop.api_key,
            json!({"price": {"minor": 13900, "currency": "INR"}, "mrp": {"minor": 14500, "currency": "INR"},
                   "store_id": shop.store_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let dal = new_item(&shop, "Toor Dal", "DAL-KG", json!({"unit": "kg"})).await;
    let dal_code = ean13(dal["barcode"].as_str().unwrap());
    let items = json!([
        {"variant_id": tea, "copies": 2},
        {"variant_id": rice},
        {"variant_id": dal["variant_id"]}
    ]);

    let zpl = labels(
        &shop,
        json!({"format": "zpl", "items": items, "date": "03-12-2026"}),
    )
    .await;
    let printed = read_zpl(&zpl);
    assert_eq!(printed.len(), 3, "{}", String::from_utf8_lossy(&zpl));
    assert_eq!(printed[0].texts[0], "Assam Tea 250 g");
    assert!(
        printed[0].texts.contains(&"Rs 139.00".to_owned()),
        "{printed:?}"
    );
    assert!(
        printed[0]
            .texts
            .join(" ")
            .contains("MRP Rs 145.00 (incl. of all taxes)"),
        "{printed:?}"
    );
    // 139.00 for 250 g: 556.00 a kg.
    assert!(
        printed[0].texts.contains(&"Rs 556.00/kg".to_owned()),
        "{printed:?}"
    );
    assert!(
        printed[0].texts.contains(&"03-12-2026".to_owned()),
        "{printed:?}"
    );
    assert_eq!(printed[0].copies, 2);
    assert_eq!(printed[0].barcodes, [("EAN13".to_owned(), TEA.to_owned())]);
    assert_eq!(printed[1].texts[0], "Sona Masoori Rice (kg)");
    assert!(
        printed[1].texts.contains(&"Rs 62.50/kg".to_owned()),
        "{printed:?}"
    );
    assert_eq!(printed[1].copies, 1);
    assert_eq!(
        printed[2].barcodes,
        [("EAN13".to_owned(), dal_code.clone())]
    );

    let tspl = labels(
        &shop,
        json!({"format": "tspl", "items": items, "size": {"width_mm": 60, "height_mm": 40}}),
    )
    .await;
    let text = String::from_utf8(tspl.clone()).unwrap();
    assert!(text.starts_with("SIZE 60 mm,40 mm\r\n"), "{text}");
    let printed = read_tspl(&tspl);
    assert_eq!(printed.len(), 3, "{text}");
    assert_eq!(printed[0].texts[0], "Assam Tea 250 g");
    assert!(
        printed[0].texts.contains(&"Rs 139.00".to_owned()),
        "{printed:?}"
    );
    assert_eq!(printed[0].copies, 2);
    assert_eq!(printed[0].barcodes, [("EAN13".to_owned(), TEA.to_owned())]);
    assert_eq!(
        printed[2].barcodes,
        [("EAN13".to_owned(), dal_code.clone())]
    );

    // ESC/POS: the barcode goes out with GS k (EAN-13, 13 digits).
    let escpos = labels(
        &shop,
        json!({"format": "escpos", "items": [{"variant_id": dal["variant_id"]}]}),
    )
    .await;
    let mut gs_k = vec![0x1d, b'k', 67, 13];
    gs_k.extend(dal_code.bytes());
    assert!(escpos.windows(gs_k.len()).any(|w| w == gs_k), "{escpos:?}");
    assert!(escpos.windows(9).any(|w| w == b"Toor Dal\n"), "{escpos:?}");

    // Bad requests name the field.
    let hq = hub.as_(&shop.api_key);
    let path = format!("/v1/stores/{}/labels", shop.store_id);
    for (body, field) in [
        (json!({"format": "zpl", "items": []}), "items"),
        (
            json!({"format": "zpl", "items": [{"variant_id": tea, "copies": 0}]}),
            "items[0].copies",
        ),
        (
            json!({"format": "zpl", "items": [{"variant_id": tea}], "size": {"width_mm": 10, "height_mm": 30}}),
            "size.width_mm",
        ),
        (
            json!({"format": "zpl", "items": [{"variant_id": pos_shared::VariantId::new()}]}),
            "items[0].variant_id",
        ),
        (
            json!({"format": "pdf", "items": [{"variant_id": tea}]}),
            "format",
        ),
    ] {
        let (s, problem) = hq.post_json(&path, &body).await.unwrap();
        assert!(s.is_client_error(), "{body}: {s} {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    let (s, _) = hq
        .post_json(
            &format!("/v1/stores/{}/labels", pos_shared::StoreId::new()),
            &json!({"format": "zpl", "items": [{"variant_id": tea}]}),
        )
        .await
        .unwrap();
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(the_hub_renders_labels_at_the_stores_prices);
