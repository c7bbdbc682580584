//! What a printed receipt says, decoded from the bytes a loopback network
//! printer took: totals that add up for inclusive, exclusive and mixed
//! baskets, units on measured lines, cash refunds rounded like sales, HSN and
//! rate for a registered buyer, Hindi names as images.

mod common;

use common::escpos::{decode, lines};
use common::printer::*;
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// Paise from a printed amount: `1,234.56`, `+0.36`, `-10.00`.
fn amount(text: &str) -> i64 {
    let t = text.trim().replace([',', '+'], "");
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((&t, "00"));
    let v = whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap();
    if neg {
        -v
    } else {
        v
    }
}

/// The last word of the printed line that starts with `prefix` (after the
/// alignment spaces), as paise; every such line's.
fn amounts(printed: &[String], prefix: &str) -> Vec<i64> {
    printed
        .iter()
        .filter(|l| l.trim_start().starts_with(prefix))
        .map(|l| amount(l.split_whitespace().last().unwrap()))
        .collect()
}

/// The receipt's own arithmetic, as the paper says it: lines less discounts
/// is the subtotal, plus GST added and the round off is the total.
fn check_adds_up(printed: &[String]) -> (i64, i64, i64) {
    let raw: Vec<&String> = printed.iter().collect();
    let items: i64 = raw
        .iter()
        .filter(|l| l.contains(" x ") && !l.trim_start().starts_with("Discount"))
        .map(|l| amount(l.split_whitespace().last().unwrap()))
        .sum();
    let discounts: i64 = amounts(printed, "Discount (").iter().sum::<i64>()
        + amounts(printed, "Bill discount").iter().sum::<i64>();
    let added: i64 = amounts(printed, "GST added").iter().sum();
    let round: i64 = amounts(printed, "Round off").iter().sum();
    let subtotal = amounts(printed, "Subtotal");
    let total = amounts(printed, "TOTAL INR");
    assert_eq!(subtotal.len(), 1, "one subtotal: {printed:#?}");
    assert_eq!(total.len(), 1, "one total: {printed:#?}");
    // Discounts print as negative amounts.
    assert_eq!(items + discounts, subtotal[0], "{printed:#?}");
    assert_eq!(items + discounts + added + round, total[0], "{printed:#?}");
    (added, round, total[0])
}

fn soap_and_tea_till_policy() -> edge_agent::pos::sale::SalePolicy {
    edge_agent::pos::sale::SalePolicy {
        // Cash bills round to the rupee.
        cash_rounding_minor: 100,
        ..Default::default()
    }
}

#[tokio::test]
async fn receipts_add_up_for_inclusive_exclusive_and_mixed_baskets_with_units() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let till = start_till_full(
        dir.path(),
        vec![],
        settings(&[spec]),
        soap_and_tea_till_policy(),
    )
    .await;

    let baskets = [
        // Tea: 5 % GST inside its price.
        ("inclusive", json!([{"barcode": TEA, "qty": "3"}])),
        // Soap: 18 % on top of its price, with a 5 % discount.
        (
            "exclusive",
            json!([{"barcode": SOAP, "qty": "3", "discount": {"percent": "5", "reason": "offer"}}]),
        ),
        // Both, and loose rice by the kilogram (exempt).
        (
            "mixed",
            json!([{"barcode": TEA, "qty": "1"}, {"barcode": SOAP, "qty": "2"},
                   {"barcode": RICE, "qty": "0.375"}]),
        ),
    ];
    for (name, lines_req) in baskets {
        let (status, sale) = till
            .sell(json!({"lines": lines_req, "tenders": cash(100_000)}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {sale}");
        let sale_id = sale["sale_id"].as_str().unwrap();
        wait_printed(&till, sale_id).await;
        let job = printer
            .jobs()
            .into_iter()
            .find(|j| {
                lines(&decode(j))
                    .iter()
                    .any(|l| l.contains(sale["receipt_no"].as_str().unwrap()))
            })
            .unwrap();
        let printed = lines(&decode(&job));
        let (added, round, total) = check_adds_up(&printed);
        let payable = paise(&sale["total"])
            + sale["rounding"]
                .as_object()
                .map_or(0, |_| paise(&sale["rounding"]));
        assert_eq!(total, payable, "{name}: {printed:#?}");
        let exclusive_tax: i64 = sale["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["tax"]["inclusive"] == false)
            .map(|l| paise(&l["tax"]["cgst"]) + paise(&l["tax"]["sgst"]) + paise(&l["tax"]["igst"]))
            .sum();
        assert_eq!(added, exclusive_tax, "{name}: {printed:#?}");
        match name {
            "inclusive" => assert!(
                !printed.iter().any(|l| l.starts_with("GST added")),
                "{printed:#?}"
            ),
            _ => assert!(added > 0, "{name}: GST added on its own line: {printed:#?}"),
        }
        if name == "mixed" {
            assert!(
                printed
                    .iter()
                    .any(|l| l.starts_with("0.375 kg x 62.50/kg") && l.ends_with("23.44")),
                "{printed:#?}"
            );
            assert_ne!(round, 0, "cash rounding shows: {printed:#?}");
        }
        eprintln!("{name}: GST added {added}, round off {round}, total {total} (paise)");
    }
}

#[tokio::test]
async fn a_cash_refund_is_rounded_like_a_sale_and_its_credit_note_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let till = start_till_full(
        dir.path(),
        vec![],
        settings(&[spec]),
        soap_and_tea_till_policy(),
    )
    .await;
    // 3.82 kg of rice at 62.50/kg: 238.75, paid 239.00 in cash.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": RICE, "qty": "3.82"}], "tenders": cash(23_900)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(paise(&sale["total"]), 23_875);
    assert_eq!(paise(&sale["rounding"]), 25);
    let receipt_no = sale["receipt_no"].as_str().unwrap();

    // The whole line comes back for cash: 238.75 due, 239.00 handed over.
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt_no, "refund_to": "cash", "reason": "weevils",
               "lines": [{"sale_line": 0, "qty": "3.82"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    assert_eq!(paise(&ret["total"]), 23_875, "{ret}");
    assert_eq!(paise(&ret["rounding"]), 25, "{ret}");
    assert_eq!(ret["refunds"][0]["method"], "cash");
    assert_eq!(paise(&ret["refunds"][0]["amount"]), 23_900, "{ret}");
    let fact: pos_shared::returns::ReturnFact = serde_json::from_value(ret.clone()).unwrap();
    fact.validate().unwrap();

    let note_no = ret["receipt_no"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    let printed = loop {
        let found = printer
            .jobs()
            .into_iter()
            .map(|j| lines(&decode(&j)))
            .find(|p| {
                p.iter()
                    .any(|l| l.starts_with(&format!("Credit note: {note_no}")))
            });
        if let Some(p) = found {
            break p;
        }
        assert!(Instant::now() < deadline, "no credit note printed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (_, round, total) = check_adds_up(&printed);
    assert_eq!((round, total), (25, 23_900), "{printed:#?}");
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("Refund: Cash") && l.ends_with("239.00")),
        "{printed:#?}"
    );

    // A refund to the original payment of a card bill is exact, never rounded.
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": RICE, "qty": "3.82"}],
                     "tenders": [{"method": "card", "amount": inr(23_875), "reference": "AUTH42"}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let (status, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": sale["receipt_no"], "refund_to": "original", "reason": "weevils",
               "lines": [{"sale_line": 0, "qty": "3.82"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ret}");
    assert!(ret.get("rounding").is_none(), "{ret}");
    assert_eq!(paise(&ret["refunds"][0]["amount"]), 23_875, "{ret}");
}

#[tokio::test]
async fn a_registered_buyers_invoice_carries_hsn_and_rate_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    add_items(dir.path(), credential.store_id, 5, vec![soap()]);
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let till = start_till_with(dir.path(), vec![], settings(&[spec])).await;

    // A malformed GSTIN is refused by name; nothing is saved.
    let (status, problem) = put_json(
        &till,
        "/v1/customers/9876543210",
        json!({"name": "Meera Traders", "gstin": "27AAPFU0939F1ZA"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "gstin", "{problem}");
    let (status, _) = put_json(
        &till,
        "/v1/customers/9876543210",
        json!({"name": "Meera Traders", "gstin": "27AAPFU0939F1ZV"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, sale) = till
        .sell(json!({
            "lines": [{"barcode": TEA, "qty": "2"}, {"barcode": SOAP, "qty": "1"},
                      {"barcode": RICE, "qty": "1"}],
            "tenders": cash(100_000),
            "customer_phone": "98765 43210",
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["customer"]["gstin"], "27AAPFU0939F1ZV", "{sale}");
    wait_printed(&till, sale["sale_id"].as_str().unwrap()).await;
    let printed = lines(&decode(printer.jobs().last().unwrap()));
    assert!(
        printed.contains(&"Buyer GSTIN: 27AAPFU0939F1ZV".to_owned()),
        "{printed:#?}"
    );
    // Each line's HSN code and GST rate, right under it.
    let under = |item: &str| {
        let i = printed.iter().position(|l| l == item).unwrap();
        printed[i + 2].clone()
    };
    assert_eq!(under("Assam Tea 250 g"), "HSN 0902  GST 5%", "{printed:#?}");
    assert_eq!(under("Neem Soap"), "HSN 34011110  GST 18%", "{printed:#?}");
    assert_eq!(under("Rice (kg)"), "GST: none", "{printed:#?}");
    check_adds_up(&printed);

    // A walk-in's receipt carries no HSN lines.
    let (_, walk_in) = till.sell(cash_sale()).await;
    wait_printed(&till, walk_in["sale_id"].as_str().unwrap()).await;
    let printed = lines(&decode(printer.jobs().last().unwrap()));
    assert!(
        !printed.iter().any(|l| l.starts_with("HSN")),
        "{printed:#?}"
    );
}

#[tokio::test]
async fn a_hindi_item_name_prints_as_an_image_and_previews_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let name = "बासमती चावल प्रीमियम 1 kg";
    let item = pos_shared::sync::VariantRecord {
        name: name.into(),
        barcode: pos_shared::Gtin::with_check_digit("890765432101").unwrap(),
        sku: "RICE-HI".into(),
        price: pos_shared::Money::inr(12_000),
        tax: None,
        ..soap()
    };
    let barcode = item.barcode.as_str().trim_start_matches('0').to_owned();
    add_items(dir.path(), credential.store_id, 5, vec![item]);
    let printer = TestPrinter::start();
    let spec = format!("front=tcp://{}?profile=epson-tm-t20", printer.addr);
    let mut s = settings(&[spec]);
    s.receipt.logo_png = None;
    let till = start_till_with(dir.path(), vec![], s).await;
    let (_, printers) = till.get("/v1/printers").await;
    assert!(
        printers[0]["warning"].is_null(),
        "fonts-noto-core is installed (scripts/test.sh): {printers}"
    );

    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": barcode, "qty": "1"}], "tenders": cash(20_000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let job = wait_printed(&till, sale["sale_id"].as_str().unwrap()).await;
    let decoded = decode(printer.jobs().last().unwrap());
    let raw: Vec<String> = decoded["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    assert!(
        !raw.iter().any(|l| l.contains('?')),
        "no stand-ins: {raw:#?}"
    );
    // The name is an image, right where the name goes: after the rule under
    // the bill number, before its quantity line.
    let images = decoded["images"].as_array().unwrap();
    assert_eq!(images.len(), 1, "{images:?}");
    let at = images[0]["after_lines"].as_u64().unwrap() as usize;
    assert!(raw[at - 1].starts_with("-----"), "{:?}", &raw[at - 2..=at]);
    assert!(raw[at - 2].starts_with("Till: "), "{:?}", &raw[at - 2..=at]);
    assert!(
        raw[at].trim_start().starts_with("1 x 120.00"),
        "{:?}",
        &raw[at - 1..=at]
    );
    assert!(
        images[0]["black_dots"].as_u64().unwrap() > 300,
        "{images:?}"
    );
    assert!(images[0]["rows"].as_u64().unwrap() >= 24, "{images:?}");
    // The previews keep the text.
    let preview = job["preview"].as_str().unwrap();
    assert!(preview.contains(name), "{preview}");
    let text = till
        .text(&format!(
            "/v1/sales/{}/receipt",
            sale["sale_id"].as_str().unwrap()
        ))
        .await;
    assert!(text.contains(name), "{text}");
    let html = till
        .text(&format!(
            "/v1/sales/{}/receipt?format=html",
            sale["sale_id"].as_str().unwrap()
        ))
        .await;
    assert!(html.contains(name), "{html}");
}
