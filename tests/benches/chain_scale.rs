//! Benchmark: a chain's terminals long-polling one hub, and a chain-wide
//! price change reaching all of them.
//!
//! `cargo bench -p system-tests --bench chain_scale` (`./scripts/bench-chain.sh`
//! starts a throwaway PostgreSQL for the PostgreSQL runs). `BENCH_STORES`
//! (1,000) stores of `BENCH_TERMINALS` (5) terminals are enrolled on a hub
//! process (the release `pos-hub`); every terminal catches up with the feed
//! and holds a long-poll open; one price change is made through the HQ API.
//! Printed, per run: how long the change took to commit, when it reached the
//! terminals (p50, p99, last, from the moment it was sent), the hub's
//! resident memory idle and with every long-poll open (and the difference
//! per waiting terminal), and how long 5,000 feed reads that answer at once
//! take (p50, p99). The baseline, measured in the same run, is one bare
//! HTTP round trip to the hub (`GET /health`).
//!
//! Runs: SQLite with one process; PostgreSQL (when `TEST_DATABASE_URL` is
//! set) with one process, then with two processes on the same database and
//! the terminals split between them. `BENCH_BACKENDS=sqlite` or `postgres`
//! runs one only.

use futures_util::StreamExt;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN: &str = "bench-admin";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `pos-hub` process, killed when dropped.
struct HubProcess {
    child: Child,
    base: String,
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl HubProcess {
    async fn start(database_url: &str, data_dir: &std::path::Path) -> HubProcess {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_pos-hub"))
            .env("HUB_LISTEN", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            .env("HUB_DATA_DIR", data_dir)
            .env("HUB_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start pos-hub");
        let hub = HubProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{}/health", hub.base)).send().await {
                if r.status().is_success() {
                    return hub;
                }
            }
            assert!(Instant::now() < deadline, "the hub did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Resident memory now, in MiB (Linux).
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the hub's /proc status");
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
            .expect("VmRSS");
        kb / 1024.0
    }
}

/// Answers `request` as JSON, panicking on anything but a 2xx, so no figure
/// is printed from refused requests.
async fn ok_json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("request");
    let status = response.status();
    let body = response.text().await.expect("body");
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

/// A chain of `stores` × `terminals` enrolled on `hub`: the HQ key, the
/// variant whose price will change, and each terminal's token.
async fn enroll_chain(
    http: &reqwest::Client,
    hub: &str,
    stores: usize,
    terminals: usize,
) -> (String, String, Vec<String>) {
    let tenant = ok_json(
        http.post(format!("{hub}/v1/admin/tenants"))
            .bearer_auth(ADMIN)
            .json(&json!({"name": "Chain"})),
    )
    .await;
    let key = tenant["api_key"].as_str().expect("api key").to_owned();
    let product = ok_json(
        http.post(format!("{hub}/v1/products"))
            .bearer_auth(&key)
            .json(&json!({"name": "Staples", "variants": [
                {"name": "Assam Tea 250 g", "sku": "TEA-250", "barcode": "8901234567890", "price": {"minor": 14500, "currency": "INR"}}
            ]})),
    )
    .await;
    let variant = product["variants"][0]["variant_id"]
        .as_str()
        .expect("variant")
        .to_owned();
    let tokens = futures_util::stream::iter(0..stores)
        .map(|s| {
            let (http, key) = (http.clone(), key.clone());
            async move {
                let store = ok_json(
                    http.post(format!("{hub}/v1/stores"))
                        .bearer_auth(&key)
                        .json(&json!({"code": format!("S{s:04}"), "name": format!("Store {s}"), "currency": "INR"})),
                )
                .await;
                let store_id = store["id"].as_str().expect("store id").to_owned();
                let mut tokens = Vec::with_capacity(terminals);
                for t in 0..terminals {
                    let terminal = ok_json(
                        http.post(format!("{hub}/v1/stores/{store_id}/terminals"))
                            .bearer_auth(&key)
                            .json(&json!({"name": format!("Till {t}"), "receipt_prefix": format!("S{s}T{t}")})),
                    )
                    .await;
                    let code = terminal["enrollment_code"].as_str().expect("code");
                    let credential = ok_json(
                        http.post(format!("{hub}/v1/enroll"))
                            .json(&json!({"code": code, "agent_version": "bench"})),
                    )
                    .await;
                    tokens.push(credential["token"].as_str().expect("token").to_owned());
                }
                tokens
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    (key, variant, tokens)
}

/// Reads the feed to its head as `token`'s terminal.
async fn catch_up(http: &reqwest::Client, hub: &str, token: &str) -> u64 {
    let mut since = 0;
    loop {
        let page = ok_json(
            http.get(format!("{hub}/v1/sync/feed?since={since}&limit=1000"))
                .bearer_auth(token),
        )
        .await;
        since = page["next_cursor"].as_u64().expect("cursor");
        if page["has_more"] != true {
            return since;
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One run: the terminals spread over `hubs` in turn, all caught up and
/// waiting, then one chain-wide price change.
async fn run(label: &str, hubs: &[&HubProcess], stores: usize, terminals: usize) {
    // Each waiting request holds its own connection, as a terminal does.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let first = &hubs[0].base;
    let enrolling = Instant::now();
    let (key, variant, tokens) = enroll_chain(&http, first, stores, terminals).await;
    println!(
        "{label}: {} terminals in {stores} stores enrolled in {:.1} s",
        tokens.len(),
        enrolling.elapsed().as_secs_f64()
    );
    let base_of = |i: usize| hubs[i % hubs.len()].base.clone();
    // Every terminal's head, read as the terminal would (64 at a time).
    let catch_up_all = || {
        futures_util::stream::iter(tokens.iter().enumerate())
            .map(|(i, t)| {
                let (http, base) = (http.clone(), base_of(i));
                async move { catch_up(&http, &base, t).await }
            })
            .buffered(64)
            .collect::<Vec<u64>>()
    };
    let cursors = catch_up_all().await;

    // Baseline: a bare round trip to the hub.
    let mut trips = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        ok_json(http.get(format!("{first}/health"))).await;
        trips.push(started.elapsed());
    }
    trips.sort();
    let trip = percentile(&trips, 0.5);
    // Reports from the catch-up written, memory settled.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle: Vec<f64> = hubs.iter().map(|h| h.rss_mib()).collect();

    // Every terminal waits; the change is sent once they all are.
    let sent_at = std::sync::Arc::new(std::sync::OnceLock::<Instant>::new());
    let waiting: Vec<_> = tokens
        .iter()
        .zip(&cursors)
        .enumerate()
        .map(|(i, (token, since))| {
            let request = http
                .get(format!("{}/v1/sync/feed?since={since}&wait=60", base_of(i)))
                .bearer_auth(token);
            let sent_at = sent_at.clone();
            tokio::spawn(async move {
                let page = ok_json(request).await;
                let arrived = Instant::now();
                let changes = page["changes"].as_array().expect("changes");
                assert!(
                    changes.iter().any(|c| c["type"] == "variant_upserted"),
                    "woken without the change: {page}"
                );
                arrived.duration_since(*sent_at.get().expect("woken before the change was sent"))
            })
        })
        .collect();
    // Held open: give every request time to reach the hub and wait there.
    tokio::time::sleep(Duration::from_secs(5 + tokens.len() as u64 / 1000)).await;
    assert!(
        waiting.iter().all(|w| !w.is_finished()),
        "a long-poll answered before any change"
    );
    let holding: Vec<f64> = hubs.iter().map(|h| h.rss_mib()).collect();

    let started = Instant::now();
    sent_at.set(started).unwrap();
    ok_json(
        http.put(format!("{first}/v1/variants/{variant}/price"))
            .bearer_auth(&key)
            .json(&json!({"price": {"minor": 15500, "currency": "INR"}})),
    )
    .await;
    let committed = started.elapsed();
    let mut arrivals = Vec::with_capacity(waiting.len());
    for w in waiting {
        arrivals.push(w.await.expect("a terminal's wait"));
    }
    arrivals.sort();
    let after: Vec<f64> = hubs.iter().map(|h| h.rss_mib()).collect();

    // 5,000 feed reads that answer at once (the terminals asking again
    // right after the change, with nothing newer).
    let heads = catch_up_all().await;
    let burst_started = Instant::now();
    let burst: Vec<_> = tokens
        .iter()
        .zip(&heads)
        .enumerate()
        .map(|(i, (token, since))| {
            let request = http
                .get(format!("{}/v1/sync/feed?since={since}", base_of(i)))
                .bearer_auth(token);
            tokio::spawn(async move {
                ok_json(request).await;
                burst_started.elapsed()
            })
        })
        .collect();
    let mut reads = Vec::with_capacity(burst.len());
    for r in burst {
        reads.push(r.await.expect("a read"));
    }
    reads.sort();

    let n = tokens.len() as f64;
    println!(
        "{label}: a chain-wide price change to {} waiting terminals",
        tokens.len()
    );
    println!(
        "  baseline: bare round trip to the hub (median)     {:>9.3} ms",
        ms(trip)
    );
    println!(
        "  the change committed (HQ API answer)              {:>9.1} ms",
        ms(committed)
    );
    println!(
        "  arrival at the terminals  p50 {:>8.1} ms   p99 {:>8.1} ms   last {:>8.1} ms   (p99 goal under 1,000 ms)",
        ms(percentile(&arrivals, 0.5)),
        ms(percentile(&arrivals, 0.99)),
        ms(*arrivals.last().unwrap()),
    );
    for (i, ((idle, holding), after)) in idle.iter().zip(&holding).zip(&after).enumerate() {
        let share = n / hubs.len() as f64;
        println!(
            "  hub {} RSS: idle {:>7.1} MiB, {share:.0} waiting {:>7.1} MiB ({:.1} KiB a waiting terminal), after {:>7.1} MiB   (goal under 300 MiB)",
            i + 1,
            idle,
            holding,
            (holding - idle) * 1024.0 / share,
            after,
        );
    }
    println!(
        "  {} feed reads at once      p50 {:>8.1} ms   p99 {:>8.1} ms   ({:.0}x / {:.0}x the round trip)",
        tokens.len(),
        ms(percentile(&reads, 0.5)),
        ms(percentile(&reads, 0.99)),
        ms(percentile(&reads, 0.5)) / ms(trip),
        ms(percentile(&reads, 0.99)) / ms(trip),
    );
}

fn main() {
    let stores = env_or("BENCH_STORES", 1000);
    let terminals = env_or("BENCH_TERMINALS", 5);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    let wanted = |b: &str| backends.is_empty() || backends.split(',').any(|x| x.trim() == b);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        if wanted("sqlite") {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("hub.db").display());
            let hub = HubProcess::start(&url, dir.path()).await;
            run("SQLite, one hub process", &[&hub], stores, terminals).await;
        }
        let admin = std::env::var("TEST_DATABASE_URL").ok();
        match admin {
            Some(admin) if wanted("postgres") => {
                for processes in [1, 2] {
                    let name = format!("chain_bench_{}", uuid::Uuid::now_v7().simple());
                    let url = cloud_hub::storage::postgres::create_database(&admin, &name)
                        .await
                        .expect("a database for the benchmark");
                    let dir = tempfile::tempdir().unwrap();
                    let mut hubs = Vec::new();
                    for _ in 0..processes {
                        hubs.push(HubProcess::start(&url, dir.path()).await);
                    }
                    let refs: Vec<&HubProcess> = hubs.iter().collect();
                    let label = if processes == 1 {
                        "PostgreSQL, one hub process".to_owned()
                    } else {
                        format!("PostgreSQL, {processes} hub processes, terminals split")
                    };
                    run(&label, &refs, stores, terminals).await;
                }
            }
            None if wanted("postgres") && !backends.is_empty() => {
                panic!("TEST_DATABASE_URL is not set: run ./scripts/bench-chain.sh")
            }
            _ => {}
        }
    });
}
