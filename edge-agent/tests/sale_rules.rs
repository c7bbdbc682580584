//! How the till prices and takes a sale: tenders and cash rounding, scale
//! labels, GST, modifiers and the negative-stock policy, all through the local
//! API with the hub unreachable.

mod common;

use common::*;
use edge_agent::printing::PrintSettings;
use edge_agent::store::{feed, LocalStore};
use pos_shared::sync::{Change, ChangeBody, FeedPage};
use pos_shared::Gtin;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn split_tenders_with_references_and_cash_rounding() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let policy = edge_agent::pos::sale::SalePolicy {
        cash_rounding_minor: 100,
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;
    let lines = json!([{"barcode": TEA, "qty": "1"}, {"barcode": RICE, "qty": "1.5"}]);

    // 145.00 + 1.5 kg × 62.50 = 238.75, rounded to 239.00 because cash is in the mix.
    let (status, sale) = till
        .sell(json!({"lines": lines, "tenders": [
            tender("upi", 10000, Some(" 412345678901 ")),
            tender("card", 5000, Some("AP1234")),
            tender("cash", 10000, None),
        ]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["total"]["minor"], 23875);
    assert_eq!(sale["rounding"]["minor"], 25);
    assert_eq!(sale["change_due"]["minor"], 1100);
    assert_eq!(sale["tenders"][0]["reference"], "412345678901", "trimmed");
    assert_eq!(sale["tenders"][1]["method"], "card");

    // All by card: no rounding, exact.
    let (status, sale) = till
        .sell(json!({"lines": lines, "tenders": [tender("card", 23875, Some("AP1235"))]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert!(sale.get("rounding").is_none(), "{sale}");
    assert_eq!(sale["change_due"]["minor"], 0);

    // 151.25 rounds down to 151.00.
    let (status, sale) = till
        .sell(json!({
            "lines": [{"barcode": TEA, "qty": "1"}, {"barcode": RICE, "qty": "0.1"}],
            "tenders": [tender("cash", 20000, None)],
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["rounding"]["minor"], -25);
    assert_eq!(sale["change_due"]["minor"], 4900);

    let before = on_disk(dir.path());
    let bad = [
        (
            json!([tender("card", 30000, Some("AP9999"))]),
            "tenders",
            "only cash gives change",
        ),
        (
            json!([tender("upi", 23875, None)]),
            "tenders[0].reference",
            "Enter the UPI reference (UTR) from the customer's phone",
        ),
        (
            json!([tender("cash", 30000, Some("x"))]),
            "tenders[0].reference",
            "no reference",
        ),
        (json!([tender("cash", 23800, None)]), "tenders", "short of"),
        (
            json!([tender("cheque", 23900, None)]),
            "tenders[0].method",
            "",
        ),
        (
            json!([tender("upi", 23875, Some(&"9".repeat(65)))]),
            "tenders[0].reference",
            "12-digit UTR",
        ),
        (
            json!([tender("card", 23875, Some("A1"))]),
            "tenders[0].reference",
            "approval code",
        ),
    ];
    for (tenders, field, says) in bad {
        let (status, problem) = till.sell(json!({"lines": lines, "tenders": tenders})).await;
        assert!(status.is_client_error(), "{tenders}: {status} {problem}");
        assert_eq!(problem["field"], field, "{tenders}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    assert_eq!(on_disk(dir.path()), before, "refused sales wrote nothing");
    till.agent.stop();
}

#[tokio::test]
async fn weighed_and_priced_labels_from_the_store_scales() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    // HQ lists the scale items under their labels with the value zeroed.
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let item = |name: &str, body: &str, price: i64| pos_shared::sync::VariantRecord {
        variant_id: pos_shared::VariantId::new(),
        product_id: pos_shared::ProductId::new(),
        name: name.into(),
        sku: name.to_uppercase(),
        barcode: Gtin::with_check_digit(body).unwrap(),
        price: pos_shared::Money::inr(price),
        tax: None,
        modifiers: Vec::new(),
        placement: Default::default(),
        details: Default::default(),
    };
    let page = FeedPage {
        protocol_version: 1,
        changes: vec![
            Change {
                seq: 5,
                body: ChangeBody::VariantUpserted(item("Tomatoes (kg)", "211234500000", 4000)),
            },
            Change {
                seq: 6,
                body: ChangeBody::VariantUpserted(item("Paneer pack", "221234000000", 40000)),
            },
        ],
        next_cursor: 6,
        has_more: false,
        cursor_mark: None,
    };
    store
        .with_conn(|c| feed::apply_feed_page(c, credential.store_id, &page))
        .unwrap();
    let policy = edge_agent::pos::sale::SalePolicy {
        scale_rules: vec![
            edge_agent::pos::scale_labels::parse_scale_rule("21:5:weight:5:3").unwrap(),
            edge_agent::pos::scale_labels::parse_scale_rule("22:4:price:5:2:check").unwrap(),
        ],
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;

    // 1.250 kg of tomatoes at 40.00/kg; a paneer pack labelled 146.85 (price
    // check digit 6 for 14685, the GS1 General Specifications' example).
    let tomatoes = ean("211234501250");
    let paneer = ean("221234614685");
    let (status, sale) = till
        .sell(json!({
            "lines": [{"barcode": tomatoes}, {"barcode": paneer}, {"barcode": TEA, "qty": "1"}],
            "tenders": cash(50000),
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let lines = sale["lines"].as_array().unwrap();
    assert_eq!(lines[0]["name"], "Tomatoes (kg)");
    assert_eq!(lines[0]["qty"], "1.25");
    assert_eq!(lines[0]["unit_price"]["minor"], 4000);
    assert_eq!(lines[0]["line_total"]["minor"], 5000);
    assert_eq!(
        lines[0]["barcode"], "02112345000008",
        "recorded under the catalog's label"
    );
    assert_eq!(lines[1]["name"], "Paneer pack");
    assert_eq!(lines[1]["qty"], "1");
    assert_eq!(lines[1]["line_total"]["minor"], 14685);
    assert_eq!(sale["total"]["minor"], 5000 + 14685 + 14500);

    let before = on_disk(dir.path());
    let wrong_check = ean("221234714685");
    let unknown = ean("219999901250");
    let zero = ean("211234500000");
    let bad = [
        (
            json!({"barcode": tomatoes, "qty": "2"}),
            "lines[0].qty",
            "leave qty out",
        ),
        (json!({"barcode": wrong_check}), "lines[0].barcode", "check"),
        (
            json!({"barcode": unknown}),
            "lines[0].barcode",
            "no product",
        ),
        (json!({"barcode": zero}), "lines[0].barcode", "zero"),
        (json!({"barcode": TEA}), "lines[0].qty", "required"),
    ];
    for (line, field, says) in bad {
        let (status, problem) = till
            .sell(json!({"lines": [line], "tenders": cash(50000)}))
            .await;
        assert!(status.is_client_error(), "{line}: {status} {problem}");
        assert_eq!(problem["field"], field, "{line}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{line}: {problem}"
        );
    }
    assert_eq!(on_disk(dir.path()), before, "refused sales wrote nothing");
    till.agent.stop();
}

#[tokio::test]
async fn gst_per_line_inclusive_and_exclusive_with_a_summary_by_rate() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let till = start_till(dir.path()).await;

    let (status, sale) = till
        .sell(json!({
            "lines": [
                {"barcode": TEA, "qty": "2"},
                {"barcode": SOAP, "qty": "3"},
                {"barcode": RICE, "qty": "1"},
            ],
            "tenders": cash(50000),
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let lines = sale["lines"].as_array().unwrap();
    // Tea, 2 × 145.00 = 290.00 at MRP with 5 % inside:
    // taxable 29000 × 100/105 = 27619.05 → 276.19; GST 13.81 → CGST 6.91, SGST 6.90.
    let tea = &lines[0]["tax"];
    assert_eq!(
        (
            paise(&tea["taxable"]),
            paise(&tea["cgst"]),
            paise(&tea["sgst"])
        ),
        (27619, 691, 690)
    );
    assert_eq!(tea["hsn"], "0902");
    assert_eq!(paise(&lines[0]["line_total"]), 29000);
    // Soap, 3 × 40.00 = 120.00 plus 18 %: CGST 9 % = 10.80, SGST 10.80; 141.60.
    let soap_tax = &lines[1]["tax"];
    assert_eq!(
        (
            paise(&soap_tax["taxable"]),
            paise(&soap_tax["cgst"]),
            paise(&soap_tax["sgst"])
        ),
        (12000, 1080, 1080)
    );
    assert_eq!(paise(&lines[1]["line_total"]), 14160);
    // Loose rice is exempt: no tax on the line.
    assert!(lines[2].get("tax").is_none(), "{}", lines[2]);
    assert_eq!(paise(&sale["total"]), 29000 + 14160 + 6250);
    assert_eq!(paise(&sale["change_due"]), 50000 - 49410);

    // The receipt's summary by rate adds up the lines.
    let sale_id = sale["sale_id"].as_str().unwrap();
    let (_, receipt) = till
        .get(&format!("/v1/sales/{sale_id}/receipt?format=json"))
        .await;
    let rows = receipt["tax_summary"].as_array().unwrap();
    let row = |i: usize| {
        let r = &rows[i];
        (
            r["rate"].as_str().unwrap().to_owned(),
            paise(&r["taxable"]),
            paise(&r["cgst"]),
            paise(&r["sgst"]),
        )
    };
    assert_eq!(rows.len(), 2, "{receipt}");
    assert_eq!(row(0), ("5".into(), 27619, 691, 690));
    assert_eq!(row(1), ("18".into(), 12000, 1080, 1080));
    till.agent.stop();

    // An inter-state till charges IGST instead.
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let policy = edge_agent::pos::sale::SalePolicy {
        igst: true,
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": SOAP, "qty": "1"}], "tenders": cash(4720)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let tax = &sale["lines"][0]["tax"];
    // 18 % of 40.00 = 7.20, all IGST.
    assert_eq!(
        (
            paise(&tax["cgst"]),
            paise(&tax["sgst"]),
            paise(&tax["igst"])
        ),
        (0, 0, 720)
    );
    assert_eq!(paise(&sale["total"]), 4720);
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": SOAP, "qty": "1"}], "tenders": cash(4000)}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tax is due on top: {problem}"
    );
    till.agent.stop();
}

#[tokio::test]
async fn selling_beyond_stock_follows_the_store_policy() {
    use edge_agent::pos::sale::{NegativeStock, SalePolicy};
    // The seed holds 10 of each item.
    for (rule, expect) in [
        (NegativeStock::Allow, StatusCode::CREATED),
        (NegativeStock::Warn, StatusCode::CREATED),
        (NegativeStock::Block, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let dir = tempfile::tempdir().unwrap();
        seed(dir.path());
        let policy = SalePolicy {
            negative_stock: rule,
            ..Default::default()
        };
        let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;
        // 6 + 5 tea on two lines: 11 of 10, counted together.
        let body = json!({
            "lines": [{"barcode": TEA, "qty": "6"}, {"barcode": RICE, "qty": "1"}, {"barcode": TEA, "qty": "5"}],
            "tenders": cash(1_000_000),
        });
        let r = till
            .http
            .post(format!("{}/v1/sales", till.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let warnings: Vec<String> = r
            .headers()
            .get_all("x-stock-warning")
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let answer: Value = r.json().await.unwrap();
        assert_eq!(status, expect, "{rule:?}: {answer}");
        match rule {
            NegativeStock::Allow => assert!(warnings.is_empty()),
            NegativeStock::Warn => {
                assert_eq!(warnings.len(), 1, "{warnings:?}");
                assert!(
                    warnings[0].contains("Assam Tea") && warnings[0].contains("11"),
                    "{warnings:?}"
                );
            }
            NegativeStock::Block => {
                assert_eq!(answer["field"], "lines[0].qty", "{answer}");
                assert!(
                    answer["detail"].as_str().unwrap().contains("only 10"),
                    "{answer}"
                );
                assert_eq!(on_disk(dir.path()).0, 0, "nothing recorded");
                assert_eq!(till.available(TEA).await, "10");
                // Within stock it sells.
                let (status, _) = till
                    .sell(json!({"lines": [{"barcode": TEA, "qty": "10"}], "tenders": cash(1_000_000)}))
                    .await;
                assert_eq!(status, StatusCode::CREATED);
            }
        }
        till.agent.stop();
    }
}

#[tokio::test]
async fn modifiers_and_add_ons_price_the_line_within_their_rules() {
    use pos_shared::modifiers::{ModifierGroup, ModifierOption};
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let option = |code: &str, name: &str, p: i64| ModifierOption {
        code: code.into(),
        name: name.into(),
        price: pos_shared::Money::inr(p),
    };
    let mut pizza = soap();
    pizza.name = "Margherita".into();
    pizza.sku = "PIZZA-M".into();
    pizza.barcode = Gtin::parse("2000000000015").unwrap();
    pizza.price = pos_shared::Money::inr(19900);
    pizza.tax = None;
    pizza.modifiers = vec![
        ModifierGroup {
            name: "Size".into(),
            min: 1,
            max: 1,
            options: vec![
                option("regular", "Regular", 0),
                option("large", "Large", 4000),
            ],
        },
        ModifierGroup {
            name: "Extras".into(),
            min: 0,
            max: 2,
            options: vec![
                option("cheese", "Extra cheese", 3000),
                option("olives", "Olives", 2000),
            ],
        },
    ];
    add_items(dir.path(), credential.store_id, 5, vec![pizza]);
    let till = start_till(dir.path()).await;
    let (_, view) = till.get("/v1/products/by-barcode/2000000000015").await;
    assert_eq!(view["modifiers"][0]["name"], "Size", "{view}");

    // Large with extra cheese: 199.00 + 40.00 + 30.00 = 269.00 each, two of them.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": "2000000000015", "qty": "2", "modifiers": ["large", "cheese"]}],
                     "tenders": cash(53800)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let line = &sale["lines"][0];
    assert_eq!(paise(&line["unit_price"]), 26900);
    assert_eq!(paise(&line["line_total"]), 53800);
    assert_eq!(line["modifiers"][1]["name"], "Extra cheese");
    let text = till
        .text(&format!(
            "/v1/sales/{}/receipt",
            sale["sale_id"].as_str().unwrap()
        ))
        .await;
    assert!(
        text.contains("+ Large") && text.contains("+ Extra cheese"),
        "{text}"
    );

    for (modifiers, says) in [
        (json!(["cheese"]), "Size: choose exactly 1, not 0"),
        (json!(["regular", "large"]), "Size: choose exactly 1, not 2"),
        (json!(["regular", "anchovies"]), "anchovies"),
        (json!(["regular", "cheese", "cheese"]), "twice"),
    ] {
        let (status, problem) = till
            .sell(
                json!({"lines": [{"barcode": "2000000000015", "qty": "1", "modifiers": modifiers}],
                         "tenders": cash(30000)}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], "lines[0].modifiers");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    // Items without modifiers refuse them.
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1", "modifiers": ["large"]}], "tenders": cash(14500)}))
        .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].modifiers"))
    );
    till.agent.stop();
}
