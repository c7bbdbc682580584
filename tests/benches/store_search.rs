//! Benchmark: the hub's store search over a 100,000-variant catalog.
//!
//! `cargo bench -p system-tests --bench store_search` (`BENCH_VARIANTS`,
//! `BENCH_ROUNDS`, `BENCH_IMPORT` change the sizes). A hub on the embedded
//! SQLite database is seeded through the HQ API with grocery names (brand,
//! variety, product, size), categories and stock. It prints, in the same run:
//!
//! - the index built from the catalog, the first time the tenant is searched;
//! - for a set of shoppers' queries (typos, synonyms, prefixes, a phrase, a
//!   code, filters), p50 and p95 of the bare index query (matches found, no
//!   database), of the whole search (the index, then the store's price and
//!   stock for the matches, filters, facets, ranking), and of the HTTP
//!   endpoint; the whole search as a ratio of the bare index query;
//! - after an import of `BENCH_IMPORT` (10,000) items through the HQ API, the
//!   time to apply them to the index, and the time until the running hub's
//!   own search finds the last of them.

use cloud_hub::domain::search::StoreQuery;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const BRANDS: [&str; 20] = [
    "Tata",
    "Fortune",
    "Aashirvaad",
    "Amul",
    "Britannia",
    "Parle",
    "Haldiram",
    "MDH",
    "Everest",
    "Patanjali",
    "Dabur",
    "Nestle",
    "ITC",
    "Mother Dairy",
    "Saffola",
    "Catch",
    "Daawat",
    "India Gate",
    "Rajdhani",
    "Organic Tattva",
];
/// Product kinds and the category each is filed under.
const KINDS: [(&str, &str); 50] = [
    ("Toor Dal", "Pulses"),
    ("Moong Dal", "Pulses"),
    ("Chana Dal", "Pulses"),
    ("Urad Dal", "Pulses"),
    ("Masoor Dal", "Pulses"),
    ("Rajma", "Pulses"),
    ("Kabuli Chana", "Pulses"),
    ("Basmati Rice", "Rice"),
    ("Sona Masoori Rice", "Rice"),
    ("Poha", "Rice"),
    ("Atta", "Flours"),
    ("Maida", "Flours"),
    ("Besan", "Flours"),
    ("Sooji", "Flours"),
    ("Sugar", "Essentials"),
    ("Jaggery", "Essentials"),
    ("Salt", "Essentials"),
    ("Mustard Oil", "Oils"),
    ("Sunflower Oil", "Oils"),
    ("Ghee", "Dairy"),
    ("Butter", "Dairy"),
    ("Paneer", "Dairy"),
    ("Dahi", "Dairy"),
    ("Milk", "Dairy"),
    ("Cheese", "Dairy"),
    ("Tea", "Beverages"),
    ("Coffee", "Beverages"),
    ("Biscuits", "Snacks"),
    ("Namkeen", "Snacks"),
    ("Bhujia", "Snacks"),
    ("Turmeric Powder", "Spices"),
    ("Chilli Powder", "Spices"),
    ("Coriander Powder", "Spices"),
    ("Garam Masala", "Spices"),
    ("Jeera", "Spices"),
    ("Noodles", "Ready to Cook"),
    ("Pasta", "Ready to Cook"),
    ("Ketchup", "Sauces"),
    ("Pickle", "Sauces"),
    ("Jam", "Sauces"),
    ("Honey", "Sauces"),
    ("Oats", "Breakfast"),
    ("Cornflakes", "Breakfast"),
    ("Soap", "Household"),
    ("Shampoo", "Household"),
    ("Detergent", "Household"),
    ("Toothpaste", "Household"),
    ("Agarbatti", "Household"),
    ("Matchbox", "Household"),
    ("Candles", "Household"),
];
const VARIETIES: [&str; 12] = [
    "Classic",
    "Premium",
    "Gold",
    "Select",
    "Family Pack",
    "Value",
    "Organic",
    "Special",
    "Royal",
    "Pure",
    "Fresh",
    "Rich",
];
const SIZES: [&str; 9] = [
    "100 g", "200 g", "500 g", "1 kg", "2 kg", "5 kg", "250 ml", "500 ml", "1 l",
];

/// Shoppers' queries, with the filters some of them carry.
const QUERIES: [(&str, &str); 16] = [
    ("toor dal", ""),
    ("tor dal", ""),
    ("atta 5 kg", ""),
    ("basmati", ""),
    ("basmatii rice", ""),
    ("amul buter", ""),
    ("curd", ""),
    ("wheat flour", ""),
    ("hald", ""),
    ("garam masala", "in_stock"),
    ("parle biscuits", ""),
    ("\"mustard oil\"", ""),
    ("shampo", ""),
    ("ghee 1 l", "orderable"),
    ("tata", "brand"),
    ("SKU-0050000", ""),
];

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn line(what: &str, samples: &mut [Duration]) -> (Duration, Duration) {
    let (p50, p95) = (percentile(samples, 0.5), percentile(samples, 0.95));
    println!(
        "  {what:<58} p50 {:>8.2} ms   p95 {:>8.2} ms",
        p50.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    (p50, p95)
}

/// Creates products of 100 variants each for variants `from..to`, one brand
/// and kind per product, with stock at the store for most of them.
async fn seed(
    hq: &system_tests::Hq,
    store: &str,
    brands: &[String],
    categories: &[(String, String)],
    from: usize,
    to: usize,
) {
    let mut start = from;
    while start < to {
        let end = (start + 100).min(to);
        let product = start / 100;
        let (brand, (kind, category)) = (
            &brands[product % BRANDS.len()],
            KINDS[(product / BRANDS.len()) % KINDS.len()],
        );
        let category = &categories
            .iter()
            .find(|(name, _)| name == category)
            .unwrap()
            .1;
        let variants: Vec<Value> = (start..end)
            .map(|i| {
                let name = format!(
                    "{} {} {kind} {}",
                    BRANDS[product % BRANDS.len()],
                    VARIETIES[i % VARIETIES.len()],
                    SIZES[(i / VARIETIES.len()) % SIZES.len()]
                );
                json!({"name": name, "sku": format!("SKU-{i:07}"), "price": {"minor": 1000 + (i % 50) * 100, "currency": "INR"},
                       "attributes": {"diet": if kind == "Paneer" || i % 7 != 0 { "veg" } else { "non-veg" }}})
            })
            .collect();
        let made = hq
            .create_product(&json!({"name": format!("{kind} range {product}"), "brand_id": brand, "category_id": category, "variants": variants}))
            .await
            .expect("product");
        let movements: Vec<Value> = made["variants"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 != 0)
            .map(
                |(_, v)| json!({"variant_id": v["variant_id"], "delta": "10", "reason": "receipt"}),
            )
            .collect();
        let (status, answer) = hq
            .post_json(
                &format!("/v1/stores/{store}/movements/bulk"),
                &json!({"movements": movements}),
            )
            .await
            .unwrap();
        assert!(status.is_success(), "stock: {status} {answer}");
        start = end;
    }
}

fn query(text: &str, filter: &str) -> StoreQuery {
    StoreQuery {
        text: text.into(),
        brand: (filter == "brand").then(|| "Tata".into()),
        in_stock: filter == "in_stock",
        orderable: filter == "orderable",
        channel: "pos".into(),
        limit: 20,
        ..StoreQuery::default()
    }
}

fn main() {
    let variants = env_or("BENCH_VARIANTS", 100_000);
    let rounds = env_or("BENCH_ROUNDS", 20);
    let import = env_or("BENCH_IMPORT", 10_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let running = system_tests::start_hub(&dir.path().join("hub.db"), "bench")
            .await
            .unwrap();
        let base = running.base_url();
        let hq = system_tests::create_tenant(&base, "bench", "Bench Grocers")
            .await
            .unwrap();
        let store = hq
            .create_store("BLR-1", "Indiranagar", "INR")
            .await
            .unwrap()
            .id
            .to_string();
        let mut brands = Vec::new();
        for name in BRANDS {
            let (_, b) = hq
                .post_json("/v1/brands", &json!({"name": name}))
                .await
                .unwrap();
            brands.push(b["brand_id"].as_str().unwrap().to_owned());
        }
        let mut categories: Vec<(String, String)> = Vec::new();
        for (_, name) in KINDS {
            if categories.iter().any(|(n, _)| n == name) {
                continue;
            }
            let (_, c) = hq
                .post_json("/v1/categories", &json!({"name": name}))
                .await
                .unwrap();
            categories.push((
                name.to_owned(),
                c["category_id"].as_str().unwrap().to_owned(),
            ));
        }
        let seeding = Instant::now();
        seed(&hq, &store, &brands, &categories, 0, variants).await;
        println!(
            "seeded {variants} variants through the HQ API in {:.1} s",
            seeding.elapsed().as_secs_f64()
        );

        let storage = running.storage().clone();
        let (tenant, _) = storage
            .feed_heads()
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
        let store_id: pos_shared::StoreId = store.parse().unwrap();
        let search = cloud_hub::search::StoreSearch::new(storage.clone());
        let building = Instant::now();
        search.ready(tenant).await.unwrap();
        println!(
            "store search over {variants} variants ({} queries x {rounds} rounds)",
            QUERIES.len()
        );
        println!(
            "  {:<58} {:>8.2} s",
            "index built from the catalog (the tenant's first search)",
            building.elapsed().as_secs_f64()
        );

        let http = reqwest::Client::new();
        let (mut bare, mut whole, mut over_http) = (Vec::new(), Vec::new(), Vec::new());
        let (mut hits, mut matches) = (0, 0);
        for _ in 0..rounds {
            for (text, filter) in QUERIES {
                let q = query(text, filter);
                let t = Instant::now();
                let matched = search.index_only(tenant, &q).await.unwrap();
                bare.push(t.elapsed());
                let t = Instant::now();
                let found = search.search(tenant, store_id, &q).await.unwrap();
                whole.push(t.elapsed());
                hits += found.hits.len();
                matches += matched;
                let mut url =
                    reqwest::Url::parse(&format!("{base}/v1/stores/{store}/search")).unwrap();
                url.query_pairs_mut().append_pair("q", text);
                match filter {
                    "brand" => {
                        url.query_pairs_mut().append_pair("brand", "Tata");
                    }
                    "in_stock" | "orderable" => {
                        url.query_pairs_mut().append_pair(filter, "true");
                    }
                    _ => {}
                }
                let t = Instant::now();
                let answer = http
                    .get(url)
                    .bearer_auth(hq.credential().unwrap())
                    .send()
                    .await
                    .unwrap();
                assert!(answer.status().is_success(), "{text}: {}", answer.status());
                answer.bytes().await.unwrap();
                over_http.push(t.elapsed());
            }
        }
        assert!(hits > 0 && matches > 0, "the queries found nothing");
        let base_figures = line("bare index query (matches, no database)", &mut bare);
        let search_figures = line(
            "whole search (index, store price and stock, facets)",
            &mut whole,
        );
        line("GET /v1/stores/{id}/search over HTTP", &mut over_http);
        println!(
            "  {:<58} p50 {:>8.2}x    p95 {:>8.2}x   (goal: p95 under 50 ms)",
            "ratio whole search / bare index query",
            search_figures.0.as_secs_f64() / base_figures.0.as_secs_f64(),
            search_figures.1.as_secs_f64() / base_figures.1.as_secs_f64()
        );

        // An import: the index catches up from the feed.
        let importing = Instant::now();
        seed(
            &hq,
            &store,
            &brands,
            &categories,
            variants,
            variants + import,
        )
        .await;
        let imported = importing.elapsed();
        let catching = Instant::now();
        search.ready(tenant).await.unwrap();
        let caught = catching.elapsed();
        let last = format!("SKU-{:07}", variants + import - 1);
        let waiting = Instant::now();
        loop {
            let (_, found) = hq
                .get_json(&format!("/v1/stores/{store}/search?q={last}&limit=1"))
                .await
                .unwrap();
            if found["hits"][0]["sku"] == last.as_str() {
                break;
            }
            assert!(
                waiting.elapsed() < Duration::from_secs(120),
                "the hub's search never found {last}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "after an import of {import} items through the HQ API ({:.1} s)",
            imported.as_secs_f64()
        );
        println!(
            "  {:<58} {:>8.2} s",
            "index catch-up: the import's changes applied",
            caught.as_secs_f64()
        );
        println!(
            "  {:<58} {:>8.2} s",
            "the running hub's search finds the last item, after",
            waiting.elapsed().as_secs_f64()
        );
    });
}
