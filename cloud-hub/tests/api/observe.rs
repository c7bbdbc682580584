//! Health, readiness and Prometheus metrics, read as an orchestrator and a
//! scraper read them: over HTTP, with and without the metrics token.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::json;

pub(crate) const METRICS_TOKEN: &str = "scrape-me";

pub(crate) async fn scrape(shop: &Shop, token: Option<&str>) -> (StatusCode, String, String) {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", shop.hub.base));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.expect("scrape");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

/// The value of the one sample of `series` whose labels include every one of
/// `labels`, if there is one.
pub(crate) fn sample(text: &str, series: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{series}{{")) || l.starts_with(&format!("{series} ")))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn the_hub_reports_health_readiness_and_metrics(backend: Backend) {
    let shop = shop_with(backend, |c| cloud_hub::config::HubConfig {
        metrics_token: Some(pos_shared::Secret::new(METRICS_TOKEN)),
        ..c
    })
    .await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", shop.hub.base)).send();
    let health = get("/health").await.expect("health");
    assert_eq!(health.status(), StatusCode::OK);
    let ready = get("/ready").await.expect("ready");
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );

    // No token, or the wrong one: refused, naming why, as a problem.
    let (status, kind, body) = scrape(&shop, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(kind.starts_with("application/problem+json"), "{kind}");
    let (status, _, _) = scrape(&shop, Some("guess")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Work the metrics must show: an upload of two sales, one of them sent
    // twice, and one that does not add up; a feed request reporting the
    // till's queue; a request for a store that does not exist.
    let first = shop.sale("T1-000001", &[(0, "1")]);
    let second = shop.sale("T1-000002", &[(1, "0.500")]);
    let mut wrong = shop.sale("T1-000003", &[(0, "2")]);
    wrong["data"]["total"]["minor"] = json!(1);
    let (status, ack) = shop.upload(&[first.clone(), second, wrong]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let (status, ack) = shop.upload(&[first]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let (status, page) = shop
        .hub
        .get(
            "/v1/sync/feed?since=0&queue=7&quarantined=2",
            &shop.device_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let pending = page["changes"].as_array().expect("changes").len();
    assert!(pending > 0, "a new till has the catalog to read: {page}");
    let (status, _) = shop
        .hub
        .get(
            &format!("/v1/stores/{}", uuid::Uuid::now_v7()),
            &shop.api_key,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, kind, text) = scrape(&shop, Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    let facts = |outcome: &str| {
        sample(
            &text,
            "hub_facts_total",
            &[&format!("outcome=\"{outcome}\"")],
        )
    };
    assert_eq!(facts("accepted"), Some(2.0), "{text}");
    assert_eq!(facts("duplicate"), Some(1.0), "{text}");
    assert_eq!(facts("rejected"), Some(1.0), "{text}");
    let outbox = "route=\"/v1/sync/outbox\"";
    assert_eq!(
        sample(
            &text,
            "hub_http_requests_total",
            &["method=\"POST\"", outbox, "status=\"200\""]
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "hub_http_request_duration_seconds_count",
            &["method=\"POST\"", outbox]
        ),
        Some(2.0),
        "{text}"
    );
    // The route is the template, never the id asked for.
    assert_eq!(
        sample(
            &text,
            "hub_http_requests_total",
            &["route=\"/v1/stores/{store_id}\"", "status=\"404\""]
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        !text.contains("/v1/stores/0"),
        "no raw path is a label: {text}"
    );
    let terminal = format!("terminal=\"{}\"", shop.terminal_id);
    assert_eq!(
        sample(&text, "hub_terminal_outbox_queued", &[&terminal]),
        Some(7.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "hub_terminal_quarantined", &[&terminal]),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "hub_terminal_feed_behind_changes", &[&terminal]),
        Some(pending as f64),
        "{text}"
    );
    let max = sample(&text, "hub_db_pool_connections", &["state=\"max\""]).expect("pool max");
    let open = sample(&text, "hub_db_pool_connections", &["state=\"open\""]).expect("pool open");
    assert!(max >= 1.0 && open >= 1.0 && open <= max, "{text}");

    // Caught up, the till is no longer behind.
    let cursor = page["next_cursor"].as_u64().expect("cursor");
    let (status, _) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since={cursor}&queue=0"),
            &shop.device_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, text) = scrape(&shop, Some(METRICS_TOKEN)).await;
    assert_eq!(
        sample(&text, "hub_terminal_feed_behind_changes", &[&terminal]),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "hub_terminal_outbox_queued", &[&terminal]),
        Some(0.0),
        "{text}"
    );
}
on_both_backends!(the_hub_reports_health_readiness_and_metrics);

async fn metrics_are_off_without_a_token(backend: Backend) {
    let shop = shop(backend).await;
    let (status, kind, body) = scrape(&shop, Some("anything")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(kind.starts_with("application/problem+json"), "{kind}");
    assert!(body.contains("HUB_METRICS_TOKEN"), "{body}");
}
on_both_backends!(metrics_are_off_without_a_token);

/// The database server goes away under a running hub (PostgreSQL: the
/// embedded SQLite file is the hub's own and cannot vanish under it).
#[tokio::test]
async fn readiness_says_no_when_the_database_is_gone() {
    let hub = spawn_hub(Backend::Postgres).await;
    let admin = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    // `postgres://…/<name>?sslmode=…`
    let path = hub.database_url.split('?').next().expect("url");
    let name = path.rsplit('/').next().expect("name").to_owned();
    let pool = sqlx::PgPool::connect(&admin).await.expect("admin");
    sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&pool)
        .await
        .expect("drop");
    let response = reqwest::get(format!("{}/ready", hub.base))
        .await
        .expect("ready");
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("database"), "{body}");
    // Liveness is the process, not the database.
    let health = reqwest::get(format!("{}/health", hub.base))
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);
}
