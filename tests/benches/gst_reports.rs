//! Benchmark: a month's GST returns on PostgreSQL.
//!
//! `./scripts/bench-hub.sh --bench gst_reports` (or `cargo bench -p
//! system-tests --bench gst_reports` with `TEST_DATABASE_URL` naming a
//! PostgreSQL server) loads, with SQL, the tax documents a chain's tills
//! would have uploaded: 10 stores under one GSTIN, 3 tills each,
//! `BENCH_GST_LINES` (1,000,000) sales lines in the month of four lines a
//! bill, a thirtieth of the bills to registered buyers, one in a hundred
//! inter-state, one in fifty returned in part, and a tenth as many again in
//! the month before and after. It then makes the month's GSTR-1 (the
//! storage's aggregates and the portal JSON, the code `GET
//! /v1/reports/gstr1` runs) and prints the time next to the raw aggregate of
//! the same lines by rate, on the same server in the same run.

use cloud_hub::domain::gst::{self, ReturnPeriod};
use cloud_hub::domain::stores::{NewStore, NewTerminal, StoreKind};
use cloud_hub::storage;
use std::time::{Duration, Instant};

const GSTIN: &str = "29AAACK1234A1Z6";
const BUYER: &str = "29AABCB5678C1ZM";

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let admin = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL names a PostgreSQL server: run ./scripts/bench-hub.sh");
    let lines = env_size("BENCH_GST_LINES", 1_000_000) as i64;
    let runs = env_size("BENCH_GST_RUNS", 5);
    let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
    let url = storage::postgres::create_database(&admin, &name)
        .await
        .expect("create database");
    let hub = storage::connect(&url).await.expect("open storage");
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");
    let tenant = hub
        .create_tenant("Bench Chain", pos_shared::Currency::INR, "bench-key")
        .await
        .expect("tenant")
        .id;
    let gstin = pos_shared::gstin::Gstin::parse(GSTIN).expect("GSTIN");
    let mut terminals = Vec::new();
    for s in 0..10 {
        let store = hub
            .create_store(
                tenant,
                &NewStore {
                    code: format!("BLR-{s:02}"),
                    name: format!("Store {s}"),
                    currency: pos_shared::Currency::INR,
                    kind: StoreKind::Store,
                },
            )
            .await
            .expect("store")
            .id;
        hub.set_store_gstin(tenant, store, Some(&gstin))
            .await
            .expect("GSTIN");
        for t in 0..3 {
            let terminal = hub
                .create_terminal(
                    tenant,
                    store,
                    &NewTerminal {
                        name: format!("Till {t}"),
                        receipt_prefix: format!("S{s}T{t}"),
                        id: None,
                    },
                    &format!("code-{s}-{t}"),
                )
                .await
                .expect("terminal");
            terminals.push((
                store.as_uuid(),
                terminal.id.as_uuid(),
                terminal.receipt_prefix,
            ));
        }
    }
    let period = ReturnPeriod::parse("2026-11").expect("period");
    let (start, end) = period.bounds_ms();
    let bills = lines / 4;
    println!("GST returns on PostgreSQL: {lines} sales lines in the month ({bills} bills of 4 lines), 10 stores, 30 tills");
    let started = Instant::now();
    load(&pool, tenant.as_uuid(), &terminals, bills, start, end).await;
    sqlx::query("VACUUM ANALYZE")
        .execute(&pool)
        .await
        .expect("vacuum");
    println!(
        "  bulk load (SQL), with a tenth more either side      {:>9.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut report = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let figures = hub
            .gst_figures(tenant, &gstin, period)
            .await
            .expect("figures")
            .expect("registered");
        let json = serde_json::to_vec(&gst::gstr1(&gstin, period, &figures)).expect("json");
        report.push(t.elapsed());
        size = json.len();
    }
    let mut raw = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let rows: Vec<(Option<i32>, i64, i64)> = sqlx::query_as(
            "SELECT l.rate_bp, CAST(SUM(l.taxable_minor) AS BIGINT), CAST(SUM(l.cgst_minor + l.sgst_minor + l.igst_minor) AS BIGINT) \
             FROM gst_documents d JOIN gst_document_lines l ON l.document_id = d.id \
             WHERE d.tenant_id = $1 AND d.issued_at_ms >= $2 AND d.issued_at_ms < $3 GROUP BY l.rate_bp",
        )
        .bind(tenant.as_uuid())
        .bind(start)
        .bind(end)
        .fetch_all(&pool)
        .await
        .expect("raw aggregate");
        assert!(!rows.is_empty());
        raw.push(t.elapsed());
    }
    let (report, raw) = (median(report), median(raw));
    println!(
        "  GSTR-1 for the month (aggregates + portal JSON)     {:>9.1} ms median of {runs}, {size} bytes",
        report.as_secs_f64() * 1e3
    );
    println!(
        "  baseline: the month's lines summed by rate          {:>9.1} ms median of {runs}",
        raw.as_secs_f64() * 1e3
    );
    println!(
        "  ratio GSTR-1 / raw aggregate                        {:>9.2}x",
        report.as_secs_f64() / raw.as_secs_f64()
    );
}

/// The month's bills (and a tenth as many in each neighbouring month) as
/// the hub would have written them: documents, then four lines each.
async fn load(
    pool: &sqlx::PgPool,
    tenant: uuid::Uuid,
    terminals: &[(uuid::Uuid, uuid::Uuid, String)],
    bills: i64,
    start: i64,
    end: i64,
) {
    let span = end - start;
    let outside = bills / 10;
    let stores: Vec<uuid::Uuid> = terminals.iter().map(|t| t.0).collect();
    let tills: Vec<uuid::Uuid> = terminals.iter().map(|t| t.1).collect();
    let prefixes: Vec<String> = terminals.iter().map(|t| t.2.clone()).collect();
    // Bill g: till g % 30, at an instant inside [from, from + span);
    // B2B every 30th, inter-state every 100th.
    sqlx::query(
        "INSERT INTO gst_documents (id, tenant_id, store_id, terminal_id, kind, number, issued_at_ms, value_minor, buyer_gstin, original_id, inter_state) \
         SELECT md5('bill' || g)::uuid, $1, ($2::uuid[])[1 + g % 30], ($3::uuid[])[1 + g % 30], 'invoice', \
                ($4::text[])[1 + g % 30] || '-' || lpad((g / 30)::text, 6, '0'), \
                CASE WHEN g <= $5 THEN $6 + (g * 7919) % $7 WHEN g <= $5 + $8 THEN $6 - 1 - (g * 7919) % $7 ELSE $6 + $7 + (g * 7919) % $7 END, \
                4 * 10500, CASE WHEN g % 30 = 7 THEN $9 END, NULL, g % 100 = 3 \
         FROM generate_series(1, $5 + 2 * $8) g",
    )
    .bind(tenant)
    .bind(&stores)
    .bind(&tills)
    .bind(&prefixes)
    .bind(bills)
    .bind(start)
    .bind(span)
    .bind(outside)
    .bind(BUYER)
    .execute(pool)
    .await
    .expect("bills");
    sqlx::query(
        "INSERT INTO gst_document_lines (document_id, line_no, variant_id, hsn, uqc, rate_bp, qty_milli, taxable_minor, cgst_minor, sgst_minor, igst_minor) \
         SELECT md5('bill' || g)::uuid, l, md5('item' || ((g * 4 + l) % 5000))::uuid, \
                CASE l WHEN 0 THEN '0902' WHEN 1 THEN '1006' WHEN 2 THEN '3401' ELSE '2106' END, \
                CASE l WHEN 1 THEN 'KGS' ELSE 'NOS' END, \
                CASE l WHEN 0 THEN 500 WHEN 1 THEN 0 WHEN 2 THEN 1800 ELSE 1200 END, 1000, 10000, \
                CASE WHEN g % 100 = 3 THEN 0 ELSE CASE l WHEN 0 THEN 250 WHEN 1 THEN 0 WHEN 2 THEN 900 ELSE 600 END END, \
                CASE WHEN g % 100 = 3 THEN 0 ELSE CASE l WHEN 0 THEN 250 WHEN 1 THEN 0 WHEN 2 THEN 900 ELSE 600 END END, \
                CASE WHEN g % 100 = 3 THEN CASE l WHEN 0 THEN 500 WHEN 1 THEN 0 WHEN 2 THEN 1800 ELSE 1200 END ELSE 0 END \
         FROM generate_series(1, $1) g, generate_series(0, 3) l",
    )
    .bind(bills + 2 * (bills / 10))
    .execute(pool)
    .await
    .expect("lines");
    // One bill in fifty returned in part (its first line) later in the month.
    sqlx::query(
        "INSERT INTO gst_documents (id, tenant_id, store_id, terminal_id, kind, number, issued_at_ms, value_minor, buyer_gstin, original_id, inter_state) \
         SELECT md5('note' || d.id)::uuid, d.tenant_id, d.store_id, d.terminal_id, 'credit_note', d.number || 'R', \
                LEAST(d.issued_at_ms + 86400000, $2 - 1), 10500, NULL, d.id, d.inter_state \
         FROM gst_documents d WHERE d.tenant_id = $1 AND d.issued_at_ms < $2 AND d.issued_at_ms >= $3 \
           AND ('x' || substr(d.id::text, 1, 8))::bit(32)::int % 50 = 0",
    )
    .bind(tenant)
    .bind(end)
    .bind(start)
    .execute(pool)
    .await
    .expect("notes");
    sqlx::query(
        "INSERT INTO gst_document_lines (document_id, line_no, variant_id, hsn, uqc, rate_bp, qty_milli, taxable_minor, cgst_minor, sgst_minor, igst_minor) \
         SELECT n.id, 0, l.variant_id, l.hsn, l.uqc, l.rate_bp, l.qty_milli, l.taxable_minor, l.cgst_minor, l.sgst_minor, l.igst_minor \
         FROM gst_documents n JOIN gst_document_lines l ON l.document_id = n.original_id AND l.line_no = 0 \
         WHERE n.kind = 'credit_note'",
    )
    .execute(pool)
    .await
    .expect("note lines");
}
