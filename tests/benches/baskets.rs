//! Benchmark: recommendations from the basket projection.
//!
//! `cargo bench -p system-tests --bench baskets` (`BENCH_SALES`, 20,000 by
//! default; `BENCH_ITEMS`, 400; `BENCH_ROUNDS`, 20). A hub on its embedded
//! SQLite default gets a catalog of `BENCH_ITEMS` items; a till records
//! `BENCH_SALES` sales offline (two to eight lines, popular items more often,
//! and planted pairs), then uploads them. It prints, in the same run:
//!
//! - how long after the upload ended the hub's basket worker had the
//!   projection level with the events, and building it again from the
//!   ledger;
//! - p50 and p95 of a store's recommendations (bought with, substitutes,
//!   each checked as an order would be) and of the chain's, for the most
//!   sold items, against the baseline: the same pairs counted straight from
//!   the ledger (each sale's movements, by sale) on the same database file,
//!   as the hub read them before the projection.

use edge_agent::pos::sale::{SaleLineRequest, SaleRequest, SaleResult};
use edge_agent::store::sales::record_sale;
use edge_agent::store::LocalStore;
use pos_shared::sale::{Tender, TenderMethod};
use pos_shared::{Money, Qty, StoreId, TenantId, VariantId};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A valid EAN-13 for item `n`.
fn ean(n: usize) -> String {
    let body = format!("890{:09}", 500_000 + n);
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A small deterministic generator: the same sales every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }

    /// An item, the first ones far more often (roughly 1/rank).
    fn popular(&mut self, items: usize) -> usize {
        let r = self.next(1 << 20) as f64 / (1u64 << 20) as f64;
        ((items as f64).powf(r) as usize)
            .saturating_sub(1)
            .min(items - 1)
    }
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.95))
}

fn main() {
    let sales = env_or("BENCH_SALES", 20_000);
    let items = env_or("BENCH_ITEMS", 400).max(10);
    let rounds = env_or("BENCH_ROUNDS", 20);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("hub.db");

    let (syncer, store, hub, store_id, barcodes, ids) = runtime.block_on(async {
        let hub = system_tests::start_hub(&db, "bench").await.expect("hub");
        let hq = system_tests::create_tenant(&hub.base_url(), "bench", "Bench")
            .await
            .expect("tenant");
        let (store_id, codes) = system_tests::seed_demo(&hq, 1).await.expect("seed");
        let category = hq
            .create_category("Groceries", None, None)
            .await
            .expect("category")
            .category_id
            .to_string();
        let mut barcodes = Vec::with_capacity(items);
        let mut ids: Vec<VariantId> = Vec::with_capacity(items);
        for n in 0..items {
            let barcode = ean(n);
            let product = hq
                .create_product(
                    &json!({"name": format!("Item {n}"), "category_id": category,
                    "variants": [{"sku": format!("ITEM-{n}"), "barcode": barcode,
                                  "price": {"minor": 1000 + n as i64, "currency": "INR"}}]}),
                )
                .await
                .expect("item");
            let variant = product["variants"][0]["variant_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let (s, b) = hq
                .post_json(
                    &format!("/v1/stores/{store_id}/movements"),
                    &json!({"variant_id": variant, "delta": "100000", "reason": "receipt"}),
                )
                .await
                .expect("stock");
            assert!(s.is_success(), "{b}");
            barcodes.push(barcode);
            ids.push(variant.parse().unwrap());
        }
        let store = LocalStore::open(&dir.path().join("edge.db")).expect("edge db");
        let syncer = edge_agent::sync::Syncer {
            store: store.clone(),
            client: edge_agent::sync::hub_client::HubClient::new(&hub.base_url()).expect("client"),
            data_dir: dir.path().to_path_buf(),
            enroll_code: codes.into_iter().next(),
            shared: Arc::new(edge_agent::sync::SyncShared::default()),
            interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(1),
            feed_wait: 0,
        };
        syncer.sync_once().await.expect("enroll and pull");
        (syncer, store, hub, store_id, barcodes, ids)
    });
    let credential = syncer.shared.credential().expect("enrolled");

    // Baskets of 2 to 8 items, popular ones more often; every tenth sale
    // holds a planted pair (items 5 and 6).
    let mut rng = Lcg(11);
    let started = Instant::now();
    let mut lines_sold = 0;
    for i in 0..sales {
        let mut basket: Vec<usize> = Vec::new();
        if i % 10 == 0 {
            basket.extend([5, 6]);
        }
        let size = 2 + rng.next(7);
        while basket.len() < size {
            let item = rng.popular(items);
            if !basket.contains(&item) {
                basket.push(item);
            }
        }
        lines_sold += basket.len();
        let total: i64 = basket.iter().map(|n| 1000 + *n as i64).sum();
        let request = SaleRequest {
            lines: basket
                .iter()
                .map(|n| SaleLineRequest {
                    barcode: barcodes[*n].clone(),
                    qty: Some(Qty::units(1)),
                    ..Default::default()
                })
                .collect(),
            tenders: vec![Tender {
                method: TenderMethod::Cash,
                amount: Money::inr(total),
                reference: None,
            }],
            ..Default::default()
        };
        let result = store
            .with_conn(|c| record_sale(c, &credential, &Default::default(), &request))
            .expect("sale");
        assert!(matches!(result, SaleResult::Recorded(..)), "sale {i}");
    }
    println!(
        "baskets: {sales} sales ({lines_sold} lines) over {items} items recorded offline in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let storage = hub.storage().clone();
    // The bench's one tenant.
    let tenant: TenantId = runtime.block_on(storage.event_heads()).expect("heads")[0].0;
    let head = || {
        runtime
            .block_on(storage.event_heads())
            .expect("heads")
            .into_iter()
            .find(|(t, _)| *t == tenant)
            .map_or(0, |(_, h)| h)
    };
    let upload = Instant::now();
    runtime
        .block_on(syncer.upload_outbox(&credential))
        .expect("upload");
    let uploaded = upload.elapsed();
    let ended = Instant::now();
    loop {
        let place = runtime
            .block_on(storage.basket_place(tenant))
            .expect("place");
        if place.is_some_and(|p| p >= head()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "upload {:.2} s; the projection level with the events {:.2} s after it ended ({} events)",
        uploaded.as_secs_f64(),
        ended.elapsed().as_secs_f64(),
        head()
    );
    let place = runtime
        .block_on(storage.basket_place(tenant))
        .expect("place");
    let since = pos_shared::Timestamp::now().unix_millis() - 400 * 86_400_000;
    let rebuild = Instant::now();
    runtime
        .block_on(storage.rebuild_baskets(tenant, place, since))
        .expect("rebuild");
    println!(
        "built again from the ledger in {:.2} s",
        rebuild.elapsed().as_secs_f64()
    );

    // The most sold items, asked about in turn.
    let store: StoreId = store_id.parse().unwrap();
    let asked: Vec<VariantId> = ids[..10].to_vec();
    let (mut at_store, mut chain) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for item in &asked {
            let t = Instant::now();
            let got = runtime
                .block_on(storage.recommendations(tenant, store, *item, 90, 10, true))
                .expect("recommendations");
            at_store.push(t.elapsed());
            assert!(!got.bought_with.is_empty());
            let t = Instant::now();
            runtime
                .block_on(storage.chain_recommendations(tenant, *item, 90, 10))
                .expect("chain");
            chain.push(t.elapsed());
        }
    }
    // The baseline: the same pairs counted from the ledger, by sale.
    let conn = rusqlite::Connection::open(&db).expect("hub.db");
    let mut ledger = Vec::new();
    let since = pos_shared::Timestamp::now().unix_millis() - 90 * 86_400_000;
    for _ in 0..rounds {
        for item in &asked {
            let t = Instant::now();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT m2.variant_id, COUNT(DISTINCT m2.sale_id) AS together \
                     FROM stock_movements m1 CROSS JOIN stock_movements m2 \
                     WHERE m1.tenant_id = ?1 AND m1.store_id = ?2 AND m1.variant_id = ?3 AND m1.reason = 'sale' \
                       AND m1.sale_id IS NOT NULL AND m1.occurred_at_ms >= ?4 \
                       AND m2.tenant_id = m1.tenant_id AND m2.sale_id = m1.sale_id \
                       AND m2.variant_id <> m1.variant_id AND m2.reason = 'sale' \
                     GROUP BY m2.variant_id ORDER BY together DESC LIMIT 40",
                )
                .expect("ledger query");
            let rows: Vec<(Vec<u8>, i64)> = stmt
                .query_map(
                    rusqlite::params![
                        tenant.as_uuid().as_bytes().to_vec(),
                        store.as_uuid().as_bytes().to_vec(),
                        item.as_uuid().as_bytes().to_vec(),
                        since
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .expect("rows")
                .collect::<Result<_, _>>()
                .expect("rows");
            assert!(!rows.is_empty(), "the ledger holds the item's sales");
            ledger.push(t.elapsed());
        }
    }
    let (base50, base95) = percentiles(ledger);
    let (s50, s95) = percentiles(at_store);
    let (c50, c95) = percentiles(chain);
    println!(
        "baseline: the pairs counted from the ledger   p50 {base50:>7.2} ms  p95 {base95:>7.2} ms"
    );
    println!(
        "a store's recommendations (projection)       p50 {s50:>7.2} ms  p95 {s95:>7.2} ms  ({:.2}x / {:.2}x the baseline)",
        s50 / base50,
        s95 / base95
    );
    println!(
        "the chain's bought-with (projection)         p50 {c50:>7.2} ms  p95 {c95:>7.2} ms  ({:.2}x / {:.2}x the baseline)",
        c50 / base50,
        c95 / base95
    );
}
