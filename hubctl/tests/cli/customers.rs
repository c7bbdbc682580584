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
