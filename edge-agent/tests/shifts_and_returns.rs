//! Shifts (float, cash in/out, X and Z reports) and returns, through the local
//! API with the hub unreachable.

mod common;

use common::*;
use edge_agent::printing::PrintSettings;
use edge_agent::store::LocalStore;
use pos_shared::Gtin;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;

fn shifts_on_disk(dir: &Path) -> (i64, i64) {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            Ok((
                c.query_row("SELECT COUNT(*) FROM shifts", [], |r| r.get(0))?,
                c.query_row("SELECT COUNT(*) FROM cash_movements", [], |r| r.get(0))?,
            ))
        })
        .unwrap()
}

/// A whole shift offline: open with a float, 200 mixed sales (GST inclusive
/// and exclusive, weighed labels, modifiers, discounts, split tenders, cash
/// rounding, held and resumed bills), 10 returns, cash in and out, X report,
/// close. The Z report must equal sums the test keeps itself, to the paisa.
#[tokio::test]
async fn a_full_shift_offline_closes_with_a_z_report_that_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let mut tomato = soap();
    tomato.name = "Tomatoes (kg)".into();
    tomato.sku = "TOM-KG".into();
    tomato.barcode = Gtin::with_check_digit("211234500000").unwrap();
    tomato.price = pos_shared::Money::inr(4000);
    tomato.tax = None;
    let option = |code: &str, name: &str, p: i64| pos_shared::modifiers::ModifierOption {
        code: code.into(),
        name: name.into(),
        price: pos_shared::Money::inr(p),
    };
    let mut pizza = soap();
    pizza.name = "Margherita".into();
    pizza.sku = "PIZZA-M".into();
    pizza.barcode = Gtin::parse("2000000000015").unwrap();
    pizza.price = pos_shared::Money::inr(19900);
    pizza.modifiers = vec![
        pos_shared::modifiers::ModifierGroup {
            name: "Size".into(),
            min: 1,
            max: 1,
            options: vec![
                option("regular", "Regular", 0),
                option("large", "Large", 4000),
            ],
        },
        pos_shared::modifiers::ModifierGroup {
            name: "Extras".into(),
            min: 0,
            max: 2,
            options: vec![
                option("cheese", "Extra cheese", 3000),
                option("olives", "Olives", 2000),
            ],
        },
    ];
    add_items(
        dir.path(),
        credential.store_id,
        5,
        vec![soap(), tomato, pizza],
    );
    let policy = edge_agent::pos::sale::SalePolicy {
        cash_rounding_minor: 100,
        scale_rules: vec![
            edge_agent::pos::scale_labels::parse_scale_rule("21:5:weight:5:3").unwrap(),
        ],
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;

    // Nothing to report or move before a shift is open.
    let (status, problem) = till.get("/v1/shifts/current").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(
        problem["type"].as_str().unwrap().rsplit('/').next(),
        Some("no_open_shift")
    );
    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "in", "amount": inr(100), "reason": "change"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(0)}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(-1)}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("opening_float"))
    );
    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": " ", "opening_float": inr(200000)}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cashier"))
    );
    assert_eq!(shifts_on_disk(dir.path()), (0, 0));

    let (status, x) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(200000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{x}");
    assert_eq!(x["opened_by"], "Asha");
    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Ravi", "opening_float": inr(0)}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("Asha"));

    // 200 sales; the test keeps its own books from what the till answered.
    let mut rng = fastrand::Rng::with_seed(7);
    let (mut total, mut rounding, mut change) = (0i64, 0i64, 0i64);
    let mut tendered = std::collections::BTreeMap::<String, (u64, i64)>::new();
    let mut tax = std::collections::BTreeMap::<u64, [i64; 4]>::new();
    let mut discounts = 0i64;
    let mut sold = Vec::new();
    for n in 0..200 {
        // Tea in every bill keeps it above the card and UPI parts below; every
        // fifth bill gives 5 % off it, within a cashier's own limit.
        let mut tea = json!({"barcode": TEA, "qty": rng.u32(1..3).to_string()});
        if n % 5 == 0 {
            tea["discount"] = json!({"percent": "5", "reason": "loyalty"});
        }
        let mut lines = vec![tea];
        for _ in 0..rng.usize(0..3) {
            lines.push(match rng.u8(0..5) {
                0 => json!({"barcode": TEA, "qty": rng.u32(1..4).to_string()}),
                1 => json!({"barcode": SOAP, "qty": rng.u32(1..3).to_string()}),
                2 => json!({"barcode": RICE, "qty": format!("{}.{:03}", rng.u32(0..3), rng.u32(1..1000))}),
                3 => {
                    let size = if rng.bool() { "large" } else { "regular" };
                    let extras: &[&str] = match rng.u8(0..3) {
                        0 => &[],
                        1 => &["cheese"],
                        _ => &["cheese", "olives"],
                    };
                    let mut chosen = vec![size];
                    chosen.extend_from_slice(extras);
                    json!({"barcode": "2000000000015", "qty": "1", "modifiers": chosen})
                }
                _ => json!({"barcode": ean(&format!("2112345{:05}", rng.u32(50..3000)))}),
            });
        }
        // Every tenth bill is parked first and resumed before it is paid.
        if n % 10 == 0 {
            // The bill is parked with its discounts, and comes back with them.
            let (status, bill) = post_json(&till, "/v1/held-bills", json!({"lines": lines})).await;
            assert_eq!(status, StatusCode::CREATED, "hold {n}: {bill}");
            let id = bill["bill_id"].as_str().unwrap();
            let (status, resumed) =
                post_json(&till, &format!("/v1/held-bills/{id}/resume"), json!({})).await;
            assert_eq!(status, StatusCode::OK, "resume {n}: {resumed}");
            assert_eq!(resumed["total"], bill["total"], "resume {n}: {resumed}");
            lines = resumed["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let mut line = l.clone();
                    // The name is the held bill's, for its list; a sale line has none.
                    line.as_object_mut().unwrap().remove("name");
                    line
                })
                .collect();
        }
        let cash_part = tender("cash", 10_000_000, None);
        let tenders = match n % 4 {
            0 => json!([cash_part]),
            1 => json!([
                tender(
                    "upi",
                    10000,
                    Some(&format!("{:012}", 400_000_000_000u64 + n as u64))
                ),
                cash_part
            ]),
            2 => json!([
                tender("card", 5000, Some(&format!("AP{n:04}"))),
                tender(
                    "upi",
                    5000,
                    Some(&format!("{:012}", 400_000_000_000u64 + n as u64))
                ),
                cash_part
            ]),
            _ => json!([tender("card", 10000, Some(&format!("AP{n:04}"))), cash_part]),
        };
        let (status, sale) = till.sell(json!({"lines": lines, "tenders": tenders})).await;
        assert_eq!(status, StatusCode::CREATED, "sale {n}: {sale}");
        discounts += sale["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l.get("discount"))
            .map(|d| paise(&d["amount"]))
            .sum::<i64>();
        sold.push(sale.clone());
        total += paise(&sale["total"]);
        rounding += sale.get("rounding").map_or(0, paise);
        change += paise(&sale["change_due"]);
        for t in sale["tenders"].as_array().unwrap() {
            let e = tendered
                .entry(t["method"].as_str().unwrap().to_owned())
                .or_default();
            e.0 += 1;
            e.1 += paise(&t["amount"]);
        }
        for line in sale["lines"].as_array().unwrap() {
            if let Some(t) = line.get("tax") {
                let e = tax.entry(t["rate_bp"].as_u64().unwrap()).or_default();
                for (sum, k) in e.iter_mut().zip(["taxable", "cgst", "sgst", "igst"]) {
                    *sum += paise(&t[k]);
                }
            }
        }
    }

    // Ten returns: one tea from every twentieth bill, refunded in cash.
    let mut refunds = 0i64;
    for sale in sold.iter().step_by(20) {
        let (status, ret) = post_json(
            &till,
            "/v1/returns",
            json!({"original_receipt_no": sale["receipt_no"], "refund_to": "cash", "reason": "stale",
                   "lines": [{"sale_line": 0, "qty": "1"}]}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{ret}");
        // Cash refunds are rounded like sales: the customer gets total + rounding.
        refunds += paise(&ret["total"]) + ret.get("rounding").map_or(0, paise);
        for line in ret["lines"].as_array().unwrap() {
            if let Some(t) = line.get("tax") {
                let e = tax.entry(t["rate_bp"].as_u64().unwrap()).or_default();
                for (sum, k) in e.iter_mut().zip(["taxable", "cgst", "sgst", "igst"]) {
                    *sum -= paise(&t[k]);
                }
            }
        }
    }

    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "in", "amount": inr(50000), "reason": "coins from the safe"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, x) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "out", "amount": inr(100000), "reason": "to the safe"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{x}");
    let cash_taken = tendered.get("cash").map_or(0, |c| c.1) - change - refunds;
    let expected = 200000 + cash_taken + 50000 - 100000;
    assert_eq!(paise(&x["expected_cash"]), expected, "X report: {x}");
    let (status, problem) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "out", "amount": inr(expected + 1), "reason": "too much"}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
        "{problem}"
    );
    let (status, _) = post_json(
        &till,
        "/v1/shifts/current/cash",
        json!({"kind": "sideways", "amount": inr(1), "reason": "?"}),
    )
    .await;
    assert!(status.is_client_error());
    let (status, problem) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(-5)}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("counted_cash"))
    );
    assert_eq!(
        shifts_on_disk(dir.path()),
        (1, 2),
        "refused requests wrote nothing"
    );

    // Close ₹10.00 short.
    let queued_before = on_disk(dir.path()).1;
    let (status, z) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(expected - 1000)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{z}");
    assert_eq!(z["sales_count"], 200);
    assert_eq!(paise(&z["sales_total"]), total);
    assert_eq!(paise(&z["rounding"]), rounding);
    assert_eq!(paise(&z["change_given"]), change);
    assert_eq!(paise(&z["discounts_total"]), discounts);
    assert!(discounts > 0);
    assert_eq!(z["returns_count"], 10);
    assert_eq!(paise(&z["refunds_total"]), refunds);
    assert_eq!(
        z["refunds"],
        json!([{"method": "cash", "count": 10, "amount": inr(refunds)}])
    );
    for t in z["tenders"].as_array().unwrap() {
        let mine = tendered[t["method"].as_str().unwrap()];
        assert_eq!(
            (t["count"].as_u64().unwrap(), paise(&t["amount"])),
            mine,
            "{t}"
        );
    }
    assert_eq!(z["tenders"].as_array().unwrap().len(), tendered.len());
    let z_tax: Vec<(u64, [i64; 4])> = z["tax"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["rate_bp"].as_u64().unwrap(),
                [
                    paise(&t["taxable"]),
                    paise(&t["cgst"]),
                    paise(&t["sgst"]),
                    paise(&t["igst"]),
                ],
            )
        })
        .collect();
    assert_eq!(z_tax, tax.into_iter().collect::<Vec<_>>());
    assert_eq!(paise(&z["expected_cash"]), expected);
    assert_eq!(paise(&z["counted_cash"]), expected - 1000);
    assert_eq!(paise(&z["variance"]), -1000);
    assert!(z["closed_at"].is_string());
    assert_eq!(
        on_disk(dir.path()).1,
        queued_before + 2,
        "the Z report and its audit entry are queued for the hub"
    );

    // The shift is over: a new one may open; sales made now belong to it.
    let (status, _) = till.get("/v1/shifts/current").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, x) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Ravi", "opening_float": inr(100000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(x["sales_count"], 0);
    till.agent.stop();
}

fn returns_on_disk(dir: &Path) -> i64 {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| Ok(c.query_row("SELECT COUNT(*) FROM returns", [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test]
async fn returns_refund_their_share_put_stock_back_and_never_exceed_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let till = start_till(dir.path()).await;
    post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(100000)}),
    )
    .await;

    // Tea 3 × 145.00 (5 % inside) = 435.00; soap 2 × 40.00 + 18 % = 94.40; by UPI.
    let (status, sale) = till
        .sell(json!({
            "lines": [{"barcode": TEA, "qty": "3"}, {"barcode": SOAP, "qty": "2"}],
            "tenders": [tender("upi", 52940, Some("412345678901"))],
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let receipt = sale["receipt_no"].as_str().unwrap().to_owned();

    // One tea and one soap back, to the UPI account.
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt, "refund_to": "original", "reason": "damaged pack",
               "lines": [{"sale_line": 0, "qty": "1"}, {"sale_line": 1, "qty": "1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    // Tea: a third of 435.00 = 145.00; its GST parts a third each of 10.36 and
    // 10.35 → 3.45 + 3.45, taxable the rest, 138.10. Soap: half of 94.40 = 47.20,
    // CGST and SGST half of 7.20 each → 3.60, taxable 40.00.
    let l0 = &ret["lines"][0];
    assert_eq!(paise(&l0["refund"]), 14500);
    assert_eq!(
        (
            paise(&l0["tax"]["taxable"]),
            paise(&l0["tax"]["cgst"]),
            paise(&l0["tax"]["sgst"])
        ),
        (13810, 345, 345)
    );
    let l1 = &ret["lines"][1];
    assert_eq!(paise(&l1["refund"]), 4720);
    assert_eq!(
        (paise(&l1["tax"]["taxable"]), paise(&l1["tax"]["cgst"])),
        (4000, 360)
    );
    assert_eq!(paise(&ret["total"]), 19220);
    assert_eq!(
        ret["refunds"],
        json!([{"method": "upi", "amount": inr(19220), "reference": "412345678901"}])
    );
    assert_ne!(
        ret["receipt_no"],
        receipt.as_str(),
        "a return has its own number"
    );
    assert_eq!(till.available(TEA).await, "8", "10 − 3 sold + 1 back");

    let (_, found) = till.get(&format!("/v1/sales/by-receipt/{receipt}")).await;
    assert_eq!(found["returned"], json!(["1", "1"]));

    let count = returns_on_disk(dir.path());
    let bad = [
        (
            json!({"original_receipt_no": "T9-999999", "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
            StatusCode::NOT_FOUND,
            "original_receipt_no",
            "T9-999999",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "3"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].qty",
            "only 2",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 5, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].sale_line",
            "0 to 1",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}, {"sale_line": 0, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[1].sale_line",
            "once",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "0"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].qty",
            "positive",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": " ", "lines": [{"sale_line": 0, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason",
            "reason",
        ),
        (
            json!({"original_receipt_no": receipt, "refund_to": "cheque", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refund_to",
            "",
        ),
    ];
    for (body, want, field, says) in bad {
        let (status, problem) = post_json(&till, "/v1/returns", body.clone()).await;
        assert_eq!(status, want, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{body}: {problem}"
        );
    }
    assert_eq!(
        returns_on_disk(dir.path()),
        count,
        "refused returns wrote nothing"
    );
    assert_eq!(till.available(TEA).await, "8");

    // The rest of the tea, in cash: exactly what was left of 435.00.
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "changed mind", "lines": [{"sale_line": 0, "qty": "2"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    assert_eq!(paise(&ret["total"]), 43500 - 14500);
    let (status, problem) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "again", "lines": [{"sale_line": 0, "qty": "1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("only 0"),
        "{problem}"
    );

    // A bill paid two ways goes back in cash.
    let (_, split) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}],
                     "tenders": [tender("card", 10000, Some("AP1001")), tender("cash", 4500, None)]}))
        .await;
    let split_no = split["receipt_no"].as_str().unwrap();
    let (status, problem) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": split_no, "refund_to": "original", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("refund_to"))
    );
    let (status, _) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": split_no, "refund_to": "cash", "reason": "x", "lines": [{"sale_line": 0, "qty": "1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // The shift counts the refunds; cash refunds leave the drawer.
    let (_, x) = till.get("/v1/shifts/current").await;
    assert_eq!(x["returns_count"], 3, "{x}");
    assert_eq!(paise(&x["refunds_total"]), 19220 + 29000 + 14500);
    assert_eq!(
        paise(&x["expected_cash"]),
        100000 + 4500 - 29000 - 14500,
        "{x}"
    );
    till.agent.stop();
}

/// Cash is bounded where it enters the drawer: a tender that would give more
/// change than a drawer holds, a float, a cash in or a count past the bound are
/// refused by name with nothing written, and the shift still reports and closes.
#[tokio::test]
async fn cash_past_what_a_drawer_holds_is_refused_and_the_shift_still_closes() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let most = pos_shared::limits::MAX_CASH_MINOR;

    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(i64::MAX)}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("opening_float")),
        "{problem}"
    );
    let (status, _) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(100_000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // A mistyped cash tender, alone or after a card part: refused, naming it.
    for tenders in [
        json!([tender("cash", i64::MAX, None)]),
        json!([
            tender("card", 14500, Some("AP1001")),
            tender("cash", most + 1, None)
        ]),
    ] {
        let (status, problem) = till
            .sell(json!({"lines": [{"barcode": TEA, "qty": 1}], "tenders": tenders}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let field = problem["field"].as_str().unwrap();
        assert!(
            field == "tenders[0].amount" || field == "tenders[1].amount",
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("change"),
            "{problem}"
        );
    }
    assert_eq!(on_disk(dir.path()).0, 0, "nothing was sold");
    // The most change a drawer gives is still fine.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": 1}], "tenders": cash(14500 + most)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["change_due"]["minor"], most);

    for (path, body, field) in [
        (
            "/v1/shifts/current/cash",
            json!({"kind": "in", "amount": inr(most + 1), "reason": "float top-up"}),
            "amount",
        ),
        (
            "/v1/shifts/current/close",
            json!({"counted_cash": inr(i64::MAX)}),
            "counted_cash",
        ),
    ] {
        let (status, problem) = post_json(&till, path, body).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{path}: {problem}"
        );
    }
    assert_eq!(shifts_on_disk(dir.path()), (1, 0));

    let (status, x) = till.get("/v1/shifts/current").await;
    assert_eq!(status, StatusCode::OK, "{x}");
    assert_eq!(x["change_given"]["minor"], most);
    let expected = paise(&x["expected_cash"]);
    assert_eq!(expected, 100_000 + 14500);
    let (status, z) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(expected)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{z}");
    assert_eq!(z["variance"]["minor"], 0);
    till.agent.stop();
}

/// A shift can always be reported and closed: a float in a currency the store
/// does not sell in is refused, and a bill that would take the shift's takings
/// past what one report holds waits for the next shift.
#[tokio::test]
async fn a_shift_is_never_left_unreportable() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let mut gold = soap();
    gold.name = "Gold bar".into();
    gold.sku = "GOLD-1KG".into();
    gold.price = pos_shared::Money::inr(pos_shared::limits::MAX_PRICE_MINOR);
    gold.tax = None;
    add_items(dir.path(), credential.store_id, 5, vec![gold]);
    // The store allows the shared bound on a line, not the default 9,999.
    let till = start_till_config(dir.path(), |c| {
        c.sale_policy.max_line_qty = pos_shared::limits::MAX_LINE_QTY;
    })
    .await;

    let (status, problem) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": {"minor": 500, "currency": "USD"}}),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("opening_float")),
        "{problem}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("INR"),
        "{problem}"
    );
    assert_eq!(shifts_on_disk(dir.path()), (0, 0));
    let (status, _) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(100_000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // Each bill: 1,000 lines of 100,000 bars at the largest price, 10^18 paise.
    let line = json!({"barcode": SOAP, "qty": "100000"});
    let bill = |n: usize| {
        json!({"lines": vec![line.clone(); 1000],
               "tenders": [tender("card", 1_000_000_000_000_000_000, Some(&format!("AP{n:04}")))]})
    };
    for n in 0..2 {
        let (status, sale) = till.sell(bill(n)).await;
        assert_eq!(status, StatusCode::CREATED, "{sale}");
    }
    let (status, problem) = till.sell(bill(2)).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("shift")),
        "{problem}"
    );
    let (status, x) = till.get("/v1/shifts/current").await;
    assert_eq!(status, StatusCode::OK, "{x}");
    assert_eq!(x["sales_count"], 2);
    let (status, z) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(100_000)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{z}");
    // The next shift takes the bill.
    let (status, _) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(0)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, sale) = till.sell(bill(3)).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    till.agent.stop();
}
