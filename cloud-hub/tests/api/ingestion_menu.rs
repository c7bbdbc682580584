//! Restaurant POS pushes through the gateway: a menu pushed twice (one
//! version per item), prices and names, items dropped and toggled, HQ's
//! holds, and sources that keep to their own items and categories.

use crate::helpers::*;
use crate::ingestion::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) fn menu(price_of_paneer: &str) -> Value {
    json!({
        "restaurants": [{"restaurantid": "R1", "details": {"restaurantname": "Spice Route"}}],
        "parentcategories": [{"id": "P1", "name": "MAIN COURSE", "rank": "1"}],
        "categories": [
            {"categoryid": "C2", "categoryname": "Paneer  Specials", "categoryrank": "2", "parent_category_id": "P1"},
            {"categoryid": "C3", "categoryname": "Breads", "categoryrank": "3", "parent_category_id": "0"}
        ],
        "attributes": [{"attributeid": "1", "attribute": "veg"}, {"attributeid": "2", "attribute": "non-veg"}],
        "taxes": [
            {"taxid": "T1", "taxname": "CGST", "tax": "2.5"},
            {"taxid": "T2", "taxname": "SGST", "tax": "2.5"}
        ],
        "addongroups": [{"addongroupid": "A1", "addongroup_name": "Extras", "addongroupitems": [
            {"addonitemid": "A11", "addonitem_name": "Extra Cheese", "addonitem_price": "30", "active": "1"},
            {"addonitemid": "A12", "addonitem_name": "Butter", "addonitem_price": "15", "active": "1"}
        ]}],
        "items": [
            {"itemid": "I1", "itemname": "PANEER TIKKA MASALA", "item_categoryid": "C2", "price": price_of_paneer,
             "active": "1", "in_stock": "2", "item_attributeid": "1", "item_tax": "T1,T2",
             "addon": [{"addon_group_id": "A1", "addon_item_selection_min": "0", "addon_item_selection_max": "2"}]},
            {"itemid": "I2", "itemname": "Butter Naan", "item_categoryid": "C3", "price": "0", "item_tax": "T1,T2",
             "variation": [
                {"variationid": "V1", "name": "Single", "price": "45.00", "active": "1"},
                {"variationid": "V2", "name": "Double", "price": "85.50", "active": "1"}
             ]},
            {"itemid": "I3", "itemname": "Mystery Dish", "item_categoryid": "C3", "price": "abc"}
        ]
    })
}

async fn a_menu_pushed_twice_makes_one_version_of_each_item(backend: Backend) {
    let shop = shop(backend).await;
    let source = register(&shop, "pp", "restaurant_pos", "R1").await;
    let answers = push(&shop, &source, &[menu("250.00")]).await;
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    let payloads = settled(&shop, &source).await;
    let first = run_of(&shop, &payloads[0]).await;
    assert_eq!(first["state"], "completed", "{first}");
    assert_eq!(first["format"], "menu_push");
    // 3 categories, 3 items, one refused naming its price.
    assert_eq!(first["counts"]["received"], 6, "{first}");
    assert_eq!(first["counts"]["applied"], 5, "{first}");
    assert_eq!(first["counts"]["failed"], 1, "{first}");
    assert_eq!(first["errors"][0]["entity"], "item I3", "{first}");
    assert_eq!(first["errors"][0]["field"], "price", "{first}");

    let paneer = catalog_by_sku(&shop, "pp:I1").await;
    assert_eq!(
        paneer["name"], "Paneer Tikka Masala",
        "title cleaned: {paneer}"
    );
    assert_eq!(paneer["price"]["minor"], 25000);
    assert_eq!(paneer["tax"]["rate_bp"], 500, "CGST + SGST: {paneer}");
    assert_eq!(
        paneer["modifiers"][0]["options"][0]["price"]["minor"], 3000,
        "{paneer}"
    );
    assert_eq!(paneer["modifiers"][0]["max"], 2);
    assert_eq!(paneer["attributes"]["diet"], "veg", "{paneer}");
    let double = catalog_by_sku(&shop, "pp:I2:V2").await;
    assert_eq!(double["name"], "Butter Naan (Double)");
    assert_eq!(double["price"]["minor"], 8550);
    let single = catalog_by_sku(&shop, "pp:I2:V1").await;
    assert_eq!(
        single["product_id"], double["product_id"],
        "variations of one product"
    );
    assert_ne!(
        double["barcode"], single["barcode"],
        "each its own in-store barcode"
    );
    let (_, categories) = shop.hub.get("/v1/categories", &shop.api_key).await;
    let names: Vec<&str> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Main Course") && names.contains(&"Paneer Specials"),
        "{names:?}"
    );

    // The same menu again changes nothing: no new version, nothing to tills.
    let (_, feed_before) = shop.hub.get("/v1/events?limit=1000", &shop.api_key).await;
    push(&shop, &source, &[menu("250.00")]).await;
    let payloads = settled(&shop, &source).await;
    let second = run_of(&shop, &payloads[0]).await;
    assert_eq!(second["counts"]["applied"], 0, "{second}");
    assert_eq!(second["counts"]["unchanged"], 5, "{second}");
    for sku in ["pp:I1", "pp:I2:V1", "pp:I2:V2"] {
        assert_eq!(
            versions(&shop, &catalog_by_sku(&shop, sku).await).await,
            1,
            "{sku}"
        );
    }
    let (_, feed_after) = shop.hub.get("/v1/events?limit=1000", &shop.api_key).await;
    let types = |page: &Value| -> Vec<String> {
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap().to_owned())
            .collect()
    };
    let new_types: Vec<String> = types(&feed_after)
        .into_iter()
        .skip(types(&feed_before).len())
        .collect();
    assert_eq!(
        new_types,
        vec!["catalog.ingestion.completed"],
        "only the run is announced"
    );

    // A new price: one new version, a price event.
    push(&shop, &source, &[menu("275.50")]).await;
    settled(&shop, &source).await;
    let paneer = catalog_by_sku(&shop, "pp:I1").await;
    assert_eq!(paneer["price"]["minor"], 27550);
    let (_, events) = shop
        .hub
        .get("/v1/events?type=pricing.price.updated", &shop.api_key)
        .await;
    assert_eq!(events["events"].as_array().unwrap().len(), 1, "{events}");
    // A new name and a new price at once: one version, never one without the other.
    let mut renamed = menu("280");
    renamed["items"][0]["itemname"] = json!("Paneer Tikka Masala (Chef's)");
    push(&shop, &source, &[renamed]).await;
    settled(&shop, &source).await;
    let paneer = catalog_by_sku(&shop, "pp:I1").await;
    let id = paneer["variant_id"].as_str().unwrap();
    let (_, history) = shop
        .hub
        .get(&format!("/v1/catalog/{id}/versions"), &shop.api_key)
        .await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[2]["record"]["name"], "Paneer Tikka Masala (Chef's)");
    assert_eq!(history[2]["record"]["price"]["minor"], 28000);
    push(&shop, &source, &[menu("275.50")]).await;
    settled(&shop, &source).await;

    // The availability toggle holds the item at the store, and lifts it.
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "type": "item", "inStock": false, "itemID": ["I2"]})],
    )
    .await;
    settled(&shop, &source).await;
    let blocked = |view: &Value, sku: &str| {
        view["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku"] == sku)
            .map(|i| {
                i["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == "blocked")
            })
    };
    let (_, view) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/catalog-view", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(blocked(&view, "pp:I2:V1"), Some(true), "{view}");
    assert_eq!(blocked(&view, "pp:I2:V2"), Some(true), "{view}");
    assert_eq!(blocked(&view, "pp:I1"), Some(false), "{view}");
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "type": "item", "inStock": true, "itemID": "I2"})],
    )
    .await;
    let payloads = settled(&shop, &source).await;
    assert_eq!(run_of(&shop, &payloads[0]).await["counts"]["applied"], 1);
    let (_, view) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/catalog-view", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(blocked(&view, "pp:I2:V1"), Some(false), "{view}");
    // An item left out of the next full menu is held there; back, it is lifted.
    let mut without = menu("275.50");
    without["items"].as_array_mut().unwrap().remove(0);
    push(&shop, &source, &[without]).await;
    settled(&shop, &source).await;
    let view_path = format!("/v1/stores/{}/catalog-view", shop.store_id);
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(blocked(&now, "pp:I1"), Some(true), "{now}");
    // Off the menu, a toggle does not bring it back; the menu does.
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "inStock": true, "itemID": ["I1"]})],
    )
    .await;
    settled(&shop, &source).await;
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(blocked(&now, "pp:I1"), Some(true), "{now}");
    push(&shop, &source, &[menu("275.50")]).await;
    settled(&shop, &source).await;
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(blocked(&now, "pp:I1"), Some(false), "{now}");
    // A hold HQ put on is HQ's: the source neither lifts nor rewords it.
    let naan = catalog_by_sku(&shop, "pp:I2:V1").await;
    let (s, b) = shop
        .hub
        .put(
            &format!(
                "/v1/stores/{}/blocks/{}",
                shop.store_id,
                naan["variant_id"].as_str().unwrap()
            ),
            &shop.api_key,
            json!({"blocked": true, "reason": "quality check"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    push(
        &shop,
        &source,
        &[json!({"restID": "R1", "inStock": false, "itemID": ["I2"]})],
    )
    .await;
    push(
        &shop,
        &source,
        &[
            json!({"restID": "R1", "inStock": true, "itemID": ["I2"]}),
            menu("275.50"),
        ],
    )
    .await;
    settled(&shop, &source).await;
    let (_, now) = shop.hub.get(&view_path, &shop.api_key).await;
    assert_eq!(
        blocked(&now, "pp:I2:V1"),
        Some(true),
        "HQ's hold stays: {now}"
    );
    assert_eq!(blocked(&now, "pp:I2:V2"), Some(false), "{now}");
    let (_, unknown) = (
        0,
        push(
            &shop,
            &source,
            &[json!({"restID": "R9", "inStock": false, "itemID": ["I1"]})],
        )
        .await,
    );
    assert_eq!(unknown[0].0, StatusCode::ACCEPTED);
    let payloads = settled(&shop, &source).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["failed"], 1, "{run}");
    assert!(
        run["errors"][0]["detail"].as_str().unwrap().contains("R9"),
        "{run}"
    );
}
on_both_backends!(a_menu_pushed_twice_makes_one_version_of_each_item);

async fn sources_keep_to_their_own_items_and_categories(backend: Backend) {
    let shop = shop(backend).await;
    let ab = register(&shop, "ab", "restaurant_pos", "R1").await;
    let abc = register(&shop, "ab-c", "restaurant_pos", "R1").await;
    let one = |id: &str, name: &str, price: &str, category: &str| {
        json!({"restaurants": [{"restaurantid": "R1"}],
               "categories": [{"categoryid": "C1", "categoryname": category}],
               "items": [{"itemid": id, "itemname": name, "item_categoryid": "C1", "price": price}]})
    };
    push(&shop, &ab, &[one("c-1", "Alpha Dosa", "100", "Mains")]).await;
    push(&shop, &abc, &[one("1", "Beta Idli", "50", "Mains")]).await;
    settled(&shop, &ab).await;
    let applied = settled(&shop, &abc).await;
    let run = run_of(&shop, &applied[0]).await;
    assert_eq!(run["counts"]["failed"], 0, "{run}");
    let alpha = catalog_by_sku(&shop, "ab:c-1").await;
    let beta = catalog_by_sku(&shop, "ab-c:1").await;
    assert_eq!(alpha["name"], "Alpha Dosa");
    assert_eq!(beta["name"], "Beta Idli");
    assert_eq!(
        alpha["category_id"], beta["category_id"],
        "a category of the same name and place is used, not made twice"
    );
    // Naming it otherwise moves the source's items to a category of its
    // own; the one it shared is left as it was.
    push(&shop, &abc, &[one("1", "Beta Idli", "50", "Tiffin")]).await;
    settled(&shop, &abc).await;
    let beta = catalog_by_sku(&shop, "ab-c:1").await;
    assert_ne!(alpha["category_id"], beta["category_id"]);
    assert_eq!(
        catalog_by_sku(&shop, "ab:c-1").await["category_id"],
        alpha["category_id"]
    );
    let (_, categories) = shop.hub.get("/v1/categories", &shop.api_key).await;
    let names: Vec<&str> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Mains") && names.contains(&"Tiffin"),
        "{names:?}"
    );
    // An item whose SKU is another source's item is refused, not merged.
    let taken = json!({"restaurants": [{"restaurantid": "R1"}],
        "items": [{"itemid": "X", "itemname": "Gamma", "price": "10"}]});
    let seller_like = register(&shop, "ab-c-x", "restaurant_pos", "R1").await;
    push(&shop, &seller_like, &[taken]).await;
    settled(&shop, &seller_like).await;
    let (s, b) = shop
        .hub
        .send(
            hq_client::Method::PATCH,
            &format!(
                "/v1/variants/{}",
                catalog_by_sku(&shop, "ab-c-x:X").await["variant_id"]
                    .as_str()
                    .unwrap()
            ),
            Some(&shop.api_key),
            Some(json!({"sku": "ab:Y"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    push(
        &shop,
        &ab,
        &[json!({"restaurants": [{"restaurantid": "R1"}],
        "items": [{"itemid": "c-1", "itemname": "Alpha Dosa", "price": "100"},
                  {"itemid": "Y", "itemname": "Delta", "price": "20"}]})],
    )
    .await;
    let payloads = settled(&shop, &ab).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["failed"], 1, "{run}");
    assert_eq!(run["errors"][0]["field"], "sku", "{run}");
    assert_eq!(
        catalog_by_sku(&shop, "ab:Y").await["name"],
        "Gamma",
        "not taken over"
    );
}
on_both_backends!(sources_keep_to_their_own_items_and_categories);
