//! Store staff through the HQ API, and their arrival in the store's feed.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn staff_are_created_hashed_scoped_to_their_store_and_deactivated(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let path = format!("/v1/stores/{}/staff", shop.store_id);
    let (s, asha) = hub
        .post(
            &path,
            &shop.api_key,
            json!({"name": "Asha", "code": "101", "role": "supervisor", "pin": "4821"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asha}");
    assert_eq!(asha["role"], "supervisor");
    assert_eq!(asha["active"], true);
    assert!(
        asha.get("pin_hash").is_none() && asha.get("pin").is_none(),
        "{asha}"
    );

    let before = hub.get(&path, &shop.api_key).await.1;
    for (body, status, field) in [
        (
            json!({"name": "Ravi", "code": "101", "role": "cashier", "pin": "5931"}),
            StatusCode::CONFLICT,
            "code",
        ),
        (
            json!({"name": "Ravi", "code": "102", "role": "cashier", "pin": "1111"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "pin",
        ),
        (
            json!({"name": "Ravi", "code": "102", "role": "cashier", "pin": "12"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "pin",
        ),
        (
            json!({"name": "Ravi", "code": "ab", "role": "cashier", "pin": "5931"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
        ),
        (
            json!({"name": "Ravi", "code": "102", "role": "owner", "pin": "5931"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "role",
        ),
        (
            json!({"name": " ", "code": "102", "role": "cashier", "pin": "5931"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
    ] {
        let (s, b) = hub.post(&path, &shop.api_key, body.clone()).await;
        assert_eq!(s, status, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    assert_eq!(
        hub.get(&path, &shop.api_key).await.1,
        before,
        "refusals wrote nothing"
    );

    // Another tenant cannot see or touch them.
    let intruder = hub.tenant("Other Chain").await;
    let (s, _) = hub.get(&path, &intruder).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let staff_id = asha["staff_id"].as_str().unwrap();
    let (s, _) = hub
        .post(
            &format!("/v1/staff/{staff_id}/deactivate"),
            &intruder,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The store's tills hear of it with the salted hash, never the PIN.
    let (s, gone) = hub
        .post(
            &format!("/v1/staff/{staff_id}/deactivate"),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!((s, gone["active"].as_bool()), (StatusCode::OK, Some(false)));
    let (_, feed) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let staff: Vec<&Value> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "staff_upserted")
        .collect();
    assert_eq!(staff.len(), 2, "{feed}");
    assert_eq!(staff[0]["code"], "101");
    assert!(staff[0]["pin_hash"].as_str().unwrap().len() == 64);
    assert!(
        !staff[0].to_string().contains("4821"),
        "the PIN never travels"
    );
    assert_eq!(staff[1]["active"], false);
}
on_both_backends!(staff_are_created_hashed_scoped_to_their_store_and_deactivated);
