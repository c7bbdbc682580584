//! Store staff through the HQ API, and their arrival in the store's feed and
//! snapshots: PINs hashed with Argon2id at the hub, legacy hashes shown to HQ.

use crate::feed::{snapshot_get, snapshot_lines};
use crate::helpers::*;
use crate::on_both_backends;
use cloud_hub::domain::stores::NewStaff;
use pos_shared::staff::{legacy_hash_pin, Role, StaffRecord};
use pos_shared::{StoreId, TenantId};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The PHC string's start for a PIN hashed with the hub's parameters.
const ARGON2ID_PREFIX: &str = "$argon2id$v=19$m=65536,t=2,p=1$";

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
    assert_eq!(asha["pin_scheme"], "argon2id");
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

    // The store's tills hear of it with the Argon2id hash, never the PIN.
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
    let hash = staff[0]["pin_hash"].as_str().unwrap();
    assert!(hash.starts_with(ARGON2ID_PREFIX), "{hash}");
    assert_eq!(staff[0]["pin_salt"], "", "the salt is inside the hash");
    assert!(
        !staff[0].to_string().contains("4821"),
        "the PIN never travels"
    );
    assert_eq!(staff[1]["active"], false);
}
on_both_backends!(staff_are_created_hashed_scoped_to_their_store_and_deactivated);

/// The feed's last record of `staff_id`, as a till reads it.
async fn last_in_feed(shop: &Shop, staff_id: &str) -> StaffRecord {
    let (_, feed) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let change = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["type"] == "staff_upserted" && c["staff_id"] == staff_id)
        .unwrap_or_else(|| panic!("{staff_id} is not in the feed: {feed}"));
    serde_json::from_value(change.clone()).unwrap()
}

async fn legacy_pins_are_shown_to_hq_and_replaced_with_argon2id(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let tenant: TenantId = shop.tenant_id.parse().unwrap();
    let store: StoreId = shop.store_id.parse().unwrap();
    // Ravi's PIN was set by a hub from before Argon2id.
    let ravi = hub
        .storage
        .create_staff(
            tenant,
            store,
            &NewStaff {
                name: "Ravi".into(),
                code: "102".into(),
                role: Role::Cashier,
                pin_salt: "salt-102".into(),
                pin_hash: legacy_hash_pin("salt-102", "5931"),
            },
        )
        .await
        .unwrap();
    let ravi_id = ravi.staff_id.to_string();
    let path = format!("/v1/stores/{}/staff", shop.store_id);
    let (s, asha) = hub
        .post(
            &path,
            &shop.api_key,
            json!({"name": "Asha", "code": "101", "role": "cashier", "pin": "4821"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asha}");

    // HQ sees whose PIN is the old kind.
    let (s, list) = hub.get(&path, &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let schemes: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["code"].as_str().unwrap(),
                m["pin_scheme"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(schemes, [("101", "argon2id"), ("102", "legacy")]);
    assert!(!list.to_string().contains("pin_hash"), "{list}");

    // Tills still get the legacy record as it was: it signs in as before.
    let legacy = last_in_feed(&shop, &ravi_id).await;
    assert_eq!(legacy.pin_salt, "salt-102");
    assert!(legacy.pin_matches("5931") && !legacy.pin_matches("5932"));

    // A new PIN: refused when weak or for someone unknown or another tenant's.
    let pin_path = format!("/v1/staff/{ravi_id}/pin");
    let (s, b) = hub
        .put(&pin_path, &shop.api_key, json!({"pin": "1111"}))
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "pin", "{b}");
    let (s, b) = hub
        .put(
            &format!("/v1/staff/{}/pin", pos_shared::StaffId::new()),
            &shop.api_key,
            json!({"pin": "7305"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let intruder = hub.tenant("Other Chain").await;
    let (s, b) = hub.put(&pin_path, &intruder, json!({"pin": "7305"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    assert_eq!(
        last_in_feed(&shop, &ravi_id).await,
        legacy,
        "refusals changed nothing"
    );

    let (s, b) = hub
        .put(&pin_path, &shop.api_key, json!({"pin": "7305"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["code"].as_str(), b["pin_scheme"].as_str()),
        (Some("102"), Some("argon2id"))
    );
    assert!(b.get("pin_hash").is_none(), "{b}");

    // The feed carries the Argon2id hash; a till verifies the new PIN with it.
    let fresh = last_in_feed(&shop, &ravi_id).await;
    assert!(
        fresh.pin_hash.starts_with(ARGON2ID_PREFIX),
        "{}",
        fresh.pin_hash
    );
    assert_eq!(fresh.pin_salt, "");
    assert!(fresh.pin_matches("7305"));
    assert!(!fresh.pin_matches("5931"), "the old PIN is gone");

    // So does a snapshot, for a till that starts afresh.
    let lines = snapshot_lines(&snapshot_get(&shop, "", None).await.bytes().await.unwrap());
    assert_eq!(lines[0]["staff"], 2, "{}", lines[0]);
    let snapshot_staff: Vec<StaffRecord> = lines
        .iter()
        .filter(|l| l["type"] == "staff")
        .map(|l| serde_json::from_value(l.clone()).unwrap())
        .collect();
    assert_eq!(snapshot_staff.len(), 2);
    for member in &snapshot_staff {
        assert!(member.pin_hash.starts_with(ARGON2ID_PREFIX), "{member:?}");
    }
    let asha_there = snapshot_staff.iter().find(|m| m.code == "101").unwrap();
    assert!(asha_there.pin_matches("4821"));
    assert_eq!(
        snapshot_staff.iter().find(|m| m.code == "102").unwrap(),
        &fresh
    );

    // HQ's list agrees: nobody is left on the old kind.
    let (_, list) = hub.get(&path, &shop.api_key).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|m| m["pin_scheme"] == "argon2id"),
        "{list}"
    );
}
on_both_backends!(legacy_pins_are_shown_to_hq_and_replaced_with_argon2id);
