//! Quantities and prices at the till: counted items sell in whole pieces,
//! weighed ones to the gram (a scale's weight as weighed, whatever the
//! catalog's unit), and nothing past the shared bounds is made into a sale or
//! a return. Through the local API with the hub unreachable.

mod common;

use common::*;
use edge_agent::printing::PrintSettings;
use pos_shared::limits::{MAX_PRICE_MINOR, MAX_SALE_LINES};
use pos_shared::Gtin;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Asserts a 422 naming `field`, whose detail says `says`.
fn refused(status: StatusCode, problem: &Value, field: &str, says: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], field, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains(says),
        "{problem}"
    );
}

#[tokio::test]
async fn counted_items_sell_whole_and_weighed_ones_by_the_gram() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let before = on_disk(dir.path());

    // The outside check's reproduction: a thousandth of a packet of tea.
    let thousandth = json!({"lines": [{"barcode": TEA, "qty": "0.001"}], "tenders": cash(100000)});
    let (status, problem) = till.sell(thousandth.clone()).await;
    refused(status, &problem, "lines[0].qty", "whole");
    let (status, problem) = post_json(&till, "/v1/sales/quote", thousandth).await;
    refused(status, &problem, "lines[0].qty", "whole");

    // Past the largest quantity on a line, or the largest price.
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": RICE, "qty": "100000.001"}], "tenders": cash(100000)}))
        .await;
    refused(status, &problem, "lines[0].qty", "largest");
    let (status, problem) = till
        .sell(
            json!({"lines": [{"barcode": TEA, "qty": "1", "price_override":
            {"price": inr(i64::MAX), "reason": "typo"}}], "tenders": cash(100000)}),
        )
        .await;
    refused(status, &problem, "lines[0].price_override.price", "largest");
    let (status, problem) = till
        .sell(
            json!({"lines": [{"barcode": TEA, "qty": "1", "price_override":
            {"price": inr(MAX_PRICE_MINOR + 1), "reason": "typo"}}], "tenders": cash(100000)}),
        )
        .await;
    refused(status, &problem, "lines[0].price_override.price", "largest");
    let many: Vec<Value> = (0..=MAX_SALE_LINES)
        .map(|_| json!({"barcode": TEA, "qty": "1"}))
        .collect();
    let (status, problem) = till
        .sell(json!({"lines": many, "tenders": cash(100000)}))
        .await;
    refused(status, &problem, "lines", "at most");
    assert_eq!(on_disk(dir.path()), before, "refused sales wrote nothing");
    assert_eq!(till.available(TEA).await, "10");

    // Three packets and 1.250 kg sell.
    let (status, sale) = till
        .sell(
            json!({"lines": [{"barcode": TEA, "qty": "3"}, {"barcode": RICE, "qty": "1.250"}],
                     "tenders": cash(100000)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["lines"][0]["qty"], "3");
    assert_eq!(sale["lines"][1]["qty"], "1.25");
    assert_eq!(till.available(TEA).await, "7");
    assert_eq!(till.available(RICE).await, "8.75");
    let (_, tea) = till.get(&format!("/v1/products/by-barcode/{TEA}")).await;
    assert_eq!(tea["unit"], "each");
    let (_, rice) = till.get(&format!("/v1/products/by-barcode/{RICE}")).await;
    assert_eq!(rice["unit"], "kg");

    // Returns follow the unit too: no half packet, but loose rice by the gram.
    let receipt = sale["receipt_no"].as_str().unwrap();
    let give_back = |line: usize, qty: &str| {
        json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "changed mind",
               "lines": [{"sale_line": line, "qty": qty}]})
    };
    let (status, problem) = post_json(&till, "/v1/returns", give_back(0, "0.5")).await;
    refused(status, &problem, "lines[0].qty", "whole");
    let (status, ret) = post_json(&till, "/v1/returns", give_back(0, "1")).await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    let (status, ret) = post_json(&till, "/v1/returns", give_back(1, "0.25")).await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    assert_eq!(till.available(TEA).await, "8");
    assert_eq!(till.available(RICE).await, "9");
    till.agent.stop();
}

#[tokio::test]
async fn a_scale_weight_on_a_counted_item_sells_as_weighed() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    // Loose onions listed under their scale label, but as a counted item,
    // with a shelf barcode besides.
    let shelf = ean("890111111111");
    let onions = pos_shared::sync::VariantRecord {
        variant_id: pos_shared::VariantId::new(),
        product_id: pos_shared::ProductId::new(),
        name: "Onions".into(),
        sku: "ONION".into(),
        barcode: Gtin::with_check_digit("211111100000").unwrap(),
        price: pos_shared::Money::inr(3000),
        tax: None,
        modifiers: Vec::new(),
        placement: pos_shared::catalog::Placement {
            extra_barcodes: vec![Gtin::parse(&shelf).unwrap()],
            ..Default::default()
        },
        details: Default::default(),
    };
    add_items(dir.path(), credential.store_id, 5, vec![onions]);
    let policy = edge_agent::pos::sale::SalePolicy {
        scale_rules: vec![
            edge_agent::pos::scale_labels::parse_scale_rule("21:5:weight:5:3").unwrap(),
        ],
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;

    // The scale weighed 1.250 kg: sold as weighed.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": ean("211111101250")}], "tenders": cash(10000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["lines"][0]["qty"], "1.25");
    assert_eq!(sale["lines"][0]["line_total"]["minor"], 3750);

    // Typed by hand, the same amount of a counted item is not a count.
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": shelf, "qty": "1.25"}], "tenders": cash(10000)}))
        .await;
    refused(status, &problem, "lines[0].qty", "whole");

    // What was weighed comes back by weight.
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": sale["receipt_no"], "refund_to": "cash", "reason": "soft",
               "lines": [{"sale_line": 0, "qty": "0.5"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    till.agent.stop();
}

#[tokio::test]
async fn line_quantities_are_bounded_in_words_on_quote_sale_and_hold() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let before = on_disk(dir.path());
    for (barcode, qty, says) in [
        // A barcode typed into the quantity box.
        (TEA, "28901234567890", "at most 9,999 per line"),
        (TEA, "10000", "at most 9,999 per line"),
        (
            TEA,
            "0",
            "0 is not a quantity to sell: enter more than zero",
        ),
        (
            TEA,
            "-1",
            "-1 is not a quantity to sell: enter more than zero",
        ),
        (
            TEA,
            "1.5",
            "Assam Tea 250 g is sold by the piece: enter a whole number, not 1.5",
        ),
        (RICE, "0", "enter more than zero"),
    ] {
        let line = json!({"barcode": barcode, "qty": qty});
        for path in ["/v1/sales/quote", "/v1/sales", "/v1/held-bills"] {
            let (status, problem) = post_json(
                &till,
                path,
                json!({"lines": [line.clone()], "tenders": cash(100000)})
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| path != "/v1/held-bills" || *k != "tenders")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
            .await;
            refused(status, &problem, "lines[0].qty", says);
        }
    }
    assert_eq!(on_disk(dir.path()), before, "refused lines wrote nothing");
    assert_eq!(till.get("/v1/held-bills").await.1, json!([]));

    // Half a kilo of rice, and 9,999 packets, are fine.
    for line in [
        json!({"barcode": RICE, "qty": "0.5"}),
        json!({"barcode": TEA, "qty": "9999"}),
    ] {
        let (status, quote) =
            post_json(&till, "/v1/sales/quote", json!({"lines": [line.clone()]})).await;
        assert_eq!(status, StatusCode::OK, "{line}: {quote}");
        let (status, bill) = post_json(&till, "/v1/held-bills", json!({"lines": [line]})).await;
        assert_eq!(status, StatusCode::CREATED, "{bill}");
    }
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": RICE, "qty": "0.5"}], "tenders": cash(3125)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    till.agent.stop();
}
