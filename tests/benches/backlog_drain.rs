//! Benchmark: how fast a till drains a big offline backlog into the hub.
//!
//! `cargo bench -p system-tests --bench backlog_drain` (`BENCH_SALES`, 10,000 by
//! default; `BENCH_LINES`, 25 by default). The till records the sales with the
//! hub out of reach, then uploads its whole outbox to a hub on its SQLite
//! default (packed under the shared upload limits). The baseline, measured in
//! the same run, writes the same rows the hub keeps (one sale row with its
//! envelope and one ledger row per line) as raw inserts into a SQLite file with
//! the same durability (WAL, `synchronous=FULL`), one transaction per upload's
//! worth of sales: the floor for storing that backlog at all.

use edge_agent::pos::sale::{SaleLineRequest, SaleRequest, SaleResult};
use edge_agent::store::sales::record_sale;
use edge_agent::store::{outbox, LocalStore};
use pos_shared::sale::{Tender, TenderMethod};
use pos_shared::{Money, Qty};
use std::sync::Arc;
use std::time::{Duration, Instant};
use system_tests::{seed_demo, DEMO_CATALOG};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A cash sale of `lines` lines cycling through the demo catalog.
fn basket(i: usize, lines: usize) -> SaleRequest {
    let mut total = 0;
    let lines = (0..lines)
        .map(|l| {
            let item = &DEMO_CATALOG[(i + l) % DEMO_CATALOG.len()];
            let qty = match item.unit {
                "each" => Qty::units(1),
                _ => Qty::parse("0.25").unwrap(),
            };
            total += Money::inr(item.price_paise).times(qty).unwrap().minor();
            SaleLineRequest {
                barcode: item.barcode.into(),
                qty: Some(qty),
                ..Default::default()
            }
        })
        .collect();
    SaleRequest {
        lines,
        tenders: vec![Tender {
            method: TenderMethod::Cash,
            amount: Money::inr(total + 100_000),
            reference: None,
        }],
        ..Default::default()
    }
}

/// The same rows as raw inserts: per sale one row holding its envelope and
/// one ledger row per line, `per_tx` sales a transaction.
fn raw_inserts(dir: &std::path::Path, envelopes: &[(String, usize)], per_tx: usize) -> Duration {
    let mut conn = rusqlite::Connection::open(dir.join("raw.db")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute_batch(
        "CREATE TABLE sales (id TEXT PRIMARY KEY, envelope TEXT NOT NULL);
         CREATE TABLE movements (id TEXT PRIMARY KEY, sale_id TEXT NOT NULL, delta_milli INTEGER NOT NULL);",
    )
    .expect("tables");
    let start = Instant::now();
    for chunk in envelopes.chunks(per_tx) {
        let tx = conn.transaction().expect("tx");
        for (envelope, lines) in chunk {
            let id = uuid::Uuid::now_v7().to_string();
            tx.execute(
                "INSERT INTO sales (id, envelope) VALUES (?1, ?2)",
                [&id, envelope],
            )
            .expect("sale row");
            for _ in 0..*lines {
                tx.execute(
                    "INSERT INTO movements (id, sale_id, delta_milli) VALUES (?1, ?2, -1000)",
                    [uuid::Uuid::now_v7().to_string(), id.clone()],
                )
                .expect("movement row");
            }
        }
        tx.commit().expect("commit");
    }
    start.elapsed()
}

fn main() {
    let n = env_or("BENCH_SALES", 10_000);
    let lines = env_or("BENCH_LINES", 25);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");

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

    println!("backlog drain: {n} queued sales of {lines} lines each");
    let recording = Instant::now();
    for i in 0..n {
        let request = basket(i, lines);
        let result = store
            .with_conn(|c| record_sale(c, &credential, &Default::default(), &request))
            .expect("sale");
        assert!(
            matches!(result, SaleResult::Recorded(..)),
            "sale {i} was not recorded"
        );
    }
    println!(
        "recorded offline in {:.1} s",
        recording.elapsed().as_secs_f64()
    );
    let pending = store
        .with_conn(|c| outbox::pending(c, usize::MAX, usize::MAX))
        .expect("pending");
    let envelope_bytes: usize = pending.iter().map(|f| f.envelope.len()).sum();
    let envelopes: Vec<(String, usize)> =
        pending.into_iter().map(|f| (f.envelope, lines)).collect();
    // As many sales a transaction as one upload carries.
    let per_upload = (pos_shared::limits::MAX_UPLOAD_BYTES / (envelope_bytes / n + 1))
        .clamp(1, pos_shared::limits::MAX_UPLOAD_FACTS);
    println!(
        "backlog: {:.1} MiB of envelopes, {:.1} KiB a sale, about {per_upload} sales an upload",
        envelope_bytes as f64 / (1024.0 * 1024.0),
        envelope_bytes as f64 / n as f64 / 1024.0
    );

    let raw = raw_inserts(dir.path(), &envelopes, per_upload);
    let raw_rate = n as f64 / raw.as_secs_f64();
    println!(
        "baseline: raw inserts of the same rows       {:>8.2} s = {raw_rate:>8.0} sales/s",
        raw.as_secs_f64()
    );

    let start = Instant::now();
    runtime
        .block_on(syncer.upload_outbox(&credential))
        .expect("upload");
    let elapsed = start.elapsed();
    let left = store.with_conn(|c| outbox::counts(c)).expect("counts");
    assert_eq!(left.queued, 0, "the outbox must drain");
    assert_eq!(left.quarantined, 0, "nothing may be refused");
    let rate = n as f64 / elapsed.as_secs_f64();
    println!(
        "drain to a SQLite hub                         {:>8.2} s = {rate:>8.0} sales/s ({:.0} movements/s; {:.2}x the baseline)",
        elapsed.as_secs_f64(),
        rate * lines as f64,
        rate / raw_rate
    );
}
