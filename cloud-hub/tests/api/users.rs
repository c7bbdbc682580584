//! HQ users: an owner invites, the user takes the invitation up with a
//! password and works within their role; sign-in, sign-out, lock-out after
//! wrong passwords, password change and reset, disabling, session expiry,
//! the tenant's last owner, and bad input.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "tulip-quarry-maple";

/// Invites a user; answers (user id, invitation code).
async fn invite(hub: &TestHub, owner: &str, body: Value) -> (String, String) {
    let (s, b) = hub.post("/v1/users", owner, body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["status"], "invited", "{b}");
    let code = b["invitation_code"].as_str().unwrap();
    assert!(code.starts_with("inv_"), "{b}");
    (b["user_id"].as_str().unwrap().to_owned(), code.to_owned())
}

async fn accept(hub: &TestHub, code: &str, password: &str) -> (StatusCode, Value) {
    hub.send(
        Method::POST,
        "/v1/invitations/accept",
        None,
        Some(json!({"code": code, "password": password})),
    )
    .await
}

async fn sign_in(hub: &TestHub, email: &str, password: &str) -> (StatusCode, Value) {
    hub.send(
        Method::POST,
        "/v1/sessions",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

/// Signs in and answers the session token.
async fn session(hub: &TestHub, email: &str, password: &str) -> String {
    let (s, b) = sign_in(hub, email, password).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["token"].as_str().unwrap().to_owned()
}

/// An invited user who has taken the invitation up; answers (user id, token).
async fn active_user(hub: &TestHub, owner: &str, body: Value) -> (String, String) {
    let (id, code) = invite(hub, owner, body).await;
    let (s, b) = accept(hub, &code, PASSWORD).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    (id, b["token"].as_str().unwrap().to_owned())
}

async fn an_invited_user_signs_in_and_works_within_their_role(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = shop.store_id.clone();
    let (_, other) = hub
        .post(
            "/v1/stores",
            &shop.api_key,
            json!({"code": "BLR-2", "name": "Koramangala"}),
        )
        .await;
    let other = other["id"].as_str().unwrap().to_owned();
    let (id, code) = invite(
        hub,
        &shop.api_key,
        json!({"email": " Asha.Rao@Example.com", "name": "Asha Rao",
               "role": "store_manager", "store_ids": [store]}),
    )
    .await;

    // Not signed in yet: the invitation is all there is.
    let (s, b) = sign_in(hub, "asha.rao@example.com", PASSWORD).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    // A weak password is refused by name and leaves the code usable.
    let (s, b) = accept(hub, &code, "short").await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "password");
    let (s, b) = accept(hub, &code, "asha.rao-is-me").await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert!(b["detail"].as_str().unwrap().contains("email"), "{b}");

    let (s, first) = accept(hub, &code, PASSWORD).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["user"]["status"], "active");
    assert_eq!(first["user"]["email"], "asha.rao@example.com");
    let token = first["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("hqs_"), "{first}");
    let (s, b) = accept(hub, &code, PASSWORD).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_invitation");
    assert_eq!(b["field"], "code");

    let (s, me) = hub.get("/v1/me", &token).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["kind"], "user");
    assert_eq!(me["role"], "store_manager");
    assert_eq!(me["store_ids"], json!([store]));
    assert_eq!(me["user"]["user_id"], id.as_str());
    assert!(me["session_expires_at"].is_string(), "{me}");
    let (_, key_me) = hub.get("/v1/me", &shop.api_key).await;
    assert_eq!(
        (key_me["kind"].as_str(), key_me["role"].as_str()),
        (Some("api_key"), Some("owner"))
    );

    // Works within the role and the store limit, like a key would.
    let movement = json!({"variant_id": shop.variants[0].0, "delta": "3", "reason": "receipt"});
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/movements"),
            &token,
            movement.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, events) = hub
        .get(
            "/v1/events?type=inventory.stock.adjusted&limit=100",
            &shop.api_key,
        )
        .await;
    let events = events["events"].as_array().unwrap();
    assert_eq!(
        events.last().unwrap()["source"],
        format!("hq:user:{id}"),
        "the event names the user who made the change"
    );
    let (s, b) = hub
        .post(&format!("/v1/stores/{other}/movements"), &token, movement)
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let (s, b) = hub
        .post(
            "/v1/products",
            &token,
            json!({"name": "X", "variants": [{"sku": "X-1", "barcode": "96385074",
                   "price": {"minor": 100, "currency": "INR"}}]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains("user's role is store_manager"),
        "{b}"
    );
    let (s, b) = hub.get("/v1/users", &token).await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");

    // Signing out ends that session only.
    let second = session(hub, "ASHA.RAO@example.com", PASSWORD).await;
    let (s, _) = hub
        .send(Method::DELETE, "/v1/session", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = hub.get("/v1/me", &token).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(b["detail"].as_str().unwrap().contains("ended"), "{b}");
    let (s, _) = hub.get("/v1/me", &second).await;
    assert_eq!(s, StatusCode::OK);
    // An API key has no session to end.
    let (s, b) = hub
        .send(Method::DELETE, "/v1/session", Some(&shop.api_key), None)
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "not_a_session");

    // A wrong password and an unknown address get the same answer.
    let (s, wrong) = sign_in(hub, "asha.rao@example.com", "not-the-password").await;
    assert_problem(s, &wrong, StatusCode::UNAUTHORIZED, "unauthorized");
    let (_, unknown) = sign_in(hub, "nobody@example.com", PASSWORD).await;
    assert_eq!(wrong["detail"], unknown["detail"]);

    // The owner sees the user, signed in, and can change their reach.
    let (s, users) = hub.get("/v1/users", &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{users}");
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert!(users[0]["last_sign_in_at"].is_string(), "{users}");
    assert!(
        users[0].get("invitation_code").is_none(),
        "never shown again"
    );
    let (s, b) = hub
        .send(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(&shop.api_key),
            Some(json!({"store_ids": [other], "name": "Asha R."})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["name"], "Asha R.");
    let (s, b) = hub
        .get(&format!("/v1/stores/{store}/movements"), &second)
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
}
on_both_backends!(an_invited_user_signs_in_and_works_within_their_role);

async fn wrong_passwords_lock_the_account_and_disabling_ends_sessions(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let owner = hub.tenant("Chain").await;
    let (id, token) = active_user(
        &hub,
        &owner,
        json!({"email": "ravi@example.com", "name": "Ravi", "role": "read_only"}),
    )
    .await;
    for _ in 1..5 {
        let (s, b) = sign_in(&hub, "ravi@example.com", "guess-number-x").await;
        assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let (s, b) = sign_in(&hub, "ravi@example.com", "guess-number-5").await;
    assert_problem(s, &b, StatusCode::TOO_MANY_REQUESTS, "locked_out");
    let (s, b) = sign_in(&hub, "ravi@example.com", PASSWORD).await;
    assert_problem(s, &b, StatusCode::TOO_MANY_REQUESTS, "locked_out");
    // The refusal says when to come back.
    let refused = hub
        .http
        .post(format!("{}/v1/sessions", hub.base))
        .json(&json!({"email": "ravi@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
    // A session opened before keeps working: the lock is on guessing.
    let (s, _) = hub.get("/v1/catalog", &token).await;
    assert_eq!(s, StatusCode::OK);

    // Disabling ends the session at once, and no sign-in is possible.
    let (s, b) = hub
        .post(&format!("/v1/users/{id}/disable"), &owner, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "disabled");
    let (s, b) = hub.get("/v1/catalog", &token).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(b["detail"].as_str().unwrap().contains("disabled"), "{b}");
    let (s, b) = hub
        .post(&format!("/v1/users/{id}/invitation"), &owner, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");

    // Enabling again clears the lock; the old session stays ended.
    let (s, b) = hub
        .post(&format!("/v1/users/{id}/enable"), &owner, json!({}))
        .await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("active")));
    let fresh = session(&hub, "ravi@example.com", PASSWORD).await;
    let (s, _) = hub.get("/v1/catalog", &fresh).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = hub.get("/v1/catalog", &token).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Each step is in the event log, never with a secret.
    let (_, events) = hub.get("/v1/events?type=access.user.", &owner).await;
    let events = events["events"].as_array().unwrap();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "access.user.invited",
            "access.user.password_set",
            "access.user.locked_out",
            "access.user.disabled",
            "access.user.enabled",
        ]
    );
    let (_, me) = hub.get("/v1/me", &owner).await;
    let by_owner = format!("hq:key:{}", me["key_id"].as_str().unwrap());
    assert_eq!(events[3]["source"], by_owner.as_str());
    assert_eq!(events[2]["source"], "hub", "no one signed in did it");
    assert!(events.iter().all(|e| e["data"]["user_id"] == id.as_str()));
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains("argon2") && !text.contains("inv_"), "{text}");
}
on_both_backends!(wrong_passwords_lock_the_account_and_disabling_ends_sessions);

async fn password_change_and_reset_end_other_sessions(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let owner = hub.tenant("Chain").await;
    let email = "meera@example.com";
    let (id, first) = active_user(
        &hub,
        &owner,
        json!({"email": email, "name": "Meera", "role": "catalog_manager"}),
    )
    .await;
    let second = session(&hub, email, PASSWORD).await;
    let change = |token: String, current: &'static str, new: &'static str| {
        let hub = &hub;
        async move {
            hub.post(
                "/v1/session/password",
                &token,
                json!({"current_password": current, "new_password": new}),
            )
            .await
        }
    };
    let (s, b) = change(first.clone(), "wrong-password-1", "orchid-lantern-94").await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(b["field"], "current_password");
    let (s, b) = change(first.clone(), PASSWORD, "short").await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "new_password");
    let (s, b) = change(first.clone(), PASSWORD, PASSWORD).await;
    assert_eq!(b["field"], "new_password", "{s} {b}");
    let (s, b) = change(first.clone(), PASSWORD, "orchid-lantern-94").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, _) = hub.get("/v1/me", &first).await;
    assert_eq!(s, StatusCode::OK, "the session that changed it stays");
    let (s, _) = hub.get("/v1/me", &second).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "every other session ends");
    let (s, _) = sign_in(&hub, email, PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let third = session(&hub, email, "orchid-lantern-94").await;

    // A forgotten password: the owner invites again; the old code and all
    // sessions stop working once the new one is taken up.
    let (s, again) = hub
        .post(&format!("/v1/users/{id}/invitation"), &owner, json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_eq!(
        again["status"], "active",
        "the old password works until then"
    );
    let (s, b) = accept(
        &hub,
        again["invitation_code"].as_str().unwrap(),
        "saffron-harbour-31",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    for token in [&first, &third] {
        let (s, _) = hub.get("/v1/me", token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, _) = sign_in(&hub, email, "orchid-lantern-94").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    session(&hub, email, "saffron-harbour-31").await;
    // An API key has no password to change.
    let (s, b) = hub
        .post(
            "/v1/session/password",
            &owner,
            json!({"current_password": "x", "new_password": "orchid-lantern-94"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "not_a_session");
}
on_both_backends!(password_change_and_reset_end_other_sessions);

async fn sessions_expire(backend: Backend) {
    let hub = spawn_hub_with(backend, |config| cloud_hub::config::HubConfig {
        session_lifetime: std::time::Duration::from_millis(1500),
        ..config
    })
    .await;
    let owner = hub.tenant("Chain").await;
    let (_, token) = active_user(
        &hub,
        &owner,
        json!({"email": "dev@example.com", "name": "Dev", "role": "read_only"}),
    )
    .await;
    let (s, _) = hub.get("/v1/catalog", &token).await;
    assert_eq!(s, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let (s, b) = hub.get("/v1/catalog", &token).await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(b["detail"].as_str().unwrap().contains("expired"), "{b}");
}
on_both_backends!(sessions_expire);

async fn the_last_owner_stays_and_bad_input_is_named(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let owner = hub.tenant("Chain").await;
    let intruder = hub.tenant("Other Chain").await;
    let (id, token) = active_user(
        &hub,
        &owner,
        json!({"email": "boss@example.com", "name": "Boss", "role": "owner"}),
    )
    .await;
    // The owner user revokes the tenant's first key; now they are the last owner.
    let (_, keys) = hub.get("/v1/api-keys", &token).await;
    let key_id = keys[0]["key_id"].as_str().unwrap();
    let (s, b) = hub
        .post(&format!("/v1/api-keys/{key_id}/revoke"), &token, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = hub
        .post(&format!("/v1/users/{id}/disable"), &token, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    let (s, b) = hub
        .send(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(&token),
            Some(json!({"role": "read_only"})),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(b["field"], "role");

    let bad = [
        (
            json!({"email": "boss", "name": "B", "role": "read_only"}),
            "email",
        ),
        (
            json!({"email": "BOSS@example.com", "name": "B", "role": "read_only"}),
            "email",
        ),
        (
            json!({"email": "x@example.com", "name": " ", "role": "read_only"}),
            "name",
        ),
        (
            json!({"email": "x@example.com", "name": "X", "role": "owner",
                   "store_ids": ["0190a6e4-0000-7000-8000-000000000000"]}),
            "store_ids",
        ),
        (
            json!({"email": "x@example.com", "name": "X", "role": "read_only",
                   "store_ids": ["0190a6e4-0000-7000-8000-000000000000"]}),
            "store_ids",
        ),
    ];
    for (body, field) in bad {
        let (s, b) = hub.post("/v1/users", &token, body.clone()).await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::CONFLICT,
            "{body}: {s} {b}"
        );
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = hub
        .post(
            "/v1/users",
            &token,
            json!({"email": "x@example.com", "name": "X", "role": "boss"}),
        )
        .await;
    assert_eq!(s.as_u16() / 100, 4, "{b}");
    let (s, b) = hub
        .post(
            "/v1/users",
            &token,
            json!({"email": "x@example.com", "name": "X", "role": "read_only", "password": "x"}),
        )
        .await;
    assert_eq!(s.as_u16() / 100, 4, "unknown fields are refused: {b}");
    let (s, b) = hub.get("/v1/users/not-a-uuid", &token).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
    let (s, b) = hub
        .send(
            Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"email": "boss@example.com"})),
        )
        .await;
    assert_eq!(s.as_u16() / 100, 4, "{b}");
    let (s, b) = sign_in(&hub, "boss@example.com", "").await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "password");
    let (s, b) = accept(&hub, "inv_made-up", PASSWORD).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_invitation");
    let (s, b) = hub.get("/v1/me", "hqs_made-up").await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");

    // Another tenant sees none of it.
    let (s, users) = hub.get("/v1/users", &intruder).await;
    assert_eq!((s, users), (StatusCode::OK, json!([])));
    for (method, path) in [
        (Method::GET, format!("/v1/users/{id}")),
        (Method::PATCH, format!("/v1/users/{id}")),
        (Method::POST, format!("/v1/users/{id}/disable")),
        (Method::POST, format!("/v1/users/{id}/invitation")),
    ] {
        let (s, b) = hub
            .send(method.clone(), &path, Some(&intruder), Some(json!({})))
            .await;
        assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    }
    let (s, me) = hub.get("/v1/me", &token).await;
    assert_eq!((s, me["role"].as_str()), (StatusCode::OK, Some("owner")));
}
on_both_backends!(the_last_owner_stays_and_bad_input_is_named);
