//! Outbox intake: idempotent uploads, lost acks, facts refused one by one.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn same_batch_twice_changes_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let batch = [
        shop.sale("T1-000001", &[(0, "2"), (1, "1.5")]),
        shop.sale("T1-000002", &[(0, "1")]),
    ];
    let (status, ack) = shop.upload(&batch).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"]);
    let after_first = shop.snapshot().await;

    let (status, ack) = shop.upload(&batch).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["duplicate", "duplicate"]);
    assert_eq!(
        shop.snapshot().await,
        after_first,
        "a replayed batch must change nothing"
    );

    assert_eq!(after_first["sales"].as_array().unwrap().len(), 2);
    assert_eq!(shop.on_hand(TEA).await, "47");
    assert_eq!(shop.on_hand(RICE).await, "48.5");
}
on_both_backends!(same_batch_twice_changes_nothing);

async fn a_batch_whose_ack_was_lost_is_resent_safely(backend: Backend) {
    let shop = shop(backend).await;
    let first = shop.sale("T1-000001", &[(1, "0.25")]);
    let (_, ack) = shop.upload(std::slice::from_ref(&first)).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    // The terminal never saw that ack: it resends, with the next sale behind it.
    let second = shop.sale("T1-000002", &[(1, "0.75")]);
    let (_, ack) = shop.upload(&[first, second]).await;
    assert_eq!(Shop::statuses(&ack), ["duplicate", "accepted"]);
    let snapshot = shop.snapshot().await;
    assert_eq!(snapshot["sales"].as_array().unwrap().len(), 2);
    let sale_movements = snapshot["movements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "sale")
        .count();
    assert_eq!(sale_movements, 2);
    assert_eq!(shop.on_hand(RICE).await, "49");
}
on_both_backends!(a_batch_whose_ack_was_lost_is_resent_safely);

async fn a_bad_fact_is_rejected_alone_and_writes_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let mut wrong_total = shop.sale("T1-000001", &[(0, "1")]);
    wrong_total["data"]["total"]["minor"] = json!(1);
    let mut unknown_variant = shop.sale("T1-000002", &[(0, "1")]);
    unknown_variant["data"]["lines"][0]["variant_id"] = json!(uuid::Uuid::now_v7());
    let mut other_store = shop.sale("T1-000003", &[(0, "1")]);
    other_store["data"]["store_id"] = json!(uuid::Uuid::now_v7());
    let mut unparseable = shop.sale("T1-000004", &[(0, "1")]);
    unparseable["data"]["lines"] = json!("not a list");
    let mut no_item = shop.sale("T1-000006", &[(0, "1")]);
    no_item["data"]["lines"][0]
        .as_object_mut()
        .unwrap()
        .remove("variant_id");
    // An envelope that says another kind, another sender or a version
    // there is not.
    let mut mislabelled = shop.sale("T1-000007", &[(0, "1")]);
    mislabelled["event_type"] = json!("pos.return.completed");
    let mut other_sender = shop.sale("T1-000008", &[(0, "1")]);
    other_sender["source"] = json!("terminal:somewhere-else");
    let mut newer_envelope = shop.sale("T1-000009", &[(0, "1")]);
    newer_envelope["schema_version"] = json!(2);
    // An amount given as a list of its fields is not read by position.
    let mut positional = shop.sale("T1-000010", &[(0, "1")]);
    let total = positional["data"]["total"].clone();
    positional["data"]["total"] = json!([total["minor"], total["currency"]]);
    let good = shop.sale("T1-000005", &[(0, "3")]);
    let before = shop.on_hand(TEA).await;

    let (status, ack) = shop
        .upload(&[
            wrong_total,
            unknown_variant,
            other_store,
            unparseable,
            no_item,
            mislabelled,
            other_sender,
            newer_envelope,
            positional,
            good,
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        Shop::statuses(&ack),
        [
            "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected",
            "rejected", "rejected", "accepted"
        ]
    );
    let reasons: Vec<&str> = ack["results"].as_array().unwrap()[..9]
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].starts_with("total:"), "{reasons:?}");
    assert!(reasons[1].contains("lines[0].variant_id"), "{reasons:?}");
    assert!(reasons[2].starts_with("store_id:"), "{reasons:?}");
    assert!(reasons[3].contains("does not parse: lines:"), "{reasons:?}");
    // A field missing deep in the fact is named by its place in it.
    assert!(
        reasons[4].contains("lines[0].variant_id: this field is required"),
        "{reasons:?}"
    );
    assert!(
        reasons[5].starts_with("event_type: a sale travels as pos.sale.completed"),
        "{reasons:?}"
    );
    assert!(
        reasons[6].starts_with(&format!(
            "source: a fact from this terminal says terminal:{}",
            shop.terminal_id
        )),
        "{reasons:?}"
    );
    assert!(reasons[7].starts_with("schema_version:"), "{reasons:?}");
    assert!(
        reasons[8].contains("total: must be an object naming its fields, not a list"),
        "{reasons:?}"
    );

    let snapshot = shop.snapshot().await;
    assert_eq!(
        snapshot["sales"].as_array().unwrap().len(),
        1,
        "only the good sale is stored"
    );
    assert_eq!(before, "50");
    assert_eq!(shop.on_hand(TEA).await, "47");

    // Reusing a receipt number for a different sale is refused too.
    let (_, ack) = shop.upload(&[shop.sale("T1-000005", &[(0, "1")])]).await;
    assert_eq!(Shop::statuses(&ack), ["rejected"]);
    assert!(ack["results"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("receipt_no:"));
    assert_eq!(shop.on_hand(TEA).await, "47");
}
on_both_backends!(a_bad_fact_is_rejected_alone_and_writes_nothing);

async fn hq_movements_are_idempotent_by_id(backend: Backend) {
    let shop = shop(backend).await;
    let id = uuid::Uuid::now_v7();
    let body = json!({"movement_id": id, "variant_id": shop.variants[1].0, "delta": "-2.5", "reason": "adjustment"});
    let path = format!("/v1/stores/{}/movements", shop.store_id);
    let (s, first) = shop.hub.post(&path, &shop.api_key, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (s, again) = shop.hub.post(&path, &shop.api_key, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    // Answered with the movement as it was recorded, not the repeat's time.
    assert_eq!(again["movement"], first["movement"], "{again}");
    let (s, bulk) = shop
        .hub
        .post(
            &format!("{path}/bulk"),
            &shop.api_key,
            json!({"movements": [body]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{bulk}");
    assert_eq!(
        bulk["movements"][0]["movement"], first["movement"],
        "{bulk}"
    );
    assert_eq!(shop.on_hand(RICE).await, "47.5");
}
on_both_backends!(hq_movements_are_idempotent_by_id);

async fn split_tenders_and_cash_rounding_are_checked_at_the_hub(backend: Backend) {
    let shop = shop(backend).await;
    let mut split = shop.sale("T1-000001", &[(0, "2")]);
    let total = split["data"]["total"]["minor"].as_i64().unwrap();
    split["data"]["tenders"] = json!([
        {"method": "upi", "amount": {"minor": total - 1000, "currency": "INR"}, "reference": "412345678901"},
        {"method": "cash", "amount": {"minor": 2000, "currency": "INR"}},
    ]);
    split["data"]["rounding"] = json!({"minor": 25, "currency": "INR"});
    split["data"]["change_due"] = json!({"minor": 975, "currency": "INR"});
    let mut card_change = shop.sale("T1-000002", &[(0, "1")]);
    let one = card_change["data"]["total"]["minor"].as_i64().unwrap();
    card_change["data"]["tenders"] = json!([{"method": "card", "amount": {"minor": one + 100, "currency": "INR"}, "reference": "AP1"}]);
    card_change["data"]["change_due"] = json!({"minor": 100, "currency": "INR"});
    let mut no_reference = shop.sale("T1-000003", &[(0, "1")]);
    no_reference["data"]["tenders"][0]["method"] = json!("upi");

    let (status, ack) = shop.upload(&[split, card_change, no_reference]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        Shop::statuses(&ack),
        ["accepted", "rejected", "rejected"],
        "{ack}"
    );
    assert!(
        ack["results"][1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("tenders:"),
        "{ack}"
    );
    assert!(
        ack["results"][2]["reason"]
            .as_str()
            .unwrap()
            .starts_with("tenders[0].reference:"),
        "{ack}"
    );
    assert_eq!(shop.on_hand(TEA).await, "48");
}
on_both_backends!(split_tenders_and_cash_rounding_are_checked_at_the_hub);

async fn z_reports_are_checked_kept_once_and_listed_for_hq(backend: Backend) {
    use pos_shared::sale::SaleFact;
    use pos_shared::shift::ShiftReport;
    use pos_shared::{Envelope, Money, ShiftId, Timestamp};
    let shop = shop(backend).await;
    let sales: Vec<serde_json::Value> = (1..=3)
        .map(|n| shop.sale(&format!("T1-{n:06}"), &[(0, "1"), (1, "0.5")]))
        .collect();
    let facts: Vec<SaleFact> = sales
        .iter()
        .map(|s| serde_json::from_value(s["data"].clone()).unwrap())
        .collect();
    let opened = Timestamp::now();
    let z = ShiftReport::compute(
        ShiftId::new(),
        shop.store_id.parse().unwrap(),
        shop.terminal_id.parse().unwrap(),
        "Asha".into(),
        opened,
        Money::inr(200_000),
        &facts,
        &[],
        &[],
        Money::inr(0),
        Money::inr(50_000),
    )
    .unwrap();
    let expected = z.expected_cash;
    let z = z
        .close(Money::inr(expected.minor() - 500), Timestamp::now())
        .unwrap();
    let envelope = |report: &ShiftReport| {
        serde_json::to_value(Envelope::new(
            report.shift_id.as_uuid(),
            "pos.shift.closed",
            format!("terminal:{}", shop.terminal_id),
            shop.tenant_id.parse().unwrap(),
            Timestamp::now(),
            pos_shared::sync::Fact::ShiftClosed(report.clone()),
        ))
        .unwrap()
    };
    let mut damaged = z.clone();
    damaged.shift_id = ShiftId::new();
    damaged.expected_cash = Money::inr(expected.minor() + 1);
    let mut elsewhere = z.clone();
    elsewhere.shift_id = ShiftId::new();
    elsewhere.store_id = pos_shared::StoreId::new();

    // A report whose figures sit at the edge of an i64 (an unbounded cash
    // tender once made one): checked, refused on its own, never a dropped
    // connection that would block the facts behind it.
    let mut huge = z.clone();
    huge.shift_id = ShiftId::new();
    let most = Money::inr(i64::MAX);
    huge.tenders = vec![pos_shared::shift::TenderTotal {
        method: pos_shared::sale::TenderMethod::Cash,
        count: 1,
        amount: most,
    }];
    huge.sales_total = most;
    huge.rounding = Money::inr(0);
    huge.change_given = Money::inr(0);
    huge.cash_in = most;
    huge.expected_cash = most;
    huge.counted_cash = Some(most);
    huge.variance = Some(Money::inr(0));

    let mut batch = sales.clone();
    batch.extend([
        envelope(&z),
        envelope(&damaged),
        envelope(&elsewhere),
        envelope(&huge),
    ]);
    let (status, ack) = shop.upload(&batch).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        Shop::statuses(&ack),
        ["accepted", "accepted", "accepted", "accepted", "rejected", "rejected", "rejected"],
        "{ack}"
    );
    assert!(
        ack["results"][6]["reason"]
            .as_str()
            .unwrap()
            .starts_with("expected_cash:"),
        "{ack}"
    );
    assert!(
        ack["results"][4]["reason"]
            .as_str()
            .unwrap()
            .starts_with("expected_cash:"),
        "{ack}"
    );
    assert!(
        ack["results"][5]["reason"]
            .as_str()
            .unwrap()
            .starts_with("store_id:"),
        "{ack}"
    );
    let (_, again) = shop.upload(&[envelope(&z)]).await;
    assert_eq!(Shop::statuses(&again), ["duplicate"]);

    let (status, shifts) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/shifts", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shifts}");
    let shifts = shifts["items"].as_array().unwrap();
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    assert_eq!(shifts[0]["shift_id"], z.shift_id.to_string());
    assert_eq!(shifts[0]["sales_count"], 3);
    assert_eq!(shifts[0]["variance"]["minor"], -500);
}
on_both_backends!(z_reports_are_checked_kept_once_and_listed_for_hq);

async fn returns_put_stock_back_once_and_must_add_up(backend: Backend) {
    use pos_shared::returns::{refund_for, ReturnFact, ReturnLine};
    use pos_shared::sale::{SaleFact, Tender, TenderMethod};
    use pos_shared::{Envelope, Money, MovementId, Qty, ReturnId, Timestamp};
    let shop = shop(backend).await;
    let sale_env = shop.sale("T1-000001", &[(0, "3")]);
    let sale: SaleFact = serde_json::from_value(sale_env["data"].clone()).unwrap();
    let (refund, tax) = refund_for(&sale.lines[0], Qty::ZERO, Qty::units(2));
    let ret = ReturnFact {
        return_id: ReturnId::new(),
        store_id: sale.store_id,
        terminal_id: sale.terminal_id,
        receipt_no: "T1-000002".into(),
        original_sale_id: sale.sale_id,
        original_receipt_no: sale.receipt_no.clone(),
        occurred_at: Timestamp::now(),
        reason: "damaged".into(),
        lines: vec![ReturnLine {
            movement_id: MovementId::new(),
            sale_line: 0,
            variant_id: sale.lines[0].variant_id,
            barcode: sale.lines[0].barcode.clone(),
            name: sale.lines[0].name.clone(),
            qty: Qty::units(2),
            refund,
            tax,
        }],
        total: refund,
        refunds: vec![Tender {
            method: TenderMethod::Cash,
            amount: refund,
            reference: None,
        }],
        rounding: None,
    };
    let envelope = |r: &ReturnFact| {
        serde_json::to_value(Envelope::new(
            r.return_id.as_uuid(),
            "pos.return.completed",
            format!("terminal:{}", shop.terminal_id),
            shop.tenant_id.parse().unwrap(),
            r.occurred_at,
            pos_shared::sync::Fact::Return(r.clone()),
        ))
        .unwrap()
    };
    let mut damaged = ret.clone();
    damaged.return_id = ReturnId::new();
    damaged.receipt_no = "T1-000003".into();
    damaged.lines[0].movement_id = MovementId::new();
    damaged.total = Money::inr(1);
    let (status, ack) = shop
        .upload(&[sale_env, envelope(&ret), envelope(&damaged)])
        .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        Shop::statuses(&ack),
        ["accepted", "accepted", "rejected"],
        "{ack}"
    );
    assert!(
        ack["results"][2]["reason"]
            .as_str()
            .unwrap()
            .starts_with("total:"),
        "{ack}"
    );
    // 50 − 3 sold + 2 back.
    assert_eq!(shop.on_hand(TEA).await, "49");
    let (_, again) = shop.upload(&[envelope(&ret)]).await;
    assert_eq!(Shop::statuses(&again), ["duplicate"]);
    assert_eq!(
        shop.on_hand(TEA).await,
        "49",
        "a replayed return counts once"
    );

    // The last tea back for cash, rounded to the rupee like a sale: accepted
    // with refunds = total + rounding. Rounding on a card refund is refused
    // by name.
    let (refund, tax) = refund_for(&sale.lines[0], Qty::units(2), Qty::units(1));
    let t = refund.minor();
    let rounding = Money::inr((t + 50).div_euclid(100) * 100 - t);
    let mut rounded = ret.clone();
    rounded.return_id = ReturnId::new();
    rounded.receipt_no = "T1-000004".into();
    rounded.lines[0].movement_id = MovementId::new();
    rounded.lines[0].qty = Qty::units(1);
    rounded.lines[0].refund = refund;
    rounded.lines[0].tax = tax;
    rounded.total = refund;
    rounded.rounding = Some(rounding);
    rounded.refunds[0].amount = refund.checked_add(rounding).unwrap();
    let mut by_card = rounded.clone();
    by_card.return_id = ReturnId::new();
    by_card.receipt_no = "T1-000005".into();
    by_card.lines[0].movement_id = MovementId::new();
    by_card.refunds[0].method = TenderMethod::Card;
    by_card.refunds[0].reference = Some("AUTH7".into());
    let (status, ack) = shop.upload(&[envelope(&by_card), envelope(&rounded)]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["rejected", "accepted"], "{ack}");
    assert!(
        ack["results"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("rounding:"),
        "{ack}"
    );
    assert_eq!(shop.on_hand(TEA).await, "50");
}
on_both_backends!(returns_put_stock_back_once_and_must_add_up);

async fn hq_pages_through_a_stores_audit_log(backend: Backend) {
    use pos_shared::audit::{AuditAction, AuditEntry};
    use pos_shared::{AuditId, Envelope, Timestamp};
    let shop = shop(backend).await;
    let entries: Vec<AuditEntry> = (0..5)
        .map(|n| AuditEntry {
            entry_id: AuditId::new(),
            store_id: shop.store_id.parse().unwrap(),
            terminal_id: shop.terminal_id.parse().unwrap(),
            at: Timestamp::now(),
            action: AuditAction::LineVoided,
            staff: None,
            detail: format!("line {n} voided"),
            reference: None,
        })
        .collect();
    let batch: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::to_value(Envelope::new(
                e.entry_id.as_uuid(),
                "pos.audit.recorded",
                format!("terminal:{}", shop.terminal_id),
                shop.tenant_id.parse().unwrap(),
                Timestamp::now(),
                pos_shared::sync::Fact::Audit(e.clone()),
            ))
            .unwrap()
        })
        .collect();
    let (status, ack) = shop.upload(&batch).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let path = format!("/v1/stores/{}/audit", shop.store_id);
    let (_, whole) = shop.hub.get(&path, &shop.api_key).await;
    assert!(whole.get("next_cursor").is_none(), "{whole}");
    let whole = whole["items"].as_array().unwrap().clone();
    assert_eq!(
        whole
            .iter()
            .map(|e| e["detail"].as_str().unwrap())
            .collect::<Vec<_>>(),
        (0..5)
            .map(|n| format!("line {n} voided"))
            .collect::<Vec<_>>(),
        "in the order they reached the hub"
    );
    assert_eq!(
        page_through(&shop.hub, &path, &shop.api_key, 2).await,
        whole
    );
    // A movement's id is no cursor for the audit log; nor is garbage.
    let (_, movements) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
        )
        .await;
    let foreign = movements["items"][0]["movement_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_cursors_checked(&shop.hub, &path, &shop.api_key, &foreign).await;
    let shifts = format!("/v1/stores/{}/shifts", shop.store_id);
    assert_cursors_checked(&shop.hub, &shifts, &shop.api_key, &foreign).await;
    let intruder = shop.hub.tenant("Other Chain").await;
    let (s, b) = shop.hub.get(&path, &intruder).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}
on_both_backends!(hq_pages_through_a_stores_audit_log);

/// The feed's changes after `since`: (type, the sale they are of, if any).
async fn changes_after(shop: &Shop, since: u64) -> (Vec<(String, Option<String>)>, u64) {
    let (changes, next) = shop.feed_after(since).await;
    let changes = changes
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_owned(),
                c["sale_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    (changes, next)
}

/// New sales in one upload go in together; the feed still tells each
/// sale's movements then the sale, in the till's order, and a sale refused
/// among them leaves the others in and nothing of its own.
async fn a_run_of_new_sales_goes_in_together_in_the_tills_order(backend: Backend) {
    let shop = shop(backend).await;
    let (_, since) = changes_after(&shop, 0).await;
    let a = shop.sale("T1-000001", &[(0, "2"), (1, "1")]);
    let b = shop.sale("T1-000002", &[(0, "1")]);
    let (status, ack) = shop.upload(&[a.clone(), b.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"]);
    let id = |sale: &Value| Some(sale["data"]["sale_id"].as_str().unwrap().to_owned());
    let moved = |sale: &Value| ("stock_moved".to_owned(), id(sale));
    let sold = |sale: &Value| ("sale_recorded".to_owned(), id(sale));
    let (changes, since) = changes_after(&shop, since).await;
    assert_eq!(
        changes,
        [moved(&a), moved(&a), sold(&a), moved(&b), sold(&b)]
    );

    // A receipt number already used, between two new sales.
    let c = shop.sale("T1-000003", &[(0, "1")]);
    let reused = shop.sale("T1-000001", &[(1, "4")]);
    let e = shop.sale("T1-000004", &[(1, "0.5")]);
    let (status, ack) = shop.upload(&[c.clone(), reused, e.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted", "rejected", "accepted"]);
    assert!(
        ack["results"][1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("receipt_no:"),
        "{ack}"
    );
    let (changes, _) = changes_after(&shop, since).await;
    assert_eq!(changes, [moved(&c), sold(&c), moved(&e), sold(&e)]);
    assert_eq!(shop.on_hand(TEA).await, "46");
    assert_eq!(shop.on_hand(RICE).await, "48.5");
    assert_eq!(shop.snapshot().await["sales"].as_array().unwrap().len(), 4);
}
on_both_backends!(a_run_of_new_sales_goes_in_together_in_the_tills_order);
