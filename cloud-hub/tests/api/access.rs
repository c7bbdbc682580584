//! Credentials and tenancy: enrollment, bad credentials and bodies, tenant isolation, revocation, terminal status.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn enrollment_codes_work_once(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let terminal = unenrolled_terminal(&hub).await;
    let code = terminal["enrollment_code"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .replace('-', " ");
    let enroll = |code: String| {
        let hub = &hub;
        async move {
            hub.send(
                reqwest::Method::POST,
                "/v1/enroll",
                None,
                Some(json!({"code": code, "agent_version": "t"})),
            )
            .await
        }
    };
    let (status, body) = enroll(code.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "codes are accepted as typed: {body}"
    );
    let (status, body) = enroll(code).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["type"], "unknown_enrollment_code");
    assert_eq!(body["field"], "code");
}
on_both_backends!(enrollment_codes_work_once);

async fn an_enrollment_whose_answer_was_lost_can_be_asked_again(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let terminal = unenrolled_terminal(&hub).await;
    let code = terminal["enrollment_code"].as_str().unwrap();
    let install = uuid::Uuid::now_v7();
    let enroll = |install: uuid::Uuid| {
        let hub = &hub;
        async move {
            hub.send(
                reqwest::Method::POST,
                "/v1/enroll",
                None,
                Some(json!({"code": code, "agent_version": "t", "install_id": install})),
            )
            .await
        }
    };
    let (s, first) = enroll(install).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    // The answer never arrived; the same installation asks again.
    let (s, again) = enroll(install).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["terminal_id"], first["terminal_id"]);
    assert_ne!(
        again["token"], first["token"],
        "a new token replaces the lost one"
    );
    let (s, _) = hub
        .get("/v1/sync/feed?since=0", again["token"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = hub
        .get("/v1/sync/feed?since=0", first["token"].as_str().unwrap())
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the lost token no longer works"
    );
    // Anyone else holding the used code gets nothing.
    let (s, b) = enroll(uuid::Uuid::now_v7()).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_enrollment_code");
}
on_both_backends!(an_enrollment_whose_answer_was_lost_can_be_asked_again);

async fn bad_credentials_and_bodies_get_clear_errors(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let (s, b) = hub
        .get("/v1/sync/feed?since=0", "dev_not-a-real-token")
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(b["detail"].as_str().unwrap().contains("device credential"));
    let (s, b) = hub
        .send(reqwest::Method::GET, "/v1/sync/feed?since=0", None, None)
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    // An HQ key is not a device credential.
    let (s, b) = hub.get("/v1/sync/feed?since=0", &shop.api_key).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, b) = hub.get("/v1/sync/feed?since=-1", &shop.device_token).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_query");
    let (s, b) = hub
        .get("/v1/sync/feed?since=0&limit=0", &shop.device_token)
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "limit");
    // A count is digits: not `+5`, not ` 5`.
    for list in ["movements", "quarantine"] {
        for limit in ["%2B5", "%205", "5.0", "ten"] {
            let (s, b) = hub
                .get(
                    &format!("/v1/stores/{}/{list}?limit={limit}", shop.store_id),
                    &shop.api_key,
                )
                .await;
            assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
            assert_eq!(b["field"], "limit", "{list} {limit}: {b}");
        }
    }

    let before = shop.snapshot().await;
    let (s, b) = hub
        .post_raw(
            "/v1/sync/outbox",
            &shop.device_token,
            "{\"protocol_version\": 1, \"facts\": [",
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_json");
    // An upload says it is JSON, and is an object: serde would read one
    // from an array by position.
    let (s, b) = hub
        .as_(&shop.device_token)
        .send_bytes(
            reqwest::Method::POST,
            "/v1/sync/outbox",
            "text/plain",
            format!(
                "{{\"protocol_version\": {}, \"facts\": []}}",
                pos_shared::sync::PROTOCOL_VERSION
            ),
        )
        .await
        .unwrap();
    assert_problem(
        s,
        &b,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let (s, b) = hub
        .post_raw(
            "/v1/sync/outbox",
            &shop.device_token,
            &format!("[{}, []]", pos_shared::sync::PROTOCOL_VERSION),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert!(
        b["detail"].as_str().unwrap().contains("not an array"),
        "{b}"
    );
    let (s, b) = hub
        .post(
            "/v1/sync/outbox",
            &shop.device_token,
            json!({"protocol_version": pos_shared::sync::PROTOCOL_VERSION, "facts": [1]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "facts[0]", "{b}");
    // Cut off after a key no body has: told as cut off, not as that key.
    let (s, b) = hub
        .post_raw(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            &format!("{{\"variant_id\": \"{}\", \"del\"", shop.variants[0].0),
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_json");
    assert!(b["detail"].as_str().unwrap().contains("ends before"), "{b}");
    let (s, b) = hub
        .post(
            "/v1/sync/outbox",
            &shop.device_token,
            json!({"protocol_version": 99, "facts": []}),
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "unsupported_protocol");
    assert_eq!(b["field"], "protocol_version");
    let (s, b) = hub
        .post(
            "/v1/sync/outbox",
            &shop.device_token,
            json!({"protocol_version": pos_shared::sync::PROTOCOL_VERSION, "facts": [{"no": "id"}]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "facts[0].event_id");

    let (s, b) = hub
        .post("/v1/products", &shop.api_key, json!({"name": "X", "variants": [{"sku": "X1", "barcode": "4006381333932", "price": {"minor": 1, "currency": "INR"}}]}))
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert_eq!(b["field"], "variants[0].barcode");
    assert!(b["detail"].as_str().unwrap().contains("check digit"), "{b}");

    let (s, b) = hub
        .post("/v1/products", &shop.api_key, json!({"name": "Dup", "variants": [{"sku": "NEW-1", "barcode": TEA, "price": {"minor": 1, "currency": "INR"}}]}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "barcode");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": shop.variants[0].0, "delta": 1.5, "reason": "receipt"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert_eq!(b["field"], "delta");
    let (s, b) = hub
        .get("/v1/stores/not-a-uuid/inventory", &shop.api_key)
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");

    assert_eq!(
        shop.snapshot().await,
        before,
        "refused requests write nothing"
    );
}
on_both_backends!(bad_credentials_and_bodies_get_clear_errors);

async fn one_tenant_cannot_touch_another(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let intruder = hub.tenant("Other Chain").await;
    let store = &shop.store_id;
    let before = shop.snapshot().await;

    let (s, stores) = hub.get("/v1/stores", &intruder).await;
    assert_eq!(
        (s, &stores),
        (StatusCode::OK, &json!([])),
        "no stores of its own yet"
    );

    for path in [
        format!("/v1/stores/{store}"),
        format!("/v1/stores/{store}/inventory"),
        format!("/v1/stores/{store}/sales"),
        format!("/v1/stores/{store}/movements"),
    ] {
        let (s, b) = hub.get(&path, &intruder).await;
        assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
        assert!(b["detail"].as_str().unwrap().contains("store"), "{b}");
    }
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/movements"),
            &intruder,
            json!({"variant_id": shop.variants[0].0, "delta": "-5", "reason": "adjustment"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/terminals"),
            &intruder,
            json!({"name": "Rogue", "receipt_prefix": "R"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .send(
            reqwest::Method::PUT,
            &format!("/v1/variants/{}/price", shop.variants[0].0),
            Some(&intruder),
            Some(json!({"price": {"minor": 1, "currency": "INR"}})),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");

    // The intruder's own store cannot receive the victim's variant either.
    let (_, own) = hub
        .post("/v1/stores", &intruder, json!({"code": "X-1", "name": "X"}))
        .await;
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{}/movements", own["id"].as_str().unwrap()),
            &intruder,
            json!({"variant_id": shop.variants[0].0, "delta": "5", "reason": "receipt"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert!(b["detail"].as_str().unwrap().contains("variant"), "{b}");

    assert_eq!(
        shop.snapshot().await,
        before,
        "nothing of the victim changed"
    );
}
on_both_backends!(one_tenant_cannot_touch_another);

async fn a_revoked_terminal_credential_is_refused(backend: Backend) {
    let shop = shop(backend).await;
    let good = shop.sale("T1-000001", &[(0, "1")]);
    // HQ's view only: the device's own feed view is what revocation takes away.
    let hq_view = |mut v: Value| {
        v.as_object_mut().unwrap().remove("feed_cursor");
        v
    };
    let before = hq_view(shop.snapshot().await);
    let path = format!(
        "/v1/stores/{}/terminals/{}/revoke",
        shop.store_id, shop.terminal_id
    );
    let (s, _) = shop
        .hub
        .send(reqwest::Method::POST, &path, Some(&shop.api_key), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let (s, b) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    // The till is told HQ revoked it, not that it is unknown.
    let detail = b["detail"].as_str().unwrap();
    assert!(
        detail.contains("HQ revoked") && detail.contains("enroll"),
        "{b}"
    );
    let (s, b) = shop
        .hub
        .get("/v1/sync/feed?since=0", "not-a-credential-anyone-had")
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(
        b["detail"].as_str().unwrap().contains("not recognised"),
        "{b}"
    );
    let (s, b) = shop.upload(&[good]).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(
        hq_view(shop.snapshot().await),
        before,
        "a replayed credential changes nothing"
    );

    let (_, terminals) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/terminals", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(terminals[0]["enrolled"], false);
    assert_eq!(terminals[0]["state"], "revoked", "{terminals}");
    // HQ tells a revoked terminal from one never enrolled, and revoking
    // again keeps the first revocation.
    let revoked_at = terminals[0]["revoked_at"].clone();
    assert!(revoked_at.is_string(), "{terminals}");
    let (s, _) = shop
        .hub
        .send(reqwest::Method::POST, &path, Some(&shop.api_key), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = shop
        .hub
        .get("/v1/sync/feed?since=0", &shop.device_token)
        .await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(b["detail"].as_str().unwrap().contains("HQ revoked"), "{b}");
    let (s, fresh) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/terminals", shop.store_id),
            &shop.api_key,
            json!({"name": "Till 9", "receipt_prefix": "T9"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fresh}");
    let (_, terminals) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/terminals", shop.store_id),
            &shop.api_key,
        )
        .await;
    // By receipt prefix: the revoked T1, then the new T9.
    assert_eq!(terminals[0]["revoked_at"], revoked_at, "{terminals}");
    assert_eq!(
        (&terminals[1]["enrolled"], &terminals[1]["revoked_at"]),
        (&json!(false), &Value::Null),
        "{terminals}"
    );
    assert_eq!(terminals[1]["state"], "awaiting_enrollment", "{terminals}");
    // A terminal revoked before it enrolled: its code is refused as revoked,
    // not as unknown, with the same install id or none.
    let t9 = fresh["id"].as_str().unwrap();
    let (s, _) = shop
        .hub
        .send(
            reqwest::Method::POST,
            &format!("/v1/stores/{}/terminals/{t9}/revoke", shop.store_id),
            Some(&shop.api_key),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for install in [Value::Null, json!(uuid::Uuid::now_v7())] {
        let (s, b) = shop
            .hub
            .send(
                reqwest::Method::POST,
                "/v1/enroll",
                None,
                Some(json!({"code": fresh["enrollment_code"], "agent_version": "t", "install_id": install})),
            )
            .await;
        assert_problem(s, &b, StatusCode::GONE, "terminal_revoked");
        assert_eq!(b["field"], "code", "{b}");
        assert!(b["detail"].as_str().unwrap().contains("HQ revoked"), "{b}");
    }
    let unknown = format!(
        "/v1/stores/{}/terminals/{}/revoke",
        shop.store_id,
        uuid::Uuid::now_v7()
    );
    let (s, b) = shop
        .hub
        .send(reqwest::Method::POST, &unknown, Some(&shop.api_key), None)
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}
on_both_backends!(a_revoked_terminal_credential_is_refused);

/// An action that takes no body (revoke, commit, delete…) refuses one it
/// would not read, a cut-off one as cut off, and changes nothing; no body,
/// or `{}`, is the action.
async fn an_action_refuses_a_body_it_would_not_read(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = shop.api_key.as_str();
    let revoke = format!(
        "/v1/stores/{}/terminals/{}/revoke",
        shop.store_id, shop.terminal_id
    );
    let refused = |s: StatusCode, b: &Value| {
        assert!(
            b["detail"].as_str().unwrap().contains("takes no body"),
            "{s} {b}"
        );
    };
    let (s, b) = hub.post_raw(&revoke, key, "{\"reason\": \"lo").await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_json");
    refused(s, &b);
    let (s, b) = hub.post(&revoke, key, json!({"reason": "lost"})).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert_eq!(b["field"], "reason", "{b}");
    refused(s, &b);
    let (s, b) = hub.post_raw(&revoke, key, "[]").await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let (s, b) = hub
        .as_(key)
        .send_bytes(reqwest::Method::POST, &revoke, "text/plain", "lost")
        .await
        .unwrap();
    assert_problem(
        s,
        &b,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let (s, b) = hub.get("/v1/sync/feed?since=0", &shop.device_token).await;
    assert_eq!(s, StatusCode::OK, "a refused revoke revokes nothing: {b}");

    let tea = &shop.variants[0].0;
    let (s, b) = hub
        .as_(key)
        .send_bytes(
            reqwest::Method::DELETE,
            &format!("/v1/variants/{tea}"),
            "application/json",
            "{\"hard\": true}",
        )
        .await
        .unwrap();
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let (s, b) = hub.get(&format!("/v1/catalog/{tea}"), key).await;
    assert_eq!(s, StatusCode::OK, "a refused delete deletes nothing: {b}");

    let (s, b) = hub.post(&revoke, key, json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, b) = hub.get("/v1/sync/feed?since=0", &shop.device_token).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
}
on_both_backends!(an_action_refuses_a_body_it_would_not_read);

async fn hq_sees_each_terminals_sync_status(backend: Backend) {
    let shop = shop(backend).await;
    let path = format!("/v1/stores/{}/terminals", shop.store_id);
    let (s, terminals) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{terminals}");
    assert_eq!(terminals[0]["enrolled"], true);
    assert_eq!(terminals[0]["state"], "enrolled", "{terminals}");
    assert_eq!(
        terminals[0]["last_seen_at"],
        Value::Null,
        "not seen before its first sync"
    );

    let (s, _) = shop
        .hub
        .get(
            "/v1/sync/feed?since=1&queue=3&agent=1.2.3",
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, terminals) = shop.hub.get(&path, &shop.api_key).await;
    let t = &terminals[0];
    assert_eq!(t["receipt_prefix"], "T1");
    assert!(t["last_seen_at"].is_string(), "{t}");
    assert_eq!(t["feed_cursor"], 1);
    assert_eq!(t["cursor_lag"], 3, "four changes so far, one applied: {t}");
    assert_eq!(t["queue_depth"], 3);
    assert_eq!(t["agent_version"], "1.2.3");
    assert_eq!(t["protocol_version"], pos_shared::sync::PROTOCOL_VERSION);

    let (s, b) = shop
        .hub
        .get(
            "/v1/sync/feed?since=0&agent=bad%20version",
            &shop.device_token,
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "agent");
}
on_both_backends!(hq_sees_each_terminals_sync_status);
