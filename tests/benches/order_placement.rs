//! Benchmark: placing delivery orders at the hub on PostgreSQL, many at once.
//!
//! `./scripts/bench-orders.sh` starts a throwaway PostgreSQL server and runs it
//! (`BENCH_ORDERS` concurrent placements, 500 by default, against
//! `BENCH_STOCK` units, 300 by default). Every placement goes through the
//! hub's storage layer, the code `POST /v1/orders` runs: store selection
//! among the tenant's dark stores and the order's reservations in one
//! transaction under the tenant lock. Printed next to the same number of
//! concurrent single-row UPDATEs of one row on the same server in the same
//! run (the floor for anything serialised on one row), with p50 and p99 of
//! each, and checked afterwards: exactly the stock is held, never more.

use cloud_hub::domain::orders::{LineRequest, NewOrder, Placement};
use cloud_hub::domain::stores::{Fulfilment, NewStore, StoreKind};
use cloud_hub::storage;
use pos_shared::sync::{MovementReason, MovementRecord};
use pos_shared::{MovementId, Qty, Timestamp, VariantId};
use std::time::{Duration, Instant};

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn summarize(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let (p50, p99) = (at(0.5), at(0.99));
    println!(
        "  {name:<52} p50 {:>9.3} ms   p99 {:>9.3} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    (p50, p99)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let admin = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL names a PostgreSQL server: run ./scripts/bench-orders.sh");
    let orders = env_size("BENCH_ORDERS", 500);
    let stock = env_size("BENCH_STOCK", 300) as i64;
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
                code: "DS-01".into(),
                name: "Indiranagar dark store".into(),
                currency: pos_shared::Currency::INR,
                kind: StoreKind::DarkStore,
            },
        )
        .await
        .expect("store")
        .id;
    hub.set_fulfilment(
        tenant,
        store,
        Some(&Fulfilment {
            lat: 12.9784,
            lon: 77.6325,
            delivery_radius_m: 5_000,
            order_capacity: 100_000,
            sla_minutes: 15,
        }),
    )
    .await
    .expect("fulfilment");
    for sql in [
        "INSERT INTO products (id, tenant_id, name, created_at_ms) VALUES (md5('p1')::uuid, $1, 'Tea', 0)",
        "INSERT INTO variants (id, tenant_id, product_id, name, sku, gtin, price_minor, currency, updated_at_ms) \
         VALUES (md5('v1')::uuid, $1, md5('p1')::uuid, 'Tea 250 g', 'TEA-250', '08901234567890', 14500, 'INR', 0)",
    ] {
        sqlx::query(sql)
            .bind(tenant.as_uuid())
            .execute(&pool)
            .await
            .expect("catalog");
    }
    let (variant,): (uuid::Uuid,) = sqlx::query_as("SELECT md5('v1')::uuid")
        .fetch_one(&pool)
        .await
        .expect("id");
    let variant = VariantId::from_uuid(variant);
    hub.record_movement(
        tenant,
        &MovementRecord {
            movement_id: MovementId::new(),
            store_id: store,
            variant_id: variant,
            delta: Qty::units(stock),
            reason: MovementReason::Receipt,
            sale_id: None,
            terminal_id: None,
            occurred_at: Timestamp::now(),
            batch: None,
        },
    )
    .await
    .expect("receipt");
    println!("hub on PostgreSQL: {orders} concurrent placements of 1 unit against {stock} on hand");

    let started = Instant::now();
    let tasks: Vec<_> = (0..orders)
        .map(|i| {
            let hub = hub.clone();
            tokio::spawn(async move {
                let order = NewOrder {
                    idempotency_key: format!("bench-{i}"),
                    request_hash: format!("hash-{i}"),
                    channel: "app".into(),
                    lat: 12.9784,
                    lon: 77.6408,
                    contact: "+91 98450 00000".into(),
                    lines: vec![LineRequest {
                        variant_id: Some(variant),
                        barcode: None,
                        qty: Qty::units(1),
                    }],
                    hold: Duration::from_secs(900),
                    payment: None,
                    stores: Vec::new(),
                };
                let t = Instant::now();
                let placed = hub.place_order(tenant, &order).await.expect("placement");
                (t.elapsed(), matches!(placed, Placement::Created(_)))
            })
        })
        .collect();
    let mut samples = Vec::with_capacity(orders);
    let mut placed = 0;
    for task in tasks {
        let (elapsed, created) = task.await.expect("task");
        samples.push(elapsed);
        placed += usize::from(created);
    }
    let wall = started.elapsed();
    let placement = summarize("order placement (selection + reservations)", samples);
    let (held,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(CAST(SUM(qty_milli) AS BIGINT), 0) FROM stock_reservations WHERE state = 'held'",
    )
    .fetch_one(&pool)
    .await
    .expect("held");
    let (on_hand,): (i64,) = sqlx::query_as("SELECT on_hand_milli FROM stock_positions")
        .fetch_one(&pool)
        .await
        .expect("position");
    println!(
        "  placed {placed}, refused {}, held {} of {} on hand, {:.0} placements/s",
        orders - placed,
        held / 1000,
        on_hand / 1000,
        orders as f64 / wall.as_secs_f64()
    );
    assert_eq!(
        placed as i64,
        stock.min(orders as i64),
        "placed exactly the stock"
    );
    assert_eq!(held, placed as i64 * 1000, "held exactly what was placed");
    assert!(held <= on_hand, "never held more than on hand");

    // The floor: the same number of concurrent single-row UPDATEs of one row.
    sqlx::query("CREATE TABLE bench_counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(&pool)
        .await
        .expect("table");
    sqlx::query("INSERT INTO bench_counter VALUES (1, 0)")
        .execute(&pool)
        .await
        .expect("row");
    let tasks: Vec<_> = (0..orders)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                sqlx::query("UPDATE bench_counter SET n = n + 1 WHERE id = 1")
                    .execute(&pool)
                    .await
                    .expect("update");
                t.elapsed()
            })
        })
        .collect();
    let mut samples = Vec::with_capacity(orders);
    for task in tasks {
        samples.push(task.await.expect("task"));
    }
    let update = summarize("baseline: single-row UPDATE, same concurrency", samples);
    println!(
        "  {:<52} p50 {:>9.2}x    p99 {:>9.2}x",
        "ratio placement / UPDATE",
        placement.0.as_secs_f64() / update.0.as_secs_f64(),
        placement.1.as_secs_f64() / update.1.as_secs_f64()
    );
}
