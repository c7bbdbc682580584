//! A store's search at the hub, as HQ's apps and the pickers' screens use
//! it: typos, synonyms, phrases, codes, filters, facets, the store's own
//! price and stock, the catalog's edits reaching the index, and tenants kept
//! apart.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A category (under `parent`, if any) or brand made by name.
async fn named(shop: &Shop, kind: &str, body: Value) -> String {
    let (s, made) = shop
        .hub
        .post(&format!("/v1/{kind}"), &shop.api_key, body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let id = if kind == "categories" {
        "category_id"
    } else {
        "brand_id"
    };
    made[id].as_str().unwrap().to_owned()
}

/// A product of one variant; its id.
async fn item(shop: &Shop, name: &str, sku: &str, paise: i64, extra: Value) -> String {
    let mut variant =
        json!({"name": name, "sku": sku, "price": {"minor": paise, "currency": "INR"}});
    let mut product = json!({"name": name});
    for (k, v) in extra.as_object().unwrap() {
        match k.as_str() {
            "category_id" | "brand_id" | "synonyms" => product[k] = v.clone(),
            _ => variant[k] = v.clone(),
        }
    }
    product["variants"] = json!([variant]);
    let (s, p) = shop.hub.post("/v1/products", &shop.api_key, product).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p["variants"][0]["variant_id"].as_str().unwrap().to_owned()
}

async fn receive(shop: &Shop, variant: &str, qty: &str) {
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": variant, "delta": qty, "reason": "receipt"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

async fn search(shop: &Shop, query: &str) -> Value {
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/search?{query}", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{query}: {b}");
    b
}

fn skus(found: &Value) -> Vec<&str> {
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["sku"].as_str().unwrap())
        .collect()
}

/// The shop's grocery: pulses under staples, dairy, flour, a non-veg masala.
struct Grocery {
    staples: String,
    pulses: String,
    toor: String,
    arhar: String,
}

async fn grocery(shop: &Shop) -> Grocery {
    let staples = named(shop, "categories", json!({"name": "Staples"})).await;
    let pulses = named(
        shop,
        "categories",
        json!({"name": "Pulses", "parent_id": staples}),
    )
    .await;
    let dairy = named(shop, "categories", json!({"name": "Dairy"})).await;
    let masala = named(shop, "categories", json!({"name": "Masala"})).await;
    let tata = named(shop, "brands", json!({"name": "Tata Sampann"})).await;
    let fortune = named(shop, "brands", json!({"name": "Fortune"})).await;
    let amul = named(shop, "brands", json!({"name": "Amul"})).await;
    let veg = json!({"diet": "veg"});
    let toor = item(
        shop,
        "Tata Sampann Toor Dal 1kg",
        "DAL-TOOR-1",
        16500,
        json!({"category_id": pulses, "brand_id": tata, "attributes": veg}),
    )
    .await;
    let arhar = item(
        shop,
        "Fortune Arhar Dal 500g",
        "DAL-ARHAR-05",
        8900,
        json!({"category_id": pulses, "brand_id": fortune, "attributes": veg}),
    )
    .await;
    item(
        shop,
        "Moong Dal 1 kg",
        "DAL-MOONG-1",
        14000,
        json!({"category_id": pulses, "attributes": veg}),
    )
    .await;
    item(
        shop,
        "Urad Dal 1 kg",
        "DAL-URAD-1",
        14000,
        json!({"category_id": pulses, "attributes": veg}),
    )
    .await;
    item(shop, "Amul Masti Dahi 400 g", "DAHI-400", 3500,
        json!({"category_id": dairy, "brand_id": amul, "attributes": {"diet": "veg", "chilled": true}})).await;
    item(
        shop,
        "Aashirvaad Atta 5 kg",
        "ATTA-5",
        26000,
        json!({"category_id": staples}),
    )
    .await;
    item(shop, "Chicken Masala 100 g", "MSL-CHK", 7500,
        json!({"category_id": masala, "attributes": {"diet": "non-veg"}, "synonyms": ["murgh masala"]})).await;
    Grocery {
        staples,
        pulses,
        toor,
        arhar,
    }
}

async fn typos_synonyms_phrases_and_codes(backend: Backend) {
    let shop = shop(backend).await;
    let g = grocery(&shop).await;

    // A typo: "tor" is one letter from "toor"; the synonym table gives
    // arhar for toor, so both pigeon-pea dals come, and no other dal.
    let found = search(&shop, "q=tor%20dal").await;
    assert_eq!(skus(&found)[0], "DAL-TOOR-1", "{found}");
    let mut both = skus(&found);
    both.sort();
    assert_eq!(both, ["DAL-ARHAR-05", "DAL-TOOR-1"], "{found}");
    assert_eq!(found["hits"][0]["variant_id"], g.toor.as_str());
    assert_eq!(found["hits"][0]["brand"], "Tata Sampann");
    assert_eq!(found["hits"][0]["category"], "Pulses");
    assert_eq!(
        found["hits"][0]["price"],
        json!({"minor": 16500, "currency": "INR"})
    );

    // Hinglish and English both ways, a run of words as one synonym, any case.
    assert_eq!(skus(&search(&shop, "q=curd").await), ["DAHI-400"]);
    assert_eq!(skus(&search(&shop, "q=DAHI").await), ["DAHI-400"]);
    assert_eq!(
        skus(&search(&shop, "q=%E0%A4%A6%E0%A4%B9%E0%A5%80").await),
        ["DAHI-400"]
    ); // दही
       // The item named comes before the one its synonym names.
    assert_eq!(
        skus(&search(&shop, "q=arhar").await),
        ["DAL-ARHAR-05", "DAL-TOOR-1"]
    );
    // A word some item has is not taken for a typo of another: "atta" is
    // one swap from "tata", and stays atta.
    assert_eq!(skus(&search(&shop, "q=atta").await), ["ATTA-5"]);
    assert_eq!(skus(&search(&shop, "q=wheat%20flour").await), ["ATTA-5"]);
    assert_eq!(skus(&search(&shop, "q=pigeon%20pea").await).len(), 2);
    // The item's own synonyms, and its category's name.
    assert_eq!(skus(&search(&shop, "q=murgh").await), ["MSL-CHK"]);
    assert_eq!(skus(&search(&shop, "q=pulses").await).len(), 4);
    // Two typos in a long word.
    assert_eq!(skus(&search(&shop, "q=ashirvad").await), ["ATTA-5"]);

    // Typing as you go: the last word is a start.
    assert_eq!(
        skus(&search(&shop, "q=toor%20d").await),
        ["DAL-TOOR-1", "DAL-ARHAR-05"]
    );
    assert_eq!(skus(&search(&shop, "q=aash").await), ["ATTA-5"]);
    // … but not once a space ends it.
    assert!(skus(&search(&shop, "q=aash%20").await).is_empty());

    // Sizes match however they are written.
    assert_eq!(
        skus(&search(&shop, "q=dal%20500%20g").await),
        ["DAL-ARHAR-05"]
    );
    assert_eq!(skus(&search(&shop, "q=dal%20500g").await), ["DAL-ARHAR-05"]);
    assert_eq!(
        skus(&search(&shop, "q=dal%20500gm").await),
        ["DAL-ARHAR-05"]
    );
    assert_eq!(
        skus(&search(&shop, "q=dahi%20400%20GMS").await),
        ["DAHI-400"]
    );
    assert_eq!(skus(&search(&shop, "q=atta%205%20kgs").await), ["ATTA-5"]);

    // A phrase in quotes must stand in that order.
    assert_eq!(
        skus(&search(&shop, "q=%22toor%20dal%22").await),
        ["DAL-TOOR-1"]
    );
    assert!(skus(&search(&shop, "q=%22dal%20toor%22").await).is_empty());
    // Unquoted, the phrase ranks first: the name holding "moong dal" leads.
    assert_eq!(skus(&search(&shop, "q=moong%20dal").await), ["DAL-MOONG-1"]);

    // A SKU or barcode, whole.
    let by_sku = search(&shop, "q=dal-arhar-05").await;
    assert_eq!(skus(&by_sku)[0], "DAL-ARHAR-05", "{by_sku}");
    let barcode = by_sku["hits"][0]["barcode"].as_str().unwrap().to_owned();
    assert_eq!(
        skus(&search(&shop, &format!("q={barcode}")).await)[0],
        "DAL-ARHAR-05"
    );
    // As printed on the pack: 13 digits, without the GTIN-14's leading 0.
    assert_eq!(barcode.len(), 14, "{barcode}");
    let printed = barcode.trim_start_matches('0');
    assert_eq!(
        skus(&search(&shop, &format!("q={printed}")).await)[0],
        "DAL-ARHAR-05"
    );
    assert_eq!(found["hits"][1]["variant_id"], g.arhar.as_str());

    // Nothing like it: no hits, not an error.
    let none = search(&shop, "q=xylophone").await;
    assert_eq!(none["matched"], 0);
    assert!(none["hits"].as_array().unwrap().is_empty());
}
on_both_backends!(typos_synonyms_phrases_and_codes);

async fn filters_facets_and_the_stores_own_figures(backend: Backend) {
    let shop = shop(backend).await;
    let g = grocery(&shop).await;
    let (moong, urad) = ("DAL-MOONG-1", "DAL-URAD-1");

    // Facets count what matched, by category, brand and attribute.
    let dal = search(&shop, "q=dal").await;
    assert_eq!(dal["matched"], 4, "{dal}");
    assert_eq!(
        dal["facets"]["categories"],
        json!([{"category_id": g.pulses, "name": "Pulses", "count": 4}])
    );
    assert_eq!(
        dal["facets"]["brands"],
        json!([{"value": "Fortune", "count": 1}, {"value": "Tata Sampann", "count": 1}])
    );
    assert_eq!(
        dal["facets"]["attributes"],
        json!([{"key": "diet", "values": [{"value": "veg", "count": 4}]}])
    );

    // Equally good matches: the one the store has comes first. Moong and
    // urad read alike; only urad is on the shelf.
    let urad_id = search(&shop, "q=urad").await["hits"][0]["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    receive(&shop, &urad_id, "12").await;
    receive(&shop, &g.toor, "3").await;
    let both = search(&shop, "q=dal%201%20kg").await;
    let order = skus(&both);
    let (at_moong, at_urad) = (
        order.iter().position(|s| *s == moong).unwrap(),
        order.iter().position(|s| *s == urad).unwrap(),
    );
    assert!(at_urad < at_moong, "{both}");
    let urad_hit = &both["hits"][at_urad];
    assert_eq!(urad_hit["available"], "12");
    assert_eq!(urad_hit["orderable"], true);
    let moong_hit = &both["hits"][at_moong];
    assert_eq!(moong_hit["orderable"], false);
    assert_eq!(moong_hit["reasons"], json!(["zero_stock"]));

    // The store's filters: stock and orderability.
    let stocked = search(&shop, "q=dal&in_stock=true").await;
    let mut stocked = skus(&stocked);
    stocked.sort();
    assert_eq!(stocked, ["DAL-TOOR-1", urad]);
    assert_eq!(skus(&search(&shop, "q=dal&orderable=true").await).len(), 2);
    // Stock on hold is not in stock, whatever the count.
    let hold = |blocked: bool| {
        let body = if blocked {
            json!({"blocked": true, "reason": "quality check"})
        } else {
            json!({"blocked": false})
        };
        let path = format!("/v1/stores/{}/blocks/{urad_id}", shop.store_id);
        let hub = shop.hub.clone();
        let key = shop.api_key.clone();
        async move {
            let (s, b) = hub.put(&path, &key, body).await;
            assert!(s.is_success(), "{b}");
        }
    };
    hold(true).await;
    assert_eq!(
        skus(&search(&shop, "q=dal&in_stock=true").await),
        ["DAL-TOOR-1"]
    );
    hold(false).await;

    // Price, the store's own: a store window puts toor dal at 99.00 here.
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/variants/{}/prices", g.toor),
            &shop.api_key,
            json!({"store_id": shop.store_id, "price": {"minor": 9900, "currency": "INR"},
                   "effective_from": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let cheap = search(&shop, "q=dal&max_price=100").await;
    let mut under = skus(&cheap);
    under.sort();
    assert_eq!(under, ["DAL-ARHAR-05", "DAL-TOOR-1"], "{cheap}");
    let toor_hit = cheap["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["sku"] == "DAL-TOOR-1")
        .unwrap();
    assert_eq!(toor_hit["price"], json!({"minor": 9900, "currency": "INR"}));
    assert_eq!(toor_hit["price_source"], "store_window");
    assert_eq!(
        skus(&search(&shop, "q=dal&min_price=100.00&max_price=140").await).len(),
        2
    );

    // The catalog's filters: a category takes in the ones under it.
    assert_eq!(
        skus(&search(&shop, &format!("q=dal&category_id={}", g.staples)).await).len(),
        4
    );
    assert_eq!(
        skus(&search(&shop, &format!("q=aashirvaad&category_id={}", g.pulses)).await).len(),
        0
    );
    assert_eq!(
        skus(&search(&shop, "q=dal&brand=TATA%20SAMPANN").await),
        ["DAL-TOOR-1"]
    );
    assert_eq!(
        skus(&search(&shop, "q=masala&attr=diet:non-veg").await),
        ["MSL-CHK"]
    );
    assert!(skus(&search(&shop, "q=masala&attr=diet:veg").await).is_empty());
    assert_eq!(
        skus(&search(&shop, "q=dahi&attr=diet:Veg,chilled:true").await),
        ["DAHI-400"]
    );
    // The limit cuts the hits, not what matched.
    let one = search(&shop, "q=dal&limit=1").await;
    assert_eq!((skus(&one).len(), one["matched"].as_u64()), (1, Some(4)));
}
on_both_backends!(filters_facets_and_the_stores_own_figures);

async fn edits_reach_the_index_and_tenants_stay_apart(backend: Backend) {
    let shop = shop(backend).await;
    let g = grocery(&shop).await;
    let key = &shop.api_key;
    assert_eq!(skus(&search(&shop, "q=arhar").await).len(), 2);

    // Renamed: found by the new name, not the old.
    let (s, b) = shop
        .hub
        .send(
            reqwest::Method::PATCH,
            &format!("/v1/variants/{}", g.arhar),
            Some(key),
            Some(json!({"name": "Fortune Chana Dal 500g"})),
        )
        .await;
    assert!(s.is_success(), "{b}");
    assert_eq!(skus(&search(&shop, "q=chana").await), ["DAL-ARHAR-05"]);
    assert_eq!(skus(&search(&shop, "q=arhar").await), ["DAL-TOOR-1"]);

    // A category renamed: its items are found by the new name, and so are
    // the items of the categories under it.
    let (s, b) = shop
        .hub
        .put(
            &format!("/v1/categories/{}", g.staples),
            key,
            json!({"name": "Kirana Basics"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    assert_eq!(skus(&search(&shop, "q=kirana%20basics").await).len(), 5);

    // Deleted: gone.
    let (s, b) = shop
        .hub
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/variants/{}", g.toor),
            Some(key),
            None,
        )
        .await;
    assert!(s.is_success(), "{b}");
    assert!(skus(&search(&shop, "q=toor").await).is_empty());

    // Another tenant on the same hub has its own toor dal and its own index.
    let other = shop_on(shop.hub.clone(), "Other Chain").await;
    item(&other, "Rajdhani Toor Dal", "OTHER-TOOR", 15000, json!({})).await;
    assert_eq!(skus(&search(&other, "q=toor").await), ["OTHER-TOOR"]);
    assert!(skus(&search(&shop, "q=toor").await).is_empty());
    let (s, _) = shop
        .hub
        .get(&format!("/v1/stores/{}/search?q=toor", other.store_id), key)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Even a bad query names nothing of another tenant's store.
    let (s, _) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/search?limit=0", other.store_id),
            key,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(edits_reach_the_index_and_tenants_stay_apart);

async fn bad_searches_are_named(backend: Backend) {
    let shop = shop(backend).await;
    let path = format!("/v1/stores/{}/search", shop.store_id);
    let long = "a".repeat(101);
    let (s, b) = shop
        .hub
        .get(&format!("{path}?q=tea&category_id=tea"), &shop.api_key)
        .await;
    assert_eq!(
        (s, &b["field"]),
        (StatusCode::BAD_REQUEST, &json!("category_id")),
        "{b}"
    );
    for (query, field) in [
        ("", "q"),
        ("q=%20%20", "q"),
        (&format!("q={long}") as &str, "q"),
        ("q=tea&brand=", "brand"),
        ("q=tea&attr=diet", "attr"),
        ("q=tea&attr=diet:", "attr"),
        ("q=tea&min_price=ten", "min_price"),
        ("q=tea&max_price=-1", "max_price"),
        ("q=tea&min_price=50&max_price=10", "min_price"),
        ("q=tea&in_stock=yes", "in_stock"),
        ("q=tea&orderable=1", "orderable"),
        ("q=tea&limit=0", "limit"),
        ("q=tea&limit=101", "limit"),
        ("q=tea&channel=", "channel"),
    ] {
        let (s, b) = shop
            .hub
            .get(&format!("{path}?{query}"), &shop.api_key)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {b}");
        assert_eq!(b["field"], field, "{query}: {b}");
    }
    let (s, b) = shop
        .hub
        .get(&format!("{path}?q=tea&colour=red"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/search?q=tea", pos_shared::StoreId::new()),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Punctuation alone has no word to search for: no hits, not an error.
    let (s, b) = shop
        .hub
        .get(&format!("{path}?q=%2B%2B"), &shop.api_key)
        .await;
    assert_eq!((s, b["matched"].as_u64()), (StatusCode::OK, Some(0)), "{b}");
}
on_both_backends!(bad_searches_are_named);

/// An index that fell behind what the feed keeps is built again from the
/// catalog, not left with a gap.
async fn an_index_behind_the_pruned_feed_is_built_again(backend: Backend) {
    let shop = shop(backend).await;
    let key = &shop.api_key;
    let pulp = item(&shop, "Kesar Mango Pulp", "PULP-1", 12000, json!({})).await;
    // An index of its own, so that no hub task catches it up meanwhile.
    let tenant: pos_shared::TenantId = shop.tenant_id.parse().unwrap();
    let store: pos_shared::StoreId = shop.store_id.parse().unwrap();
    let search = cloud_hub::search::StoreSearch::new(shop.hub.storage.clone());
    search.ready(tenant).await.unwrap();
    let ask = |text: &str| cloud_hub::domain::search::StoreQuery {
        text: text.into(),
        channel: "pos".into(),
        limit: 10,
        ..Default::default()
    };
    let found = search.search(tenant, store, &ask("kesar")).await.unwrap();
    assert_eq!(found.hits.len(), 1);

    let (s, b) = shop
        .hub
        .send(
            reqwest::Method::PATCH,
            &format!("/v1/variants/{pulp}"),
            Some(key),
            Some(json!({"name": "Alphonso Mango Pulp"})),
        )
        .await;
    assert!(s.is_success(), "{b}");
    item(&shop, "Jaggery Cubes", "GUR-1", 9000, json!({})).await;
    item(&shop, "Rock Salt", "SALT-R", 4000, json!({})).await;
    // Only the last change is kept: the index stands before the floor.
    assert!(shop.hub.storage.prune_feed(1).await.unwrap() > 0);

    let names = |found: cloud_hub::domain::search::SearchResults| -> Vec<String> {
        found.hits.into_iter().map(|h| h.name).collect()
    };
    assert_eq!(
        names(
            search
                .search(tenant, store, &ask("alphonso"))
                .await
                .unwrap()
        ),
        ["Alphonso Mango Pulp"]
    );
    assert!(names(search.search(tenant, store, &ask("kesar")).await.unwrap()).is_empty());
    assert_eq!(
        names(search.search(tenant, store, &ask("gur")).await.unwrap()),
        ["Jaggery Cubes"]
    );
}
on_both_backends!(an_index_behind_the_pruned_feed_is_built_again);
