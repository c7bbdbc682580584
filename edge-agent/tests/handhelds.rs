//! Handhelds on the store LAN, through the real interface: a supervisor
//! issues a pairing code on the till's loopback API, a device claims it on
//! the LAN listener (a second listener, bound to 127.0.0.1:0 here but with
//! none of the loopback rules), calls the handheld routes with its token, a
//! picker signs in on it, the till revokes it; wrong, expired and reused
//! codes, missing and revoked tokens, guessing, what the SQLite file keeps of
//! a token, and a pairing across a restart.

mod common;

use common::*;
use pos_shared::staff::Role;
use pos_shared::sync::ChangeBody;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const SUPERVISOR: (&str, &str) = ("102", "7305");
const PICKER: (&str, &str) = ("101", "4821");

/// A seeded till with a supervisor (Ravi) and a picker (Asha) on its staff
/// and its LAN listener on; `code_ttl` shortens the pairing codes' life.
async fn start(dir: &Path, code_ttl: Option<Duration>) -> Till {
    if !dir.join("edge.db").exists() {
        let credential = seed(dir);
        let staff = vec![
            member(
                credential.store_id,
                PICKER.0,
                "Asha",
                Role::Cashier,
                PICKER.1,
            ),
            member(
                credential.store_id,
                SUPERVISOR.0,
                "Ravi",
                Role::Supervisor,
                SUPERVISOR.1,
            ),
        ];
        apply_changes(
            dir,
            credential.store_id,
            5,
            staff.into_iter().map(ChangeBody::StaffUpserted).collect(),
        );
    }
    start_till_config(dir, |config| {
        config.lan.listen = Some("127.0.0.1:0".parse().unwrap());
        if let Some(ttl) = code_ttl {
            config.lan.pairing_code_ttl = ttl;
        }
    })
    .await
}

/// A request to the till or its LAN listener, answered with JSON (or Null).
async fn call(
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn lan(till: &Till) -> String {
    format!(
        "http://{}",
        till.agent.lan_addr.expect("the LAN listener is on")
    )
}

fn approval(who: (&str, &str)) -> Value {
    json!({"approval": {"code": who.0, "pin": who.1}})
}

async fn issue_code(till: &Till) -> String {
    let (status, issued) = call(
        &till.base,
        Method::POST,
        "/v1/handhelds/pairing-codes",
        None,
        Some(approval(SUPERVISOR)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["code"].as_str().unwrap().to_owned()
}

async fn pair(till: &Till, code: &str, name: &str) -> (StatusCode, Value) {
    call(
        &lan(till),
        Method::POST,
        "/v1/pairing",
        None,
        Some(json!({"code": code, "device_name": name})),
    )
    .await
}

fn assert_problem(answer: &(StatusCode, Value), status: StatusCode, kind: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["type"], kind, "{}", answer.1);
    assert!(
        !answer.1["detail"].as_str().unwrap_or("").is_empty(),
        "{}",
        answer.1
    );
}

#[tokio::test]
async fn a_supervisor_pairs_a_handheld_that_then_serves_only_its_own_routes() {
    let dir = tempfile::tempdir().unwrap();
    let till = start(dir.path(), None).await;
    let lan = lan(&till);
    assert_ne!(till.agent.lan_addr, Some(till.agent.addr));

    // Nothing of the till's own API answers on the LAN listener.
    for (method, path) in [
        (Method::POST, "/v1/sales"),
        (Method::POST, "/v1/sales/quote"),
        (Method::GET, "/v1/session"),
        (Method::POST, "/v1/shifts"),
        (Method::POST, "/v1/drawer/open"),
        (Method::GET, "/v1/printers"),
        (Method::GET, "/v1/audit"),
        (Method::GET, "/v1/handhelds"),
        (Method::POST, "/v1/handhelds/pairing-codes"),
        (Method::GET, "/health"),
    ] {
        let body = (method == Method::POST).then(|| json!({}));
        let answer = call(&lan, method.clone(), path, None, body).await;
        assert_problem(&answer, StatusCode::NOT_FOUND, "no_route");
    }
    let sale = json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500)});
    let (status, _) = call(&lan, Method::POST, "/v1/sales", None, Some(sale)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(on_disk(dir.path()).0, 0, "no sale was made over the LAN");

    // The LAN listener has no loopback rule: a device's Host is the till's
    // LAN address. The loopback API refuses the same Host.
    let lan_host = "192.168.1.20:8766";
    let ui = till
        .http
        .get(format!("{lan}/"))
        .header(header::HOST, lan_host)
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), StatusCode::OK);
    assert_eq!(
        ui.url().path(),
        "/picker",
        "the till's address leads to the picker screens"
    );
    assert!(ui.text().await.unwrap().contains("<html"));
    let loopback = till
        .http
        .get(format!("{}/", till.base))
        .header(header::HOST, lan_host)
        .send()
        .await
        .unwrap();
    assert_eq!(loopback.status(), StatusCode::FORBIDDEN);
    // But another site's page may not use it either.
    let foreign = till
        .http
        .post(format!("{lan}/v1/pairing"))
        .header(header::ORIGIN, "http://evil.example")
        .json(&json!({"code": "2222-2222", "device_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let foreign: Value = foreign.json().await.unwrap();
    assert_eq!(foreign["type"], "foreign_origin");

    // Issuing a code takes a supervisor: nobody is signed in, a cashier's
    // approval is not enough.
    let path = "/v1/handhelds/pairing-codes";
    let answer = call(&till.base, Method::POST, path, None, None).await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(answer.1["field"], "approval");
    assert!(
        answer.1["detail"].as_str().unwrap().contains("supervisor"),
        "{}",
        answer.1
    );
    let answer = call(&till.base, Method::POST, path, None, Some(approval(PICKER))).await;
    assert_eq!(answer.1["field"], "approval", "{}", answer.1);
    let answer = call(
        &till.base,
        Method::POST,
        path,
        None,
        Some(approval((SUPERVISOR.0, "0000"))),
    )
    .await;
    assert_eq!(answer.1["field"], "approval", "{}", answer.1);

    let (status, issued) = call(
        &till.base,
        Method::POST,
        path,
        None,
        Some(approval(SUPERVISOR)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let code = issued["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 9, "{code}");
    let expires: pos_shared::Timestamp =
        serde_json::from_value(issued["expires_at"].clone()).unwrap();
    let in_ms = expires.unix_millis() - pos_shared::Timestamp::now().unix_millis();
    assert!(
        (590_000..=600_000).contains(&in_ms),
        "valid 10 minutes: {in_ms}"
    );

    // A bad device name does not spend the code.
    let answer = pair(&till, &code, "  ").await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(answer.1["field"], "device_name");

    // The device claims the code, typed in lower case without the hyphen.
    let typed = code.replace('-', "").to_lowercase();
    let (status, paired) = pair(&till, &typed, "Picker phone 3").await;
    assert_eq!(status, StatusCode::CREATED, "{paired}");
    let device_id = paired["device_id"].as_str().unwrap().to_owned();
    let token = paired["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 64, "{token}");

    // Single use.
    let answer = pair(&till, &code, "Another phone").await;
    assert_problem(&answer, StatusCode::CONFLICT, "pairing_code_used");
    assert_eq!(answer.1["field"], "code");
    let answer = pair(&till, "ZZZZ-ZZZZ", "Another phone").await;
    assert_problem(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "pairing_code_unknown",
    );
    assert_eq!(answer.1["field"], "code");
    let answer = pair(&till, "0000-1111", "Another phone").await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(answer.1["field"], "code");

    // With its token the device is itself; nobody is signed in on it yet.
    let (status, me) = call(&lan, Method::GET, "/v1/handheld/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["device_id"], device_id.as_str());
    assert_eq!(me["device_name"], "Picker phone 3");
    assert_eq!(me["picker"], Value::Null);

    // Without a token, or with one the till never gave, nothing.
    let none = till
        .http
        .get(format!("{lan}/v1/handheld/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()[header::WWW_AUTHENTICATE], "Bearer");
    let none: Value = none.json().await.unwrap();
    assert_eq!(none["type"], "device_not_paired");
    for garbage in ["hh_0000", "not a token at all", &format!("{token}x")] {
        let answer = call(&lan, Method::GET, "/v1/handheld/me", Some(garbage), None).await;
        assert_problem(&answer, StatusCode::UNAUTHORIZED, "device_not_paired");
    }
    let basic = till
        .http
        .get(format!("{lan}/v1/handheld/me"))
        .header(header::AUTHORIZATION, format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);

    // A picker signs in on the device: the session is the device's, not the till's.
    let answer = call(
        &lan,
        Method::POST,
        "/v1/handheld/session",
        Some(&token),
        Some(json!({"code": PICKER.0, "pin": "9999"})),
    )
    .await;
    assert_eq!(answer.0, StatusCode::UNAUTHORIZED, "{}", answer.1);
    assert!(
        answer.1["detail"]
            .as_str()
            .unwrap()
            .contains("4 tries left"),
        "{}",
        answer.1
    );
    let (status, signed_in) = call(
        &lan,
        Method::POST,
        "/v1/handheld/session",
        Some(&token),
        Some(json!({"code": PICKER.0, "pin": PICKER.1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert_eq!(signed_in["name"], "Asha");
    let (_, me) = call(&lan, Method::GET, "/v1/handheld/me", Some(&token), None).await;
    assert_eq!(me["picker"]["name"], "Asha", "{me}");
    assert_eq!(me["picker"]["staff_id"], signed_in["staff_id"]);
    let (status, _) = till.get("/v1/session").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nobody signed in at the till"
    );

    // Wrong PINs typed on a handheld lock the code at the till too: one lockout.
    for _ in 0..5 {
        let answer = call(
            &lan,
            Method::POST,
            "/v1/handheld/session",
            Some(&token),
            Some(json!({"code": "999", "pin": "1111"})),
        )
        .await;
        assert_eq!(answer.0, StatusCode::UNAUTHORIZED, "{}", answer.1);
    }
    let answer = post_json(&till, "/v1/session", json!({"code": "999", "pin": "1111"})).await;
    assert_problem(&answer, StatusCode::TOO_MANY_REQUESTS, "locked");

    // The handheld routes answer on loopback too, as the till itself.
    let (status, me) = till.get("/v1/handheld/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["device_id"], Value::Null);
    assert_eq!(me["device_name"], "Till 1");
    assert_eq!(me["picker"], Value::Null);

    // The till lists the device, seen just now.
    let (status, list) = till.get("/v1/handhelds").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["id"], device_id.as_str());
    assert_eq!(list[0]["name"], "Picker phone 3");
    assert!(list[0]["paired_at"].is_string());
    assert!(list[0]["last_seen_at"].is_string(), "{list:?}");
    assert_eq!(list[0]["revoked_at"], Value::Null);

    // Revoking takes a supervisor too, and holds from the device's next request.
    let revoke = format!("/v1/handhelds/{device_id}");
    let answer = call(&till.base, Method::DELETE, &revoke, None, None).await;
    assert_eq!(answer.1["field"], "approval", "{}", answer.1);
    let (status, _) = call(&lan, Method::GET, "/v1/handheld/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "not revoked yet");
    let (status, revoked) = call(
        &till.base,
        Method::DELETE,
        &revoke,
        None,
        Some(approval(SUPERVISOR)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    for (method, path) in [
        (Method::GET, "/v1/handheld/me"),
        (Method::DELETE, "/v1/handheld/session"),
    ] {
        let answer = call(&lan, method, path, Some(&token), None).await;
        assert_problem(&answer, StatusCode::UNAUTHORIZED, "device_revoked");
    }
    let (_, list) = till.get("/v1/handhelds").await;
    assert!(list[0]["revoked_at"].is_string(), "{list}");
    let answer = call(
        &till.base,
        Method::DELETE,
        &format!("/v1/handhelds/{}", uuid::Uuid::now_v7()),
        None,
        Some(approval(SUPERVISOR)),
    )
    .await;
    assert_problem(&answer, StatusCode::NOT_FOUND, "no_handheld");
    let answer = call(
        &till.base,
        Method::DELETE,
        "/v1/handhelds/phone-3",
        None,
        None,
    )
    .await;
    assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
    assert_eq!(answer.1["field"], "id");

    // Both are in the till's audit log, naming the supervisor.
    let (_, audit) = till.get("/v1/audit").await;
    let entry = |action: &str| {
        audit
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .cloned()
            .unwrap_or_else(|| panic!("no {action} in {audit}"))
    };
    let paired_entry = entry("handheld_paired");
    assert_eq!(paired_entry["staff"]["name"], "Ravi");
    assert_eq!(paired_entry["reference"], device_id.as_str());
    assert!(paired_entry["detail"]
        .as_str()
        .unwrap()
        .contains("Picker phone 3"));
    let revoked_entry = entry("handheld_revoked");
    assert_eq!(revoked_entry["staff"]["name"], "Ravi");
    assert_eq!(revoked_entry["reference"], device_id.as_str());
    let signed_in_entry = entry("signed_in");
    assert!(
        signed_in_entry["detail"]
            .as_str()
            .unwrap()
            .contains("on handheld \"Picker phone 3\""),
        "{signed_in_entry}"
    );

    // The SQLite file keeps the token's hash, never the token.
    till.agent.stop();
    let db = rusqlite::Connection::open(dir.path().join("edge.db")).unwrap();
    let (stored, hash): (String, String) = db
        .query_row("SELECT id, token_sha256 FROM handhelds", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(stored, device_id);
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hash, expected);
    drop(db);
    for file in ["edge.db", "edge.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        let secret = &token.as_bytes()[3..];
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "{file} holds the token in clear"
        );
    }
}

#[tokio::test]
async fn an_expired_code_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let till = start(dir.path(), Some(Duration::from_millis(300))).await;
    let code = issue_code(&till).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let answer = pair(&till, &code, "Picker phone 1").await;
    assert_problem(&answer, StatusCode::GONE, "pairing_code_expired");
    assert_eq!(answer.1["field"], "code");
    assert!(answer.1["detail"].as_str().unwrap().contains("expired"));
    let (_, list) = till.get("/v1/handhelds").await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn guessing_codes_locks_pairing_until_a_supervisor_issues_a_new_code() {
    let dir = tempfile::tempdir().unwrap();
    let till = start(dir.path(), None).await;
    // A supervisor signed in at the till needs no approval.
    let (status, _) = post_json(
        &till,
        "/v1/session",
        json!({"code": SUPERVISOR.0, "pin": SUPERVISOR.1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, issued) = call(
        &till.base,
        Method::POST,
        "/v1/handhelds/pairing-codes",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let code = issued["code"].as_str().unwrap().to_owned();
    let wrong = if code == "2222-2222" {
        "3333-3333"
    } else {
        "2222-2222"
    };

    for left in (1..5).rev() {
        let answer = pair(&till, wrong, "Guesser").await;
        assert_problem(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "pairing_code_unknown",
        );
        let detail = answer.1["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("{left} tries left")), "{detail}");
    }
    let answer = pair(&till, wrong, "Guesser").await;
    assert!(
        answer.1["detail"].as_str().unwrap().contains("now locked"),
        "{}",
        answer.1
    );
    // Locked: even the right code is not looked at.
    let answer = pair(&till, &code, "Picker phone 2").await;
    assert_problem(&answer, StatusCode::TOO_MANY_REQUESTS, "pairing_locked");
    // …and says when to come back.
    let refused = till
        .http
        .post(format!("{}/v1/pairing", lan(&till)))
        .json(&json!({"code": code, "device_name": "Picker phone 2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 60, "Retry-After {wait}");
    let (_, audit) = till.get("/v1/audit").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "pairing_locked"),
        "{audit}"
    );

    // A new code from the till lifts the lock; the old one was cancelled.
    let fresh = issue_code(&till).await;
    let answer = pair(&till, &code, "Picker phone 2").await;
    assert_problem(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "pairing_code_unknown",
    );
    let (status, paired) = pair(&till, &fresh, "Picker phone 2").await;
    assert_eq!(status, StatusCode::CREATED, "{paired}");
    let (_, list) = till.get("/v1/handhelds").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "only the real device: {list}"
    );
}

#[tokio::test]
async fn a_pairing_survives_a_restart_and_the_lan_listener_is_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let till = start(dir.path(), None).await;
    let code = issue_code(&till).await;
    let (status, paired) = pair(&till, &code, "Picker phone 4").await;
    assert_eq!(status, StatusCode::CREATED, "{paired}");
    let token = paired["token"].as_str().unwrap().to_owned();
    till.agent.stop();

    // Off unless configured: no LAN address at all.
    let plain = start_till(dir.path()).await;
    assert_eq!(plain.agent.lan_addr, None);
    plain.agent.stop();

    let till = start(dir.path(), None).await;
    let (status, me) = call(
        &lan(&till),
        Method::GET,
        "/v1/handheld/me",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["device_id"], paired["device_id"]);
    assert_eq!(me["device_name"], "Picker phone 4");
}
