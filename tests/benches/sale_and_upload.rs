//! Benchmark: local sale commit latency and outbox upload throughput.
//!
//! `cargo bench -p system-tests --bench sale_and_upload` (`BENCH_SALES=N` to change
//! the count, 10,000 by default). Figures are printed next to a baseline measured in the same run, a
//! raw single-row SQLite insert with the same durability (WAL, synchronous=FULL),
//! because the machines are shared and absolute numbers drift.

use edge_agent::pos::sale::{SaleLineRequest, SaleRequest, SaleResult};
use edge_agent::store::sales::record_sale;
use edge_agent::store::{outbox, LocalStore};
use pos_shared::sale::{Tender, TenderMethod};
use pos_shared::{Money, Qty};
use std::sync::Arc;
use std::time::{Duration, Instant};
use system_tests::{seed_demo, DEMO_CATALOG};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summarize(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let (median, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    println!(
        "{name:<44} median {:>9.3} ms   p99 {:>9.3} ms",
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    (median, p99)
}

/// One durable single-row insert per transaction: the floor for any durable commit.
fn raw_sqlite_inserts(dir: &std::path::Path, n: usize) -> Vec<Duration> {
    let conn = rusqlite::Connection::open(dir.join("raw.db")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute_batch("CREATE TABLE facts (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        .expect("table");
    let body = "x".repeat(1200);
    (0..n)
        .map(|_| {
            let id = uuid::Uuid::now_v7().to_string();
            let start = Instant::now();
            conn.execute("INSERT INTO facts (id, body) VALUES (?1, ?2)", [&id, &body])
                .expect("insert");
            start.elapsed()
        })
        .collect()
}

fn basket(i: usize) -> SaleRequest {
    let a = &DEMO_CATALOG[i % DEMO_CATALOG.len()];
    let b = &DEMO_CATALOG[(i + 1) % DEMO_CATALOG.len()];
    // Half a kilo of a loose item, else two packets.
    let b_qty = match b.unit {
        "each" => Qty::units(2),
        _ => Qty::parse("0.5").unwrap(),
    };
    let total = Money::inr(a.price_paise)
        .times(Qty::units(1))
        .unwrap()
        .minor()
        + Money::inr(b.price_paise).times(b_qty).unwrap().minor();
    SaleRequest {
        lines: vec![
            SaleLineRequest {
                barcode: a.barcode.into(),
                qty: Some(Qty::units(1)),
                ..Default::default()
            },
            SaleLineRequest {
                barcode: b.barcode.into(),
                qty: Some(b_qty),
                ..Default::default()
            },
        ],
        tenders: vec![Tender {
            method: TenderMethod::Cash,
            amount: Money::inr(total + 1000),
            reference: None,
        }],
        ..Default::default()
    }
}

fn main() {
    let n: usize = std::env::var("BENCH_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");

    // A hub on its SQLite default, with the demo catalog and one enrolled till
    // whose replica has pulled the catalog.
    // The hub keeps serving for as long as `_hub` lives.
    let (syncer, store, _hub) = runtime.block_on(async {
        let hub = system_tests::start_hub(&dir.path().join("hub.db"), "bench")
            .await
            .expect("hub");
        let hub_url = hub.base_url();
        let hq = system_tests::create_tenant(&hub_url, "bench", "Bench")
            .await
            .expect("tenant");
        let (_, codes) = seed_demo(&hq, 1).await.expect("seed");
        let store = LocalStore::open(&dir.path().join("edge.db")).expect("edge db");
        let syncer = edge_agent::sync::Syncer {
            store: store.clone(),
            client: edge_agent::sync::hub_client::HubClient::new(&hub_url).expect("client"),
            data_dir: dir.path().to_path_buf(),
            enroll_code: codes.into_iter().next(),
            shared: Arc::new(edge_agent::sync::SyncShared::default()),
            interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(1),
            feed_wait: 0,
        };
        syncer.sync_once().await.expect("enroll and pull");
        (syncer, store, hub)
    });
    let credential = syncer.shared.credential().expect("enrolled");

    println!(
        "sale commit: {n} sales of 2 lines each, WAL + synchronous=FULL, one transaction each"
    );
    let raw = summarize(
        "baseline: raw SQLite single-row insert",
        raw_sqlite_inserts(dir.path(), n),
    );
    let sales: Vec<Duration> = (0..n)
        .map(|i| {
            let request = basket(i);
            let start = Instant::now();
            let result = store
                .with_conn(|c| record_sale(c, &credential, &Default::default(), &request))
                .expect("sale");
            let elapsed = start.elapsed();
            assert!(
                matches!(result, SaleResult::Recorded(..)),
                "sale {i} was not recorded"
            );
            elapsed
        })
        .collect();
    let sale = summarize("sale (lines, movements, receipt no, outbox)", sales);
    println!(
        "{:<44} median {:>9.2}x    p99 {:>9.2}x",
        "ratio sale / baseline",
        sale.0.as_secs_f64() / raw.0.as_secs_f64(),
        sale.1.as_secs_f64() / raw.1.as_secs_f64()
    );

    let queued = store
        .with_conn(|c| outbox::counts(c))
        .expect("counts")
        .queued;
    let start = Instant::now();
    runtime
        .block_on(syncer.upload_outbox(&credential))
        .expect("upload");
    let elapsed = start.elapsed();
    let left = store
        .with_conn(|c| outbox::counts(c))
        .expect("counts")
        .queued;
    assert_eq!(left, 0, "the outbox must drain");
    let raw_rate = 1.0 / raw.0.as_secs_f64();
    println!(
        "outbox upload to a local SQLite hub: {queued} sales in {:.2} s = {:.0} sales/s ({:.2}x the baseline's single-insert rate of {:.0}/s)",
        elapsed.as_secs_f64(),
        queued as f64 / elapsed.as_secs_f64(),
        (queued as f64 / elapsed.as_secs_f64()) / raw_rate,
        raw_rate
    );
}
