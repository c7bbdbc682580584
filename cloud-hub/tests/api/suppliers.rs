//! The suppliers list kept up to date by HQ: a supplier's name, GSTIN and
//! phone corrected in place (its stores' tills hear the new name on the
//! orders they hold), one supplier a name whatever the letter case and one a
//! GST registration, and the list searched by a part of a name or GSTIN. Refusals name the field and
//! change nothing.

use crate::helpers::*;
use crate::on_both_backends;
use crate::purchasing::{raise, supplier};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The supplier names on the purchase-order changes a till reads after `since`.
async fn order_names_heard(shop: &Shop, since: u64) -> (Vec<String>, u64) {
    let (changes, next) = shop.feed_after(since).await;
    let names = changes
        .iter()
        .filter(|c| c["type"] == "purchase_order_changed")
        .map(|c| c["supplier_name"].as_str().unwrap().to_owned())
        .collect();
    (names, next)
}

async fn hq_corrects_a_supplier_and_the_tills_hear_the_new_name(backend: Backend) {
    let shop = shop(backend).await;
    let sharma = supplier(&shop, "Sharma Traders").await;
    let order = raise(&shop, &sharma).await;
    let (heard, since) = order_names_heard(&shop, 0).await;
    assert_eq!(heard, ["Sharma Traders"]);

    let path = format!("/v1/suppliers/{sharma}");
    let (s, edited) = shop
        .hub
        .put(
            &path,
            &shop.api_key,
            json!({"name": " Sharma Traders Pvt Ltd ", "phone": "+91 80 4000 9999"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["name"], "Sharma Traders Pvt Ltd");
    assert_eq!(edited["phone"], "+91 80 4000 9999");
    assert_eq!(edited["gstin"], Value::Null, "a GSTIN left out is cleared");
    let (_, read) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(read, edited);

    // The store's till hears the order again, under the new name.
    let (heard, since) = order_names_heard(&shop, since).await;
    assert_eq!(heard, ["Sharma Traders Pvt Ltd"]);
    let (_, po) = shop
        .hub
        .get(
            &format!("/v1/purchase-orders/{}", order["po_id"].as_str().unwrap()),
            &shop.api_key,
        )
        .await;
    assert_eq!(po["supplier_name"], "Sharma Traders Pvt Ltd", "{po}");

    // A phone alone changes nothing the tills hold.
    let (s, b) = shop
        .hub
        .put(
            &path,
            &shop.api_key,
            json!({"name": "Sharma Traders Pvt Ltd", "gstin": "29ABCDE1234F1ZW"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["gstin"], "29ABCDE1234F1ZW");
    assert_eq!(b["phone"], Value::Null);
    let (heard, _) = order_names_heard(&shop, since).await;
    assert!(heard.is_empty(), "{heard:?}");
}
on_both_backends!(hq_corrects_a_supplier_and_the_tills_hear_the_new_name);

async fn a_bad_correction_is_refused_by_field_and_changes_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let sharma = supplier(&shop, "Sharma Traders").await;
    supplier(&shop, "Gupta Wholesale").await;
    let path = format!("/v1/suppliers/{sharma}");
    let (_, before) = shop.hub.get(&path, &shop.api_key).await;
    for (body, field) in [
        (json!({"name": "GUPTA wholesale"}), "name"),
        (json!({"name": "  "}), "name"),
        (json!({"name": "x".repeat(121)}), "name"),
        (
            json!({"name": "Sharma Traders", "gstin": "29ABCDE1234F1ZX"}),
            "gstin",
        ),
        (
            json!({"name": "Sharma Traders", "phone": "call me"}),
            "phone",
        ),
        (json!({"name": "Sharma\tTraders"}), "name"),
        // Gupta's registration: one registration is one supplier.
        (
            json!({"name": "Sharma Traders", "gstin": "27aapfu0939f1zv"}),
            "gstin",
        ),
    ] {
        let (s, b) = shop.hub.put(&path, &shop.api_key, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = shop
        .hub
        .put(&path, &shop.api_key, json!({"name": "Sharma", "rating": 5}))
        .await;
    assert!(s.is_client_error(), "{b}");
    let (_, after) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(after, before);
    let (s, b) = shop
        .hub
        .post(
            "/v1/suppliers",
            &shop.api_key,
            json!({"name": "Sharma Again", "gstin": "29ABCDE1234F1ZW"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["field"], "gstin", "{b}");
    assert!(
        b["detail"].as_str().unwrap().contains("Sharma Traders"),
        "{b}"
    );

    let (s, b) = shop
        .hub
        .put(
            &format!("/v1/suppliers/{}", uuid::Uuid::now_v7()),
            &shop.api_key,
            json!({"name": "Nobody"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}
on_both_backends!(a_bad_correction_is_refused_by_field_and_changes_nothing);

async fn hq_finds_a_supplier_by_part_of_its_name_or_its_gstin(backend: Backend) {
    let shop = shop(backend).await;
    supplier(&shop, "Sharma Traders").await;
    let (s, gupta) = shop
        .hub
        .post(
            "/v1/suppliers",
            &shop.api_key,
            json!({"name": "Gupta 100% Wholesale", "gstin": "27AAPFU0939F1ZV"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{gupta}");
    assert_eq!(found(&shop, "TRADERS").await, ["Sharma Traders"]);
    assert_eq!(found(&shop, "arma tr").await, ["Sharma Traders"]);
    assert_eq!(
        found(&shop, "27aapfu0939f1zv").await,
        ["Gupta 100% Wholesale"]
    );
    assert_eq!(found(&shop, "0939F").await, ["Gupta 100% Wholesale"]);
    assert_eq!(found(&shop, "100%").await, ["Gupta 100% Wholesale"]);
    // A wildcard is a character like any other.
    assert!(found(&shop, "_").await.is_empty());
    assert!(found(&shop, "%").await.len() == 1);
    assert!(found(&shop, "Patel").await.is_empty());
    assert_eq!(
        found(&shop, "").await.len(),
        2,
        "an empty search lists every supplier"
    );
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/suppliers?q={}", "x".repeat(101)),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["field"], "q", "{b}");
}
on_both_backends!(hq_finds_a_supplier_by_part_of_its_name_or_its_gstin);

/// The names of the suppliers `q` finds.
async fn found(shop: &Shop, q: &str) -> Vec<String> {
    let mut url = reqwest::Url::parse("http://hub/v1/suppliers").unwrap();
    url.query_pairs_mut().append_pair("q", q);
    let path = format!("{}?{}", url.path(), url.query().unwrap());
    let (s, page) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{q}: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

/// HQ's tools retry an add safely with their own id: the second answer is the
/// same supplier with 200; the id on another name is a conflict.
async fn adding_a_supplier_again_with_its_id_is_answered_once(backend: Backend) {
    let shop = shop(backend).await;
    let id = uuid::Uuid::now_v7().to_string();
    let body = json!({"supplier_id": id, "name": "Mehta Dairy", "gstin": "07AAACR5055K1Z9"});
    let (s, first) = shop
        .hub
        .post("/v1/suppliers", &shop.api_key, body.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = shop.hub.post("/v1/suppliers", &shop.api_key, body).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again, first);
    let (s, b) = shop
        .hub
        .post(
            "/v1/suppliers",
            &shop.api_key,
            json!({"supplier_id": id, "name": "Mehta Farms"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(found(&shop, "mehta").await, ["Mehta Dairy"]);
}
on_both_backends!(adding_a_supplier_again_with_its_id_is_answered_once);
