//! Refusals a cashier can act on: a body the agent cannot read names the
//! field and what it expected (never a parser's line and column), and a
//! card or UPI tender without its reference asks for it rather than reading
//! like a decline. (Wrong PINs and their `tries_left` are in `staff.rs`.)

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn post_raw(till: &Till, path: &str, body: &str) -> (StatusCode, Value) {
    let r = till
        .http
        .post(format!("{}{path}", till.base))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn unreadable_bodies_name_the_field_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    for (path, body, status, field, detail) in [
        (
            "/v1/sales",
            format!(r#"{{"lines": [{{"barcode": {TEA}, "qty": "1"}}], "tenders": []}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("lines[0].barcode"),
            format!("lines[0].barcode: expected text, not the number {TEA}"),
        ),
        (
            "/v1/sales/quote",
            format!(r#"{{"lines": [{{"barcode": "{TEA}", "qty": "1", "sell_expired": "yes"}}]}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("lines[0].sell_expired"),
            "lines[0].sell_expired: expected true or false, not the text \"yes\"".to_owned(),
        ),
        (
            "/v1/session",
            r#"{"code": "101"}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("pin"),
            "pin: this field is required".to_owned(),
        ),
        (
            "/v1/held-bills",
            format!(r#"{{"lines": [{{"barcode": "{TEA}", "qty": "1"}}], "customer": "Meena"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("customer"),
            "customer: there is no field \"customer\" here; the fields are lines, note, bill_discount, approval, customer_phone".to_owned(),
        ),
        (
            "/v1/shifts",
            r#"{"cashier": "Asha", "opening_float": {"minor": 100, "currency": "INR"},"#.to_owned(),
            StatusCode::BAD_REQUEST,
            None,
            "the body is not valid JSON: the body ends before the JSON does (a closing bracket or quote is missing) (character 71 of line 1)"
                .to_owned(),
        ),
    ] {
        let (got, problem) = post_raw(&till, path, &body).await;
        assert_eq!(got, status, "{path} {body}: {problem}");
        assert_eq!(problem["field"].as_str(), field, "{path}: {problem}");
        assert_eq!(problem["detail"], detail, "{path}: {problem}");
        assert!(
            !problem["detail"].as_str().unwrap().contains("column"),
            "{problem}"
        );
    }
    till.agent.stop();
}

/// An action that takes no body (resuming a held bill, posting a receipt,
/// dispatching a transfer, signing out…) refuses one it would not read, a
/// cut-off one as cut off, and does nothing; no body, or `{}`, is the action.
#[tokio::test]
async fn an_action_refuses_a_body_it_would_not_read() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let (status, bill) = post_json(
        &till,
        "/v1/held-bills",
        json!({"lines": [{"barcode": TEA, "qty": "2"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bill}");
    let resume = format!(
        "/v1/held-bills/{}/resume",
        bill["bill_id"].as_str().unwrap()
    );
    for (body, status, field) in [
        ("[]", StatusCode::UNPROCESSABLE_ENTITY, None),
        (
            "{\"note\": \"x\"}",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("note"),
        ),
        ("{\"note\": ", StatusCode::BAD_REQUEST, None),
    ] {
        let (got, problem) = post_raw(&till, &resume, body).await;
        assert_eq!(got, status, "{body}: {problem}");
        assert_eq!(problem["field"].as_str(), field, "{body}: {problem}");
    }
    let r = till
        .http
        .post(format!("{}{resume}", till.base))
        .header("content-type", "text/plain")
        .body("resume it")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (_, held) = till.get("/v1/held-bills").await;
    assert_eq!(held[0]["resumed_by"], json!([]), "refusals resumed nothing");
    let (status, resumed) = post_raw(&till, &resume, "{}").await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    till.agent.stop();
}

#[tokio::test]
async fn a_card_or_upi_tender_without_its_reference_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let before = on_disk(dir.path());
    let lines = json!([{"barcode": TEA, "qty": "1"}]);
    for (tenders, detail) in [
        (
            json!([tender("card", 14500, None)]),
            "Enter the approval code from the card machine",
        ),
        (
            json!([tender("card", 14500, Some("  "))]),
            "Enter the approval code from the card machine",
        ),
        (
            json!([tender("cash", 500, None), tender("upi", 14000, None)]),
            "Enter the UPI reference (UTR) from the customer's phone",
        ),
    ] {
        let (status, problem) = till.sell(json!({"lines": lines, "tenders": tenders})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["type"], "missing_reference", "{problem}");
        let index = tenders.as_array().unwrap().len() - 1;
        assert_eq!(problem["field"], format!("tenders[{index}].reference"));
        assert_eq!(problem["detail"], detail);
    }
    // A reference the terminal refuses keeps its own words and type.
    let (status, problem) = till
        .sell(json!({"lines": lines, "tenders": [tender("upi", 14500, Some("UPI-1"))]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["type"], "invalid_field");
    assert!(
        problem["detail"].as_str().unwrap().contains("12-digit UTR"),
        "{problem}"
    );
    assert_eq!(on_disk(dir.path()), before, "nothing was recorded");
    till.agent.stop();
}

/// Text the till keeps for others to read (a discount's reason, a void's, a
/// held bill's note, a stock take's name) holds nothing that cannot be
/// seen: the refusal names the field and the character, and nothing is
/// recorded.
#[tokio::test]
async fn text_for_others_to_read_holds_nothing_unseen() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = start_till(dir.path()).await;
    let line = json!([{"barcode": TEA, "qty": "1"}]);
    for (path, body, field) in [
        (
            "/v1/sales",
            json!({"lines": line, "bill_discount": {"percent": "1", "reason": "loyal\u{202E}remotsuc"}, "tenders": [tender("cash", 100_000, None)]}),
            "bill_discount.reason",
        ),
        (
            "/v1/sales",
            json!({"lines": [{"barcode": TEA, "qty": "1", "discount": {"percent": "1", "reason": "x\u{200B}y"}}], "tenders": [tender("cash", 100_000, None)]}),
            "lines[0].discount.reason",
        ),
        (
            "/v1/held-bills",
            json!({"lines": line, "note": "table\u{0}4"}),
            "note",
        ),
        (
            "/v1/voids",
            json!({"kind": "line", "reason": "x\u{2066}y", "description": "tea", "amount": {"minor": 100, "currency": "INR"}}),
            "reason",
        ),
    ] {
        let (status, problem) = post_json(&till, path, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {problem}"
        );
        assert_eq!(problem["field"], field, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("U+"),
            "{problem}"
        );
    }
    let (_, held) = till.get("/v1/held-bills").await;
    assert_eq!(held, json!([]), "nothing was held");
    till.agent.stop();
}
