//! Held bills keep the whole cart: every line as rung up (with its name),
//! the bill discount, the customer, who held it, the senior who approved
//! its discounts and what it came to. A sale that resumes the bill keeps
//! that approval, on this till or another of the store, as long as it asks
//! for exactly what was approved. Through the local API, hub unreachable.

mod common;

use automerge::transaction::Transactable;
use automerge::ROOT;
use common::*;
use edge_agent::store::{documents, LocalStore};
use pos_shared::staff::{Role, StaffRecord};
use pos_shared::sync::{ChangeBody, DocPurpose};
use pos_shared::StoreId;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;

/// Asha (cashier, 5 % at most) and Ravi (supervisor, 20 %), the store's
/// staff as the hub's feed gives them to every till.
fn staff(store: StoreId) -> Vec<StaffRecord> {
    vec![
        member(store, "101", "Asha", Role::Cashier, "4821"),
        member(store, "102", "Ravi", Role::Supervisor, "7305"),
    ]
}

fn feed_staff(dir: &Path, store: StoreId, staff: &[StaffRecord]) {
    apply_changes(
        dir,
        store,
        5,
        staff
            .iter()
            .cloned()
            .map(ChangeBody::StaffUpserted)
            .collect(),
    );
}

fn fifteen_off() -> Value {
    json!({"percent": "15", "reason": "damaged box"})
}

/// The cart: two teas at 15 % off (beyond a cashier), half a kilo of rice,
/// ₹5 off the bill.
fn cart() -> Value {
    json!({
        "lines": [
            {"barcode": TEA, "qty": "2", "discount": fifteen_off()},
            {"barcode": RICE, "qty": "0.5"}
        ],
        "bill_discount": {"amount": inr(500), "reason": "regular"},
        "customer_phone": "98765 43210",
        "note": "fetching wallet"
    })
}

/// The held bill's lines as a sale's lines: the name is the list's only.
fn sale_lines(bill: &Value) -> Vec<Value> {
    bill["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let mut line = l.clone();
            line.as_object_mut().unwrap().remove("name");
            line
        })
        .collect()
}

fn resumed_sale(bill: &Value, lines: Vec<Value>, tenders: Value) -> Value {
    json!({
        "lines": lines,
        "bill_discount": bill["bill_discount"],
        "customer_phone": bill["customer_phone"],
        "resumed_bill": bill["bill_id"],
        "tenders": tenders
    })
}

#[tokio::test]
async fn a_held_bill_keeps_its_discounts_approval_and_customer_on_another_till() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let members = staff(credential.store_id);
    feed_staff(dir.path(), credential.store_id, &members);
    let till = start_till(dir.path()).await;
    let (status, _) = post_json(&till, "/v1/session", json!({"code": "101", "pin": "4821"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = put_json(
        &till,
        "/v1/customers/9876543210",
        json!({"name": "Meena Iyer"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Beyond the cashier's limit: refused as a quote is, nothing held.
    let (status, problem) = post_json(&till, "/v1/held-bills", cart()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "approval");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("needs a supervisor's approval"),
        "{problem}"
    );
    let mut wrong = cart();
    wrong["approval"] = json!({"code": "102", "pin": "0000"});
    let (status, problem) = post_json(&till, "/v1/held-bills", wrong).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval")),
        "{problem}"
    );
    assert_eq!(till.get("/v1/held-bills").await.1, json!([]));

    let mut approved = cart();
    approved["approval"] = json!({"code": "102", "pin": "7305"});
    let mut as_quote = approved.clone();
    as_quote.as_object_mut().unwrap().remove("note");
    let (status, quote) = post_json(&till, "/v1/sales/quote", as_quote).await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    let (status, bill) = post_json(&till, "/v1/held-bills", approved).await;
    assert_eq!(status, StatusCode::CREATED, "{bill}");
    assert_eq!(bill["total"], quote["total"], "priced as the quote: {bill}");
    assert_eq!(bill["cashier"], "Asha");
    assert_eq!(bill["held_by"], "Till 1");
    assert_eq!(bill["customer_phone"], "+919876543210");
    assert_eq!(bill["customer_name"], "Meena Iyer");
    assert_eq!(bill["approved_by"], "Ravi");
    assert_eq!(bill["note"], "fetching wallet");
    assert_eq!(
        bill["bill_discount"],
        json!({"amount": inr(500), "reason": "regular", "percent": null})
    );
    assert_eq!(
        bill["lines"],
        json!([
            {"barcode": TEA, "name": "Assam Tea 250 g", "qty": "2",
             "discount": {"percent": "15", "amount": null, "reason": "damaged box"}},
            {"barcode": RICE, "name": "Rice (kg)", "qty": "0.5"}
        ])
    );
    assert!(!bill.to_string().contains("7305"), "never the PIN: {bill}");
    assert_eq!(till.get("/v1/held-bills").await.1, json!([bill.clone()]));

    // Resumed on this till: the cart comes back whole, and with the same
    // discounts Ravi's approval stands without asking again.
    let (status, resumed) = post_json(
        &till,
        &format!(
            "/v1/held-bills/{}/resume",
            bill["bill_id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(resumed["lines"], bill["lines"]);
    let lines = sale_lines(&resumed);
    let (status, requote) = post_json(
        &till,
        "/v1/sales/quote",
        resumed_sale(&resumed, lines.clone(), json!([])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{requote}");
    assert_eq!(requote["total"], bill["total"]);
    assert_eq!(requote["discount_approved_by"]["name"], "Ravi");

    // A changed discount, or a dropped bill discount, asks again.
    let mut deeper = lines.clone();
    deeper[0]["discount"]["percent"] = json!("16");
    let (status, problem) = post_json(
        &till,
        "/v1/sales/quote",
        resumed_sale(&resumed, deeper, json!([])),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval")),
        "{problem}"
    );
    let mut no_bill_discount = resumed_sale(&resumed, lines.clone(), json!([]));
    no_bill_discount["bill_discount"] = Value::Null;
    let (status, problem) = post_json(&till, "/v1/sales/quote", no_bill_discount).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("approval")),
        "{problem}"
    );
    // An unknown bill is named.
    let mut unknown = resumed_sale(&resumed, lines.clone(), json!([]));
    unknown["resumed_bill"] = json!("0190f5c4-0000-7000-8000-000000000000");
    let (status, problem) = post_json(&till, "/v1/sales/quote", unknown).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("resumed_bill")),
        "{problem}"
    );
    till.agent.stop();

    // Till 2 of the same store has the bill once the document syncs (merged
    // here as the hub's relay would), and sells it on Ravi's approval.
    let other = tempfile::tempdir().unwrap();
    let mut second = credential.clone();
    second.terminal_name = "Till 2".into();
    second.terminal_id = pos_shared::TerminalId::new();
    second.receipt_prefix = "T2".into();
    // Its own catalog (the same items), then the store's credential and staff.
    seed(other.path());
    edge_agent::sync::credential::save(other.path(), &second).unwrap();
    feed_staff(other.path(), credential.store_id, &members);
    let from = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let mut held = from
        .with_conn(|c| documents::load(c, DocPurpose::HeldBills))
        .unwrap();
    // A bill an older agent held: barcodes and quantities only.
    let old = "0190f5c4-1111-7000-8000-000000000001";
    held.put(
        ROOT,
        format!("{old}/lines"),
        format!(r#"[{{"barcode":"{TEA}","qty":"1"}}]"#),
    )
    .unwrap();
    held.put(ROOT, format!("{old}/held_by"), "Till 9").unwrap();
    held.put(ROOT, format!("{old}/held_at"), 1_700_000_000_000i64)
        .unwrap();
    let to = LocalStore::open(&other.path().join("edge.db")).unwrap();
    to.with_conn(|c| {
        let mut mine = documents::load(c, DocPurpose::HeldBills)?;
        mine.merge(&mut held)
            .map_err(|e| edge_agent::store::StoreError::Document(e.to_string()))?;
        documents::save(c, DocPurpose::HeldBills, &mut mine)
    })
    .unwrap();
    drop((from, to));
    let till2 = start_till(other.path()).await;
    let (_, list) = till2.get("/v1/held-bills").await;
    let older = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bill_id"] == old)
        .expect("the old bill reads");
    assert_eq!(
        older["lines"],
        json!([{"barcode": TEA, "name": TEA, "qty": "1"}])
    );
    assert_eq!(older["total"], inr(0), "an old bill kept no total");
    assert!(older.get("approved_by").is_none(), "{older}");
    let here = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bill_id"] == bill["bill_id"])
        .expect("the bill held on till 1");
    assert_eq!(here["approved_by"], "Ravi");
    assert_eq!(here["customer_name"], "Meena Iyer");

    // An added line without a discount keeps the approval; the sale records Ravi.
    let mut more = lines.clone();
    more.push(json!({"barcode": RICE, "qty": "1"}));
    let (status, quote) = post_json(
        &till2,
        "/v1/sales/quote",
        resumed_sale(here, more.clone(), json!([])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    let (status, sale) = till2
        .sell(resumed_sale(
            here,
            more,
            cash(paise(&quote["cash_payable"])),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["discount_approved_by"]["name"], "Ravi");
    // The profile is the customers document's, not synced here: the phone is the bill's.
    assert_eq!(sale["customer"]["phone"], "+919876543210");
    assert_eq!(sale["total"], quote["total"]);
    till2.agent.stop();
}

#[tokio::test]
async fn holds_refuse_bad_quantities_and_phones_by_name() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    for (body, field, says) in [
        (
            json!({"lines": [{"barcode": TEA, "qty": "1.5"}]}),
            "lines[0].qty",
            "Assam Tea 250 g is sold by the piece: enter a whole number",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": "0"}]}),
            "lines[0].qty",
            "enter more than zero",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": "10000"}]}),
            "lines[0].qty",
            "at most 9,999 per line",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": "1"}], "customer_phone": "12"}),
            "customer_phone",
            "",
        ),
    ] {
        let (status, problem) = post_json(&till, "/v1/held-bills", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{body}: {problem}"
        );
    }
    assert_eq!(till.get("/v1/held-bills").await.1, json!([]));
    till.agent.stop();
}
