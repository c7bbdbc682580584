//! The add-on hint's till side with the hub out of reach: the add-ons last
//! heard for an item are offered from the replica, kept to what the till
//! has, may sell and has stock of; an item never asked about has none; bad
//! requests are named.

mod common;

use common::*;
use edge_agent::store::{add_ons, catalog, LocalStore};
use pos_shared::addons::AddOn;
use pos_shared::{Gtin, Timestamp, VariantId};
use reqwest::StatusCode;

#[tokio::test]
async fn offline_the_add_ons_last_heard_are_offered_if_the_till_can_sell_them() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let id = |code: &str| {
        store
            .with_conn(|c| catalog::product_by_barcode(c, &Gtin::parse(code).unwrap()))
            .unwrap()
            .unwrap()
            .variant_id
    };
    let (tea, rice) = (id(TEA), id(RICE));
    let add_on = |variant_id| AddOn {
        variant_id,
        sales_together: Some(3),
        chain_sales_together: None,
        pinned: false,
    };
    // Heard an hour ago: an item the till does not have, then rice.
    let heard = vec![add_on(VariantId::new()), add_on(rice)];
    let an_hour_ago = Timestamp::now().unix_millis() - 3_600_000;
    store
        .with_conn(|c| add_ons::put(c, tea, &heard, an_hour_ago))
        .unwrap();
    let till = start_till(dir.path()).await;

    let (status, got) = till.get(&format!("/v1/products/{tea}/add-ons")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    let names: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Rice (kg)"], "{got}");
    assert_eq!(got[0]["barcode"], Gtin::parse(RICE).unwrap().as_str());

    // Never asked about, and the hub out of reach: no hint, not an error.
    let (status, got) = till.get(&format!("/v1/products/{rice}/add-ons")).await;
    assert_eq!((status, got), (StatusCode::OK, serde_json::json!([])));

    for (path, field) in [
        ("/v1/products/tea/add-ons".to_owned(), "variant_id"),
        (format!("/v1/products/{tea}/add-ons?limit=2"), "limit"),
    ] {
        let (status, problem) = till.get(&path).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(problem["field"], field, "{path}: {problem}");
    }
    till.agent.stop();
}
