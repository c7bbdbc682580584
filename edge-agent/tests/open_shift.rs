//! Selling only with a shift open (`sales.require_open_shift`, on unless the
//! store says no) and the settings the cashier UI reads at start
//! (`GET /v1/till/settings`). Through the local API with the hub unreachable,
//! the agent started from the configuration a fresh install has.

mod common;

use common::*;
use edge_agent::config::{AgentConfig, Settings};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;

/// A till started from the built-in defaults, as a fresh install runs,
/// with only the data directory, the (unreachable) hub and a free port set.
async fn fresh_till(dir: &Path, env: &[(&str, &str)]) -> Till {
    let mut vars: Vec<(String, String)> = vec![
        ("EDGE_DATA_DIR".into(), dir.display().to_string()),
        ("EDGE_HUB_URL".into(), "http://127.0.0.1:9".into()),
        ("EDGE_LISTEN".into(), "127.0.0.1:0".into()),
    ];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let layer = Settings::from_env(&var).unwrap();
    let config = AgentConfig::from_settings(&Settings::defaults().over(layer)).unwrap();
    let agent = edge_agent::start(config).await.unwrap();
    Till {
        base: format!("http://{}", agent.addr),
        http: reqwest::Client::new(),
        agent,
    }
}

#[tokio::test]
async fn a_fresh_till_sells_only_once_a_shift_is_open() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = fresh_till(dir.path(), &[]).await;
    let (status, settings) = till.get("/v1/till/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        settings,
        json!({"require_open_shift": true, "max_line_qty": "9999", "wedge_suffix": "Enter"})
    );
    let before = on_disk(dir.path());

    let sale = json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500)});
    let (status, problem) = till.sell(sale.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["type"], "no_open_shift");
    assert_eq!(
        problem["detail"],
        "Open a shift before selling: the Shift screen, with the opening float"
    );
    // A card is not charged for a sale that cannot be recorded.
    let (status, problem) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}],
                     "tenders": [tender("card", 14500, Some("AP1234"))]}))
        .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (StatusCode::CONFLICT, Some("no_open_shift"))
    );
    assert_eq!(on_disk(dir.path()), before, "nothing was recorded");

    // The cashier can still ring the bill up and see what it comes to.
    let (status, quote) = post_json(&till, "/v1/sales/quote", sale.clone()).await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["total"], inr(14500));

    let (status, shift) = post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(50000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{shift}");
    let (status, sold) = till.sell(sale.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    let receipt = sold["receipt_no"].as_str().unwrap().to_owned();

    // A cash refund takes cash out of the drawer: it needs the shift too.
    let (status, closed) = post_json(
        &till,
        "/v1/shifts/current/close",
        json!({"counted_cash": inr(64500)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    let refund = |to: &str| {
        json!({"original_receipt_no": receipt, "refund_to": to, "reason": "torn packet",
               "lines": [{"sale_line": 0, "qty": "1"}]})
    };
    let (status, problem) = post_json(&till, "/v1/returns", refund("cash")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["type"], "no_open_shift");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("Open a shift before refunding cash"),
        "{problem}"
    );
    till.agent.stop();
}

#[tokio::test]
async fn a_store_that_says_no_sells_without_a_shift_and_the_ui_learns_its_wedge_keys() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = fresh_till(
        dir.path(),
        &[
            ("EDGE_REQUIRE_OPEN_SHIFT", "no"),
            ("EDGE_MAX_LINE_QTY", "48"),
            ("EDGE_WEDGE_PREFIX", "F13"),
            ("EDGE_WEDGE_SUFFIX", "Tab"),
        ],
    )
    .await;
    let (_, settings) = till.get("/v1/till/settings").await;
    assert_eq!(
        settings,
        json!({"require_open_shift": false, "max_line_qty": "48",
               "wedge_prefix": "F13", "wedge_suffix": "Tab"})
    );
    let (status, sold) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    let (status, problem): (StatusCode, Value) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "49"}], "tenders": cash(14500 * 49)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("at most 48 per line"),
        "{problem}"
    );
    till.agent.stop();
}
