//! Scans through the till's HTTP scan path (`POST /v1/scans`), compared one
//! by one with an independent reading: the `biip` Python library
//! (`tests/oracles/scan_oracle.py`, found through `BIIP_PYTHON`).
//!
//! Generated scans of every kind a store meets — GS1 element strings in
//! GS1-128, DataMatrix, QR and DataBar (with and without identifiers, with
//! and without a leading FNC1), UPC-E, EAN-8, EAN-13, UPC-A, GTIN-14 and
//! in-store price labels — good ones and bad ones (wrong check digits, cut
//! short, impossible dates): both readings must agree on whether the scan
//! names an item and on its GTIN, batch, expiry, weight and price.

mod common;

use common::{post_json, seed, start_till_full};
use edge_agent::pos::sale::SalePolicy;
use edge_agent::pos::scale_labels::parse_scale_rule;
use edge_agent::printing::PrintSettings;
use pos_shared::Gtin;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const SCANS: usize = 1_200;

fn digits(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.u8(..10))).collect()
}

/// `body` with its check digit, at its own length; now and then a wrong one.
fn keyed(rng: &mut fastrand::Rng, body: &str) -> String {
    let good = Gtin::with_check_digit(body).unwrap().as_str()[13 - body.len()..].to_owned();
    if rng.u8(..12) == 0 {
        let last = good.as_bytes()[body.len()] - b'0';
        return format!("{body}{}", (last + 1) % 10);
    }
    good
}

fn text(rng: &mut fastrand::Rng) -> String {
    let chars = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/.";
    (0..rng.usize(1..=12))
        .map(|_| char::from(chars[rng.usize(..chars.len())]))
        .collect()
}

fn date(rng: &mut fastrand::Rng) -> String {
    // Now and then the 13th month or the 32nd day: a misprint to refuse.
    let (month, day) = match rng.u8(..15) {
        0 => (13, 1),
        1 => (2, 32),
        _ => (
            rng.u8(1..13),
            if rng.u8(..8) == 0 { 0 } else { rng.u8(1..29) },
        ),
    };
    format!("{:02}{month:02}{day:02}", rng.u8(..100))
}

/// GS1 element strings: an item key (01, sometimes 02, sometimes none),
/// batch, expiry, weight, price, serial, in any order, FNC1 after every
/// variable-length value that is not the last.
fn element_strings(rng: &mut fastrand::Rng) -> String {
    let mut fields: Vec<(String, bool)> = Vec::new();
    match rng.u8(..10) {
        0 => fields.push((format!("02{}", key13(rng)), false)),
        1 => {}
        _ => fields.push((format!("01{}", key13(rng)), false)),
    }
    if rng.bool() {
        fields.push((format!("10{}", text(rng)), true));
    }
    if rng.bool() {
        fields.push((format!("17{}", date(rng)), false));
    }
    if rng.u8(..3) == 0 {
        fields.push((format!("310{}{}", rng.u8(..4), digits(rng, 6)), false));
    }
    if rng.u8(..3) == 0 {
        let decimals = rng.u8(..3);
        let len = rng.usize(usize::from(decimals) + 1..=7);
        fields.push((format!("392{decimals}{}", digits(rng, len)), true));
    }
    if rng.u8(..4) == 0 {
        fields.push((format!("21{}", text(rng)), true));
    }
    if fields.is_empty() {
        fields.push((format!("01{}", key13(rng)), false));
    }
    rng.shuffle(&mut fields);
    let mut out = String::new();
    for (i, (field, variable)) in fields.iter().enumerate() {
        out.push_str(field);
        if *variable && i + 1 < fields.len() {
            out.push('\u{1d}');
        }
    }
    // A scan cut short: a few characters lost off the end.
    if rng.u8(..12) == 0 && out.len() > 4 {
        out.truncate(out.len() - rng.usize(1..4));
    }
    out
}

fn upc_e(rng: &mut fastrand::Rng) -> String {
    let ns = rng.u8(..2);
    let six = digits(rng, 6);
    let check = (0..10u8)
        .find(|c| pos_shared::gs1::upce_to_upca(&format!("{ns}{six}{c}")).is_ok())
        .unwrap();
    let check = if rng.u8(..10) == 0 {
        (check + 1) % 10
    } else {
        check
    };
    format!("{ns}{six}{check}")
}

/// An in-store price label, GB layout: prefix 20, five item digits, a price
/// check digit, four digits of price in paise.
fn price_label(rng: &mut fastrand::Rng) -> String {
    let value = digits(rng, 4);
    let mut check = pos_shared::gs1::price_check_digit(&value).unwrap();
    if rng.u8(..8) == 0 {
        check = (check + 1) % 10;
    }
    let body = format!("20{}{check}{value}", digits(rng, 5));
    Gtin::with_check_digit(&body).unwrap().as_str()[1..].to_owned()
}

/// A GTIN-14 key with its check digit (now and then a wrong one).
fn key13(rng: &mut fastrand::Rng) -> String {
    let body = digits(rng, 13);
    keyed(rng, &body)
}

/// A retail code of `len` digits before its check digit.
fn trade(rng: &mut fastrand::Rng, len: usize) -> String {
    let body = trade_body(rng, len);
    keyed(rng, &body)
}

/// Retail codes that are not in-store labels start with 3–9.
fn trade_body(rng: &mut fastrand::Rng, len: usize) -> String {
    format!("{}{}", rng.u8(3..10), digits(rng, len - 1))
}

fn scan(rng: &mut fastrand::Rng) -> String {
    match rng.u8(..14) {
        0 => format!("]C1{}", element_strings(rng)),
        1 => format!("]d2{}", element_strings(rng)),
        2 => format!("]Q3{}", element_strings(rng)),
        3 => format!("]e0{}", element_strings(rng)),
        4 => format!("\u{1d}{}", element_strings(rng)),
        5 => format!("]C1\u{1d}{}", element_strings(rng)),
        6 => format!("]E0{}", upc_e(rng)),
        7 => format!("]E4{}", trade(rng, 7)),
        8 => format!("]E0{}", trade(rng, 12)),
        9 => trade(rng, 12),
        10 => trade(rng, 11),
        11 => trade(rng, 13),
        12 => price_label(rng),
        _ => {
            // Bare element strings that begin with the GTIN, as a scanner
            // with its identifier switched off sends them.
            let e = element_strings(rng);
            match e.starts_with("01") && e.len() > 16 {
                true => e,
                false => format!("]d2{e}"),
            }
        }
    }
}

/// Drops trailing fractional zeros so "0.750" and "0.75" compare equal.
fn normal(text: &str) -> String {
    if !text.contains('.') {
        return text.to_owned();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn paise(minor: i64) -> String {
    normal(&format!("{}.{:02}", minor / 100, minor % 100))
}

/// The till's reading, in the oracle's shape.
fn ours(status: StatusCode, body: &Value) -> Value {
    match status {
        StatusCode::ACCEPTED => {
            let code = &body["code"];
            let mut out = json!({"ok": true, "gtin": code["gtin"]});
            for (ours, theirs) in [("batch", "batch"), ("expiry", "expiry")] {
                if !code[ours].is_null() {
                    out[theirs] = code[ours].clone();
                }
            }
            if let Some(w) = code["net_weight"].as_str() {
                out["weight"] = json!(normal(w));
            }
            if let Some(p) = code["price_minor"].as_i64() {
                out["price"] = json!(paise(p));
            }
            out
        }
        StatusCode::UNPROCESSABLE_ENTITY => {
            assert_eq!(body["type"], "unreadable_scan", "{body}");
            assert!(
                body["detail"].as_str().is_some_and(|d| d.len() > 20),
                "a refusal says why: {body}"
            );
            json!({"ok": false})
        }
        other => panic!("the scan endpoint answered {other}: {body}"),
    }
}

fn oracle(scans: &[String]) -> Vec<Value> {
    let python = std::env::var("BIIP_PYTHON")
        .expect("BIIP_PYTHON is not set: run ./scripts/test.sh, which installs biip in a venv");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracles/scan_oracle.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the biip oracle");
    let mut stdin = child.stdin.take().unwrap();
    let input: String = scans
        .iter()
        .map(|raw| format!("{}\n", json!({ "raw": raw })))
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "the oracle failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Keeps only the fields the oracle reports, so a field one side does not
/// read is not a disagreement.
fn comparable(mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.retain(|_, value| !value.is_null());
    }
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_scan_reads_as_biip_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let policy = SalePolicy {
        scale_rules: vec![parse_scale_rule("20:5:price:4:2:check").unwrap()],
        ..Default::default()
    };
    let till = start_till_full(dir.path(), Vec::new(), PrintSettings::default(), policy).await;
    let seed = std::env::var("SCAN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_203u64);
    let mut rng = fastrand::Rng::with_seed(seed);
    let scans: Vec<String> = (0..SCANS).map(|_| scan(&mut rng)).collect();
    let theirs = oracle(&scans);
    assert_eq!(theirs.len(), scans.len());
    let (mut named, mut refused) = (0, 0);
    for (raw, theirs) in scans.iter().zip(theirs) {
        let (status, body) = post_json(&till, "/v1/scans", json!({ "text": raw })).await;
        let mine = comparable(ours(status, &body));
        assert_eq!(
            mine,
            comparable(theirs),
            "scan {raw:?} (seed {seed}): the till said {body}"
        );
        match mine["ok"] == true {
            true => named += 1,
            false => refused += 1,
        }
    }
    assert!(named > SCANS / 2, "most scans name an item: {named}");
    assert!(refused > SCANS / 20, "the bad ones are refused: {refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gs1_pack_sells_with_its_batch_weight_and_price() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till_full(
        dir.path(),
        Vec::new(),
        PrintSettings::default(),
        SalePolicy::default(),
    )
    .await;
    let rice = Gtin::parse(common::RICE).unwrap();
    // Loose rice in a GS1-128 bag: 1.250 kg, batch and use-by, no price.
    let bag = format!("]C101{}17301231\u{1d}10B-77\u{1d}3103001250", rice.as_str());
    let (status, found) = till
        .get(&format!("/v1/products/by-barcode/{}", urlencode(&bag)))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["name"], "Rice (kg)");
    assert_eq!(found["scan"]["batch"], "B-77");
    assert_eq!(found["scan"]["net_weight"], "1.25");
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": bag}], "tenders": common::cash(10_000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let line = &sale["lines"][0];
    assert_eq!(line["qty"], "1.25", "the weight is the quantity");
    assert_eq!(
        line["line_total"]["minor"], 7_813,
        "1.25 kg at ₹62.50/kg, rounded"
    );
    assert_eq!(line["batch"], "B-77");
    assert_eq!(line["expires_on"], "2030-12-31");

    // A pack with its price in the symbol (AI 3922), the catalog's: that is
    // the line amount.
    let priced = format!("\u{1d}01{}39226250", rice.as_str());
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": priced}], "tenders": common::cash(10_000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["lines"][0]["line_total"]["minor"], 6_250);

    // A weight on a pack of a counted item is about the pack: one tea packet.
    let tea = Gtin::parse(common::TEA).unwrap();
    let packet = format!("]C101{}3103000250", tea.as_str());
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": packet}], "tenders": common::cash(20_000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["lines"][0]["qty"], "1", "{sale}");
    assert_eq!(sale["lines"][0]["line_total"]["minor"], 14_500);
    // A supplier's symbol price that is not the catalog's is a price
    // override: a cashier alone is refused, asked for a supervisor.
    for cheap in [
        format!("]C101{}39229999", tea.as_str()),
        format!("]C101{}3103001250\u{1d}3922100", rice.as_str()),
    ] {
        let (status, refused) = till
            .sell(json!({"lines": [{"barcode": cheap}], "tenders": common::cash(20_000)}))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{cheap:?}: {refused}"
        );
        assert_eq!(refused["field"], "approval", "{refused}");
    }
    // The right price for the weight (1.25 kg at ₹62.50/kg) needs nobody.
    let fair = format!("]C101{}3103001250\u{1d}39227813", rice.as_str());
    let (status, sale) = till
        .sell(json!({"lines": [{"barcode": fair}], "tenders": common::cash(10_000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["lines"][0]["line_total"]["minor"], 7_813);

    // Past its use-by date: refused, in words, naming the line.
    let expired = format!("]d201{}17200131", rice.as_str());
    let (status, refused) = till
        .sell(json!({"lines": [{"barcode": expired, "qty": "1"}], "tenders": common::cash(10_000)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "lines[0].barcode");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-31"),
        "{refused}"
    );
    // Asking to sell it anyway needs a supervisor; the cashier is refused.
    let (status, refused) = till
        .sell(
            json!({"lines": [{"barcode": expired, "qty": "1", "sell_expired": true}],
                     "tenders": common::cash(10_000)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("use-by"),
        "{refused}"
    );

    // A bad scan at the lookup: 400 in words, naming the barcode.
    let (status, bad) = till
        .get(&format!(
            "/v1/products/by-barcode/{}",
            urlencode("]d20159514801011")
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["field"], "barcode");
    assert!(
        bad["detail"]
            .as_str()
            .unwrap()
            .contains("did not scan completely"),
        "{bad}"
    );
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' | b'-' | b'.' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
