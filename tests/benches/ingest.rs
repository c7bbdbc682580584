//! Benchmark: the webhook gateway and ingestion into the ledger, on
//! PostgreSQL, through the real hub (`cloud_hub::start`, HTTP on loopback).
//!
//! `./scripts/bench-ingest.sh` starts a throwaway PostgreSQL server and runs
//! it: an ERP source pushes `BENCH_WEBHOOKS` (2,000) signed inventory-delta
//! webhooks of `BENCH_LINES` (10) lines each, `BENCH_CONCURRENCY` (8) at a
//! time. Printed: the acknowledge latency (p50, p99) and the sustained
//! ingest rate (ledger movements per second, from the first webhook sent to
//! the last one applied), each beside a raw durable INSERT of the same
//! payloads into a plain table on the same server in the same run (the
//! floor for "archived before answered") and the same lines as single-row
//! INSERTs (the floor for writing them to a ledger). Checked afterwards:
//! every line moved the ledger exactly once.

use hq_client::HqClient;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at =
        |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let admin = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL names a PostgreSQL server: run ./scripts/bench-ingest.sh");
    let webhooks = env_size("BENCH_WEBHOOKS", 2000);
    let lines = env_size("BENCH_LINES", 10);
    let concurrency = env_size("BENCH_CONCURRENCY", 8);
    let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
    let url = cloud_hub::storage::postgres::create_database(&admin, &name)
        .await
        .expect("create database");
    let hub = cloud_hub::start(cloud_hub::config::HubConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        admin_token: Some(pos_shared::Secret::new("bench-admin")),
        secret_key: cloud_hub::config::SecretKeySource::Given(pos_shared::Secret::new(
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        )),
        // The gateway's own throughput is measured: one source sending as
        // fast as it can would otherwise be told to slow down.
        limits: cloud_hub::http::limits::LimitsConfig {
            requests_per_second: 0,
            burst: 0,
            failed_attempts_per_minute: 0,
        },
        ..cloud_hub::config::HubConfig::new(url.clone())
    })
    .await
    .expect("start the hub");
    let base = hub.base_url();
    let hq: HqClient = system_tests::create_tenant(&base, "bench-admin", "Bench Chain")
        .await
        .expect("tenant");
    let store = hq
        .create_store("WH-1", "Warehouse", "INR")
        .await
        .expect("store");
    let skus: Vec<String> = (0..lines).map(|i| format!("SKU-{i:03}")).collect();
    let variants: Vec<_> = skus
        .iter()
        .enumerate()
        .map(|(i, sku)| json!({"name": format!("Item {i}"), "sku": sku, "price": {"minor": 1000, "currency": "INR"}}))
        .collect();
    hq.create_product(&json!({"name": "Bench items", "variants": variants}))
        .await
        .expect("catalog");
    let (_, source) = hq
        .send_json(
            hq_client::Method::POST,
            "/v1/sources",
            Some(&json!({"code": "erp", "name": "ERP", "kind": "erp",
                         "stores": [{"external_id": "WH1", "store_id": store.id}]})),
        )
        .await
        .expect("source");
    let source_id = source["id"].as_str().expect("source id").to_owned();
    let secret =
        cloud_hub::signatures::WebhookSecret::parse(source["secret"].as_str().expect("secret"))
            .expect("secret");
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..webhooks)
            .map(|w| {
                let items: Vec<_> = skus
                    .iter()
                    .map(|sku| json!({"adjustmentId": format!("{w}-{sku}"), "itemSKU": sku, "facilityCode": "WH1",
                                      "quantity": 1, "adjustmentType": "ADD", "updated": "2026-12-01T10:00:00Z"}))
                    .collect();
                json!({"inventoryAdjustments": items}).to_string()
            })
            .collect(),
    );
    println!(
        "hub on PostgreSQL: {webhooks} signed webhooks of {lines} inventory lines, {concurrency} at a time"
    );

    // The gateway: acknowledge latency, then until the last line is applied.
    let http = reqwest::Client::new();
    let endpoint = format!("{base}/v1/webhooks/{source_id}");
    let started = Instant::now();
    let acks = fan_out(webhooks, concurrency, {
        let bodies = bodies.clone();
        move |w| {
            let (http, endpoint, secret, bodies) = (
                http.clone(),
                endpoint.clone(),
                secret.clone(),
                bodies.clone(),
            );
            async move {
                let id = format!("bench-{w}");
                let ts = pos_shared::Timestamp::now().unix_millis() / 1000;
                let body = bodies[w].clone();
                let signature = secret.sign(&id, ts, body.as_bytes());
                let t = Instant::now();
                let response = http
                    .post(&endpoint)
                    .header("content-type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", signature)
                    .body(body)
                    .send()
                    .await
                    .expect("send");
                assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED);
                t.elapsed()
            }
        }
    })
    .await;
    let acked = started.elapsed();
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");
    loop {
        let (queued,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM inbound_payloads WHERE state = 'queued'")
                .fetch_one(&pool)
                .await
                .expect("queue");
        if queued == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let applied_in = started.elapsed();
    let (moved,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM stock_movements WHERE reason = 'adjustment'")
            .fetch_one(&pool)
            .await
            .expect("movements");
    let total_lines = (webhooks * lines) as i64;
    assert_eq!(moved, total_lines, "every line moved the ledger once");
    let (ack_p50, ack_p99) = percentiles(acks);
    let ingest_rate = total_lines as f64 / applied_in.as_secs_f64();

    // The floors, on the same server: the same payloads INSERTed raw, one
    // durable statement each, as many at a time; then the same lines as
    // single-row INSERTs.
    sqlx::query("CREATE TABLE bench_raw (id BIGINT PRIMARY KEY, body BYTEA NOT NULL)")
        .execute(&pool)
        .await
        .expect("table");
    let raw = fan_out(webhooks, concurrency, {
        let (pool, bodies) = (pool.clone(), bodies.clone());
        move |w| {
            let (pool, bodies) = (pool.clone(), bodies.clone());
            async move {
                let t = Instant::now();
                sqlx::query("INSERT INTO bench_raw (id, body) VALUES ($1, $2)")
                    .bind(w as i64)
                    .bind(bodies[w].as_bytes())
                    .execute(&pool)
                    .await
                    .expect("insert");
                t.elapsed()
            }
        }
    })
    .await;
    let (raw_p50, raw_p99) = percentiles(raw);
    sqlx::query("CREATE TABLE bench_lines (id BIGINT PRIMARY KEY, sku TEXT NOT NULL, delta BIGINT NOT NULL)")
        .execute(&pool)
        .await
        .expect("table");
    let line_started = Instant::now();
    fan_out(total_lines as usize, concurrency, {
        let pool = pool.clone();
        move |n| {
            let pool = pool.clone();
            async move {
                let t = Instant::now();
                sqlx::query("INSERT INTO bench_lines (id, sku, delta) VALUES ($1, $2, 1000)")
                    .bind(n as i64)
                    .bind(format!("SKU-{:03}", n % 10))
                    .execute(&pool)
                    .await
                    .expect("insert");
                t.elapsed()
            }
        }
    })
    .await;
    let line_rate = total_lines as f64 / line_started.elapsed().as_secs_f64();

    println!(
        "  webhook acknowledged (verify, archive, queue)   p50 {ack_p50:>8.3} ms   p99 {ack_p99:>8.3} ms   ({:.0}/s)",
        webhooks as f64 / acked.as_secs_f64()
    );
    println!("  raw durable INSERT of the same payloads         p50 {raw_p50:>8.3} ms   p99 {raw_p99:>8.3} ms");
    println!(
        "  ratio                                           p50 {:>8.2}x     p99 {:>8.2}x",
        ack_p50 / raw_p50,
        ack_p99 / raw_p99
    );
    println!(
        "  ingest to the ledger (sent → applied)  {ingest_rate:>9.0} lines/s   raw single-row INSERTs {line_rate:>9.0} lines/s   ratio {:.2}x",
        ingest_rate / line_rate
    );
    hub.stop().await.expect("stop");
}

/// Runs `task(0..n)`, `concurrency` at a time; each task's duration.
async fn fan_out<F, Fut>(n: usize, concurrency: usize, task: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Duration> + Send + 'static,
{
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, task) = (next.clone(), task.clone());
            tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        return out;
                    }
                    out.push(task(i).await);
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    all
}
