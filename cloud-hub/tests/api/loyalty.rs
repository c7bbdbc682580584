//! Loyalty points through HQ's API and the tills' sync, on both backends:
//! HQ sets the rules; a bill that earns points opens the customer's
//! account, the earning till gives back what it holds past its share and
//! the hub grants it to the tills of every store that knows the customer;
//! HQ adjusts (never taking off what the tills hold); a till tops up online
//! and a bill redeems; a return takes back what its bill earned; older
//! tills hear none of it; bad requests are refused by field.

use crate::helpers::*;
use crate::on_both_backends;
use automerge::transaction::Transactable;
use pos_shared::loyalty::LoyaltyReleased;
use pos_shared::sale::TenderMethod;
use pos_shared::sync::Fact;
use pos_shared::{Envelope, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const MEENA: &str = "+919876543210";

fn rules() -> Value {
    json!({"enabled": true, "points_per_100": 1, "point_value": {"minor": 100, "currency": "INR"},
           "max_bill_percent": 50, "min_redeem": 10})
}

/// A bill for `MEENA` that earned and redeemed these points (paid in
/// points for `redeemed` rupees, the rest in cash).
fn bill(shop: &Shop, receipt: &str, earned: i64, redeemed: i64) -> Value {
    let mut sale = shop.sale(receipt, &[(0, "2")]);
    let total = sale["data"]["total"]["minor"].as_i64().unwrap();
    let mut tenders = vec![];
    if redeemed > 0 {
        tenders.push(
            json!({"method": "points", "amount": {"minor": redeemed * 100, "currency": "INR"}}),
        );
    }
    tenders.push(
        json!({"method": "cash", "amount": {"minor": total - redeemed * 100, "currency": "INR"}}),
    );
    sale["data"]["tenders"] = json!(tenders);
    sale["data"]["customer"] =
        json!({"phone": MEENA, "points_earned": earned, "points_redeemed": redeemed});
    sale
}

fn release(shop: &Shop, released: i64) -> Value {
    let r = LoyaltyReleased {
        release_id: Uuid::now_v7(),
        store_id: shop.store_id.parse().unwrap(),
        terminal_id: shop.terminal_id.parse().unwrap(),
        phone: MEENA.into(),
        released,
        occurred_at: Timestamp::now(),
    };
    let e = Envelope::new(
        r.release_id,
        "pos.loyalty.released",
        format!("terminal:{}", shop.terminal_id),
        shop.tenant_id.parse().unwrap(),
        r.occurred_at,
        Fact::LoyaltyReleased(r),
    );
    serde_json::to_value(e).unwrap()
}

async fn accepted(shop: &Shop, fact: Value) {
    let (s, ack) = shop.upload(&[fact]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{s} {ack}");
}

async fn statement(shop: &Shop) -> Value {
    let (s, b) = shop
        .hub
        .get(&format!("/v1/customers/{MEENA}/points"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

fn till<'a>(account: &'a Value, shop: &Shop) -> &'a Value {
    account["tills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["terminal_id"] == shop.terminal_id.as_str())
        .unwrap_or_else(|| panic!("no share for {}: {account}", shop.terminal_id))
}

/// The last `loyalty_account_changed` a till at protocol 13 heard, and the
/// count of loyalty changes a protocol-12 till heard.
async fn heard(shop: &Shop) -> (Value, usize) {
    let path = |v: u16| format!("/v1/sync/feed?since=0&limit=1000&v={v}");
    let (_, new) = shop.hub.get(&path(13), &shop.device_token).await;
    let (_, old) = shop.hub.get(&path(12), &shop.device_token).await;
    let loyal = |page: &Value| -> Vec<Value> {
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"].as_str().is_some_and(|t| t.starts_with("loyalty")))
            .cloned()
            .collect()
    };
    let last = loyal(&new)
        .into_iter()
        .rev()
        .find(|c| c["type"] == "loyalty_account_changed")
        .unwrap_or(Value::Null);
    (last, loyal(&old).len())
}

async fn points_earned_redeemed_and_granted_across_stores(backend: Backend) {
    let a = shop(backend).await;
    let b = a.second_store("BLR-2", "HSR dark store").await;
    let hub = &a.hub;

    // Rules: refused by field, set by the owner, read back.
    let (s, _) = hub.get("/v1/loyalty/rules", &a.api_key).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for (patch, field) in [
        (json!({"points_per_100": -1}), "points_per_100"),
        (
            json!({"point_value": {"minor": 0, "currency": "INR"}}),
            "point_value",
        ),
        (
            json!({"point_value": {"minor": 100, "currency": "USD"}}),
            "point_value",
        ),
        (json!({"max_bill_percent": 101}), "max_bill_percent"),
        (json!({"min_redeem": 0}), "min_redeem"),
        (json!({"min_redeem": 2_147_483_647}), "min_redeem"),
    ] {
        let mut body = rules();
        body.as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        let (s, p) = hub.put("/v1/loyalty/rules", &a.api_key, body).await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(p["field"], field, "{p}");
    }
    let (s, p) = hub
        .put("/v1/loyalty/rules", &a.api_key, json!({"enabled": true}))
        .await;
    assert!(s.is_client_error(), "{s} {p}");
    let (s, set) = hub.put("/v1/loyalty/rules", &a.api_key, rules()).await;
    assert_eq!(s, StatusCode::OK, "{set}");
    assert_eq!(hub.get("/v1/loyalty/rules", &a.api_key).await.1, rules());

    // Both stores' tills hold Meena's profile.
    for shop in [&a, &b] {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, format!("{MEENA}/phone"), MEENA)
            .unwrap();
        shop.push_document("customer_profiles", &mut doc).await;
    }

    // A bill at A earns 20: her account opens, A holds what it earned.
    let first = bill(&a, "T1-000001", 20, 0);
    accepted(&a, first.clone()).await;
    let s1 = statement(&a).await;
    assert_eq!(s1["account"]["balance"], 20, "{s1}");
    assert_eq!(till(&s1["account"], &a)["earned"], 20);
    assert_eq!(s1["entries"][0]["reference"], "T1-000001");
    // Keep is 20 × 50% over the two stores' tills: 5 each. B is granted its
    // 5 only once A gives back what it holds past its share.
    assert_eq!(s1["account"]["keep"], 5);
    assert!(
        s1["account"]["tills"].as_array().unwrap().len() == 1,
        "B holds nothing yet: {s1}"
    );
    accepted(&a, release(&a, 15)).await;
    let s2 = statement(&a).await;
    assert_eq!(till(&s2["account"], &b)["granted"], 5, "{s2}");
    let (told_b, old_b) = heard(&b).await;
    assert_eq!(told_b["phone"], MEENA, "{told_b}");
    assert_eq!(told_b["balance"], 20);
    assert_eq!(told_b["grants"][0]["terminal_id"], b.terminal_id.as_str());
    assert_eq!(old_b, 0, "a protocol-12 till hears no points");

    // HQ adds a welcome bonus; it cannot take off what the tills hold.
    let adjustment = Uuid::now_v7();
    let body = json!({"adjustment_id": adjustment, "points": 50, "reason": "welcome"});
    let (s, r) = hub
        .post(
            &format!("/v1/customers/{MEENA}/points/adjustments"),
            &a.api_key,
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["balance"], 70);
    let (s, again) = hub
        .post(
            &format!("/v1/customers/{MEENA}/points/adjustments"),
            &a.api_key,
            body,
        )
        .await;
    assert_eq!(
        (s, again["balance"].as_i64()),
        (StatusCode::OK, Some(70)),
        "a retry adjusts once"
    );
    let (s, p) = hub
        .post(
            &format!("/v1/customers/{MEENA}/points/adjustments"),
            &a.api_key,
            json!({"adjustment_id": adjustment, "points": 51, "reason": "welcome"}),
        )
        .await;
    assert_problem(s, &p, StatusCode::CONFLICT, "conflict");
    assert_eq!(p["field"], "adjustment_id");
    let (s, p) = hub
        .post(
            &format!("/v1/customers/{MEENA}/points/adjustments"),
            &a.api_key,
            json!({"points": -70, "reason": "oops"}),
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(p["field"], "points");
    assert!(p["detail"].as_str().unwrap().contains("at most"), "{p}");
    for (body, field) in [
        (json!({"points": 0, "reason": "x"}), "points"),
        (json!({"points": i64::MIN, "reason": "x"}), "points"),
        (json!({"points": 5, "reason": " "}), "reason"),
        (json!({"points": 5, "reason": "a\u{0}b"}), "reason"),
    ] {
        let (s, p) = hub
            .post(
                &format!("/v1/customers/{MEENA}/points/adjustments"),
                &a.api_key,
                body,
            )
            .await;
        assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(p["field"], field);
    }

    // B tops up online for a bill of 40 points and the bill redeems them.
    let (s, topped) = hub
        .post(
            "/v1/sync/loyalty-top-up",
            &b.device_token,
            json!({"phone": "98765 43210", "need": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{topped}");
    let granted_b = topped["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["terminal_id"] == b.terminal_id.as_str())
        .unwrap()["granted"]
        .as_i64()
        .unwrap();
    assert!(granted_b >= 40, "{topped}");
    accepted(&b, bill(&b, "T1-000001", 0, 40)).await;
    let s3 = statement(&a).await;
    assert_eq!(s3["account"]["balance"], 30, "{s3}");
    assert_eq!(till(&s3["account"], &b)["redeemed"], 40);

    // A return of the whole first line of A's bill takes back its 20.
    accepted(&a, a.return_of(&first, "T1-000002", TenderMethod::Cash)).await;
    // The same line taken back again, as a second till would while apart:
    // refused by field, so the points (and the stock) move once.
    let (_, ack) = a
        .upload(&[a.return_of(&first, "T1-000005", TenderMethod::Cash)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(ack.to_string().contains("lines[0].qty"), "{ack}");
    let s4 = statement(&a).await;
    assert_eq!(s4["account"]["taken_back"], 20, "{s4}");
    assert_eq!(s4["account"]["balance"], 10);
    let returned = s4["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "return")
        .unwrap();
    assert_eq!(
        (returned["taken_back"].as_i64(), returned["earned"].as_i64()),
        (Some(20), Some(0)),
        "{s4}"
    );
    assert_eq!(returned["balance"], 10, "the balance after the return");
    let welcomed = s4["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "adjustment")
        .unwrap();
    assert_eq!(
        (welcomed["adjusted"].as_i64(), welcomed["earned"].as_i64()),
        (Some(50), Some(0)),
        "{s4}"
    );
    assert_eq!(
        till(&s4["account"], &a)["earned"],
        0,
        "the take-back is on A's share"
    );
    let (_, customer) = hub.get(&format!("/v1/customers/{MEENA}"), &a.api_key).await;
    assert_eq!(customer["points"], 10, "{customer}");

    // A new till's snapshot: the rules and her points; none at protocol 12.
    let kinds = |records: &[Value]| -> Vec<String> {
        records
            .iter()
            .filter_map(|r| r["type"].as_str())
            .filter(|t| t.starts_with("loyalty"))
            .map(str::to_owned)
            .collect()
    };
    let records = b.snapshot_records(13).await;
    assert_eq!(kinds(&records), ["loyalty_rules", "loyalty_account"]);
    assert_eq!(records[0]["loyalty"], 2);
    assert!(kinds(&b.snapshot_records(12).await).is_empty());

    // Refused facts: a release for someone with no points, a bill that says
    // it redeemed without a points tender.
    let mut stranger = release(&a, 5);
    stranger["data"]["phone"] = json!("+919000000001");
    let (_, ack) = a.upload(&[stranger]).await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    let mut odd = bill(&a, "T1-000003", 0, 0);
    odd["data"]["customer"]["points_redeemed"] = json!(5);
    let (_, ack) = a.upload(&[odd]).await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(ack.to_string().contains("points_redeemed"), "{ack}");

    // Top-up refusals by field; a store manager may not set the rules.
    let (s, p) = hub
        .post(
            "/v1/sync/loyalty-top-up",
            &b.device_token,
            json!({"phone": MEENA, "need": 0}),
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(p["field"], "need");
    let (s, _) = hub
        .post(
            "/v1/sync/loyalty-top-up",
            &b.device_token,
            json!({"phone": "+919000000001", "need": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let manager = a
        .hub
        .as_(&a.api_key)
        .create_api_key("floor", "store_manager", &[])
        .await
        .expect("key");
    let manager = manager["api_key"].as_str().unwrap();
    let (s, p) = hub.put("/v1/loyalty/rules", manager, rules()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        p["detail"].as_str().unwrap().contains("loyalty rules"),
        "{p}"
    );

    // Nothing to take off someone without points, said so.
    let (s, p) = hub
        .post(
            "/v1/customers/9000000002/points/adjustments",
            &a.api_key,
            json!({"points": -10, "reason": "x"}),
        )
        .await;
    assert_problem(s, &p, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert!(p["detail"].as_str().unwrap().contains("no points"), "{p}");
    // A key limited to B reads her balance, B's bills and HQ's adjustments.
    let (_, limited) = hub
        .post(
            "/v1/api-keys",
            &a.api_key,
            json!({"label": "hsr", "role": "read_only", "store_ids": [b.store_id]}),
        )
        .await;
    let (s, seen) = hub
        .get(
            &format!("/v1/customers/{MEENA}/points"),
            limited["api_key"].as_str().unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    assert_eq!(seen["account"]["tills"], json!([]));
    let stores: Vec<&Value> = seen["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["store_id"])
        .collect();
    assert!(
        stores
            .iter()
            .all(|s| s.is_null() || *s == b.store_id.as_str()),
        "{seen}"
    );
    assert!(stores.iter().any(|s| *s == b.store_id.as_str()), "{seen}");
}
on_both_backends!(points_earned_redeemed_and_granted_across_stores);

/// A revoked till redeems no more: the points it held go back to the
/// chain's other tills.
async fn a_revoked_till_gives_back_the_points_it_held(backend: Backend) {
    let a = shop(backend).await;
    let b = a.second_store("BLR-2", "HSR dark store").await;
    let (s, set) = a.hub.put("/v1/loyalty/rules", &a.api_key, rules()).await;
    assert_eq!(s, StatusCode::OK, "{set}");
    for shop in [&a, &b] {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, format!("{MEENA}/phone"), MEENA)
            .unwrap();
        shop.push_document("customer_profiles", &mut doc).await;
    }
    let (s, r) = a
        .hub
        .post(
            &format!("/v1/customers/{MEENA}/points/adjustments"),
            &a.api_key,
            json!({"points": 400, "reason": "welcome"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // A store manager of a store that does not know her adjusts nothing;
    // one of a store that does sees no other store's tills in the answer.
    let c = a.second_store("BLR-3", "Indiranagar").await;
    let adjust_as = |stores: Vec<String>| {
        let a = Shop::clone_of(&a);
        async move {
            let (_, key) = a
                .hub
                .post(
                    "/v1/api-keys",
                    &a.api_key,
                    json!({"label": "floor", "role": "store_manager", "store_ids": stores}),
                )
                .await;
            a.hub
                .post(
                    &format!("/v1/customers/{MEENA}/points/adjustments"),
                    key["api_key"].as_str().unwrap(),
                    json!({"points": 5, "reason": "floor"}),
                )
                .await
        }
    };
    let (s, r) = adjust_as(vec![c.store_id.clone()]).await;
    assert_problem(s, &r, StatusCode::FORBIDDEN, "forbidden");
    let (s, r) = adjust_as(vec![b.store_id.clone()]).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["tills"], json!([]), "{r}");
    let (s, r) = a
        .hub
        .post(
            &format!("/v1/customers/{MEENA}/points/adjustments"),
            &a.api_key,
            json!({"points": -5, "reason": "floor"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // 400 × 50% over two tills: each holds 100 (101, from when she had
    // 405: a grant is never lowered).
    let before = statement(&a).await;
    assert_eq!(till(&before["account"], &b)["granted"], 101, "{before}");
    a.revoke(&b).await;
    let after = statement(&a).await;
    let account = &after["account"];
    assert_eq!(till(account, &b)["released"], 101, "{after}");
    // One till left: it keeps half of all 400.
    assert_eq!(account["keep"], 200, "{after}");
    assert_eq!(till(account, &a)["granted"], 200, "{after}");
    assert_eq!(account["balance"], 400);
}
on_both_backends!(a_revoked_till_gives_back_the_points_it_held);
