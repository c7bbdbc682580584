//! Benchmark: one tenant floods the hub while another works.
//!
//! `cargo bench -p system-tests --bench rate_limits` (`BENCH_SECS`,
//! `BENCH_FLOODERS`). A release hub on SQLite with its default limits
//! (100 requests a second per credential, bursts of 1,000). Tenant B reads
//! its catalog one request after another: first on a quiet hub (the
//! baseline), then while tenant A's script floods the hub from
//! `BENCH_FLOODERS` (32) connections for `BENCH_SECS` (10) seconds. Printed:
//! B's p50/p99 quiet and under the flood and their ratio (goal: p99 within
//! 2x), A's requests served and refused with 429, and the hub's own count
//! of 429s from `/metrics`. The loop is bounded: every flooder sends its next
//! request only when the last is answered.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ADMIN: &str = "bench-admin";
const SCRAPER: &str = "bench-scraper";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn tenant(http: &reqwest::Client, base: &str, name: &str) -> String {
    let r = http
        .post(format!("{base}/v1/admin/tenants"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "tenant: {}", r.status());
    let body: Value = r.json().await.unwrap();
    body["api_key"].as_str().unwrap().to_owned()
}

/// `n` sequential catalog reads as `key`; their latencies, sorted.
async fn reads(http: &reqwest::Client, url: &str, key: &str, until: Instant) -> Vec<Duration> {
    let mut out = Vec::new();
    while Instant::now() < until {
        let t = Instant::now();
        let r = http.get(url).bearer_auth(key).send().await.unwrap();
        assert!(r.status().is_success(), "B's read: {}", r.status());
        r.bytes().await.unwrap();
        out.push(t.elapsed());
        // B is a person's screen or a till, not a loop: ten reads a second.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    out.sort();
    out
}

fn main() {
    let secs = env_or("BENCH_SECS", 10);
    let flooders = env_or("BENCH_FLOODERS", 32);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("hub.db").display());
        let hub = cloud_hub::start(cloud_hub::config::HubConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token: Some(pos_shared::Secret::new(ADMIN)),
            metrics_token: Some(pos_shared::Secret::new(SCRAPER)),
            secret_key: cloud_hub::config::SecretKeySource::File(dir.path().join("hub.key")),
            ..cloud_hub::config::HubConfig::new(url)
        })
        .await
        .unwrap();
        let base = hub.base_url();
        let http = reqwest::Client::new();
        let a = tenant(&http, &base, "Flooding Chain").await;
        let b = tenant(&http, &base, "Working Chain").await;
        let catalog = format!("{base}/v1/catalog");

        let quiet = reads(&http, &catalog, &b, Instant::now() + Duration::from_secs(secs)).await;

        let served = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + Duration::from_secs(secs);
        let mut flood = tokio::task::JoinSet::new();
        for _ in 0..flooders {
            let (http, url, key) = (reqwest::Client::new(), catalog.clone(), a.clone());
            let (served, refused) = (served.clone(), refused.clone());
            flood.spawn(async move {
                while Instant::now() < until {
                    let r = http.get(&url).bearer_auth(&key).send().await.unwrap();
                    match r.status().as_u16() {
                        429 => refused.fetch_add(1, Ordering::Relaxed),
                        s if s < 300 => served.fetch_add(1, Ordering::Relaxed),
                        s => panic!("A's read: {s}"),
                    };
                    r.bytes().await.unwrap();
                }
            });
        }
        let loud = reads(&http, &catalog, &b, until).await;
        while flood.join_next().await.is_some() {}

        let metrics = http
            .get(format!("{base}/metrics"))
            .bearer_auth(SCRAPER)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let limited: f64 = metrics
            .lines()
            .filter(|l| l.starts_with("hub_http_requests_total{") && l.contains("status=\"429\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();

        let (served, refused) = (served.load(Ordering::Relaxed), refused.load(Ordering::Relaxed));
        println!("one tenant floods ({flooders} connections, {secs} s), another reads its catalog ten times a second");
        println!(
            "  B quiet (baseline)                 p50 {:>7.2} ms   p99 {:>7.2} ms   ({} reads)",
            ms(percentile(&quiet, 0.5)),
            ms(percentile(&quiet, 0.99)),
            quiet.len()
        );
        println!(
            "  B while A floods                   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} reads)",
            ms(percentile(&loud, 0.5)),
            ms(percentile(&loud, 0.99)),
            loud.len()
        );
        println!(
            "  B's p99 under the flood            {:.2}x the quiet figure (goal: within 2x)",
            percentile(&loud, 0.99).as_secs_f64() / percentile(&quiet, 0.99).as_secs_f64()
        );
        println!(
            "  A served {served} ({:.0}/s), refused with 429: {refused}; the hub's /metrics counts {limited} 429s",
            served as f64 / secs as f64
        );
    });
}
