//! `hubctl customers` for HQ's customer desk: a customer captured at a till
//! and billed there, found by digits and by name and shown with the store
//! that knows them; an unknown or malformed number is said in words.

use crate::helpers::{shop, Backend};
use crate::hubctl::hubctl;
use crate::on_both_backends;
use automerge::transaction::Transactable;
use serde_json::json;

async fn a_customer_desk_finds_and_shows_a_customer(backend: Backend) {
    let shop = shop(backend).await;
    let mut doc = automerge::AutoCommit::new();
    for (key, value) in [("phone", "+919876543210"), ("name", "Meena Iyer")] {
        doc.put(automerge::ROOT, format!("+919876543210/{key}"), value)
            .unwrap();
    }
    shop.push_document("customer_profiles", &mut doc).await;
    let mut sale = shop.sale("T1-000001", &[(0, "2")]);
    sale["data"]["customer"] = json!({"phone": "+919876543210"});
    let (status, ack) = shop.upload(&[sale]).await;
    assert!(status.is_success(), "{ack}");

    let base = shop.hub.base.clone();
    let key = Some(shop.api_key.as_str());
    let run = |args: &'static [&'static str]| hubctl(&base, key, args);
    for found in [
        run(&["customers", "find", "98765"]).await,
        run(&["customers", "find", "meena"]).await,
    ] {
        assert_eq!(found.code, 0, "{}", found.stderr);
        assert!(found.stdout.contains("Meena Iyer"), "{}", found.stdout);
    }
    let shown = run(&["customers", "show", "98765 43210"]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains("customer  +919876543210  Meena Iyer"),
        "{}",
        shown.stdout
    );
    let price = shop.variants[0].2 * 2;
    let billed = format!("{}.{:02}", price / 100, price % 100);
    let row = shown
        .stdout
        .lines()
        .find(|l| l.contains(" yes "))
        .unwrap_or_else(|| panic!("no store row: {}", shown.stdout));
    assert!(row.contains(&billed) && row.contains(" 1 "), "{row}");
    let json = run(&["--json", "customers", "show", "+919876543210"]).await;
    assert_eq!(json.json()["stores"][0]["bills"], 1);

    let edited = run(&["customers", "edit", "9876543210", "--name", "Meena S Iyer"]).await;
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    assert!(edited.stdout.contains("Meena S Iyer"), "{}", edited.stdout);
    let refused = run(&[
        "customers",
        "edit",
        "9876543210",
        "--gstin",
        "29AAAAA0000A1Z0",
    ])
    .await;
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("gstin"), "{}", refused.stderr);
    let shown = run(&["customers", "show", "9876543210"]).await;
    assert!(shown.stdout.contains("Meena S Iyer"), "{}", shown.stdout);

    let unknown = run(&["customers", "show", "9000000001"]).await;
    assert_eq!(unknown.code, 1, "{}", unknown.stdout);
    assert!(unknown.stderr.contains("has not met"), "{}", unknown.stderr);
    let bad = run(&["customers", "show", "12345"]).await;
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("phone"), "{}", bad.stderr);
    let limit = run(&["customers", "find", "--limit", "500"]).await;
    assert_ne!(limit.code, 0);
    assert!(limit.stderr.contains("limit"), "{}", limit.stderr);
}
on_both_backends!(a_customer_desk_finds_and_shows_a_customer);

async fn a_loyalty_desk_sets_the_rules_and_adjusts_points(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = Some(shop.api_key.as_str());
    let run = |args: &'static [&'static str]| hubctl(&base, key, args);

    let set = run(&[
        "loyalty",
        "set",
        "--per-100",
        "2",
        "--point-value",
        "0.50",
        "--max-percent",
        "20",
    ])
    .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(
        set.stdout.contains("earn        2 points per ₹100"),
        "{}",
        set.stdout
    );
    assert!(set.stdout.contains("a point     ₹0.50"), "{}", set.stdout);
    let shown = run(&["--json", "loyalty", "show"]).await;
    assert_eq!(shown.json()["max_bill_percent"], 20);
    let bad = run(&["loyalty", "set", "--per-100", "2", "--point-value", "half"]).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--point-value"), "{}", bad.stderr);
    let refused = run(&[
        "loyalty",
        "set",
        "--per-100",
        "2",
        "--point-value",
        "1",
        "--max-percent",
        "0",
    ])
    .await;
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("max_bill_percent"),
        "{}",
        refused.stderr
    );

    let welcome = run(&[
        "customers",
        "adjust",
        "98765 43210",
        "--points",
        "50",
        "--reason",
        "welcome",
    ])
    .await;
    assert_eq!(welcome.code, 0, "{}", welcome.stderr);
    assert!(welcome.stdout.contains("balance 50"), "{}", welcome.stdout);
    let taken = run(&[
        "customers",
        "adjust",
        "9876543210",
        "--points",
        "-20",
        "--reason",
        "correction",
    ])
    .await;
    assert_eq!(taken.code, 0, "{}", taken.stderr);
    let statement = run(&["customers", "points", "+919876543210"]).await;
    assert_eq!(statement.code, 0, "{}", statement.stderr);
    assert!(
        statement.stdout.contains("balance 30"),
        "{}",
        statement.stdout
    );
    assert!(
        statement.stdout.contains("welcome") && statement.stdout.contains("correction"),
        "{}",
        statement.stdout
    );
    let none = run(&["customers", "points", "9000000001"]).await;
    assert_eq!(none.code, 1);
    assert!(none.stderr.contains("no points"), "{}", none.stderr);
}
on_both_backends!(a_loyalty_desk_sets_the_rules_and_adjusts_points);
