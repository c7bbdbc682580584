//! The bill quote the tender screen shows (priced exactly as the sale will be,
//! with nothing written) and the embedded cashier UI the agent serves.

mod common;

use common::*;
use edge_agent::printing::PrintSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_quote_prices_the_bill_as_the_sale_does_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let policy = edge_agent::pos::sale::SalePolicy {
        cash_rounding_minor: 100,
        ..Default::default()
    };
    let till = start_till_full(dir.path(), vec![], PrintSettings::default(), policy).await;
    let lines = json!([
        {"barcode": TEA, "qty": "2", "discount": {"percent": "5", "reason": "loyal customer"}},
        {"barcode": RICE, "qty": "1.5"},
    ]);

    let (status, quote) = post_json(&till, "/v1/sales/quote", json!({"lines": lines})).await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    // 2 × 145.00 less 5% = 275.50; 1.5 kg × 62.50 = 93.75; 369.25 in all.
    assert_eq!(paise(&quote["total"]), 36925);
    assert_eq!(paise(&quote["cash_rounding"]), -25);
    assert_eq!(paise(&quote["cash_payable"]), 36900);
    assert_eq!(quote["lines"][0]["name"], "Assam Tea 250 g");
    assert_eq!(paise(&quote["lines"][0]["discount"]["amount"]), 1450);
    assert_eq!(on_disk(dir.path()), (0, 0, None), "a quote records nothing");

    let (status, sale) = till
        .sell(json!({"lines": lines, "tenders": cash(40000)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["total"], quote["total"]);
    assert_eq!(paise(&sale["change_due"]), 40000 - 36900);
    assert_eq!(
        sale["lines"][0]["line_total"],
        quote["lines"][0]["line_total"]
    );
}

#[tokio::test]
async fn a_quote_refuses_what_the_sale_would_refuse_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"lines": []}), "lines"),
        (
            json!({"lines": [{"barcode": "8901234567883", "qty": "1"}]}),
            "lines[0].barcode",
        ),
        (
            json!({"lines": [{"barcode": TEA, "qty": "-1"}]}),
            "lines[0].qty",
        ),
        // Half off is beyond a cashier's limit: the quote asks for a senior.
        (
            json!({"lines": [{"barcode": TEA, "qty": "1", "discount": {"percent": "50", "reason": "damaged box"}}]}),
            "approval",
        ),
        (
            json!({
                "lines": [{"barcode": TEA, "qty": "1"}],
                "bill_discount": {"percent": "50", "reason": "damaged box"},
                "approval": {"code": "999", "pin": "0000"},
            }),
            "approval",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = post_json(&till, "/v1/sales/quote", body.clone()).await;
        assert!(status.is_client_error(), "{body} → {status} {problem}");
        assert_eq!(problem["field"], field, "{body} → {problem}");
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
    let r = till
        .http
        .post(format!("{}/v1/sales/quote", till.base))
        .header("content-type", "application/json")
        .body("{\"lines\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(on_disk(dir.path()), (0, 0, None));
}

#[tokio::test]
async fn the_agent_serves_the_built_cashier_ui() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;

    let page = till.http.get(&till.base).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<div id=\"app\">"), "{html}");

    // Every script and stylesheet the page names is served, with its type.
    let assets: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/assets/"))
        .collect();
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{html}");
    assert!(assets.iter().any(|a| a.ends_with(".css")), "{html}");
    for asset in assets {
        let r = till
            .http
            .get(format!("{}{asset}", till.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{asset}");
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            kind.starts_with(if asset.ends_with(".js") {
                "text/javascript"
            } else {
                "text/css"
            }),
            "{asset}: {kind}"
        );
        assert!(r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        assert!(!r.bytes().await.unwrap().is_empty());
    }

    let (status, problem) = till.get("/assets/nothing-here.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["type"], "no_asset");
}

#[tokio::test]
async fn only_pages_of_this_machine_may_use_the_api() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let port = till.base.rsplit(':').next().unwrap().to_owned();
    let sale = json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500)});
    let post = |host: String, origin: Option<String>| {
        let mut r = till
            .http
            .post(format!("{}/v1/sales", till.base))
            .header("host", host)
            .json(&sale);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };

    // A DNS name rebound to loopback, and a page from another site: refused.
    let r = post(format!("evil.example:{port}"), None).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "not_loopback");
    let r = post(
        format!("127.0.0.1:{port}"),
        Some("https://evil.example".into()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "foreign_origin");
    assert_eq!(on_disk(dir.path()), (0, 0, None), "nothing was sold");

    // The till's own page, and a local program: served.
    let r = post(
        format!("127.0.0.1:{port}"),
        Some(format!("http://127.0.0.1:{port}")),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(format!("localhost:{port}"), None).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}
