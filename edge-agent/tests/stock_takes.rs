//! Stock takes at one till, through its HTTP API and SQLite file: a manager
//! starts a count, staff count by scanning (plain EAN, a GS1 label with its
//! weight, a typed case quantity) bin by bin, sell meanwhile, recount, and a
//! manager approves: the ledger then says what was on the shelf, sales after
//! the count stand, and the approval waits in the outbox. Blind counts hide
//! the expected figures from counters; roles, closed takes and bad input
//! are refused by name.

mod common;

use common::*;
use pos_shared::staff::Role;
use pos_shared::sync::ChangeBody;
use pos_shared::Gtin;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;

const MANAGER: (&str, &str) = ("301", "2468");
const COUNTER: (&str, &str) = ("101", "4821");

async fn start(dir: &Path) -> Till {
    if !dir.join("edge.db").exists() {
        let credential = seed(dir);
        let staff = vec![
            member(
                credential.store_id,
                MANAGER.0,
                "Meena",
                Role::Manager,
                MANAGER.1,
            ),
            member(
                credential.store_id,
                COUNTER.0,
                "Asha",
                Role::Cashier,
                COUNTER.1,
            ),
        ];
        apply_changes(
            dir,
            credential.store_id,
            5,
            staff.into_iter().map(ChangeBody::StaffUpserted).collect(),
        );
    }
    start_till(dir).await
}

async fn sign_in(till: &Till, (code, pin): (&str, &str)) {
    let (s, b) = post_json(till, "/v1/session", json!({"code": code, "pin": pin})).await;
    assert_eq!(s, StatusCode::OK, "sign-in {code}: {b}");
}

async fn scan(till: &Till, take: &str, body: Value) -> (StatusCode, Value) {
    post_json(till, &format!("/v1/stock-takes/{take}/scans"), body).await
}

fn item<'a>(sheet: &'a Value, name_starts: &str) -> &'a Value {
    sheet["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"].as_str().unwrap().starts_with(name_starts))
        .unwrap_or_else(|| panic!("no item {name_starts}: {sheet}"))
}

#[tokio::test]
async fn a_count_by_scan_is_approved_into_the_ledger_and_sales_after_it_stand() {
    let dir = tempfile::tempdir().unwrap();
    let till = start(dir.path()).await;

    // Only a manager starts a count.
    sign_in(&till, COUNTER).await;
    let (s, b) = post_json(&till, "/v1/stock-takes", json!({"name": "Month end"})).await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval")),
        "{b}"
    );
    let (s, b) = post_json(
        &till,
        "/v1/stock-takes",
        json!({"name": "Month end", "approval": {"code": MANAGER.0, "pin": "0000"}}),
    )
    .await;
    assert!(s.is_client_error(), "a wrong PIN approves nothing: {s} {b}");
    let (s, started) = post_json(
        &till,
        "/v1/stock-takes",
        json!({"name": "Month end", "approval": {"code": MANAGER.0, "pin": MANAGER.1}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let take = started["take_id"].as_str().unwrap().to_owned();
    assert_eq!(started["state"], "counting");
    assert_eq!(started["started_by"]["name"], "Meena");
    assert_eq!(started["scope"]["kind"], "store");
    assert_eq!(
        started["uncounted"]["count"], 2,
        "both items have stock and none is counted yet: {started}"
    );

    // The counter scans tea three times on shelf A1 and a case of four on B1.
    for _ in 0..3 {
        let (s, b) = scan(&till, &take, json!({"code": TEA, "bin": " A1 "})).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, counted) = scan(&till, &take, json!({"code": TEA, "bin": "B1", "qty": "4"})).await;
    assert_eq!(s, StatusCode::CREATED, "{counted}");
    assert_eq!(counted["here"], "4");
    assert_eq!(
        counted["counted"], "7",
        "A1's three and B1's four: {counted}"
    );
    assert!(
        counted["message"].as_str().unwrap().contains("B1"),
        "{counted}"
    );

    // Loose rice needs its weight: the GS1 label carries it.
    let (s, b) = scan(&till, &take, json!({"code": RICE, "bin": "C1"})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("weight_needed")),
        "{b}"
    );
    let rice = Gtin::parse(RICE).unwrap();
    let label = format!("]C101{}17301231\u{1d}10B-77\u{1d}3103001250", rice.as_str());
    let (s, b) = scan(&till, &take, json!({"code": label, "bin": "C1"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["added"], "1.25");

    // Bad input is refused by name, and counts nothing.
    let (s, b) = scan(&till, &take, json!({"code": "8901058000023"})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_item")),
        "{b}"
    );
    for (body, field) in [
        (json!({"code": "8901058000099"}), "code"),
        (json!({"code": TEA, "bin": "x".repeat(21)}), "bin"),
        (json!({"code": TEA, "qty": "1.5"}), "qty"),
        (json!({"code": TEA, "qty": "-2"}), "qty"),
        (json!({"code": TEA, "qty": "lots"}), "qty"),
    ] {
        let (s, b) = scan(&till, &take, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = scan(&till, &take, json!({"code": TEA, "shelf": "A1"})).await;
    assert!(s.is_client_error(), "an unknown field is refused: {b}");
    let (s, b) = scan(&till, "not-a-take", json!({"code": TEA})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = scan(
        &till,
        "0190b8a0-0000-7000-8000-000000000000",
        json!({"code": TEA}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");

    // The sheet: tea 7 against 10 expected, rice 1.25 against 10.
    let (_, sheet) = till.get(&format!("/v1/stock-takes/{take}")).await;
    let tea = item(&sheet, "Assam Tea");
    assert_eq!(
        (
            tea["counted"].as_str(),
            tea["expected"].as_str(),
            tea["variance"].as_str()
        ),
        (Some("7"), Some("10"), Some("-3")),
        "{sheet}"
    );
    assert_eq!(
        tea["bins"],
        json!([{"bin": "A1", "qty": "3", "terminals": 1}, {"bin": "B1", "qty": "4", "terminals": 1}])
    );
    assert_eq!(sheet["uncounted"]["count"], 0, "{sheet}");

    // A recount of B1 replaces this terminal's figure there.
    let (s, sheet) = put_json(
        &till,
        &format!("/v1/stock-takes/{take}/counts"),
        json!({"variant_id": tea["variant_id"], "bin": "B1", "qty": "5"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sheet}");
    assert_eq!(item(&sheet, "Assam Tea")["counted"], "8");
    // A recount counts pieces whole too.
    let (s, b) = put_json(
        &till,
        &format!("/v1/stock-takes/{take}/counts"),
        json!({"variant_id": tea["variant_id"], "bin": "B1", "qty": "2.5"}),
    )
    .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("qty")),
        "{b}"
    );
    // Rice was counted on C1 by mistake: taking it back leaves rice uncounted.
    let rice_id = item(&sheet, "Rice")["variant_id"].clone();
    let (_, sheet) = put_json(
        &till,
        &format!("/v1/stock-takes/{take}/counts"),
        json!({"variant_id": rice_id, "bin": "C1", "qty": "0"}),
    )
    .await;
    assert_eq!(
        sheet["uncounted"]["count"], 1,
        "rice is in scope and uncounted: {sheet}"
    );

    // Two tea are sold after they were counted.
    let (s, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "2"}], "tenders": cash(29000)}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");
    assert_eq!(till.available(TEA).await, "8");

    // The counter may not approve; a manager's code and PIN may.
    let (s, b) = post_json(&till, &format!("/v1/stock-takes/{take}/approve"), json!({})).await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval")),
        "{b}"
    );
    let (s, approved) = post_json(
        &till,
        &format!("/v1/stock-takes/{take}/approve"),
        json!({"approval": {"code": MANAGER.0, "pin": MANAGER.1}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{approved}");
    assert_eq!(approved["parts"], 1);
    assert_eq!(approved["lines"], 2);
    assert_eq!(approved["adjusted"], 2);
    assert_eq!(
        approved["missing"], "12",
        "two tea and ten kg of rice: {approved}"
    );
    assert_eq!(approved["sheet"]["state"], "approved");
    assert_eq!(approved["sheet"]["closed"]["by"]["name"], "Meena");

    // The shelf had 8 tea when counted; the 2 sold since leave 6. Uncounted
    // rice is gone.
    assert_eq!(till.available(TEA).await, "6");
    assert_eq!(till.available(RICE).await, "0");
    let facts = queued(dir.path(), "pos.stock_take.approved");
    assert_eq!(facts.len(), 1, "one part waits in the outbox");
    let part = &facts[0]["data"];
    assert_eq!(part["take_id"], take);
    assert_eq!(part["approved_by"]["name"], "Meena");
    let lines = part["lines"].as_array().unwrap();
    assert!(lines.iter().all(|l| l["movement_id"].is_string()), "{part}");

    // A closed take counts nothing more and is not approved twice.
    let (s, b) = scan(&till, &take, json!({"code": TEA})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::CONFLICT, Some("stock_take_closed")),
        "{b}"
    );
    sign_in(&till, MANAGER).await;
    let (s, b) = post_json(&till, &format!("/v1/stock-takes/{take}/approve"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(
        queued(dir.path(), "pos.stock_take.approved").len(),
        1,
        "nothing more queued"
    );
    let (_, list) = till.get("/v1/stock-takes").await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Everything survives a restart: the document is in the SQLite file.
    drop(till);
    let till = start(dir.path()).await;
    let (_, sheet) = till.get(&format!("/v1/stock-takes/{take}")).await;
    assert_eq!(sheet["state"], "approved", "{sheet}");
    let tea = item(&sheet, "Assam Tea");
    assert_eq!(tea["counted"], "8");
    assert_eq!(
        tea["bins"],
        json!([]),
        "an approval keeps its totals only: {sheet}"
    );
    assert_eq!(
        item(&sheet, "Rice")["counted"],
        "0",
        "the approval's uncounted rice: {sheet}"
    );
}

#[tokio::test]
async fn a_blind_count_hides_what_is_expected_from_counters_and_a_spot_check_leaves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let till = start(dir.path()).await;
    sign_in(&till, MANAGER).await;
    let (s, b) = post_json(&till, "/v1/stock-takes", json!({"name": " "})).await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name")),
        "{b}"
    );
    let (s, b) = post_json(
        &till,
        "/v1/stock-takes",
        json!({"name": "Shelf A", "scope": {"kind": "category", "category_id": "0190b8a0-0000-7000-8000-000000000000"}}),
    )
    .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("scope.category_id")),
        "{b}"
    );
    let (s, started) = post_json(
        &till,
        "/v1/stock-takes",
        json!({"name": "Shelf A", "scope": {"kind": "counted"}, "blind": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let take = started["take_id"].as_str().unwrap().to_owned();
    assert_eq!(
        started["uncounted"]["count"], 0,
        "a spot check takes in only what is counted"
    );

    sign_in(&till, COUNTER).await;
    let (s, b) = scan(&till, &take, json!({"code": TEA, "bin": "A1"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, sheet) = till.get(&format!("/v1/stock-takes/{take}")).await;
    assert_eq!(sheet["expected_shown"], false);
    let tea = item(&sheet, "Assam Tea");
    assert!(
        tea.get("expected").is_none() && tea.get("variance").is_none(),
        "{sheet}"
    );

    sign_in(&till, MANAGER).await;
    let (_, sheet) = till.get(&format!("/v1/stock-takes/{take}")).await;
    assert_eq!(sheet["expected_shown"], true);
    assert_eq!(item(&sheet, "Assam Tea")["variance"], "-9");
    let (s, approved) =
        post_json(&till, &format!("/v1/stock-takes/{take}/approve"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{approved}");
    assert_eq!(approved["lines"], 1, "only tea: {approved}");
    assert_eq!(till.available(TEA).await, "1");
    assert_eq!(
        till.available(RICE).await,
        "10",
        "rice was not in this count"
    );

    // A cancelled take moves nothing.
    let (_, started) = post_json(&till, "/v1/stock-takes", json!({"name": "Oops"})).await;
    let other = started["take_id"].as_str().unwrap().to_owned();
    let (s, b) = scan(&till, &other, json!({"code": TEA, "qty": "40"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, cancelled) =
        post_json(&till, &format!("/v1/stock-takes/{other}/cancel"), json!({})).await;
    assert_eq!(
        (s, cancelled["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{cancelled}"
    );
    let (s, b) = post_json(
        &till,
        &format!("/v1/stock-takes/{other}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(till.available(TEA).await, "1");
    assert_eq!(queued(dir.path(), "pos.stock_take.approved").len(), 1);
}

/// Two spot checks of the same shelf, counted side by side and approved one
/// after the other, adjust the item once: the second finds the first's
/// correction already in the ledger.
#[tokio::test]
async fn overlapping_takes_of_one_item_adjust_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let till = start(dir.path()).await;
    sign_in(&till, MANAGER).await;
    let before = till.available(TEA).await;
    let mut takes = Vec::new();
    for name in ["Shelf A, morning", "Shelf A, again"] {
        let (s, started) = post_json(
            &till,
            "/v1/stock-takes",
            json!({"name": name, "scope": {"kind": "counted"}}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{started}");
        let take = started["take_id"].as_str().unwrap().to_owned();
        let (s, b) = scan(&till, &take, json!({"code": TEA, "qty": "2"})).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        takes.push(take);
    }
    let (s, first) = post_json(
        &till,
        &format!("/v1/stock-takes/{}/approve", takes[0]),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["adjusted"], 1, "{first}");
    assert_eq!(till.available(TEA).await, "2", "was {before}");
    // The second's sheet already shows nothing left to correct.
    let (_, sheet) = till.get(&format!("/v1/stock-takes/{}", takes[1])).await;
    assert_eq!(item(&sheet, "Assam Tea")["variance"], "0", "{sheet}");
    let (s, second) = post_json(
        &till,
        &format!("/v1/stock-takes/{}/approve", takes[1]),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{second}");
    assert_eq!(second["adjusted"], 0, "{second}");
    assert_eq!(till.available(TEA).await, "2");
    assert_eq!(queued(dir.path(), "pos.stock_take.approved").len(), 2);
}
