//! Benchmark of the sync engine: bootstrap of a large store, price-change
//! propagation to connected tills.
//!
//! `cargo bench -p system-tests --bench sync_engine` (`BENCH_VARIANTS=N`,
//! `BENCH_BOOTSTRAPS=N` new tills, `BENCH_TILLS=N`, `BENCH_PRICE_CHANGES=N`
//! to change the sizes; `BENCH_SHOW_LOG=1` prints each new till's log). Each figure is
//! printed next to a baseline measured in the same run: bulk-loading the same
//! rows straight into SQLite, and a bare HTTP round trip to the hub. The first
//! new till of the store has the hub read its snapshot; the next ones, within
//! `feed.snapshot_share_secs`, are given the same one, and both are printed.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use system_tests::seed_demo;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// An in-store EAN-13 (prefix 2) numbered `n`.
fn gtin13(n: u64) -> String {
    let code = pos_shared::Gtin::with_check_digit(&format!("2{n:011}")).expect("12 digits");
    code.as_str()[1..].to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct AgentProcess {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_agent(hub: &str, code: &str) -> AgentProcess {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // The bootstrap's own timings (download, apply) are read back from its log.
    let log = std::fs::File::create(dir.path().join("agent.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_pos-agent"))
        .env("EDGE_DATA_DIR", dir.path())
        .env("EDGE_HUB_URL", hub)
        .env("EDGE_LISTEN", format!("127.0.0.1:{port}"))
        .env("EDGE_ENROLL_CODE", code)
        .env("RUST_LOG", "warn,edge_agent::sync=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    AgentProcess {
        child,
        base: format!("http://127.0.0.1:{port}"),
        dir,
    }
}

/// A `name=N` figure from the agent's log lines, in seconds (N in ms).
fn logged_secs(dir: &std::path::Path, name: &str) -> Option<f64> {
    let log = std::fs::read_to_string(dir.join("agent.log")).ok()?;
    let key = format!("{name}=");
    log.split_whitespace()
        .filter_map(|w| w.strip_prefix(&key))
        .next_back()?
        .parse::<f64>()
        .ok()
        .map(|ms| ms / 1e3)
}

/// Peak resident memory of a process, from /proc (Linux).
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The same rows a snapshot carries, bulk-loaded straight into SQLite.
fn sqlite_bulk_load(path: &std::path::Path, n: usize) -> Duration {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE variants (id TEXT PRIMARY KEY, product_id TEXT, name TEXT, sku TEXT, gtin TEXT UNIQUE, price_minor INTEGER, currency TEXT);
         CREATE TABLE stock (variant_id TEXT PRIMARY KEY, on_hand_milli INTEGER);",
    )
    .unwrap();
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut v = tx
            .prepare("INSERT INTO variants VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'INR')")
            .unwrap();
        let mut s = tx.prepare("INSERT INTO stock VALUES (?1, ?2)").unwrap();
        for i in 0..n {
            let id = uuid::Uuid::now_v7().to_string();
            v.execute(rusqlite::params![
                id,
                id,
                format!("Item {i}"),
                format!("SKU-{i}"),
                gtin13(i as u64),
                1000
            ])
            .unwrap();
            s.execute(rusqlite::params![id, 5000]).unwrap();
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

async fn wait_for(what: &str, secs: u64, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// What the till logs of its bootstrap: (what, the log's key in ms).
const LOGGED: [(&str, &str); 6] = [
    (
        "of which, median of all rounds: downloaded (streamed as the hub reads it)",
        "download_ms",
    ),
    ("of which: applied (while downloading)", "ready_ms"),
    (
        "  the apply reading the file (and waiting for it)",
        "read_ms",
    ),
    ("  the apply writing rows", "write_ms"),
    ("  the apply finishing (cursor, marks)", "finish_ms"),
    ("the search index rebuilt, after the apply", "index_ms"),
];

/// One new till's bootstrap, next to its own bulk load.
struct Round {
    baseline: Duration,
    ready: Duration,
    searchable: Duration,
    /// The hub alone, in the first round (later ones would be given the
    /// snapshot it shares).
    served: Option<Duration>,
    bytes: usize,
    rss: Option<f64>,
    logged: [Option<f64>; 6],
}

fn main() {
    let variants = env_or("BENCH_VARIANTS", 100_000);
    let rounds = env_or("BENCH_BOOTSTRAPS", 3).max(1);
    let tills = env_or("BENCH_TILLS", 5);
    let changes = env_or("BENCH_PRICE_CHANGES", 30);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let running = system_tests::start_hub(&dir.path().join("hub.db"), "bench")
            .await
            .unwrap();
        let hub = running.base_url();
        let hq = system_tests::create_tenant(&hub, "bench", "Bench").await.unwrap();
        let (store, mut codes) = seed_demo(&hq, tills + rounds).await.unwrap();
        let http = reqwest::Client::new();

        // A big catalog, 1,000 variants per product, with stock.
        let seeding = Instant::now();
        for chunk in 0..variants.div_ceil(1000) {
            let vs: Vec<Value> = (chunk * 1000..((chunk + 1) * 1000).min(variants))
                .map(|i| json!({"name": format!("Item {i}"), "sku": format!("SKU-{i}"), "barcode": gtin13(i as u64), "price": {"minor": 1000, "currency": "INR"}}))
                .collect();
            let product = hq
                .create_product(&json!({"name": format!("Range {chunk}"), "variants": vs}))
                .await
                .unwrap();
            // Stock at the store for every one: the snapshot carries a
            // position per variant, as the bulk load below writes a row.
            let movements: Vec<Value> = product["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| json!({"variant_id": v["variant_id"], "delta": "5", "reason": "receipt"}))
                .collect();
            let (status, answer) = hq
                .post_json(&format!("/v1/stores/{store}/movements/bulk"), &json!({"movements": movements}))
                .await
                .unwrap();
            assert!(status.is_success(), "stock: {status} {answer}");
        }
        println!("seeded {variants} variants through the HQ API in {:.1} s", seeding.elapsed().as_secs_f64());
        // The hub's own work on the import (enrichment's proposals, the
        // basket projection's place) done before the first till comes, so
        // its bootstrap is measured, not the two sharing the machine.
        let settling = Instant::now();
        let storage = running.storage().clone();
        loop {
            let mut behind = false;
            for (tenant, head) in storage.feed_heads().await.unwrap() {
                behind |= storage.enrichment_cursor(tenant).await.unwrap() < head;
            }
            for (tenant, head) in storage.event_heads().await.unwrap() {
                behind |= storage.basket_place(tenant).await.unwrap().unwrap_or(0) < head;
            }
            if !behind {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!("the hub's enrichment and basket workers caught up with the import {:.1} s after it", settling.elapsed().as_secs_f64());

        // Bootstrap: new tills, from enrollment to caught up, each round next
        // to a bulk load of its own (the machine is shared: medians, and the
        // ratio of each round).
        println!("bootstrap of a {variants}-variant store (enroll, snapshot, apply, catch up), {rounds} rounds");
        let mut figures: Vec<Round> = Vec::new();
        for round in 0..rounds {
            let baseline = sqlite_bulk_load(&dir.path().join(format!("bulk-{round}.db")), variants);
            let code = codes.pop().unwrap();
            let start = Instant::now();
            let agent = spawn_agent(&hub, &code);
            let check = format!("{}/v1/products/by-barcode/{}", agent.base, gtin13(variants as u64 - 1));
            wait_for("the till to hold the whole catalog", 600, async || {
                matches!(http.get(&check).send().await, Ok(r) if r.status().is_success())
            })
            .await;
            wait_for("the till to be caught up", 600, async || {
                let s: Value = match http.get(format!("{}/v1/sync/status", agent.base)).send().await {
                    Ok(r) => r.json().await.unwrap_or_default(),
                    Err(_) => return false,
                };
                s["online"] == true && s["queued"] == 0 && s["cursor"].as_u64().unwrap_or(0) > 0
            })
            .await;
            let ready = start.elapsed();
            // Type-ahead search follows: its index is rebuilt in steps after
            // the snapshot, while the till already sells.
            let last = format!("{}/v1/products/search?q=Item%20{}", agent.base, variants - 1);
            wait_for("the till's search index", 600, async || {
                let s: Value = match http.get(format!("{}/v1/sync/status", agent.base)).send().await {
                    Ok(r) => r.json().await.unwrap_or_default(),
                    Err(_) => return false,
                };
                let found: Value = match http.get(&last).send().await {
                    Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
                    _ => return false,
                };
                s["search_indexing"] == false && found.as_array().is_some_and(|a| !a.is_empty())
            })
            .await;
            let searchable = start.elapsed();
            let rss = peak_rss_mib(agent.child.id());
            let credential: Value =
                serde_json::from_slice(&std::fs::read(agent.dir.path().join("device.json")).unwrap()).unwrap();
            // The hub alone, once: the snapshot asked again with the till
            // idle, at the protocol before this one, so the hub reads it
            // afresh rather than give the one it shares at this protocol.
            let (served, bytes) = if round == 0 {
                let asked = Instant::now();
                let response = http
                    .get(format!("{hub}/v1/sync/snapshot?v={}", pos_shared::sync::PROTOCOL_VERSION - 1))
                    .bearer_auth(credential["token"].as_str().unwrap())
                    .send()
                    .await
                    .unwrap();
                // A refused request would print its problem body's size as the snapshot's.
                assert!(response.status().is_success(), "snapshot: {}", response.status());
                let bytes = response.bytes().await.unwrap().len();
                (Some(asked.elapsed()), bytes)
            } else {
                (None, 0)
            };
            // The index log line follows the status change by a moment.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let logged = LOGGED.map(|(_, name)| logged_secs(agent.dir.path(), name));
            println!(
                "  round {}: ready {:.2} s ({:.1}x a bulk load of {:.2} s), searchable {:.2} s ({:.1}x){}",
                round + 1,
                ready.as_secs_f64(),
                ready.as_secs_f64() / baseline.as_secs_f64(),
                baseline.as_secs_f64(),
                searchable.as_secs_f64(),
                searchable.as_secs_f64() / baseline.as_secs_f64(),
                served.map(|d| format!(", hub alone {:.2} s", d.as_secs_f64())).unwrap_or_default()
            );
            if std::env::var_os("BENCH_SHOW_LOG").is_some() {
                println!("{}", std::fs::read_to_string(agent.dir.path().join("agent.log")).unwrap_or_default());
            }
            figures.push(Round { baseline, ready, searchable, served, bytes, rss, logged });
        }
        let median_of = |rounds: &[Round], f: &dyn Fn(&Round) -> f64| {
            let mut v: Vec<f64> = rounds.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let median = |f: &dyn Fn(&Round) -> f64| median_of(&figures, f);
        let baseline = median(&|r| r.baseline.as_secs_f64());
        println!("  medians:");
        println!("  baseline: bulk-load the same rows into SQLite       {baseline:>8.2} s");
        let (first, next) = figures.split_at(1);
        let mut groups = vec![("the store's first new till (the hub reads its snapshot)", first)];
        if !next.is_empty() {
            groups.push(("the store's next new tills (given the first one's snapshot)", next));
        }
        for (who, rounds) in groups {
            println!("  {who}:");
            for (what, f) in [
                ("till bootstrap, ready to sell (barcodes, stock)", &(|r: &Round| r.ready.as_secs_f64()) as &dyn Fn(&Round) -> f64),
                ("search index complete (the till sells meanwhile)", &|r: &Round| r.searchable.as_secs_f64()),
            ] {
                let ratio = median_of(rounds, &|r: &Round| f(r) / r.baseline.as_secs_f64());
                println!(
                    "    {what:<49}{:>8.2} s  ({ratio:.1}x its own round's bulk load, median)",
                    median_of(rounds, f)
                );
            }
        }
        if let Some(served) = figures[0].served {
            println!(
                "  the hub alone reads and sends a snapshot            {:>8.2} s  (asked again afresh after round 1, the till idle)",
                served.as_secs_f64()
            );
        }
        println!(
            "  bytes on the wire (gzip snapshot)                   {:>8.1} MiB  ({:.0} bytes per variant)",
            figures[0].bytes as f64 / 1048576.0,
            figures[0].bytes as f64 / variants as f64
        );
        for (i, (what, _)) in LOGGED.iter().enumerate() {
            let known: Vec<&Round> = figures.iter().filter(|r| r.logged[i].is_some()).collect();
            if known.is_empty() {
                println!("  {what}: not in the till's log");
            } else {
                println!("  {what:<52}{:>8.2} s", median(&|r| r.logged[i].unwrap_or(f64::NAN)));
            }
        }
        match figures.iter().filter_map(|r| r.rss).reduce(f64::max) {
            Some(mib) => println!("  peak RSS of the till process (the largest)          {mib:>8.1} MiB"),
            None => println!("  peak RSS of the till process: not available on this system"),
        }

        // Propagation: tills hold a long-poll; HQ changes a price.
        let connected: Vec<AgentProcess> = codes.iter().take(tills).map(|c| spawn_agent(&hub, c)).collect();
        let tea = "8901234567890";
        for a in &connected {
            let url = format!("{}/v1/products/by-barcode/{tea}", a.base);
            wait_for("a connected till", 600, async || {
                matches!(http.get(&url).send().await, Ok(r) if r.status().is_success())
            })
            .await;
        }
        let inventory = hq.inventory(&store).await.unwrap();
        let tea_variant = inventory["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["barcode"] == format!("0{tea}"))
            .unwrap()["variant_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut round_trips = Vec::new();
        for _ in 0..changes {
            let t = Instant::now();
            let r = http.get(format!("{hub}/health")).send().await.unwrap();
            assert!(r.status().is_success(), "health: {}", r.status());
            round_trips.push(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut latencies = Vec::new();
        for i in 0..changes {
            let price = 20_000 + i as i64;
            let t = Instant::now();
            hq.set_price(&tea_variant, pos_shared::Money::inr(price))
                .await
                .unwrap();
            let polls = connected.iter().map(|a| {
                let url = format!("{}/v1/products/by-barcode/{tea}", a.base);
                let http = http.clone();
                async move {
                    loop {
                        let r = http.get(&url).send().await.unwrap();
                        assert!(r.status().is_success(), "the till's lookup: {}", r.status());
                        let p: Value = r.json().await.unwrap();
                        if p["price"]["minor"] == price {
                            return t.elapsed();
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            });
            let mut set = tokio::task::JoinSet::new();
            for p in polls {
                set.spawn(p);
            }
            while let Some(done) = set.join_next().await {
                latencies.push(done.unwrap());
            }
        }
        round_trips.sort();
        latencies.sort();
        println!("price change from the HQ API to {tills} connected tills ({changes} changes, {} arrivals)", latencies.len());
        println!(
            "  baseline: one HTTP round trip to the hub            median {:>7.2} ms   p95 {:>7.2} ms",
            ms(percentile(&round_trips, 0.5)),
            ms(percentile(&round_trips, 0.95))
        );
        println!(
            "  HQ write to price on a till                         median {:>7.2} ms   p95 {:>7.2} ms",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.95))
        );
    });
}
