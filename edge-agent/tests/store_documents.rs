//! The store's shared documents on one till: held bills and customer profiles.
//! (Their merging across tills is in the system tests.)

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn bills_are_held_and_resumed_once_with_clear_refusals() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let (status, bill) = post_json(
        &till,
        "/v1/held-bills",
        json!({"lines": [{"barcode": TEA, "qty": "2"}, {"barcode": RICE, "qty": "0.5"}], "note": "customer fetching wallet"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bill}");
    assert_eq!(bill["held_by"], "Till 1");
    assert_eq!(bill["resumed_by"], json!([]));
    let id = bill["bill_id"].as_str().unwrap().to_owned();

    let before = till.get("/v1/held-bills").await.1;
    for (body, field) in [
        (json!({"lines": []}), "lines"),
        (
            json!({"lines": [{"barcode": "4006381333932", "qty": "1"}]}),
            "lines[0].barcode",
        ),
        (
            json!({"lines": [{"barcode": "8901058000016", "qty": "1"}]}),
            "lines[0].barcode",
        ),
        (json!({"lines": [{"barcode": TEA}]}), "lines[0].qty"),
        (
            json!({"lines": [{"barcode": TEA, "qty": "1"}], "note": "x".repeat(201)}),
            "note",
        ),
    ] {
        let (status, problem) = post_json(&till, "/v1/held-bills", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    assert_eq!(
        till.get("/v1/held-bills").await.1,
        before,
        "refusals wrote nothing"
    );

    let (status, resumed) =
        post_json(&till, &format!("/v1/held-bills/{id}/resume"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(
        resumed["lines"][0],
        json!({"barcode": TEA, "name": "Assam Tea 250 g", "qty": "2"})
    );
    assert!(resumed["resumed_by"][0]
        .as_str()
        .unwrap()
        .starts_with("Till 1 at "));
    let (status, again) = post_json(&till, &format!("/v1/held-bills/{id}/resume"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert!(
        again["detail"].as_str().unwrap().contains("Till 1"),
        "{again}"
    );
    let unknown = uuid::Uuid::now_v7();
    let (status, _) = post_json(
        &till,
        &format!("/v1/held-bills/{unknown}/resume"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = post_json(&till, "/v1/held-bills/bill-7/resume", json!({})).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bill_id"))
    );
    till.agent.stop();
}

#[tokio::test]
async fn customers_are_captured_found_and_named_on_the_bill() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    // HQ has entered the store's own GSTIN.
    apply_changes(
        dir.path(),
        credential.store_id,
        10,
        vec![pos_shared::sync::ChangeBody::StoreProfile(
            pos_shared::sync::StoreProfile {
                store_id: credential.store_id,
                code: "BLR-01".into(),
                name: "Indiranagar".into(),
                gstin: Some("29AAACK1234A1Z6".into()),
                status: "open".into(),
            },
        )],
    );
    let till = start_till(dir.path()).await;

    let (status, c) = put_json(
        &till,
        "/v1/customers/98765 43210",
        json!({"name": "Meera Traders", "gstin": "27aapfu0939f1zv"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(
        c,
        json!({"phone": "+919876543210", "name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"})
    );
    let (status, _) = put_json(
        &till,
        "/v1/customers/+91-91234-56789",
        json!({"name": "Ravi"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, found) = till.get("/v1/customers?q=43210").await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let (_, found) = till.get("/v1/customers?q=ravi").await;
    assert_eq!(found[0]["phone"], "+919123456789");
    let (status, one) = till.get("/v1/customers/09876543210").await;
    assert_eq!(
        (status, one["name"].as_str()),
        (StatusCode::OK, Some("Meera Traders"))
    );

    let before = till.get("/v1/customers?q=9").await.1;
    for (path, body, field, says) in [
        (
            "/v1/customers/12345",
            json!({"name": "X"}),
            "phone",
            "mobile",
        ),
        (
            "/v1/customers/9876543210",
            json!({"gstin": "27AAPFU0939F1ZA"}),
            "gstin",
            "expected V",
        ),
        (
            "/v1/customers/9876543210",
            json!({"name": "x".repeat(101)}),
            "name",
            "100",
        ),
        (
            "/v1/customers/9876543210",
            json!({}),
            "name",
            "a name or a gstin",
        ),
        (
            "/v1/customers/9876543210",
            json!({"name": "line\nbreak"}),
            "name",
            "control",
        ),
        (
            "/v1/customers/9876543210",
            json!({"name": "Mee\u{202E}ra"}),
            "name",
            "U+202E",
        ),
        (
            "/v1/customers/9876543210",
            json!({"gstin": "29aaack1234a1z6"}),
            "gstin",
            "own GST registration",
        ),
    ] {
        let (status, problem) = put_json(&till, path, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {problem}"
        );
        assert_eq!(problem["field"], field, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    assert_eq!(
        till.get("/v1/customers?q=9").await.1,
        before,
        "refusals changed nothing"
    );
    let (status, _) = till.get("/v1/customers/9000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = till.get("/v1/customers").await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("q"))
    );

    // A B2B sale names the buyer and their GSTIN on the bill.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500), "customer_phone": "9876543210"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(
        sale["customer"],
        json!({"phone": "+919876543210", "name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"})
    );
    let id = sale["sale_id"].as_str().unwrap();
    let text = till.text(&format!("/v1/sales/{id}/receipt")).await;
    assert!(
        text.contains("Customer: Meera Traders (******3210)"),
        "{text}"
    );
    assert!(text.contains("Buyer GSTIN: 27AAPFU0939F1ZV"), "{text}");
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500), "customer_phone": "12"}))
        .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("customer_phone"))
    );
    till.agent.stop();
}
