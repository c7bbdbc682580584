//! Benchmark: the hub on PostgreSQL with a 100,000-variant catalog.
//!
//! `./scripts/bench-hub.sh` starts a throwaway PostgreSQL server and runs it
//! (`BENCH_VARIANTS`, `BENCH_VIEWS`, `BENCH_LOOKUPS`, `BENCH_MOVEMENTS` change the
//! sizes; `PG_FSYNC=on` starts the server durable). The catalog is bulk-loaded with SQL (one product per variant, a
//! tenth with a price window, a fiftieth with a held reservation, every item
//! slotted in a bin, a hundredth delisted, a fiftieth on hold); everything
//! measured goes through the hub's storage layer, the code the API runs. Each
//! figure is printed next to the raw operation it is built on, on the same
//! server in the same run:
//!
//! - the catalog view of one store (status, assortment, effective price, stock,
//!   orderability for every variant), the whole store a page at a time as the
//!   API serves it, next to a bare scan of the variants and to reading the
//!   same variant rows in SKU order; each page next to its own rows;
//! - the effective price of one variant at one store next to a primary-key select;
//! - stock movements recorded one by one (ledger row, position, feed change,
//!   event, orderability check) next to single-row INSERTs; recorded in
//!   batches of `BENCH_BATCH` (100), as tills' uploads and ERP deltas bring
//!   them; and by four writers side by side, each on items of its own (the
//!   tenant shared, only positions locked), next to one writer alone.

use cloud_hub::domain::stores::NewStore;
use cloud_hub::storage;
use pos_shared::sync::{MovementReason, MovementRecord};
use pos_shared::{MovementId, Qty, StoreId, Timestamp, VariantId};
use std::time::{Duration, Instant};

/// A variant row (id, SKU, name, barcode, price, currency) and its position's stock.
type VariantAndPosition = (uuid::Uuid, String, String, String, i64, String, Option<i64>);

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn summarize(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let (median, p95) = (at(0.5), at(0.95));
    println!(
        "  {name:<52} median {:>9.3} ms   p95 {:>9.3} ms",
        median.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    (median, p95)
}

fn ratio(what: &str, measured: (Duration, Duration), base: (Duration, Duration)) {
    println!(
        "  {:<52} median {:>9.2}x    p95 {:>9.2}x",
        format!("ratio {what}"),
        measured.0.as_secs_f64() / base.0.as_secs_f64(),
        measured.1.as_secs_f64() / base.1.as_secs_f64()
    );
}

/// Bulk-loads `n` variants with stock at `store`, price windows and reservations.
async fn load(pool: &sqlx::PgPool, tenant: uuid::Uuid, store: uuid::Uuid, n: i64) {
    let steps = [
        "INSERT INTO products (id, tenant_id, name, created_at_ms) \
         SELECT md5('p' || g)::uuid, $1, 'Product ' || g, 0 FROM generate_series(1, $3) g",
        "INSERT INTO variants (id, tenant_id, product_id, name, sku, gtin, price_minor, currency, updated_at_ms) \
         SELECT md5('v' || g)::uuid, $1, md5('p' || g)::uuid, 'Item ' || g, 'SKU-' || lpad(g::text, 7, '0'), \
         lpad(g::text, 14, '0'), 1000 + g % 5000, 'INR', 0 FROM generate_series(1, $3) g",
        "INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms) \
         SELECT $1, $2, md5('v' || g)::uuid, (g % 100) * 1000, 0 FROM generate_series(1, $3) g",
        "INSERT INTO price_windows (id, tenant_id, variant_id, store_id, channel, price_minor, currency, effective_from_ms, created_at_ms) \
         SELECT md5('w' || g)::uuid, $1, md5('v' || g)::uuid, CASE WHEN g % 20 = 0 THEN $2 END, 'pos', 900 + g % 5000, 'INR', 0, 0 \
         FROM generate_series(1, $3) g WHERE g % 10 = 0",
        "INSERT INTO stock_reservations (id, tenant_id, store_id, variant_id, qty_milli, order_ref, state, expires_at_ms, created_at_ms) \
         SELECT md5('r' || g)::uuid, $1, $2, md5('v' || g)::uuid, 1000, 'ORD-' || g, 'held', 9000000000000, 0 \
         FROM generate_series(1, $3) g WHERE g % 50 = 0",
        // A dark store slots every item in a bin (a hundred to a bin), and
        // has delisted a hundredth and put two hundredths on hold.
        "INSERT INTO store_bins (tenant_id, store_id, code, zone, created_at_ms) \
         SELECT $1, $2, 'B-' || b, CASE WHEN b % 5 = 0 THEN 'chilled' ELSE 'ambient' END, 0 \
         FROM generate_series(0, ($3 - 1) / 100) b",
        "INSERT INTO bin_slots (tenant_id, store_id, variant_id, bin_code) \
         SELECT $1, $2, md5('v' || g)::uuid, 'B-' || ((g - 1) / 100) FROM generate_series(1, $3) g",
        "INSERT INTO store_delistings (tenant_id, store_id, variant_id, delisted_at_ms) \
         SELECT $1, $2, md5('v' || g)::uuid, 0 FROM generate_series(1, $3) g WHERE g % 100 = 7",
        "INSERT INTO stock_blocks (tenant_id, store_id, variant_id, reason, blocked_at_ms) \
         SELECT $1, $2, md5('v' || g)::uuid, 'quality check', 0 FROM generate_series(1, $3) g WHERE g % 50 = 3",
        "ANALYZE",
    ];
    for sql in steps {
        let q = sqlx::query(sql);
        let q = if sql == "ANALYZE" {
            q
        } else {
            q.bind(tenant).bind(store).bind(n)
        };
        q.execute(pool).await.expect("bulk load");
    }
}

/// One unit received at `store`.
fn receipt(store: StoreId, variant: VariantId) -> MovementRecord {
    MovementRecord {
        movement_id: MovementId::new(),
        store_id: store,
        variant_id: variant,
        delta: Qty::units(1),
        reason: MovementReason::Receipt,
        sale_id: None,
        terminal_id: None,
        occurred_at: Timestamp::now(),
        batch: None,
    }
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let admin = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL names a PostgreSQL server: run ./scripts/bench-hub.sh");
    let n = env_size("BENCH_VARIANTS", 100_000) as i64;
    let views = env_size("BENCH_VIEWS", 15);
    let lookups = env_size("BENCH_LOOKUPS", 2_000);
    let movements = env_size("BENCH_MOVEMENTS", 3_000);
    let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
    let url = cloud_hub::storage::postgres::create_database(&admin, &name)
        .await
        .expect("create database");
    let hub = storage::connect(&url).await.expect("open storage");
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");
    let tenant = hub
        .create_tenant("Bench Chain", pos_shared::Currency::INR, "bench-key")
        .await
        .expect("tenant")
        .id;
    let store = hub
        .create_store(
            tenant,
            &NewStore {
                code: "BLR-01".into(),
                name: "Indiranagar".into(),
                currency: pos_shared::Currency::parse("INR").expect("INR"),
                kind: cloud_hub::domain::stores::StoreKind::DarkStore,
            },
        )
        .await
        .expect("store")
        .id;
    // Write rates mean little without knowing whether commits waited for
    // the disk (PG_FSYNC=on) or not (the tests' server).
    let (fsync,): (String,) = sqlx::query_as("SHOW fsync")
        .fetch_one(&pool)
        .await
        .expect("fsync setting");
    println!("hub on PostgreSQL (fsync {fsync}), {n} variants in one store");
    let started = Instant::now();
    load(&pool, tenant.as_uuid(), store.as_uuid(), n).await;
    println!(
        "  bulk load (SQL)                                      {:>9.1} s",
        started.elapsed().as_secs_f64()
    );
    // Rows loaded around the hub: its catalog read model is built from them.
    let started = Instant::now();
    hub.rebuild_catalog_projection(tenant)
        .await
        .expect("rebuild the catalog projection");
    // The rebuild rewrote every position: clean up as autovacuum would.
    sqlx::query("VACUUM ANALYZE")
        .execute(&pool)
        .await
        .expect("vacuum");
    println!(
        "  catalog read model built from the load               {:>9.1} s",
        started.elapsed().as_secs_f64()
    );
    let ids: Vec<(uuid::Uuid,)> = sqlx::query_as("SELECT id FROM variants WHERE tenant_id = $1")
        .bind(tenant.as_uuid())
        .fetch_all(&pool)
        .await
        .expect("ids");

    // The whole store's view, read as HQ's API serves it (a page at a time:
    // it is never read in one go), against a bare scan of the variants.
    const PAGE: u32 = 500;
    let mut sweeps = Vec::new();
    let mut paged = Vec::new();
    for _ in 0..views {
        let sweep = Instant::now();
        let (mut after, mut items) = (None, 0);
        loop {
            let t = Instant::now();
            let page = hub
                .catalog_view(
                    tenant,
                    store,
                    "pos",
                    Timestamp::now(),
                    cloud_hub::domain::ledger::SkuPage { after, limit: PAGE },
                )
                .await
                .expect("page");
            paged.push(t.elapsed());
            items += page.items.len();
            // The storage's cursor is the last SKU (the API wraps it).
            after = page.next_cursor;
            if after.is_none() {
                break;
            }
        }
        sweeps.push(sweep.elapsed());
        assert_eq!(items as i64, n);
    }
    let view = summarize(
        &format!("catalog view, the whole store in pages of {PAGE}"),
        sweeps,
    );
    let mut scan = Vec::new();
    for _ in 0..views {
        let t = Instant::now();
        let rows: Vec<(uuid::Uuid, i64)> =
            sqlx::query_as("SELECT id, price_minor FROM variants WHERE tenant_id = $1")
                .bind(tenant.as_uuid())
                .fetch_all(&pool)
                .await
                .expect("scan");
        scan.push(t.elapsed());
        assert_eq!(rows.len() as i64, n);
    }
    let scan = summarize("baseline: bare scan of the variants", scan);
    ratio("whole store in pages / bare scan", view, scan);
    let mut rows_read = Vec::new();
    for _ in 0..views {
        let t = Instant::now();
        let rows: Vec<(uuid::Uuid, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, sku, name, gtin, price_minor, currency FROM variants \
             WHERE tenant_id = $1 AND deleted_at_ms IS NULL ORDER BY sku",
        )
        .bind(tenant.as_uuid())
        .fetch_all(&pool)
        .await
        .expect("rows in SKU order");
        rows_read.push(t.elapsed());
        assert_eq!(rows.len() as i64, n);
    }
    let rows_read = summarize("baseline: the same variant rows, by SKU", rows_read);
    ratio(
        "whole store in pages / the same rows by SKU",
        view,
        rows_read,
    );

    // A page of the view against reading the same page of variant rows by
    // the same keyset.
    let mut raw = Vec::new();
    let mut last_sku = String::new();
    loop {
        let t = Instant::now();
        let rows: Vec<(uuid::Uuid, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, sku, name, gtin, price_minor, currency FROM variants \
             WHERE tenant_id = $1 AND deleted_at_ms IS NULL AND sku > $2 ORDER BY sku LIMIT $3",
        )
        .bind(tenant.as_uuid())
        .bind(&last_sku)
        .bind(i64::from(PAGE))
        .fetch_all(&pool)
        .await
        .expect("raw page");
        raw.push(t.elapsed());
        match rows.last() {
            Some(last) if rows.len() == PAGE as usize => last_sku = last.1.clone(),
            _ => break,
        }
    }
    // The rows the view reads for a page: each variant and its position.
    let mut joined = Vec::new();
    let mut last_sku = String::new();
    loop {
        let t = Instant::now();
        let rows: Vec<VariantAndPosition> = sqlx::query_as(
            "SELECT v.id, v.sku, v.name, v.gtin, v.price_minor, v.currency, p.on_hand_milli \
             FROM (SELECT * FROM variants WHERE tenant_id = $1 AND deleted_at_ms IS NULL AND sku > $2 \
                   ORDER BY sku LIMIT $3) v \
             LEFT JOIN stock_positions p ON p.tenant_id = v.tenant_id AND p.store_id = $4 AND p.variant_id = v.id \
             ORDER BY v.sku",
        )
        .bind(tenant.as_uuid())
        .bind(&last_sku)
        .bind(i64::from(PAGE))
        .bind(store.as_uuid())
        .fetch_all(&pool)
        .await
        .expect("raw page with positions");
        joined.push(t.elapsed());
        match rows.last() {
            Some(last) if rows.len() == PAGE as usize => last_sku = last.1.clone(),
            _ => break,
        }
    }
    let pages = paged.len();
    let paged = summarize(
        &format!("catalog view, a page of {PAGE} ({pages} pages read)"),
        paged,
    );
    let raw = summarize("baseline: the same page of variant rows, by SKU", raw);
    ratio("catalog view page / raw page", paged, raw);
    let joined = summarize("baseline: the page's variant and position rows", joined);
    ratio("catalog view page / its rows", paged, joined);

    // The effective price of one variant, against a primary-key select.
    let mut rng = fastrand::Rng::with_seed(7);
    let picks: Vec<VariantId> = (0..lookups)
        .map(|_| VariantId::from_uuid(ids[rng.usize(..ids.len())].0))
        .collect();
    let mut price = Vec::new();
    for v in &picks {
        let t = Instant::now();
        hub.effective_price(tenant, store, *v, "pos", Timestamp::now())
            .await
            .expect("price");
        price.push(t.elapsed());
    }
    let price = summarize("effective price, one variant", price);
    let mut point = Vec::new();
    for v in &picks {
        let t = Instant::now();
        let _: (i64,) = sqlx::query_as("SELECT price_minor FROM variants WHERE id = $1")
            .bind(v.as_uuid())
            .fetch_one(&pool)
            .await
            .expect("point");
        point.push(t.elapsed());
    }
    let point = summarize("baseline: primary-key select", point);
    ratio("effective price / point select", price, point);

    // Movements one by one, against single-row INSERTs.
    let settled_before = hub.movements_settled();
    let t = Instant::now();
    for i in 0..movements {
        let m = MovementRecord {
            movement_id: MovementId::new(),
            store_id: StoreId::from_uuid(store.as_uuid()),
            variant_id: picks[i % picks.len()],
            delta: Qty::units(5),
            reason: MovementReason::Receipt,
            sale_id: None,
            terminal_id: None,
            occurred_at: Timestamp::now(),
            batch: None,
        };
        hub.record_movement(tenant, &m).await.expect("movement");
    }
    let ingest = movements as f64 / t.elapsed().as_secs_f64();
    sqlx::query("CREATE TABLE bench_raw (id UUID PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(&pool)
        .await
        .expect("raw table");
    let t = Instant::now();
    for i in 0..movements {
        sqlx::query("INSERT INTO bench_raw (id, n) VALUES ($1, $2)")
            .bind(uuid::Uuid::now_v7())
            .bind(i as i64)
            .execute(&pool)
            .await
            .expect("raw insert");
    }
    let raw = movements as f64 / t.elapsed().as_secs_f64();
    println!(
        "  {:<52} {:>9.0} /s",
        "stock movements recorded one by one", ingest
    );
    println!("  {:<52} {:>9.0} /s", "baseline: single-row INSERTs", raw);
    println!(
        "  {:<52} {:>9.2}x",
        "ratio movement rate / INSERT rate",
        ingest / raw
    );
    // Whether they took the two-round-trip path or the transaction.
    let settled = hub.movements_settled();
    println!(
        "  {:<52} {:>9} alone, {} in a transaction",
        "how they were settled",
        settled.0 - settled_before.0,
        settled.1 - settled_before.1
    );

    // In batches, one transaction each, as uploads and ERP deltas arrive.
    let batch = env_size("BENCH_BATCH", 100).max(1);
    let store_id = StoreId::from_uuid(store.as_uuid());
    let t = Instant::now();
    let mut recorded = 0;
    while recorded < movements {
        let these: Vec<MovementRecord> = (recorded..(recorded + batch).min(movements))
            .map(|i| receipt(store_id, picks[i % picks.len()]))
            .collect();
        recorded += these.len();
        hub.record_movements(tenant, store, &these)
            .await
            .expect("movements");
    }
    let batched = movements as f64 / t.elapsed().as_secs_f64();
    println!(
        "  {:<52} {:>9.0} /s",
        format!("stock movements in batches of {batch}"),
        batched
    );
    println!(
        "  {:<52} {:>9.2}x",
        "ratio batched movement rate / INSERT rate",
        batched / raw
    );

    // Four writers side by side, each on a disjoint set of items, against
    // one writer doing the same work alone.
    let writers = 4;
    let per_writer = movements / writers;
    let lane = |w: usize| -> Vec<VariantId> {
        (0..per_writer)
            .map(|i| VariantId::from_uuid(ids[(w * 7919 + i * writers) % ids.len()].0))
            .collect()
    };
    let t = Instant::now();
    for w in 0..writers {
        for v in lane(w) {
            hub.record_movement(tenant, &receipt(store_id, v))
                .await
                .expect("movement");
        }
    }
    let alone = (per_writer * writers) as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let hub = hub.clone();
            let lane = lane(w);
            tokio::spawn(async move {
                for v in lane {
                    hub.record_movement(tenant, &receipt(store_id, v))
                        .await
                        .expect("movement");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    let side_by_side = (per_writer * writers) as f64 / t.elapsed().as_secs_f64();
    println!(
        "  {:<52} {:>9.0} /s",
        format!("{writers} writers side by side, own items"),
        side_by_side
    );
    println!(
        "  {:<52} {:>9.0} /s",
        "baseline: one writer, same movements", alone
    );
    println!(
        "  {:<52} {:>9.2}x",
        "ratio side by side / one writer",
        side_by_side / alone
    );
}
