//! `hq_client` against a real hub: typed calls round-trip, a refusal comes
//! back as an error with the hub's status and problem (`type`, `detail`,
//! `field`), a hub that is not there is told apart from one that refused, and
//! the raw calls answer with any status.

use crate::helpers::{shop, Backend};
use crate::on_both_backends;
use hq_client::{HqClient, HqError, StatusCode};
use serde_json::json;

async fn typed_calls_and_refusals(backend: Backend) {
    let shop = shop(backend).await;
    let hq = shop.hub.as_(&shop.api_key);

    let stores = hq.stores().await.unwrap();
    assert_eq!(stores.len(), 1);
    assert_eq!(
        (stores[0].id.to_string(), stores[0].code.as_str()),
        (shop.store_id.clone(), "BLR-1")
    );
    let brand = hq.create_brand("Tata Tea").await.unwrap();
    assert!(hq.brands().await.unwrap().contains(&brand));
    let page = hq.catalog_page(1, None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let rest = hq
        .catalog_page(1, page.next_cursor.as_deref())
        .await
        .unwrap();
    assert_ne!(rest.items[0].variant_id, page.items[0].variant_id);
    // The inventory gathered a position a page is the one gathered whole.
    let whole = hq.inventory(&shop.store_id).await.unwrap();
    let paged = hq.inventory_in_pages(&shop.store_id, 1).await.unwrap();
    assert_eq!(whole["positions"].as_array().unwrap().len(), 2, "{whole}");
    assert_eq!(paged, whole);
    assert!(whole.get("next_cursor").is_none(), "{whole}");

    // A refusal: the status and the hub's problem, field included.
    let err = hq
        .create_store("", "Nameless", "INR")
        .await
        .expect_err("an empty code is refused");
    assert_eq!(
        err.status(),
        Some(StatusCode::UNPROCESSABLE_ENTITY),
        "{err}"
    );
    assert_eq!(err.kind(), Some("invalid_field"), "{err}");
    let problem = err.problem().expect("problem body");
    assert_eq!(problem.field.as_deref(), Some("code"), "{err}");
    assert!(!problem.detail.is_empty());
    assert!(err.is_refusal());
    assert!(
        err.to_string()
            .starts_with("POST /v1/stores: 422 Unprocessable Entity: code: "),
        "{err}"
    );

    // Not HQ at all: refused for who is asking.
    let err = shop.hub.as_("not-a-key").stores().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");

    // Raw calls answer with whatever the hub said.
    let (status, body) = hq
        .post_json("/v1/stores", &json!({"code": "X"}))
        .await
        .unwrap();
    assert!(status.is_client_error(), "{status} {body}");
    assert!(body["detail"].is_string(), "{body}");
}
on_both_backends!(typed_calls_and_refusals);

#[tokio::test]
async fn a_hub_that_is_not_there_is_unreachable_not_a_refusal() {
    // A port just freed: nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = HqClient::new(&base)
        .unwrap()
        .with_credential("key")
        .stores()
        .await
        .unwrap_err();
    assert!(matches!(err, HqError::Unreachable { .. }), "{err:?}");
    assert_eq!(err.status(), None);
    assert!(!err.is_refusal());
}
