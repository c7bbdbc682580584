//! Recommendations at a store: from a generated ledger whose co-purchases
//! the test planted, the hub recovers what sells together, counts it as the
//! test counted it, and suggests only what the store can take an order for;
//! substitutes come from the same category, the same brand first
//! (the chain's pairs and the tills' add-ons: `chain_baskets.rs`).

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A small deterministic generator: the same ledger every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

/// Creates a product of one variant in `category` of `brand`; its index in
/// `shop.variants`.
pub(crate) async fn item(
    shop: &mut Shop,
    name: &str,
    sku: &str,
    n: u64,
    category: &Value,
    brand: &Value,
) -> usize {
    let (s, p) = shop
        .hub
        .post(
            "/v1/products",
            &shop.api_key,
            json!({"name": name, "category_id": category["category_id"], "brand_id": brand["brand_id"],
                   "variants": [{"name": name, "sku": sku, "barcode": crate::seller_feeds::ean(n),
                                 "price": {"minor": 5000, "currency": "INR"}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let v = &p["variants"][0];
    shop.variants.push((
        v["variant_id"].as_str().unwrap().to_owned(),
        v["barcode"].as_str().unwrap().to_owned(),
        5000,
    ));
    shop.variants.len() - 1
}

/// A category or a brand (`kind`: `categories`, `brands`) named `name`.
pub(crate) async fn named(shop: &Shop, kind: &str, name: &str) -> Value {
    let (s, made) = shop
        .hub
        .post(&format!("/v1/{kind}"), &shop.api_key, json!({"name": name}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    made
}

pub(crate) async fn receive(shop: &Shop, index: usize, qty: &str) {
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": shop.variants[index].0, "delta": qty, "reason": "receipt"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

/// Brings the projection up to every sale uploaded (the hub's worker does
/// the same a moment later; the place it is stored at means a step is
/// never counted twice).
pub(crate) async fn projected(shop: &Shop) {
    cloud_hub::baskets::catch_up(&shop.hub.storage, &Default::default())
        .await
        .expect("the basket projection catches up");
}

pub(crate) async fn recommend(shop: &Shop, query: &str) -> (StatusCode, Value) {
    projected(shop).await;
    shop.hub
        .get(
            &format!("/v1/stores/{}/recommendations?{query}", shop.store_id),
            &shop.api_key,
        )
        .await
}

pub(crate) fn skus(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["sku"].as_str().unwrap())
        .collect()
}

async fn what_sells_together_and_what_stands_in(backend: Backend) {
    let mut shop = shop(backend).await;
    let key = shop.api_key.clone();
    let bakery = named(&shop, "categories", "Bakery").await;
    let dairy = named(&shop, "categories", "Dairy").await;
    let modern = named(&shop, "brands", "Modern").await;
    let britannia = named(&shop, "brands", "Britannia").await;
    let amul = named(&shop, "brands", "Amul").await;

    let bread = item(&mut shop, "White Bread 400 g", "BRD-W", 1, &bakery, &modern).await;
    let brown = item(&mut shop, "Brown Bread 400 g", "BRD-B", 2, &bakery, &modern).await;
    let pav = item(&mut shop, "Pav 6 pc", "PAV-6", 3, &bakery, &britannia).await;
    let bun = item(&mut shop, "Bun", "BUN-1", 4, &bakery, &britannia).await;
    let rusk = item(&mut shop, "Rusk", "RUSK-1", 5, &bakery, &britannia).await;
    let _toast = item(&mut shop, "Toast", "TOAST-1", 6, &bakery, &britannia).await;
    let butter = item(&mut shop, "Butter 100 g", "BUT-100", 7, &dairy, &amul).await;
    let milk = item(&mut shop, "Milk 500 ml", "MILK-500", 8, &dairy, &amul).await;
    let curd = item(&mut shop, "Curd 400 g", "CURD-400", 9, &dairy, &amul).await;
    let cheese = item(&mut shop, "Cheese Slices", "CHS-10", 10, &dairy, &amul).await;
    let (tea, rice) = (0, 1);
    for i in [bread, brown, pav, bun, rusk, butter, milk, curd, cheese] {
        receive(&shop, i, "200").await;
    }
    // Toast has no stock; the bun is taken off the store's shelf, the rusk
    // is on hold.
    let (s, b) = shop
        .hub
        .put(
            &format!(
                "/v1/stores/{}/assortment/{}",
                shop.store_id, shop.variants[bun].0
            ),
            &key,
            json!({"listed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = shop
        .hub
        .put(
            &format!(
                "/v1/stores/{}/blocks/{}",
                shop.store_id, shop.variants[rusk].0
            ),
            &key,
            json!({"blocked": true, "reason": "quality check"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The ledger: each sale one planted pair, and half of them one more
    // item at random. What the hub must find is counted here as it is made.
    let planted = [(bread, butter), (milk, curd), (tea, rice)];
    let noise = [brown, pav, cheese, butter, milk, curd, tea, rice, bread];
    let mut rng = Lcg(7);
    let mut baskets: Vec<BTreeSet<usize>> = Vec::new();
    for s in 0..90 {
        let (a, b) = planted[s % planted.len()];
        let mut basket = BTreeSet::from([a, b]);
        if rng.next(2) == 0 {
            basket.insert(noise[rng.next(noise.len())]);
        }
        baskets.push(basket);
    }
    let facts: Vec<Value> = baskets
        .iter()
        .enumerate()
        .map(|(n, basket)| {
            let lines: Vec<(usize, &str)> = basket.iter().map(|i| (*i, "1")).collect();
            shop.sale(&format!("T1-{:06}", n + 1), &lines)
        })
        .collect();
    for chunk in facts.chunks(30) {
        let (s, ack) = shop.upload(chunk).await;
        assert_eq!(s, StatusCode::OK, "{ack}");
        assert!(
            Shop::statuses(&ack).iter().all(|s| s == "accepted"),
            "{ack}"
        );
    }
    let together_with = |of: usize| {
        let mut counts: BTreeMap<usize, u32> = BTreeMap::new();
        for basket in baskets.iter().filter(|b| b.contains(&of)) {
            for other in basket.iter().filter(|o| **o != of) {
                *counts.entry(*other).or_default() += 1;
            }
        }
        counts
    };

    for (a, b) in planted {
        let (s, got) = recommend(&shop, &format!("item_id={}", shop.variants[a].0)).await;
        assert_eq!(s, StatusCode::OK, "{got}");
        let counts = together_with(a);
        let first = &got["bought_with"][0];
        assert_eq!(
            first["variant_id"],
            shop.variants[b].0.as_str(),
            "the planted partner first: {got}"
        );
        assert_eq!(first["sales_together"], counts[&b], "{got}");
        // Every count as the test counted it.
        for s in got["bought_with"].as_array().unwrap() {
            let index = shop
                .variants
                .iter()
                .position(|v| v.0 == s["variant_id"].as_str().unwrap())
                .unwrap();
            assert_eq!(s["sales_together"], counts[&index], "{s}");
        }
        assert_eq!(
            got["bought_with"].as_array().unwrap().len(),
            counts.len(),
            "{got}"
        );
    }

    // White bread: the bakery's brown bread (its brand) first, then pav;
    // never the delisted bun, the held rusk, the toast with no stock.
    let (_, got) = recommend(&shop, &format!("item_id={}", shop.variants[bread].0)).await;
    assert_eq!(got["item_orderable"], true, "{got}");
    assert_eq!(skus(&got["substitutes"]), ["BRD-B", "PAV-6"], "{got}");
    assert_eq!(got["substitutes"][0]["same_brand"], true);
    assert_eq!(got["substitutes"][1]["same_brand"], false);
    assert_eq!(got["substitutes"][1]["brand"], "Britannia");
    let sold_pav = baskets.iter().filter(|b| b.contains(&pav)).count();
    assert_eq!(
        got["substitutes"][1]["available"],
        (200 - sold_pav).to_string()
    );

    // Butter taken off the shelf: still counted, no longer suggested; the
    // bread's next partner leads.
    let (s, _) = shop
        .hub
        .put(
            &format!(
                "/v1/stores/{}/assortment/{}",
                shop.store_id, shop.variants[butter].0
            ),
            &key,
            json!({"listed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, got) = recommend(
        &shop,
        &format!("item_id={}&limit=2", shop.variants[bread].0),
    )
    .await;
    let suggested = skus(&got["bought_with"]);
    assert!(!suggested.contains(&"BUT-100"), "{got}");
    assert!(suggested.len() <= 2, "{got}");
    // An item out of stock says why, and still has substitutes.
    let (_, got) = recommend(&shop, &format!("item_id={}", shop.variants[butter].0)).await;
    assert_eq!(got["item_orderable"], false, "{got}");
    assert!(
        got["why_not"]
            .as_array()
            .unwrap()
            .contains(&json!("not_in_assortment")),
        "{got}"
    );
    assert_eq!(
        skus(&got["substitutes"])[0],
        "CHS-10",
        "the dairy items with stock: {got}"
    );
    assert!(got["substitutes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["variant_id"] != shop.variants[butter].0.as_str()));
}
on_both_backends!(what_sells_together_and_what_stands_in);

async fn bad_requests_name_what_was_wrong(backend: Backend) {
    let shop = shop(backend).await;
    let tea = shop.variants[0].0.clone();
    for (query, field) in [
        (String::new(), "item_id"),
        ("item_id=tea".to_owned(), "item_id"),
        (format!("item_id={tea}&limit=0"), "limit"),
        (format!("item_id={tea}&limit=51"), "limit"),
        (format!("item_id={tea}&limit=ten"), "limit"),
        (format!("item_id={tea}&days=366"), "days"),
    ] {
        let (s, b) = recommend(&shop, &query).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {b}");
        assert_eq!(b["field"], field, "{query}: {b}");
    }
    let (s, b) = recommend(&shop, &format!("item_id={tea}&colour=red")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let unknown = pos_shared::VariantId::new();
    let (s, b) = recommend(&shop, &format!("item_id={unknown}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(b["field"], "item_id", "{b}");
    // Another tenant sees neither the store nor the item.
    let other = shop.hub.tenant("Other").await;
    let (s, _) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/recommendations?item_id={tea}", shop.store_id),
            &other,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // With no sales yet there is nothing bought with it, and rice is no tea.
    let (s, got) = recommend(&shop, &format!("item_id={tea}&days=1")).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["bought_with"], json!([]));
    assert_eq!(got["days"], 1);
}
on_both_backends!(bad_requests_name_what_was_wrong);

async fn trending_sets_the_week_against_the_week_before(backend: Backend) {
    let mut shop = shop(backend).await;
    let key = shop.api_key.clone();
    let snacks = named(&shop, "categories", "Snacks").await;
    let haldiram = named(&shop, "brands", "Haldiram").await;
    let bhujia = item(&mut shop, "Bhujia 200 g", "BHU-200", 21, &snacks, &haldiram).await;
    let chips = item(&mut shop, "Chips 50 g", "CHP-50", 22, &snacks, &haldiram).await;
    let mixture = item(
        &mut shop,
        "Mixture 400 g",
        "MIX-400",
        23,
        &snacks,
        &haldiram,
    )
    .await;
    for i in [bhujia, chips, mixture] {
        receive(&shop, i, "500").await;
    }
    let (tea, rice) = (0, 1);
    let now = pos_shared::Timestamp::now().unix_millis();
    let days_ago =
        |d: f64| pos_shared::Timestamp::from_unix_millis(now - (d * 86_400_000.0) as i64);
    // (item, units a sale, sales, days ago)
    let ledger: [(usize, &str, usize, f64); 7] = [
        (bhujia, "2", 10, 1.0),   // this week: 20
        (bhujia, "4", 5, 9.0),    // the week before: 20
        (chips, "1", 5, 2.0),     // this week: 5, none before
        (tea, "1", 3, 3.0),       // this week: 3
        (tea, "2", 5, 10.0),      // the week before: 10
        (rice, "1", 4, 12.0),     // the week before only: not selling now
        (mixture, "3", 10, 20.0), // three weeks ago: out of both windows
    ];
    let mut facts = Vec::new();
    for (index, qty, sales, ago) in ledger {
        for _ in 0..sales {
            facts.push(shop.sale_at(
                &format!("T1-{:06}", facts.len() + 1),
                &[(index, qty)],
                days_ago(ago),
            ));
        }
    }
    let (s, ack) = shop.upload(&facts).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert!(
        Shop::statuses(&ack).iter().all(|s| s == "accepted"),
        "{ack}"
    );

    let trending = |query: &'static str| {
        let shop = &shop;
        async move {
            projected(shop).await;
            shop.hub
                .get(
                    &format!("/v1/stores/{}/trending{query}", shop.store_id),
                    &shop.api_key,
                )
                .await
        }
    };
    let (s, got) = trending("").await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["days"], 7);
    // Chips rose by 5, bhujia held at 20, tea fell by 7; rice sold only
    // the week before, the mixture before that.
    assert_eq!(
        skus(&got["items"]),
        ["CHP-50", "BHU-200", "TEA-250"],
        "{got}"
    );
    let row = |sku: &str| {
        got["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku"] == sku)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            row("CHP-50")["units"].clone(),
            row("CHP-50")["units_before"].clone()
        ),
        (json!("5"), json!("0"))
    );
    assert_eq!(
        (
            row("BHU-200")["units"].clone(),
            row("BHU-200")["units_before"].clone()
        ),
        (json!("20"), json!("20"))
    );
    assert_eq!(row("BHU-200")["sales"], 10);
    assert_eq!(
        (
            row("TEA-250")["units"].clone(),
            row("TEA-250")["units_before"].clone()
        ),
        (json!("3"), json!("10"))
    );
    assert!(
        got["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["orderable"] == true),
        "{got}"
    );

    // A month's window holds all of bhujia's 40 and the mixture's 30 (none
    // the month before); the limit cuts the list after them.
    let (_, got) = trending("?days=30&limit=2").await;
    assert_eq!(skus(&got["items"]), ["BHU-200", "MIX-400"], "{got}");
    assert_eq!(got["items"][0]["units"], "40");
    // Chips off the shelf: still selling, no longer orderable.
    let (s, _) = shop
        .hub
        .put(
            &format!(
                "/v1/stores/{}/assortment/{}",
                shop.store_id, shop.variants[chips].0
            ),
            &key,
            json!({"listed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, got) = trending("?limit=1").await;
    assert_eq!(got["items"][0]["sku"], "CHP-50");
    assert_eq!(got["items"][0]["orderable"], false);

    for (query, field) in [
        ("?days=0", "days"),
        ("?days=91", "days"),
        ("?limit=51", "limit"),
        ("?days=week", "days"),
    ] {
        let (s, b) = trending(query).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {b}");
        assert_eq!(b["field"], field, "{query}: {b}");
    }
}
on_both_backends!(trending_sets_the_week_against_the_week_before);

async fn hq_pins_and_excludes_what_is_suggested(backend: Backend) {
    let mut shop = shop(backend).await;
    let key = shop.api_key.clone();
    let bakery = named(&shop, "categories", "Bakery").await;
    let brand = named(&shop, "brands", "Modern").await;
    let bread = item(&mut shop, "Bread", "BRD", 31, &bakery, &brand).await;
    let butter = item(&mut shop, "Butter", "BUT", 32, &bakery, &brand).await;
    let jam = item(&mut shop, "Jam", "JAM", 33, &bakery, &brand).await;
    let pav = item(&mut shop, "Pav", "PAV", 34, &bakery, &brand).await;
    for i in [bread, butter, jam, pav] {
        receive(&shop, i, "50").await;
    }
    let mut facts = Vec::new();
    for (partner, times) in [(butter, 3), (jam, 2), (0, 1)] {
        for _ in 0..times {
            facts.push(shop.sale(
                &format!("T1-{:06}", facts.len() + 1),
                &[(bread, "1"), (partner, "1")],
            ));
        }
    }
    let (s, ack) = shop.upload(&facts).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let id = |i: usize| shop.variants[i].0.clone();
    let asked = format!("item_id={}", id(bread));
    let (_, got) = recommend(&shop, &asked).await;
    assert_eq!(
        skus(&got["bought_with"]),
        ["BUT", "JAM", "TEA-250"],
        "{got}"
    );

    // Tea pinned first, butter never beside bread: what is bought with it
    // and what stands in for it both follow.
    let rules_path = format!("/v1/recommendation-rules/{}", id(bread));
    let (s, kept) = shop
        .hub
        .put(
            &rules_path,
            &key,
            json!({"pinned": [id(0)], "excluded": [id(butter)]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{kept}");
    assert_eq!(kept, json!({"pinned": [id(0)], "excluded": [id(butter)]}));
    assert_eq!(shop.hub.get(&rules_path, &key).await.1, kept);
    let (_, got) = recommend(&shop, &asked).await;
    assert_eq!(skus(&got["bought_with"]), ["TEA-250", "JAM"], "{got}");
    assert_eq!(got["bought_with"][0]["pinned"], true);
    assert_eq!(got["bought_with"][0]["sales_together"], 1);
    assert!(got["bought_with"][1].get("pinned").is_none(), "{got}");
    assert_eq!(
        skus(&got["substitutes"]),
        ["PAV", "JAM"],
        "the most on hand first: {got}"
    );

    // A pinned item the store cannot sell now is not offered.
    let (s, _) = shop
        .hub
        .put(
            &format!("/v1/stores/{}/assortment/{}", shop.store_id, id(0)),
            &key,
            json!({"listed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, got) = recommend(&shop, &asked).await;
    assert_eq!(skus(&got["bought_with"]), ["JAM"], "{got}");

    // Excluding pav: no longer offered for bread (a refused order's lines
    // and a pick list draw on the same candidates).
    let (s, _) = shop
        .hub
        .put(
            &rules_path,
            &key,
            json!({"excluded": [id(butter), id(pav)]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, got) = recommend(&shop, &asked).await;
    assert_eq!(skus(&got["substitutes"]), ["JAM"], "{got}");

    let unknown = pos_shared::VariantId::new().to_string();
    let many: Vec<String> = (0..21)
        .map(|_| pos_shared::VariantId::new().to_string())
        .collect();
    for (body, field) in [
        (json!({"pinned": [id(bread)]}), "pinned[0]"),
        (json!({"pinned": [id(jam), id(jam)]}), "pinned[1]"),
        (
            json!({"pinned": [id(jam)], "excluded": [id(jam)]}),
            "excluded[0]",
        ),
        (json!({"excluded": many}), "excluded"),
        (json!({"pinned": [unknown]}), "pinned[0]"),
    ] {
        let (s, b) = shop.hub.put(&rules_path, &key, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = shop
        .hub
        .put(&rules_path, &key, json!({"pinned": [], "colour": "red"}))
        .await;
    assert!(s.is_client_error(), "{b}");
    // A list where an object belongs is refused, not read by position.
    for body in [json!([]), json!([[id(jam)], [id(pav)]])] {
        let (s, b) = shop.hub.put(&rules_path, &key, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        assert!(
            b["detail"].as_str().unwrap().contains("not an array"),
            "{b}"
        );
    }
    // The unknown one is named where it stands.
    let (s, b) = shop
        .hub
        .put(
            &rules_path,
            &key,
            json!({"pinned": [id(jam)], "excluded": [id(pav), pos_shared::VariantId::new()]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["field"], "excluded[1]", "{b}");
    // Refused rules changed nothing.
    assert_eq!(
        shop.hub.get(&rules_path, &key).await.1,
        json!({"pinned": [], "excluded": [id(butter), id(pav)]})
    );
    let (s, _) = shop
        .hub
        .put(
            &format!("/v1/recommendation-rules/{}", pos_shared::VariantId::new()),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // An item deleted since it was excluded drops out of the rules read, so
    // what is read can be written back.
    let (s, b) = shop
        .hub
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/variants/{}", id(pav)),
            Some(&key),
            None,
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (_, read) = shop.hub.get(&rules_path, &key).await;
    assert_eq!(read, json!({"pinned": [], "excluded": [id(butter)]}));
    let (s, b) = shop.hub.put(&rules_path, &key, read.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, read);
}
on_both_backends!(hq_pins_and_excludes_what_is_suggested);
