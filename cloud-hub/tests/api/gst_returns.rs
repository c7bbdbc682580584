//! GST returns from what the tills uploaded (the month of `gst_month`): read
//! back as GSTR-1 (checked against the JSON Schema kept in the repository, by
//! Python's `jsonschema`), its CSV sections, GSTR-3B and the summary, whose
//! tax by rate equals the uploaded Z report's to the paisa.

use crate::gst_month::*;
use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::shift::ShiftReport;
use reqwest::StatusCode;
use serde_json::{json, Value};
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
