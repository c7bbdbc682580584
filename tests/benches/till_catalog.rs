//! Benchmark: the till's hot paths on a 100,000-item local catalog.
//!
//! `cargo bench -p system-tests --bench till_catalog` (`BENCH_ITEMS`,
//! `BENCH_SCANS`, `BENCH_SEARCHES`, `BENCH_SALES` change the sizes). Each figure
//! is printed next to the raw SQLite operation it is built on, measured on the
//! same database in the same run, because the machines are shared and absolute
//! numbers drift:
//!
//! - scan to line: the barcode lookup a scan does (primary or second barcode,
//!   with stock and tax) next to a bare indexed point select;
//! - type-ahead with a slip: a word typed with a letter missed, corrected to
//!   the nearest indexed words, against the same words typed right;
//! - type-ahead: the ranked FTS5 search behind the search box (20 results with
//!   price and stock) next to the bare FTS5 match of the same query, first
//!   unranked and then ranked (the part that grows with the matches);
//! - sale commit: a two-line sale (lines, movements, receipt number, outbox)
//!   next to a durable single-row insert.

use edge_agent::pos::sale::{SaleLineRequest, SaleRequest, SaleResult};
use edge_agent::store::sales::record_sale;
use edge_agent::store::LocalStore;
use edge_agent::store::{
    catalog::{product_by_barcode, search},
    feed::apply_feed_page,
};
use pos_shared::catalog::Placement;
use pos_shared::sale::{Tender, TenderMethod};
use pos_shared::sync::{Change, ChangeBody, DeviceCredential, FeedPage, VariantRecord};
use pos_shared::tax::TaxClass;
use pos_shared::{Gtin, Money, ProductId, Qty, StoreId, TenantId, TerminalId, VariantId};
use std::time::{Duration, Instant};

const BRANDS: &[&str] = &[
    "Tata",
    "Amul",
    "Britannia",
    "Parle",
    "Haldiram",
    "Dabur",
    "Nestle",
    "Patanjali",
    "MTR",
    "Aashirvaad",
    "Fortune",
    "Everest",
];
const KINDS: &[&str] = &[
    "Tea", "Rice", "Dal", "Biscuits", "Namkeen", "Ghee", "Atta", "Soap", "Shampoo", "Noodles",
    "Masala", "Oil", "Sugar", "Salt", "Coffee", "Juice", "Paneer", "Curd", "Bread", "Jam",
];
const STYLES: &[&str] = &[
    "Premium", "Classic", "Gold", "Organic", "Lite", "Spicy", "Kesar", "Elaichi", "Pure", "Family",
];
const SIZES: &[&str] = &["100 g", "250 g", "500 g", "1 kg", "5 kg", "200 ml", "1 l"];
const SYNONYMS: &[&str] = &["chai", "chawal", "doodh", "dahi", "namak", "cheeni", "tel"];

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn barcode(i: usize) -> Gtin {
    Gtin::with_check_digit(&format!("890{i:09}")).expect("barcode")
}

fn case_barcode(i: usize) -> Gtin {
    Gtin::with_check_digit(&format!("891{i:09}")).expect("case barcode")
}

fn item(i: usize) -> VariantRecord {
    let pick = |list: &[&'static str], salt: usize| list[(i / salt) % list.len()];
    VariantRecord {
        variant_id: VariantId::new(),
        product_id: ProductId::new(),
        name: format!(
            "{} {} {} {}",
            pick(STYLES, 1),
            pick(KINDS, 7),
            pick(SIZES, 3),
            i
        ),
        sku: format!("SKU-{i:06}"),
        barcode: barcode(i),
        price: Money::inr(1_000 + (i as i64 * 37) % 90_000),
        tax: Some(TaxClass {
            rate_bp: [0, 500, 1200, 1800][i % 4],
            inclusive: i % 3 != 0,
            hsn: None,
        }),
        modifiers: Vec::new(),
        placement: Placement {
            brand: Some(pick(BRANDS, 11).into()),
            synonyms: vec![pick(SYNONYMS, 13).into()],
            extra_barcodes: if i % 10 == 0 {
                vec![case_barcode(i)]
            } else {
                Vec::new()
            },
            ..Placement::default()
        },
        details: Default::default(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summarize(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let (median, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    println!(
        "  {name:<50} median {:>8.3} ms   p99 {:>8.3} ms",
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    (median, p99)
}

fn ratio(what: &str, measured: (Duration, Duration), base: (Duration, Duration)) {
    println!(
        "  {:<50} median {:>8.2}x    p99 {:>8.2}x",
        format!("ratio {what}"),
        measured.0.as_secs_f64() / base.0.as_secs_f64(),
        measured.1.as_secs_f64() / base.1.as_secs_f64()
    );
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// Words a cashier types for item `i`: a prefix of its kind, of its brand, or
/// its style and the start of its kind.
fn typed(i: usize, n: usize) -> String {
    let words: Vec<String> = item(i).name.split(' ').map(|w| w.to_lowercase()).collect();
    let (style, kind) = (&words[0], &words[1]);
    match n % 3 {
        0 => kind[..3.min(kind.len())].to_owned(),
        1 => BRANDS[(i / 11) % BRANDS.len()]
            .to_lowercase()
            .chars()
            .take(4)
            .collect(),
        _ => format!("{style} {}", &kind[..2]),
    }
}

/// The FTS5 query the search builds for `typed` (every word a prefix).
fn fts_query(typed: &str) -> String {
    typed
        .split_whitespace()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn main() {
    let items = env_size("BENCH_ITEMS", 100_000);
    let scans = env_size("BENCH_SCANS", 5_000);
    let searches = env_size("BENCH_SEARCHES", 2_000);
    let sales = env_size("BENCH_SALES", 2_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalStore::open(&dir.path().join("edge.db")).expect("edge db");
    let store_id = StoreId::new();

    // The catalog arrives as the feed brings it: pages of 2,000 changes.
    let (_, load) = time(|| {
        let mut seq = 0u64;
        for chunk in (0..items).collect::<Vec<_>>().chunks(2_000) {
            let changes = chunk
                .iter()
                .map(|&i| {
                    seq += 1;
                    Change {
                        seq,
                        body: ChangeBody::VariantUpserted(item(i)),
                    }
                })
                .collect();
            let page = FeedPage {
                protocol_version: pos_shared::sync::PROTOCOL_VERSION,
                changes,
                next_cursor: seq,
                has_more: false,
                cursor_mark: None,
            };
            store
                .with_conn(|c| apply_feed_page(c, store_id, &page))
                .expect("apply page");
        }
    });
    println!(
        "catalog: {items} items applied from feed pages in {:.1} s ({:.0} items/s, search index and barcodes included)",
        load.as_secs_f64(),
        items as f64 / load.as_secs_f64()
    );

    let mut rng = fastrand::Rng::with_seed(7);
    let picks: Vec<usize> = (0..scans).map(|_| rng.usize(..items)).collect();

    println!("\nscan to line: {scans} random barcodes (one in ten a case's second barcode)");
    let raw_scan = summarize(
        "baseline: SELECT by indexed barcode",
        picks
            .iter()
            .map(|&i| {
                let code = barcode(i);
                time(|| {
                    store
                        .with_conn(|c| {
                            let mut stmt = c
                                .prepare_cached(
                                    "SELECT id, price_minor FROM variants WHERE gtin = ?1",
                                )
                                .expect("prepare");
                            let row: (String, i64) = stmt
                                .query_row([code.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                                .expect("row");
                            Ok(row)
                        })
                        .expect("select")
                })
                .1
            })
            .collect(),
    );
    let scan = summarize(
        "product_by_barcode (stock, tax, any barcode)",
        picks
            .iter()
            .map(|&i| {
                let code = if i % 10 == 0 {
                    case_barcode(i)
                } else {
                    barcode(i)
                };
                let (found, took) = time(|| {
                    store
                        .with_conn(|c| product_by_barcode(c, &code))
                        .expect("lookup")
                });
                assert!(found.is_some(), "item {i} not found");
                took
            })
            .collect(),
    );
    ratio("scan / baseline", scan, raw_scan);

    println!("\ntype-ahead: {searches} searches of 1-2 prefixes, 20 results");
    let queries: Vec<String> = (0..searches)
        .map(|n| typed(rng.usize(..items), n))
        .collect();
    let bare_match = |sql: &'static str| -> Vec<Duration> {
        queries
            .iter()
            .map(|q| {
                let query = fts_query(q);
                time(|| {
                    store
                        .with_conn(|c| {
                            let mut stmt = c.prepare_cached(sql).expect("prepare");
                            let ids: Vec<i64> = stmt
                                .query_map([&query], |r| r.get(0))
                                .expect("query")
                                .collect::<Result<_, _>>()
                                .expect("rows");
                            Ok(ids)
                        })
                        .expect("match")
                })
                .1
            })
            .collect()
    };
    summarize(
        "baseline: bare FTS5 MATCH, first 20 rowids",
        bare_match("SELECT rowid FROM variant_search WHERE variant_search MATCH ?1 LIMIT 20"),
    );
    let raw_search = summarize(
        "baseline: bare FTS5 MATCH, best 20 rowids by rank",
        bare_match(
            "SELECT rowid FROM variant_search WHERE variant_search MATCH ?1 ORDER BY rank LIMIT 20",
        ),
    );
    let typeahead = summarize(
        "search (ranked by bm25, with price and stock)",
        queries
            .iter()
            .map(|q| {
                let (found, took) = time(|| store.with_conn(|c| search(c, q, 20)).expect("search"));
                assert!(!found.is_empty(), "{q:?} found nothing");
                took
            })
            .collect(),
    );
    ratio("search / ranked baseline", typeahead, raw_search);

    // A slip: the item's kind typed whole with its second letter missed, so
    // no indexed word starts with it and the search corrects it.
    let slips: Vec<(String, String)> = (0..searches)
        .map(|_| {
            let words: Vec<String> = item(rng.usize(..items))
                .name
                .split(' ')
                .map(|w| w.to_lowercase())
                .collect();
            let kind = words[1].clone();
            let slip: String = kind
                .chars()
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .map(|(_, c)| c)
                .collect();
            (kind, slip)
        })
        .collect();
    println!(
        "
type-ahead with a slip: {searches} item kinds typed whole with a letter missed"
    );
    let as_typed = summarize(
        "baseline: the same words typed right",
        slips
            .iter()
            .map(|(right, _)| time(|| store.with_conn(|c| search(c, right, 20)).expect("search")).1)
            .collect(),
    );
    let mut found = 0;
    let slipped = summarize(
        "search with the slip (corrected to the nearest words)",
        slips
            .iter()
            .map(|(right, slip)| {
                let (hits, took) =
                    time(|| store.with_conn(|c| search(c, slip, 20)).expect("search"));
                if hits
                    .iter()
                    .any(|p| p.name.to_lowercase().contains(right.as_str()))
                {
                    found += 1;
                }
                took
            })
            .collect(),
    );
    println!("  the intended kind among the results: {found} of {searches}");
    ratio("slip / typed right", slipped, as_typed);

    println!("\nsale commit: {sales} sales of 2 lines, WAL + synchronous=FULL");
    store
        .with_conn(|c| {
            c.execute_batch(
                "CREATE TABLE bench_facts (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
            )?;
            Ok(())
        })
        .expect("baseline table");
    let raw_insert = summarize(
        "baseline: durable single-row insert",
        (0..sales)
            .map(|i| {
                let body = "x".repeat(1200);
                time(|| {
                    store
                        .with_conn(|c| {
                            c.execute(
                                "INSERT INTO bench_facts (id, body) VALUES (?1, ?2)",
                                rusqlite::params![i as i64, body],
                            )?;
                            Ok(())
                        })
                        .expect("insert")
                })
                .1
            })
            .collect(),
    );
    let credential = DeviceCredential {
        tenant_id: TenantId::new(),
        store_id,
        terminal_id: TerminalId::new(),
        terminal_name: "Bench".into(),
        receipt_prefix: "B1".into(),
        token: "bench".into(),
    };
    let sale = summarize(
        "record_sale (lines, tax, movements, receipt no, outbox)",
        (0..sales)
            .map(|_| {
                let (a, b) = (item(rng.usize(..items)), item(rng.usize(..items)));
                let request = SaleRequest {
                    lines: vec![
                        SaleLineRequest {
                            barcode: a.barcode.as_str().into(),
                            qty: Some(Qty::units(1)),
                            ..Default::default()
                        },
                        SaleLineRequest {
                            barcode: b.barcode.as_str().into(),
                            qty: Some(Qty::units(2)),
                            ..Default::default()
                        },
                    ],
                    tenders: vec![Tender {
                        method: TenderMethod::Cash,
                        // Exclusive GST is added on top: tender well over.
                        amount: Money::inr(1_000_000),
                        reference: None,
                    }],
                    ..Default::default()
                };
                let (result, took) = time(|| {
                    store
                        .with_conn(|c| record_sale(c, &credential, &Default::default(), &request))
                        .expect("sale")
                });
                assert!(matches!(result, SaleResult::Recorded(..)), "sale refused");
                took
            })
            .collect(),
    );
    ratio("sale / baseline", sale, raw_insert);
}
