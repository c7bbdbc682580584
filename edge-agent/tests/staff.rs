//! Signing in at the till: staff from the store's feed, PINs checked offline
//! (Argon2id, and the legacy SHA-256 records from before it), lockout after
//! wrong PINs, the cashier on the sale, sales gated on sign-in, and the
//! database holding the PIN hashes private to the agent's user.

mod common;

use common::*;
use edge_agent::printing::PrintSettings;
use edge_agent::store::LocalStore;
use pos_shared::staff::{legacy_hash_pin, PinScheme, Role, StaffRecord};
use pos_shared::sync::ChangeBody;
use pos_shared::StoreId;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;

/// A member of staff whose PIN was set before Argon2id: salted SHA-256.
fn legacy_member(store: StoreId, code: &str, name: &str, role: Role, pin: &str) -> StaffRecord {
    StaffRecord {
        pin_salt: format!("salt-{code}"),
        pin_hash: legacy_hash_pin(&format!("salt-{code}"), pin),
        ..member(store, code, name, role, "0000")
    }
}

fn feed_staff(dir: &Path, store: StoreId, seq: u64, staff: Vec<StaffRecord>) {
    apply_changes(
        dir,
        store,
        seq,
        staff.into_iter().map(ChangeBody::StaffUpserted).collect(),
    );
}

async fn sign_in(till: &Till, code: &str, pin: &str) -> (StatusCode, Value) {
    post_json(till, "/v1/session", json!({"code": code, "pin": pin})).await
}

#[tokio::test]
async fn staff_sign_in_offline_with_a_lockout_and_ring_up_as_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let asha = member(credential.store_id, "101", "Asha", Role::Cashier, "4821");
    let mut ravi = member(credential.store_id, "102", "Ravi", Role::Supervisor, "7305");
    // Another store's staff never sign in here.
    let other = member(StoreId::new(), "103", "Kiran", Role::Manager, "6402");
    feed_staff(
        dir.path(),
        credential.store_id,
        5,
        vec![asha.clone(), ravi.clone(), other],
    );
    let policy = edge_agent::pos::sale::SalePolicy {
        require_sign_in: true,
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;

    let sale = json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500)});
    let (status, problem) = till.sell(sale.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("sign in"));
    let (status, _) = till.get("/v1/session").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, me) = sign_in(&till, "101", "4821").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (me["name"].as_str(), me["role"].as_str()),
        (Some("Asha"), Some("cashier"))
    );
    let (status, sold) = till.sell(sale.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    assert_eq!(
        sold["cashier"],
        json!({"staff_id": asha.staff_id, "name": "Asha"})
    );

    // Four wrong PINs say how many tries are left; the fifth locks the code.
    for left in (1..=4u32).rev() {
        let (status, problem) = sign_in(&till, "102", "0000").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
        let tries = if left == 1 { "try" } else { "tries" };
        assert_eq!(
            problem["detail"],
            format!(
                "That code and PIN do not match. {left} {tries} left before this code is locked for 5 minutes."
            ),
            "{problem}"
        );
        assert_eq!(problem["tries_left"], left, "{problem}");
    }
    let (status, problem) = sign_in(&till, "102", "0000").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["tries_left"], 0, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("now locked for 5 minutes"),
        "{problem}"
    );
    let (status, problem) = sign_in(&till, "102", "7305").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right PIN waits: {problem}"
    );
    // A locked code says when it unlocks, on the store's clock.
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Code 102 is locked after too many wrong PINs. It unlocks at ")
            && detail.contains("(in 5 minutes)"),
        "{problem}"
    );
    // Asha stayed signed in through all of it.
    assert_eq!(till.get("/v1/session").await.1["name"], "Asha");

    let (status, _) = sign_in(&till, "103", "6402").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another store's staff");
    let (status, _) = sign_in(&till, "999", "4821").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, problem) = post_json(&till, "/v1/session", json!({"code": "101"})).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pin"))
    );

    // HQ deactivates Ravi: once the feed brings it, he cannot sign in.
    ravi.active = false;
    let other_code = member(credential.store_id, "104", "Meena", Role::Manager, "2957");
    feed_staff(dir.path(), credential.store_id, 8, vec![ravi, other_code]);
    let (status, _) = sign_in(&till, "104", "2957").await;
    assert_eq!(status, StatusCode::OK);
    let r = till
        .http
        .delete(format!("{}/v1/session", till.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = till.sell(sale).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out");
    till.agent.stop();
}

#[tokio::test]
async fn discounts_stay_within_the_role_or_need_a_seniors_approval() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let s = credential.store_id;
    feed_staff(
        dir.path(),
        s,
        5,
        vec![
            member(s, "101", "Asha", Role::Cashier, "4821"),
            member(s, "102", "Ravi", Role::Supervisor, "7305"),
            member(s, "103", "Meena", Role::Manager, "2957"),
        ],
    );
    let till = start_till(dir.path()).await;
    let tea_off = |pct: &str| json!([{"barcode": TEA, "qty": "2", "discount": {"percent": pct, "reason": "dented tin"}}]);

    // 5 % is within a cashier's limit. 2 × 145.00 = 290.00, 14.50 off = 275.50,
    // GST 5 % inside recomputed on it: taxable 262.38, CGST 6.56, SGST 6.56.
    let (status, sale) = till
        .sell(json!({"lines": tea_off("5"), "tenders": cash(27550)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let line = &sale["lines"][0];
    assert_eq!(
        line["discount"],
        json!({"amount": inr(1450), "reason": "dented tin"})
    );
    assert_eq!(paise(&line["line_total"]), 27550);
    assert_eq!(
        (
            paise(&line["tax"]["taxable"]),
            paise(&line["tax"]["cgst"]),
            paise(&line["tax"]["sgst"])
        ),
        (26238, 656, 656)
    );
    let text = till
        .text(&format!(
            "/v1/sales/{}/receipt",
            sale["sale_id"].as_str().unwrap()
        ))
        .await;
    assert!(
        text.contains("Discount (dented tin)") && text.contains("-14.50"),
        "{text}"
    );

    // 10 % needs a supervisor.
    let before = on_disk(dir.path()).0;
    let (status, problem) = till
        .sell(json!({"lines": tea_off("10"), "tenders": cash(26100)}))
        .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval"))
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("supervisor"),
        "{problem}"
    );
    let wrong = json!({"lines": tea_off("10"), "tenders": cash(26100), "approval": {"code": "102", "pin": "0000"}});
    let (status, problem) = till.sell(wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("wrong"),
        "{problem}"
    );
    let too_junior = json!({"lines": tea_off("10"), "tenders": cash(26100), "approval": {"code": "101", "pin": "4821"}});
    let (status, problem) = till.sell(too_junior).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Asha may approve discounts up to 5%"),
        "{problem}"
    );
    assert_eq!(on_disk(dir.path()).0, before, "refused sales wrote nothing");
    let approved = json!({"lines": tea_off("10"), "tenders": cash(26100), "approval": {"code": "102", "pin": "7305"}});
    let (status, sale) = till.sell(approved).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["discount_approved_by"]["name"], "Ravi");

    // Half off the bill is a manager's call; a signed-in supervisor gives 15 % alone.
    let half = json!({"lines": [{"barcode": TEA, "qty": "1"}], "bill_discount": {"percent": "50", "reason": "staff sale"},
                      "tenders": cash(7250), "approval": {"code": "102", "pin": "7305"}});
    let (status, problem) = till.sell(half.clone()).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("up to 20%"),
        "{status} {problem}"
    );
    let mut by_manager = half;
    by_manager["approval"] = json!({"code": "103", "pin": "2957"});
    let (status, sale) = till.sell(by_manager).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(paise(&sale["total"]), 7250);
    post_json(&till, "/v1/session", json!({"code": "102", "pin": "7305"})).await;
    let (status, sale) = till
        .sell(json!({"lines": tea_off("15"), "tenders": cash(24650)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert!(sale.get("discount_approved_by").is_none());

    // A bill discount is shared over the lines to the paisa: 10.00 off 207.50
    // → 6.99 on the tea (145.00 of it) and 3.01 on the rice.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}, {"barcode": RICE, "qty": "1"}],
                     "bill_discount": {"amount": inr(1000), "reason": "loyalty"}, "tenders": cash(19750)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let shares: Vec<i64> = sale["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| paise(&l["discount"]["amount"]))
        .collect();
    assert_eq!(shares, [699, 301]);
    assert_eq!(paise(&sale["total"]), 20750 - 1000);
    assert_eq!(sale["lines"][1]["discount"]["reason"], "bill: loyalty");

    for (discount, field) in [
        (
            json!({"percent": "0", "reason": "x"}),
            "lines[0].discount.percent",
        ),
        (
            json!({"percent": "5", "amount": inr(100), "reason": "x"}),
            "lines[0].discount",
        ),
        (
            json!({"amount": inr(30000), "reason": "x"}),
            "lines[0].discount",
        ),
        (json!({"percent": "5"}), "lines[0].discount.reason"),
    ] {
        let (status, problem) = till
            .sell(json!({"lines": [{"barcode": TEA, "qty": "2", "discount": discount}], "tenders": cash(29000)}))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{discount}: {problem}"
        );
        assert_eq!(problem["field"], field, "{discount}: {problem}");
    }
    till.agent.stop();
}

#[tokio::test]
async fn a_price_override_is_a_supervisors_call() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let s = credential.store_id;
    feed_staff(
        dir.path(),
        s,
        5,
        vec![
            member(s, "101", "Asha", Role::Cashier, "4821"),
            member(s, "102", "Ravi", Role::Supervisor, "7305"),
        ],
    );
    let till = start_till(dir.path()).await;
    let line = |price: i64, reason: &str| json!([{"barcode": TEA, "qty": "1", "price_override": {"price": inr(price), "reason": reason}}]);
    let sale = |price: i64, approval: Value| json!({"lines": line(price, "price match with the shop next door"), "tenders": cash(price), "approval": approval});

    let before = on_disk(dir.path()).0;
    let (status, problem) = till
        .sell(json!({"lines": line(13000, "match"), "tenders": cash(13000)}))
        .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval"))
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("price override needs a supervisor"),
        "{problem}"
    );
    let (_, problem) = till
        .sell(sale(13000, json!({"code": "101", "pin": "4821"})))
        .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Asha may not approve a price override"),
        "{problem}"
    );
    for (body, field) in [
        (
            json!({"lines": line(13000, " "), "tenders": cash(13000)}),
            "lines[0].price_override.reason",
        ),
        (
            json!({"lines": line(-5, "x"), "tenders": cash(13000)}),
            "lines[0].price_override.price",
        ),
    ] {
        let (status, problem) = till.sell(body).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{problem}"
        );
    }
    assert_eq!(on_disk(dir.path()).0, before, "refused sales wrote nothing");

    let (status, sold) = till
        .sell(sale(13000, json!({"code": "102", "pin": "7305"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    let l = &sold["lines"][0];
    assert_eq!(paise(&l["unit_price"]), 13000);
    assert_eq!(
        l["price_override"],
        json!({"catalog_price": inr(14500), "reason": "price match with the shop next door"})
    );
    assert_eq!(sold["discount_approved_by"]["name"], "Ravi");

    // A supervisor signed in overrides without asking anyone.
    post_json(&till, "/v1/session", json!({"code": "102", "pin": "7305"})).await;
    let (status, sold) = till
        .sell(json!({"lines": line(12000, "shelf label"), "tenders": cash(12000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    assert!(sold.get("discount_approved_by").is_none());
    till.agent.stop();
}

#[tokio::test]
async fn voids_and_approvals_land_in_an_append_only_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let s = credential.store_id;
    feed_staff(
        dir.path(),
        s,
        5,
        vec![
            member(s, "101", "Asha", Role::Cashier, "4821"),
            member(s, "102", "Ravi", Role::Supervisor, "7305"),
        ],
    );
    let till = start_till(dir.path()).await;
    post_json(&till, "/v1/session", json!({"code": "101", "pin": "0000"})).await;
    post_json(&till, "/v1/session", json!({"code": "101", "pin": "4821"})).await;

    let (status, line) = post_json(
        &till,
        "/v1/voids",
        json!({"kind": "line", "reason": "scanned twice", "description": "Assam Tea 250 g × 1", "amount": inr(14500)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{line}");
    assert_eq!(line["staff"]["name"], "Asha");
    let bill = json!({"kind": "bill", "reason": "customer left", "description": "3 lines", "amount": inr(52940)});
    let (status, problem) = post_json(&till, "/v1/voids", bill.clone()).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval"))
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("voiding a bill needs a supervisor"),
        "{problem}"
    );
    let mut approved = bill;
    approved["approval"] = json!({"code": "102", "pin": "7305"});
    let (status, entry) = post_json(&till, "/v1/voids", approved).await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(entry["staff"]["name"], "Ravi");
    for (body, field) in [
        (
            json!({"kind": "line", "reason": " ", "description": "x", "amount": inr(1)}),
            "reason",
        ),
        (
            json!({"kind": "line", "reason": "x", "description": "x", "amount": inr(-1)}),
            "amount",
        ),
        (
            json!({"kind": "cart", "reason": "x", "description": "x", "amount": inr(1)}),
            "kind",
        ),
    ] {
        let (status, problem) = post_json(&till, "/v1/voids", body.clone()).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}"
        );
    }

    // A discount Ravi approves is logged under his name.
    let (status, _) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1", "discount": {"percent": "10", "reason": "regular"}}],
                     "tenders": cash(13050), "approval": {"code": "102", "pin": "7305"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (_, log) = till.get("/v1/audit").await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "discount_approved",
            "bill_voided",
            "line_voided",
            "signed_in",
            "sign_in_failed"
        ]
    );
    assert!(
        log[0]["detail"].as_str().unwrap().contains("Ravi approved"),
        "{}",
        log[0]
    );
    let (status, _) = till.get("/v1/audit?limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Nothing may rewrite or remove an entry, not even with direct SQL.
    let db = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let tampered = db.with_conn(|c| Ok(c.execute("UPDATE audit_log SET entry = '{}'", [])?));
    assert!(format!("{:?}", tampered.unwrap_err()).contains("append-only"));
    let removed = db.with_conn(|c| Ok(c.execute("DELETE FROM audit_log", [])?));
    assert!(removed.is_err());
    till.agent.stop();
}

#[tokio::test]
async fn argon2id_and_legacy_pins_both_sign_in_and_wrong_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let s = credential.store_id;
    let asha = member(s, "101", "Asha", Role::Cashier, "4821");
    let ravi = legacy_member(s, "102", "Ravi", Role::Supervisor, "7305");
    assert_eq!(asha.pin_scheme(), PinScheme::Argon2id);
    assert_eq!(ravi.pin_scheme(), PinScheme::Legacy);
    feed_staff(dir.path(), s, 5, vec![asha, ravi]);
    let till = start_till(dir.path()).await;

    for (code, wrong, right, name) in [
        ("101", "4812", "4821", "Asha"),
        ("102", "7350", "7305", "Ravi"),
    ] {
        let (status, problem) = sign_in(&till, code, wrong).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{code}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("4 tries left"),
            "{problem}"
        );
        assert_eq!(till.get("/v1/session").await.0, StatusCode::NOT_FOUND);
        let (status, me) = sign_in(&till, code, right).await;
        assert_eq!(status, StatusCode::OK, "{code}: {me}");
        assert_eq!(me["name"], name);
        let out = till
            .http
            .delete(format!("{}/v1/session", till.base))
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
    }

    // A senior approves with either kind of hash; a wrong PIN approves nothing.
    let discounted = |approval: Value| {
        json!({"lines": [{"barcode": TEA, "qty": "1", "discount": {"percent": "10", "reason": "regular"}}],
               "tenders": cash(13050), "approval": approval})
    };
    let (status, problem) = till
        .sell(discounted(json!({"code": "102", "pin": "7350"})))
        .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval")),
        "{problem}"
    );
    let (status, sold) = till
        .sell(discounted(json!({"code": "102", "pin": "7305"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    till.agent.stop();
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_holding_pin_hashes_is_private_on_disk() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| {
        format!(
            "{:o}",
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777
        )
    };

    // A data dir the agent makes is its user's alone.
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let fresh = root.path().join("pos-edge");
    let till = start_till(&fresh).await;
    assert_eq!(mode(&fresh), "700");
    till.agent.stop();

    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let s = credential.store_id;
    feed_staff(
        dir.path(),
        s,
        5,
        vec![member(s, "101", "Asha", Role::Cashier, "4821")],
    );
    let till = start_till(dir.path()).await;
    let (status, _) = sign_in(&till, "101", "4821").await;
    assert_eq!(status, StatusCode::OK);
    let (status, sold) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    // With the sale in the WAL and the agent still running, all three files
    // are there, and none is readable by anyone else.
    for file in ["edge.db", "edge.db-wal", "edge.db-shm", "device.json"] {
        let path = dir.path().join(file);
        assert_eq!(mode(&path), "600", "{file}");
    }
    assert!(
        std::fs::metadata(dir.path().join("edge.db-wal"))
            .unwrap()
            .len()
            > 0,
        "the sale is in the WAL"
    );
    till.agent.stop();
}

/// A till that knows no staff cannot match any PIN: it says why (not
/// enrolled, or no staff have reached it) instead of "wrong PIN", and no
/// number of tries locks a code that will work once the staff arrive.
#[tokio::test]
async fn a_till_that_knows_no_staff_says_why_and_locks_no_code() {
    let dir = tempfile::tempdir().unwrap();
    let till = start_till(dir.path()).await;
    for _ in 0..7 {
        let (status, problem) = sign_in(&till, "101", "4821").await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(problem["type"], "not_enrolled", "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("not enrolled"),
            "{problem}"
        );
    }
    till.agent.stop();

    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let till = start_till(dir.path()).await;
    for _ in 0..7 {
        let (status, problem) = sign_in(&till, "101", "4821").await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(problem["type"], "no_staff", "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("knows no staff"),
            "{problem}"
        );
    }
    // The staff arrive through the feed: the code was never locked.
    let asha = member(credential.store_id, "101", "Asha", Role::Cashier, "4821");
    feed_staff(dir.path(), credential.store_id, 5, vec![asha]);
    let (status, me) = sign_in(&till, "101", "4821").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, problem) = sign_in(&till, "101", "0000").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("4 tries left"));
    till.agent.stop();
}
