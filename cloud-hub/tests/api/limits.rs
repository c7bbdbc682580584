//! Rate limits as a flooding caller and a code guesser meet them: over
//! HTTP, from several loopback addresses (a client bound to 127.0.0.2 is
//! another address to the hub).

use crate::helpers::*;
use crate::on_both_backends;
use cloud_hub::http::limits::LimitsConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

fn limited(
    rate: u32,
    burst: u32,
    failures: u32,
) -> impl FnOnce(cloud_hub::config::HubConfig) -> cloud_hub::config::HubConfig {
    move |c| cloud_hub::config::HubConfig {
        limits: LimitsConfig {
            requests_per_second: rate,
            burst,
            failed_attempts_per_minute: failures,
        },
        ..c
    }
}

/// A client whose connections come from `127.0.0.<last>`.
fn from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("client")
}

/// The 429's `Retry-After` (whole seconds) and problem body.
async fn refusal(response: reqwest::Response) -> (u64, Value) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/problem+json"), "{kind}");
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    (wait, response.json().await.expect("problem"))
}

async fn a_flooding_caller_is_refused_and_no_one_else_is(backend: Backend) {
    let shop = shop_with(backend, limited(5, 10, 10)).await;
    let url = format!("{}/v1/catalog", shop.hub.base);
    let http = from(1);
    // Setting the shop up spent some of HQ's burst: let it fill again.
    tokio::time::sleep(Duration::from_secs(2)).await;

    // HQ's script floods: past its burst it is refused, told when to retry.
    let flood = (0..40).map(|_| http.get(&url).bearer_auth(&shop.api_key).send());
    let answers = futures_util::future::join_all(flood).await;
    let statuses: Vec<StatusCode> = answers
        .iter()
        .map(|r| r.as_ref().unwrap().status())
        .collect();
    let served = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(served + refused, 40, "{statuses:?}");
    assert!(
        (10..=20).contains(&served),
        "burst of 10, 5 a second: {statuses:?}"
    );
    let last = http
        .get(&url)
        .bearer_auth(&shop.api_key)
        .send()
        .await
        .unwrap();
    let (wait, problem) = refusal(last).await;
    assert_eq!(problem["type"], "rate_limited", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("5 requests a second"),
        "{problem}"
    );
    assert!(
        (1..=2).contains(&wait),
        "one request's worth at 5 a second: {wait}"
    );

    // The store's till, with its own credential, from the same address, is
    // served as if nothing happened; so are the health checks.
    let feed = http
        .get(format!("{}/v1/sync/feed?since=0", shop.hub.base))
        .bearer_auth(&shop.device_token)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    for _ in 0..30 {
        let health = http
            .get(format!("{}/health", shop.hub.base))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
    }

    // After the wait it says, the flooder is served again.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let again = http
        .get(&url)
        .bearer_auth(&shop.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}
on_both_backends!(a_flooding_caller_is_refused_and_no_one_else_is);

async fn guessing_codes_and_passwords_is_refused_after_a_few_tries(backend: Backend) {
    let hub = spawn_hub_with(backend, limited(1000, 1000, 3)).await;
    let terminal = unenrolled_terminal(&hub).await;
    let code = terminal["enrollment_code"].as_str().unwrap();
    let enroll = |client: &reqwest::Client, code: &str| {
        client
            .post(format!("{}/v1/enroll", hub.base))
            .json(&json!({"code": code, "agent_version": "test"}))
            .send()
    };
    let guesser = from(2);

    // A few wrong codes are answered as wrong...
    for i in 0..4 {
        let r = enroll(&guesser, &format!("WRONG-{i}")).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "guess {i}");
    }
    // ...then the address is refused, even with the right code, and sign-in too.
    let (wait, problem) = refusal(enroll(&guesser, code).await.unwrap()).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("failed attempts"),
        "{problem}"
    );
    assert!(wait >= 1, "{wait}");
    let sign_in = guesser
        .post(format!("{}/v1/sessions", hub.base))
        .json(&json!({"email": "ravi@example.com", "password": "guess-number-1"}))
        .send()
        .await
        .unwrap();
    refusal(sign_in).await;

    // The store's own till, from another address, enrolls with its code.
    let r = enroll(&from(3), code).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    // A store enrolling many tills at once is never slowed: only failures count.
    let store_client = from(4);
    for _ in 0..6 {
        let t = unenrolled_terminal(&hub).await;
        let r = enroll(&store_client, t["enrollment_code"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}
on_both_backends!(guessing_codes_and_passwords_is_refused_after_a_few_tries);
