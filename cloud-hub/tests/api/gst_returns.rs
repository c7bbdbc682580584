//! GST returns from what the tills uploaded: a month of invoices and credit
//! notes of every kind a store makes (B2C, B2B within and across states, a
//! large inter-state B2C bill, nil-rated and untaxed lines, a line without an
//! HSN code, returns of a B2B and a B2C bill, a number the hub never got, a
//! bill either side of the month's edge on Indian time) read back as GSTR-1
//! (checked against the JSON Schema kept in the repository, by Python's
//! `jsonschema`), its CSV sections, GSTR-3B and the summary, whose tax by
//! rate equals the uploaded Z report's to the paisa.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::returns::{refund_for, ReturnFact, ReturnLine};
use pos_shared::sale::{SaleCustomer, SaleFact, SaleLine, Tender, TenderMethod};
use pos_shared::shift::ShiftReport;
use pos_shared::tax::{line_tax, TaxClass};
use pos_shared::{Envelope, Money, MovementId, Qty, ReturnId, ShiftId, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SELLER: &str = "29AAACK1234A1Z6";
const BUYER_HERE: &str = "29AABCB5678C1ZM";
const BUYER_AWAY: &str = "27AACCM9999D1ZW";
const UNUSED: &str = "33AADCT4321E1ZV";

/// 1 November 2026, 00:00 in India.
const NOV_1_IST_MS: i64 = 1_793_471_400_000;

fn ist_november(day: i64, hour: i64, minute: i64) -> Timestamp {
    Timestamp::from_unix_millis(NOV_1_IST_MS + (((day - 1) * 24 + hour) * 60 + minute) * 60_000)
}

/// Taxes a line as a till would: `rate_bp` on its net amount.
fn taxed(line: &mut SaleLine, rate_bp: u32, hsn: Option<&str>, igst: bool) {
    let net = line.unit_price.times(line.qty).expect("net");
    let class = TaxClass {
        rate_bp,
        inclusive: false,
        hsn: hsn.map(str::to_owned),
    };
    let tax = line_tax(net, &class, igst).expect("tax");
    line.line_total = tax.gross(net).expect("gross");
    line.tax = Some(tax);
}

struct Month {
    sales: Vec<SaleFact>,
    returns: Vec<ReturnFact>,
}

fn sale(
    shop: &Shop,
    number: &str,
    at: Timestamp,
    lines: &[(usize, &str)],
    buyer: Option<&str>,
    tax: impl FnOnce(&mut Vec<SaleLine>),
) -> SaleFact {
    let envelope = shop.sale_with(number, lines, tax);
    let mut sale: SaleFact = serde_json::from_value(envelope["data"].clone()).expect("sale");
    sale.occurred_at = at;
    sale.customer = buyer.map(|g| SaleCustomer {
        phone: "9845012345".into(),
        name: Some("Buyer".into()),
        gstin: Some(pos_shared::gstin::Gstin::parse(g).expect("gstin")),
    });
    sale
}

fn give_back(sale: &SaleFact, line: usize, qty: i64, number: &str, at: Timestamp) -> ReturnFact {
    let (refund, tax) = refund_for(&sale.lines[line], Qty::ZERO, Qty::units(qty));
    ReturnFact {
        return_id: ReturnId::new(),
        store_id: sale.store_id,
        terminal_id: sale.terminal_id,
        receipt_no: number.into(),
        original_sale_id: sale.sale_id,
        original_receipt_no: sale.receipt_no.clone(),
        occurred_at: at,
        reason: "damaged".into(),
        lines: vec![ReturnLine {
            movement_id: MovementId::new(),
            sale_line: line,
            variant_id: sale.lines[line].variant_id,
            barcode: sale.lines[line].barcode.clone(),
            name: sale.lines[line].name.clone(),
            qty: Qty::units(qty),
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
    }
}

/// November's documents of till T1 (items: 0 tea at ₹145 each, 1 rice at
/// ₹62.50 a kg), and one bill on 1 December.
fn november(shop: &Shop) -> (Month, SaleFact) {
    let b2c = sale(
        shop,
        "T1-000001",
        ist_november(1, 10, 0),
        &[(0, "2"), (1, "1.5")],
        None,
        |l| {
            taxed(&mut l[0], 500, Some("0902"), false);
            taxed(&mut l[1], 0, Some("1006"), false);
        },
    );
    let b2b_here = sale(
        shop,
        "T1-000002",
        ist_november(5, 11, 0),
        &[(0, "10")],
        Some(BUYER_HERE),
        |l| taxed(&mut l[0], 500, Some("0902"), false),
    );
    let b2b_away = sale(
        shop,
        "T1-000003",
        ist_november(8, 12, 0),
        &[(0, "4")],
        Some(BUYER_AWAY),
        |l| taxed(&mut l[0], 1800, Some("0902"), true),
    );
    // ₹1,16,000 + 5 % IGST: a large inter-state B2C bill.
    let large = sale(
        shop,
        "T1-000004",
        ist_november(12, 9, 30),
        &[(0, "800")],
        None,
        |l| taxed(&mut l[0], 500, Some("0902"), true),
    );
    // One line of an item with no tax class, one with no HSN code.
    let gaps = sale(
        shop,
        "T1-000005",
        ist_november(15, 18, 0),
        &[(0, "1"), (0, "1")],
        None,
        |l| taxed(&mut l[1], 500, None, false),
    );
    let back_b2b = give_back(&b2b_here, 0, 2, "T1-000006", ist_november(20, 10, 0));
    let back_b2c = give_back(&b2c, 0, 1, "T1-000007", ist_november(21, 10, 0));
    // T1-000008 never reached the hub.
    let last_minute = sale(
        shop,
        "T1-000009",
        ist_november(30, 23, 59),
        &[(0, "1")],
        None,
        |l| taxed(&mut l[0], 500, Some("0902"), false),
    );
    let december = sale(
        shop,
        "T1-000010",
        ist_november(31, 0, 1),
        &[(0, "1")],
        None,
        |l| taxed(&mut l[0], 500, Some("0902"), false),
    );
    (
        Month {
            sales: vec![b2c, b2b_here, b2b_away, large, gaps, last_minute],
            returns: vec![back_b2b, back_b2c],
        },
        december,
    )
}

fn envelope(
    shop: &Shop,
    id: uuid::Uuid,
    kind: &str,
    at: Timestamp,
    fact: pos_shared::sync::Fact,
) -> Value {
    serde_json::to_value(Envelope::new(
        id,
        kind,
        "terminal:test",
        shop.tenant_id.parse().unwrap(),
        at,
        fact,
    ))
    .unwrap()
}

async fn upload_month(shop: &Shop, month: &Month, december: &SaleFact) -> ShiftReport {
    let mut facts: Vec<Value> = month
        .sales
        .iter()
        .chain(std::iter::once(december))
        .map(|s| {
            envelope(
                shop,
                s.sale_id.as_uuid(),
                "pos.sale.completed",
                s.occurred_at,
                pos_shared::sync::Fact::Sale(s.clone()),
            )
        })
        .collect();
    facts.extend(month.returns.iter().map(|r| {
        envelope(
            shop,
            r.return_id.as_uuid(),
            "pos.return.completed",
            r.occurred_at,
            pos_shared::sync::Fact::Return(r.clone()),
        )
    }));
    let z = ShiftReport::compute(
        ShiftId::new(),
        shop.store_id.parse().unwrap(),
        shop.terminal_id.parse().unwrap(),
        "Asha".into(),
        ist_november(1, 8, 0),
        Money::inr(200_000),
        &month.sales,
        &month.returns,
        Money::inr(0),
        Money::inr(0),
    )
    .unwrap();
    let z = z
        .clone()
        .close(z.expected_cash, ist_november(30, 23, 59))
        .unwrap();
    facts.push(envelope(
        shop,
        z.shift_id.as_uuid(),
        "pos.shift.closed",
        ist_november(30, 23, 59),
        pos_shared::sync::Fact::ShiftClosed(z.clone()),
    ));
    let (status, ack) = shop.upload(&facts).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert!(
        Shop::statuses(&ack).iter().all(|s| s == "accepted"),
        "{ack}"
    );
    z
}

/// Rupees as the portal writes them, in paise.
fn paise(v: &Value) -> i64 {
    (v.as_f64().unwrap_or(0.0) * 100.0).round() as i64
}

/// Taxable value and tax by rate (basis points) over GSTR-1's sections,
/// credit notes taken off: what the month's returns say was supplied.
fn gstr1_by_rate(r: &Value) -> std::collections::BTreeMap<i64, [i64; 4]> {
    let mut by_rate = std::collections::BTreeMap::<i64, [i64; 4]>::new();
    let mut add = |d: &Value, sign: i64| {
        let rate = (d["rt"].as_f64().unwrap() * 100.0).round() as i64;
        let e = by_rate.entry(rate).or_default();
        for (i, k) in ["txval", "camt", "samt", "iamt"].iter().enumerate() {
            e[i] += sign * paise(&d[k]);
        }
    };
    for party in r["b2b"].as_array().unwrap() {
        for inv in party["inv"].as_array().unwrap() {
            for item in inv["itms"].as_array().unwrap() {
                add(&item["itm_det"], 1);
            }
        }
    }
    for place in r["b2cl"].as_array().unwrap() {
        for inv in place["inv"].as_array().unwrap() {
            for item in inv["itms"].as_array().unwrap() {
                add(&item["itm_det"], 1);
            }
        }
    }
    for line in r["b2cs"].as_array().unwrap() {
        add(line, 1);
    }
    for party in r["cdnr"].as_array().unwrap() {
        for note in party["nt"].as_array().unwrap() {
            for item in note["itms"].as_array().unwrap() {
                add(&item["itm_det"], -1);
            }
        }
    }
    for note in r["cdnur"].as_array().unwrap() {
        for item in note["itms"].as_array().unwrap() {
            add(&item["itm_det"], -1);
        }
    }
    for nil in r["nil"]["inv"].as_array().unwrap() {
        add(&json!({"rt": 0, "txval": nil["nil_amt"]}), 1);
    }
    by_rate
}

/// Validates `report` against the schema in the repository with Python's
/// `jsonschema` (numbers read as decimals, so `multipleOf: 0.01` is exact).
fn assert_schema_valid(report: &Value) {
    let python = std::env::var("ORACLE_PYTHON")
        .expect("ORACLE_PYTHON is not set: run ./scripts/test.sh, which installs jsonschema");
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/gstr1.schema.json");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gstr1.json");
    std::fs::write(&file, serde_json::to_vec(report).unwrap()).unwrap();
    let script = "import json, sys, decimal, jsonschema\n\
        schema = json.load(open(sys.argv[1]), parse_float=decimal.Decimal)\n\
        doc = json.load(open(sys.argv[2]), parse_float=decimal.Decimal)\n\
        errors = [f'{list(e.absolute_path)}: {e.message}' for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]\n\
        print('\\n'.join(errors)); sys.exit(1 if errors else 0)\n";
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(schema)
        .arg(&file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "GSTR-1 does not meet its schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn csv(shop: &Shop, path: &str) -> (StatusCode, String) {
    let response = shop
        .hub
        .http
        .get(format!("{}{path}", shop.hub.base))
        .bearer_auth(&shop.api_key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
    }
    (status, response.text().await.unwrap())
}

async fn a_month_of_sales_files_as_gstr1_and_adds_up_to_the_z_reports(backend: Backend) {
    let shop = shop(backend).await;
    let store = shop.store_id.clone();
    let query = format!("gstin={SELLER}&period=2026-11");

    // No store trades under the GSTIN yet.
    let (status, body) = shop
        .hub
        .get(&format!("/v1/reports/gstr1?{query}"), &shop.api_key)
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "gstin_not_registered");
    // A GSTIN whose check character is wrong is refused by name.
    let (status, body) = shop
        .hub
        .put(
            &format!("/v1/stores/{store}/gstin"),
            &shop.api_key,
            json!({"gstin": "29AAACK1234A1Z7"}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
    );
    assert_eq!(body["field"], "gstin", "{body}");
    let (status, body) = shop
        .hub
        .put(
            &format!("/v1/stores/{store}/gstin"),
            &shop.api_key,
            json!({"gstin": SELLER.to_lowercase()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["gstin"], SELLER);

    let (month, december) = november(&shop);
    let z = upload_month(&shop, &month, &december).await;

    let (status, r) = shop
        .hub
        .get(&format!("/v1/reports/gstr1?{query}"), &shop.api_key)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_schema_valid(&r);
    assert_eq!(
        (r["gstin"].as_str(), r["fp"].as_str()),
        (Some(SELLER), Some("112026"))
    );

    // B2B: by buyer; the inter-state one at the buyer's state, IGST only.
    let b2b = r["b2b"].as_array().unwrap();
    assert_eq!(b2b.len(), 2, "{r}");
    assert_eq!(b2b[0]["ctin"], BUYER_AWAY);
    let away = &b2b[0]["inv"][0];
    assert_eq!(
        (
            away["inum"].as_str(),
            away["idt"].as_str(),
            away["pos"].as_str()
        ),
        (Some("T1-000003"), Some("08-11-2026"), Some("27"))
    );
    assert_eq!(
        away["itms"][0]["itm_det"],
        json!({"txval": 580.0, "rt": 18.0, "iamt": 104.4, "csamt": 0.0})
    );
    assert_eq!(b2b[1]["ctin"], BUYER_HERE);
    let here = &b2b[1]["inv"][0];
    assert_eq!(
        (here["pos"].as_str(), paise(&here["val"])),
        (Some("29"), 152_250)
    );
    assert_eq!(
        here["itms"][0]["itm_det"],
        json!({"txval": 1450.0, "rt": 5.0, "iamt": 0.0, "camt": 36.25, "samt": 36.25, "csamt": 0.0})
    );
    // The large inter-state B2C bill, alone in B2CL.
    let b2cl = r["b2cl"].as_array().unwrap();
    assert_eq!(b2cl.len(), 1, "{r}");
    assert_eq!(b2cl[0]["inv"][0]["inum"], "T1-000004");
    assert_eq!(paise(&b2cl[0]["inv"][0]["val"]), 12_180_000);
    // B2C small: one intra-state line at 5 %, net of the B2C return; the
    // untaxed line is in no section, the December bill not in November.
    let b2cs = r["b2cs"].as_array().unwrap();
    assert_eq!(b2cs.len(), 1, "{r}");
    assert_eq!(
        (
            b2cs[0]["sply_ty"].as_str(),
            b2cs[0]["pos"].as_str(),
            b2cs[0]["rt"].as_f64()
        ),
        (Some("INTRA"), Some("29"), Some(5.0))
    );
    let returned = month.returns[1].lines[0]
        .tax
        .as_ref()
        .unwrap()
        .taxable
        .minor();
    assert_eq!(
        paise(&b2cs[0]["txval"]),
        29_000 - returned + 14_500 + 14_500
    );
    // The B2B return is a credit note to its buyer; no B2CL note.
    let cdnr = r["cdnr"].as_array().unwrap();
    assert_eq!(
        (cdnr.len(), cdnr[0]["ctin"].as_str()),
        (1, Some(BUYER_HERE)),
        "{r}"
    );
    assert_eq!(
        (
            cdnr[0]["nt"][0]["nt_num"].as_str(),
            cdnr[0]["nt"][0]["nt_dt"].as_str()
        ),
        (Some("T1-000006"), Some("20-11-2026"))
    );
    assert_eq!(
        paise(&cdnr[0]["nt"][0]["val"]),
        month.returns[0].total.minor()
    );
    assert_eq!(r["cdnur"], json!([]));
    // Rice at 0 %: nil-rated, within the state, to an unregistered buyer.
    assert_eq!(
        r["nil"]["inv"],
        json!([{"sply_ty": "INTRAB2C", "nil_amt": 93.75, "expt_amt": 0.0, "ngsup_amt": 0.0}])
    );
    // HSN: B2B and B2C apart, net of credit notes; the line without a code says so.
    let b2b_hsn = r["hsn"]["hsn_b2b"].as_array().unwrap();
    assert_eq!(b2b_hsn.len(), 2, "{r}");
    assert!(
        b2b_hsn.iter().any(|h| h["hsn_sc"] == "0902"
            && h["rt"] == 5.0
            && h["qty"] == 8.0
            && h["uqc"] == "NOS"),
        "{r}"
    );
    let b2c_hsn = r["hsn"]["hsn_b2c"].as_array().unwrap();
    assert!(
        b2c_hsn
            .iter()
            .any(|h| h["hsn_sc"] == "1006" && h["uqc"] == "KGS" && h["qty"] == 1.5),
        "{r}"
    );
    assert!(
        b2c_hsn
            .iter()
            .any(|h| h.get("hsn_sc").is_none() && h["desc"].is_string()),
        "{r}"
    );
    // Documents: six invoices and two credit notes in the till's series.
    let det = r["doc_iss"]["doc_det"].as_array().unwrap();
    assert_eq!(
        (
            det[0]["doc_num"].as_i64(),
            det[0]["docs"][0]["from"].as_str(),
            det[0]["docs"][0]["to"].as_str(),
            det[0]["docs"][0]["totnum"].as_i64()
        ),
        (Some(1), Some("T1-000001"), Some("T1-000009"), Some(6))
    );
    assert_eq!(
        (
            det[1]["doc_num"].as_i64(),
            det[1]["docs"][0]["totnum"].as_i64()
        ),
        (Some(5), Some(2))
    );

    // What GSTR-1 says was supplied, rate by rate, is the Z report's tax to the paisa.
    let (_, shifts) = shop
        .hub
        .get(&format!("/v1/stores/{store}/shifts"), &shop.api_key)
        .await;
    let kept: ShiftReport = serde_json::from_value(shifts["items"][0].clone()).unwrap();
    assert_eq!(kept, z);
    let from_z: std::collections::BTreeMap<i64, [i64; 4]> = z
        .tax
        .iter()
        .map(|t| {
            (
                i64::from(t.rate_bp),
                [
                    t.taxable.minor(),
                    t.cgst.minor(),
                    t.sgst.minor(),
                    t.igst.minor(),
                ],
            )
        })
        .collect();
    // The line without a tax class is in neither.
    assert_eq!(gstr1_by_rate(&r), from_z);

    // The summary: the same by rate, what no return carries, the missing number.
    let (status, s) = shop
        .hub
        .get(&format!("/v1/reports/gst-summary?{query}"), &shop.api_key)
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let summary_by_rate: std::collections::BTreeMap<i64, [i64; 4]> = s["by_rate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["rate_bp"].as_i64().unwrap(),
                ["taxable_minor", "cgst_minor", "sgst_minor", "igst_minor"]
                    .map(|k| t[k].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(summary_by_rate, from_z, "{s}");
    assert_eq!(
        (s["invoices"].as_i64(), s["credit_notes"].as_i64()),
        (Some(6), Some(2))
    );
    assert_eq!(
        (
            s["untaxed_lines"].as_i64(),
            s["untaxed_value_minor"].as_i64(),
            s["lines_without_hsn"].as_i64()
        ),
        (Some(1), Some(14_500), Some(1))
    );
    assert_eq!(s["numbering_gaps"][0]["missing"], 1, "{s}");
    assert_eq!(s["numbering_gaps"][0]["held"], 8, "{s}");
    // The large inter-state B2C bill has no buyer's state; nothing nets below zero.
    assert_eq!(
        (
            s["inter_state_b2c_lines"].as_i64(),
            s["rows_below_zero"].as_i64()
        ),
        (Some(1), Some(0)),
        "{s}"
    );
    assert_eq!(
        (
            s["complete"].as_bool(),
            s["unsent_at_tills"].as_array().map(Vec::len)
        ),
        (Some(false), Some(0)),
        "{s}"
    );
    // A till that says it holds unsent facts from before the month ended is named.
    let (status, _) = shop
        .hub
        .get(
            "/v1/sync/feed?since=0&queue=3&oldest=86400000&agent=1.0.0",
            &shop.device_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, s) = shop
        .hub
        .get(&format!("/v1/reports/gst-summary?{query}"), &shop.api_key)
        .await;
    assert_eq!(
        s["unsent_at_tills"][0]["terminal_id"],
        shop.terminal_id.as_str(),
        "{s}"
    );
    assert_eq!(s["unsent_at_tills"][0]["queue_depth"], 3, "{s}");
    let (status, _) = shop
        .hub
        .get(
            "/v1/sync/feed?since=0&queue=0&agent=1.0.0",
            &shop.device_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, s) = shop
        .hub
        .get(&format!("/v1/reports/gst-summary?{query}"), &shop.api_key)
        .await;
    assert_eq!(s["unsent_at_tills"], json!([]), "{s}");

    // GSTR-3B: the same taxable figures; the B2CL bill is the inter-state
    // supply to unregistered buyers.
    let (status, b) = shop
        .hub
        .get(&format!("/v1/reports/gstr3b?{query}"), &shop.api_key)
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let taxed_total: i64 = from_z
        .iter()
        .filter(|(rate, _)| **rate > 0)
        .map(|(_, f)| f[0])
        .sum();
    assert_eq!(
        paise(&b["sup_details"]["osup_det"]["txval"]),
        taxed_total,
        "{b}"
    );
    assert_eq!(paise(&b["sup_details"]["osup_nil_exmp"]["txval"]), 9_375);
    assert_eq!(
        b["inter_sup"]["unreg_details"],
        json!([{"pos": "29", "txval": 116000.0, "iamt": 5800.0}])
    );

    // The offline tool's CSV: a header and a row per rate of each document.
    let (status, b2b_csv) = csv(&shop, &format!("/v1/reports/gstr1/b2b?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{b2b_csv}");
    let rows: Vec<&str> = b2b_csv.lines().collect();
    assert_eq!(rows.len(), 3, "{b2b_csv}");
    assert!(
        rows[0].starts_with("GSTIN/UIN of Recipient,Receiver Name,Invoice Number,Invoice date"),
        "{b2b_csv}"
    );
    assert!(rows[1].starts_with(&format!("{BUYER_AWAY},,T1-000003,08-11-2026,684.40,27-Maharashtra,N,,Regular B2B,,18,580.00,0.00")), "{b2b_csv}");
    let (_, exemp) = csv(&shop, &format!("/v1/reports/gstr1/exemp?{query}")).await;
    assert!(
        exemp.contains("Intra-State supplies to unregistered persons,93.75,0.00,0.00"),
        "{exemp}"
    );
    let (_, hsn_b2c) = csv(&shop, &format!("/v1/reports/gstr1/hsn_b2c?{query}")).await;
    assert!(
        hsn_b2c
            .lines()
            .any(|l| l.starts_with("1006,,KGS,1.5,93.75,0,93.75,")),
        "{hsn_b2c}"
    );
    let (_, docs_csv) = csv(&shop, &format!("/v1/reports/gstr1/docs?{query}")).await;
    assert!(
        docs_csv.contains("Invoices for outward supply,T1-000001,T1-000009,6,0"),
        "{docs_csv}"
    );
    let (status, body) = csv(&shop, &format!("/v1/reports/gstr1/b2x?{query}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body.contains("b2b, b2cl, b2cs, cdnr, cdnur, exemp, hsn_b2b, hsn_b2c, docs"),
        "{body}"
    );

    // December holds only the bill a minute into it.
    let (_, dec) = shop
        .hub
        .get(
            &format!("/v1/reports/gstr1?gstin={SELLER}&period=2026-12"),
            &shop.api_key,
        )
        .await;
    assert_schema_valid(&dec);
    assert_eq!(paise(&dec["b2cs"][0]["txval"]), 14_500, "{dec}");
    assert_eq!(dec["doc_iss"]["doc_det"][0]["docs"][0]["from"], "T1-000010");

    // Bad questions get named answers.
    for (path, status, kind) in [
        (
            format!("/v1/reports/gstr1?gstin={SELLER}&period=2026-13"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            format!("/v1/reports/gst-summary?gstin={SELLER}&period=9999-12"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "/v1/reports/gstr1?gstin=29AAACK1234A1Z&period=2026-11".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            format!("/v1/reports/gstr3b?gstin={UNUSED}&period=2026-11"),
            StatusCode::NOT_FOUND,
            "gstin_not_registered",
        ),
        (
            "/v1/reports/gst-summary?gstin=x".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
    ] {
        let (got, body) = shop.hub.get(&path, &shop.api_key).await;
        assert_problem(got, &body, status, kind);
    }

    // Another tenant under the same GSTIN sees only its own bills.
    let other = shop_on(shop.hub.clone(), "Other Chain").await;
    let (status, _) = other
        .hub
        .put(
            &format!("/v1/stores/{}/gstin", other.store_id),
            &other.api_key,
            json!({"gstin": SELLER}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, theirs) = other
        .hub
        .get(&format!("/v1/reports/gst-summary?{query}"), &other.api_key)
        .await;
    assert_eq!(
        (
            theirs["invoices"].as_i64(),
            theirs["by_rate"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0)),
        "{theirs}"
    );

    // The bills keep the GSTIN they were issued under: a store taken off it,
    // or moved to another, leaves the filed month as it was.
    let (_, filed) = shop
        .hub
        .get(&format!("/v1/reports/gstr1?{query}"), &shop.api_key)
        .await;
    let (status, body) = shop
        .hub
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/stores/{store}/gstin"),
            Some(&shop.api_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("gstin").is_none(), "{body}");
    let (status, after) = shop
        .hub
        .get(&format!("/v1/reports/gstr1?{query}"), &shop.api_key)
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after, filed);
    let (status, _) = shop
        .hub
        .put(
            &format!("/v1/stores/{store}/gstin"),
            &shop.api_key,
            json!({"gstin": BUYER_AWAY}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = shop
        .hub
        .get(&format!("/v1/reports/gstr1?{query}"), &shop.api_key)
        .await;
    assert_eq!(after, filed);
    let (_, moved) = shop
        .hub
        .get(
            &format!("/v1/reports/gst-summary?gstin={BUYER_AWAY}&period=2026-11"),
            &shop.api_key,
        )
        .await;
    assert_eq!(moved["invoices"], 0, "{moved}");
    // A GSTIN no store ever traded under is still unknown.
    let (status, body) = shop
        .hub
        .get(
            &format!("/v1/reports/gstr1?gstin={UNUSED}&period=2026-11"),
            &shop.api_key,
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "gstin_not_registered");
}
on_both_backends!(a_month_of_sales_files_as_gstr1_and_adds_up_to_the_z_reports);

/// A hub upgraded with sales already stored builds their tax documents from
/// the stored facts on its first start (the data step after migration 0048):
/// the same return as if they had arrived after it.
async fn a_hub_upgraded_with_stored_sales_reports_them(backend: Backend) {
    let shop = shop(backend).await;
    let (status, _) = shop
        .hub
        .put(
            &format!("/v1/stores/{}/gstin", shop.store_id),
            &shop.api_key,
            json!({"gstin": SELLER}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (month, december) = november(&shop);
    upload_month(&shop, &month, &december).await;
    let path = format!("/v1/reports/gstr1?gstin={SELLER}&period=2026-11");
    let (_, before) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(before["b2b"].as_array().map(Vec::len), Some(2), "{before}");
    let tenders = "/v1/reports/sales?from=2026-11-01&to=2026-11-30&by=tender";
    let (_, tenders_before) = shop.hub.get(tenders, &shop.api_key).await;
    assert_eq!(tenders_before["total"]["bills"], 6, "{tenders_before}");

    // The hub as it was before migration 0048 wrote any document.
    let forget = [
        "DELETE FROM gst_document_tenders",
        "DELETE FROM gst_document_lines",
        "DELETE FROM gst_documents",
        "UPDATE hub_data_steps SET done_at_ms = NULL WHERE step = 'gst_documents_from_facts'",
    ];
    let url = shop.hub.database_url.clone();
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            for sql in forget {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            for sql in forget {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
        }
    }
    let (_, forgotten) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(forgotten["b2b"], json!([]), "{forgotten}");

    let api_key = shop.api_key.clone();
    let hub = match std::sync::Arc::try_unwrap(shop.hub) {
        Ok(hub) => hub,
        Err(_) => panic!("the hub is shared"),
    };
    let dir = hub.stop().await;
    let again = cloud_hub::start(cloud_hub::config::HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        secret_key: cloud_hub::config::SecretKeySource::File(dir.path().join("secret.key")),
        ..cloud_hub::config::HubConfig::new(url)
    })
    .await
    .expect("start again");
    let after: Value = reqwest::Client::new()
        .get(format!("{}{path}", again.base_url()))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after, before);
    let tenders_after: Value = reqwest::Client::new()
        .get(format!("{}{tenders}", again.base_url()))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tenders_after, tenders_before);
    again.stop().await.unwrap();
    drop(dir);
}
on_both_backends!(a_hub_upgraded_with_stored_sales_reports_them);

/// The same month as sales reports: by day, hour, cashier, tender, store
/// and category, each adding up to the same bills, returns and GST.
async fn a_month_of_sales_reads_by_day_hour_cashier_tender_and_category(backend: Backend) {
    let shop = shop(backend).await;
    let (mut month, december) = november(&shop);
    // The last bill of the month rounded to the rupee, paid ₹100 by card
    // and ₹60 in cash, with the change.
    let last = month.sales.last_mut().unwrap();
    let rounding = (last.total.minor() + 50) / 100 * 100 - last.total.minor();
    last.rounding = Some(Money::inr(rounding));
    last.tenders = vec![
        Tender {
            method: TenderMethod::Card,
            amount: Money::inr(10_000),
            reference: Some("APPR01".into()),
        },
        Tender {
            method: TenderMethod::Cash,
            amount: Money::inr(6_000),
            reference: None,
        },
    ];
    last.change_due = Money::inr(16_000 - (last.total.minor() + rounding));
    month.sales[0].cashier = Some(pos_shared::sale::SaleCashier {
        staff_id: pos_shared::StaffId::new(),
        name: "Asha".into(),
    });
    let z = upload_month(&shop, &month, &december).await;
    let sold: i64 = month.sales.iter().map(|s| s.total.minor()).sum();
    let refunded: i64 = month.returns.iter().map(|r| r.total.minor()).sum();
    let tax: i64 = z
        .tax
        .iter()
        .map(|t| t.cgst.minor() + t.sgst.minor() + t.igst.minor())
        .sum();
    let range = "from=2026-11-01&to=2026-11-30";
    let read = |by: &str| {
        let shop = &shop;
        let path = format!("/v1/reports/sales?{range}&by={by}");
        async move {
            let (status, body) = shop.hub.get(&path, &shop.api_key).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    for by in ["day", "hour", "cashier", "tender", "store", "category"] {
        let r = read(by).await;
        let t = &r["total"];
        assert_eq!(
            (t["sales_minor"].as_i64(), t["returns_minor"].as_i64()),
            (Some(sold), Some(refunded)),
            "{by}: {r}"
        );
        assert_eq!(t["net_minor"].as_i64(), Some(sold - refunded), "{by}: {r}");
        // A bill paid two ways, or with two categories, is one bill.
        assert_eq!(t["tax_minor"].as_i64(), Some(tax), "{by}: {r}");
        assert_eq!(
            (t["bills"].as_i64(), t["returns"].as_i64()),
            (Some(6), Some(2)),
            "{by}: {r}"
        );
    }
    let days = read("day").await;
    let keys: Vec<&str> = days["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "2026-11-01",
            "2026-11-05",
            "2026-11-08",
            "2026-11-12",
            "2026-11-15",
            "2026-11-20",
            "2026-11-21",
            "2026-11-30"
        ]
    );
    let hours = read("hour").await;
    let last = hours["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["key"].as_str(), last["label"].as_str()),
        (Some("23"), Some("23:00-00:00")),
        "{hours}"
    );
    let cashiers = read("cashier").await;
    let asha = cashiers["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "Asha")
        .cloned()
        .expect("Asha's row");
    assert_eq!(
        (asha["bills"].as_i64(), asha["sales_minor"].as_i64()),
        (Some(1), Some(month.sales[0].total.minor())),
        "{cashiers}"
    );
    // By tender: card, cash net of change, and the cash rounding that makes
    // them add up to the bills; no GST column by method.
    let tenders = read("tender").await;
    let rows = tenders["rows"].as_array().unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["card", "cash", "rounding"], "{tenders}");
    assert_eq!(
        (rows[0]["label"].as_str(), rows[0]["sales_minor"].as_i64()),
        (Some("Card"), Some(10_000)),
        "{tenders}"
    );
    assert_eq!(
        rows[2]["sales_minor"].as_i64(),
        Some(-rounding),
        "{tenders}"
    );
    assert!(rows[0].get("tax_minor").is_none(), "{tenders}");
    let categories = read("category").await;
    assert_eq!(
        categories["rows"][0]["label"], "(no category)",
        "{categories}"
    );
    // One store; the December bill counts once the range reaches it.
    let (_, one) = shop
        .hub
        .get(
            &format!(
                "/v1/reports/sales?from=2026-11-01&to=2026-12-01&by=store&store_id={}",
                shop.store_id
            ),
            &shop.api_key,
        )
        .await;
    assert_eq!(one["rows"][0]["bills"], 7, "{one}");
    assert_eq!(one["rows"][0]["label"], "BLR-1 Indiranagar", "{one}");
    // As CSV: a heading, the days, the total.
    let (status, text) = csv(
        &shop,
        &format!("/v1/reports/sales?{range}&by=day&format=csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "day,label,bills,returns,sales,returns_value,net,gst"
    );
    assert!(
        lines.last().unwrap().starts_with("total,Total,6,2,"),
        "{text}"
    );
    assert_eq!(lines.len(), 10, "{text}");
    for (query, field) in [
        ("from=2026-11-01&to=2026-11-30&by=week", "by"),
        ("from=2026-11-30&to=2026-11-01&by=day", "to"),
        ("from=2026-01-01&to=2027-03-01&by=day", "to"),
        ("from=2026-11-31&to=2026-12-01&by=day", "from"),
        ("from=2026-11-01&to=2026-11-30&by=day&format=xml", "format"),
    ] {
        let (status, body) = shop
            .hub
            .get(&format!("/v1/reports/sales?{query}"), &shop.api_key)
            .await;
        assert_problem(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        );
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    // Bills the store issued before HQ entered its GSTIN were issued under it.
    let (status, _) = shop
        .hub
        .put(
            &format!("/v1/stores/{}/gstin", shop.store_id),
            &shop.api_key,
            json!({"gstin": SELLER}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, late) = shop
        .hub
        .get(
            &format!("/v1/reports/gst-summary?gstin={SELLER}&period=2026-11"),
            &shop.api_key,
        )
        .await;
    assert_eq!(
        (late["invoices"].as_i64(), late["credit_notes"].as_i64()),
        (Some(6), Some(2)),
        "{late}"
    );
}
on_both_backends!(a_month_of_sales_reads_by_day_hour_cashier_tender_and_category);
