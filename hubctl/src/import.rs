//! `hubctl import`: brings a catalog file into the hub. New SKUs become
//! products, known ones are updated only where the file differs, and with
//! `--store` each item's stock is set to the counted quantity. Each row stands
//! alone: a row the hub refuses is reported with its line and column, and the
//! others go in. Running the same file again changes nothing.

use super::catalog_file::{self, CatalogFile, ItemRow, RowError};
use super::{find_store, CliError, Client};
use clap::Args;
use futures_util::StreamExt;
use hq_client::HqError;
use pos_shared::sync::VariantRecord;
use pos_shared::{BrandId, CategoryId, Currency, MovementId, Qty, StoreId};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Args)]
#[command(after_help = catalog_file::COLUMNS_HELP)]
pub struct ImportArgs {
    /// The catalog file (CSV).
    file: PathBuf,
    /// Set each item's stock at this store (code or id) from the `stock` column.
    #[arg(long)]
    store: Option<String>,
    /// The prices' currency; by default the store's, else INR.
    #[arg(long)]
    currency: Option<String>,
    /// Requests to the hub in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=32))]
    parallel: u8,
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    rows: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    /// Items whose stock at the store was changed to the counted quantity.
    stock_set: usize,
    failed: Vec<RowError>,
}

/// What every row is resolved against, read once before any row is sent.
struct Known {
    variants: HashMap<String, VariantRecord>,
    brands: HashMap<String, BrandId>,
    categories: HashMap<Vec<String>, CategoryId>,
    stock: HashMap<String, Qty>,
    store: Option<StoreId>,
}

pub async fn run(hub: &Client, args: ImportArgs, json: bool) -> Result<ExitCode, CliError> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| CliError::File(format!("cannot read {}: {e}", args.file.display())))?;
    let store = match &args.store {
        Some(s) => Some(find_store(hub, s).await?),
        None => None,
    };
    let currency = match (&args.currency, &store) {
        (Some(c), _) => c.as_str(),
        (None, Some(s)) => s.currency.as_str(),
        (None, None) => "INR",
    };
    let currency = Currency::parse(currency).map_err(|e| CliError::Usage(e.to_string()))?;
    let file = catalog_file::read(&bytes, currency)
        .map_err(|e| CliError::File(format!("{}: {e}", args.file.display())))?;
    if file.has_stock && store.is_none() {
        return Err(CliError::Usage(
            "the file has a stock column: say which store it counts with --store".into(),
        ));
    }
    let known = Arc::new(load_known(hub, &file, store.as_ref().map(|s| s.id)).await?);
    let mut summary = Summary {
        rows: file.rows.len() + file.errors.len(),
        failed: file.errors,
        ..Summary::default()
    };
    let done = Arc::new(AtomicUsize::new(0));
    let progress = tokio::spawn(report_progress(done.clone(), file.rows.len()));
    let mut results = futures_util::stream::iter(file.rows.into_iter().map(|row| {
        let (hub, known, done) = (hub.clone(), known.clone(), done.clone());
        async move {
            let result = import_row(&hub, &known, &row).await;
            done.fetch_add(1, Ordering::Relaxed);
            (row, result)
        }
    }))
    .buffer_unordered(usize::from(args.parallel));
    while let Some((row, result)) = results.next().await {
        match result {
            Ok((outcome, stock_set)) => {
                match outcome {
                    Outcome::Created => summary.created += 1,
                    Outcome::Updated => summary.updated += 1,
                    Outcome::Unchanged => summary.unchanged += 1,
                }
                summary.stock_set += usize::from(stock_set);
            }
            Err(e) => summary.failed.push(row_error(&row, &e)),
        }
    }
    progress.abort();
    let _ = progress.await;
    report_progress_line(
        done.load(Ordering::Relaxed),
        done.load(Ordering::Relaxed),
        false,
    );
    summary.failed.sort_by_key(|e| e.line);
    print_summary(&summary, json);
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn load_known(
    hub: &Client,
    file: &CatalogFile,
    store: Option<StoreId>,
) -> Result<Known, CliError> {
    let mut variants = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = hub.catalog_page(500, cursor.as_deref()).await?;
        variants.extend(page.items.into_iter().map(|v| (v.sku.clone(), v)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let brands = ensure_brands(hub, file).await?;
    let categories = ensure_categories(hub, file).await?;
    let mut stock = HashMap::new();
    if let (Some(store), true) = (store, file.has_stock) {
        let inventory = hub.inventory(&store.to_string()).await?;
        for p in inventory["positions"].as_array().into_iter().flatten() {
            if let (Some(sku), Ok(on_hand)) = (
                p["sku"].as_str(),
                serde_json::from_value::<Qty>(p["on_hand"].clone()),
            ) {
                stock.insert(sku.to_owned(), on_hand);
            }
        }
    }
    Ok(Known {
        variants,
        brands,
        categories,
        stock,
        store,
    })
}

/// Brand ids by name (any case), creating the brands the file names that the
/// catalog does not have yet.
async fn ensure_brands(
    hub: &Client,
    file: &CatalogFile,
) -> Result<HashMap<String, BrandId>, CliError> {
    let mut brands: HashMap<String, BrandId> = hub
        .brands()
        .await?
        .into_iter()
        .map(|b| (b.name.to_lowercase(), b.brand_id))
        .collect();
    for name in file.rows.iter().filter_map(|r| r.brand.clone().flatten()) {
        if let std::collections::hash_map::Entry::Vacant(slot) = brands.entry(name.to_lowercase()) {
            let created = hub.create_brand(&name).await?;
            slot.insert(created.brand_id);
        }
    }
    Ok(brands)
}

/// Category ids by path (each level in lower case), creating missing levels.
async fn ensure_categories(
    hub: &Client,
    file: &CatalogFile,
) -> Result<HashMap<Vec<String>, CategoryId>, CliError> {
    let tree = hub.categories().await?;
    // Parents come before their children, so each parent's path is known.
    let mut paths: HashMap<CategoryId, Vec<String>> = HashMap::new();
    let mut ids = HashMap::new();
    for c in &tree {
        let mut path = c
            .parent_id
            .and_then(|p| paths.get(&p).cloned())
            .unwrap_or_default();
        path.push(c.name.to_lowercase());
        paths.insert(c.category_id, path.clone());
        ids.insert(path, c.category_id);
    }
    for levels in file
        .rows
        .iter()
        .filter_map(|r| r.category.clone().flatten())
    {
        let mut path = Vec::new();
        let mut parent: Option<CategoryId> = None;
        for level in levels {
            path.push(level.to_lowercase());
            let id = match ids.get(&path) {
                Some(id) => *id,
                None => {
                    let created = hub.create_category(&level, parent, None).await?;
                    ids.insert(path.clone(), created.category_id);
                    created.category_id
                }
            };
            parent = Some(id);
        }
    }
    Ok(ids)
}

fn lower_path(levels: &[String]) -> Vec<String> {
    levels.iter().map(|l| l.to_lowercase()).collect()
}

/// Creates or updates one item, then sets its stock; whether the stock changed.
async fn import_row(
    hub: &Client,
    known: &Known,
    row: &ItemRow,
) -> Result<(Outcome, bool), CliError> {
    let brand_id = row.brand.as_ref().map(|b| {
        b.as_ref()
            .and_then(|name| known.brands.get(&name.to_lowercase()).copied())
    });
    let category_id = row.category.as_ref().map(|c| {
        c.as_ref()
            .and_then(|levels| known.categories.get(&lower_path(levels)).copied())
    });
    let (outcome, variant_id) = match known.variants.get(&row.sku) {
        None => {
            let mut variant = json!({
                "sku": row.sku,
                "barcode": row.barcode,
                "price": row.price,
                "barcodes": row.barcodes.clone().unwrap_or_default(),
            });
            if let Some(Some(tax)) = &row.tax {
                variant["tax"] = json!(tax);
            }
            if let Some(Some(key)) = row.quick_key {
                variant["quick_key"] = json!(key);
            }
            if let Some(unit) = row.unit {
                variant["unit"] = json!(unit);
            }
            if let Some(Some(pack)) = &row.pack {
                variant["pack"] = json!(pack);
            }
            if let Some(urls) = &row.image_urls {
                variant["image_urls"] = json!(urls);
            }
            let body = json!({
                "name": row.name,
                "brand_id": brand_id.flatten(),
                "category_id": category_id.flatten(),
                "synonyms": row.synonyms.clone().unwrap_or_default(),
                "variants": [variant],
            });
            let product = hub.create_product(&body).await?;
            let id = serde_json::from_value(product["variants"][0]["variant_id"].clone())
                .map_err(|e| CliError::File(format!("the hub's answer has no variant id: {e}")))?;
            (Outcome::Created, id)
        }
        Some(current) => {
            let patch = changes(row, current, brand_id, category_id);
            let mut outcome = Outcome::Unchanged;
            if !patch.is_empty() {
                hub.edit_variant(&current.variant_id.to_string(), &Value::Object(patch))
                    .await?;
                outcome = Outcome::Updated;
            }
            if current.price != row.price {
                hub.set_price(&current.variant_id.to_string(), row.price)
                    .await?;
                outcome = Outcome::Updated;
            }
            (outcome, current.variant_id)
        }
    };
    let mut stock_set = false;
    if let (Some(store), Some(counted)) = (known.store, row.stock) {
        let on_hand = known
            .stock
            .get(&row.sku)
            .copied()
            .unwrap_or(Qty::from_milli(0));
        let delta = counted.checked_sub(on_hand).ok_or_else(|| {
            CliError::File(format!(
                "stock {counted} less the {on_hand} on hand is beyond any quantity"
            ))
        })?;
        if delta.milli() != 0 {
            // First stock in is goods received; any later count corrects.
            let reason = if on_hand.milli() == 0 && delta.is_positive() {
                "receipt"
            } else {
                "adjustment"
            };
            let body = json!({
                "movement_id": MovementId::new(),
                "variant_id": variant_id,
                "delta": delta,
                "reason": reason,
            });
            hub.post_movement(&store.to_string(), &body)
                .await
                .map_err(|e| with_column(e, "stock"))?;
            stock_set = true;
        }
    }
    Ok((outcome, stock_set))
}

/// The fields of `current` the row changes, as a `PATCH` body; columns the
/// file does not have are left out, so they stay as they are.
fn changes(
    row: &ItemRow,
    current: &VariantRecord,
    brand_id: Option<Option<BrandId>>,
    category_id: Option<Option<CategoryId>>,
) -> Map<String, Value> {
    let mut patch = Map::new();
    let placement = &current.placement;
    if row.name != current.name {
        patch.insert("name".into(), json!(row.name));
    }
    if row.barcode != current.barcode {
        patch.insert("barcode".into(), json!(row.barcode));
    }
    if let Some(codes) = row
        .barcodes
        .as_ref()
        .filter(|c| **c != placement.extra_barcodes)
    {
        patch.insert("barcodes".into(), json!(codes));
    }
    if let Some(tax) = row.tax.as_ref().filter(|t| **t != current.tax) {
        patch.insert("tax".into(), json!(tax));
    }
    if let Some(words) = row.synonyms.as_ref().filter(|s| **s != placement.synonyms) {
        patch.insert("synonyms".into(), json!(words));
    }
    if let Some(key) = row.quick_key.filter(|k| *k != placement.quick_key) {
        patch.insert("quick_key".into(), json!(key));
    }
    let details = &current.details;
    if let Some(unit) = row.unit.filter(|u| *u != details.unit) {
        patch.insert("unit".into(), json!(unit));
    }
    if let Some(pack) = row.pack.as_ref().filter(|p| **p != details.pack) {
        patch.insert("pack".into(), json!(pack));
    }
    if let Some(urls) = row
        .image_urls
        .as_ref()
        .filter(|u| **u != details.image_urls)
    {
        patch.insert("image_urls".into(), json!(urls));
    }
    // The catalog shows the brand by name; a name of another case is the same brand.
    let brand_now = placement.brand.as_ref().map(|b| b.to_lowercase());
    if let Some(brand) = &row.brand {
        if brand.as_ref().map(|b| b.to_lowercase()) != brand_now {
            patch.insert("brand_id".into(), json!(brand_id.flatten()));
        }
    }
    if let Some(category) = category_id.filter(|c| *c != placement.category_id) {
        patch.insert("category_id".into(), json!(category));
    }
    patch
}

/// Names the file's column for an error the hub named by its own field.
fn column_for(field: &str) -> String {
    let field = field.strip_prefix("variants[0].").unwrap_or(field);
    let column = match field.split(['.', '[']).next().unwrap_or(field) {
        "tax" if field.ends_with("hsn") => "hsn",
        "tax" => "tax_rate",
        "brand_id" => "brand",
        "category_id" => "category",
        "extra_barcodes" => "barcodes",
        "delta" | "variant_id" => "stock",
        other => other,
    };
    column.to_owned()
}

fn with_column(mut err: HqError, column: &str) -> HqError {
    if let Some(p) = err.problem_mut() {
        p.field = Some(column.to_owned());
    }
    err
}

fn row_error(row: &ItemRow, err: &CliError) -> RowError {
    let (column, detail) = match err.problem() {
        Some(p) => (p.field.as_deref().map(column_for), p.detail.clone()),
        None => (None, err.to_string()),
    };
    RowError {
        line: row.line,
        sku: row.sku.clone(),
        column,
        detail,
    }
}

/// Shows how far the import is: rewritten in place on a terminal, a line a
/// few seconds apart in a log.
async fn report_progress(done: Arc<AtomicUsize>, total: usize) {
    let interactive = std::io::stderr().is_terminal();
    let every = if interactive { 200 } else { 2000 };
    loop {
        tokio::time::sleep(Duration::from_millis(every)).await;
        report_progress_line(done.load(Ordering::Relaxed), total, interactive);
    }
}

fn report_progress_line(done: usize, total: usize, interactive: bool) {
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    if interactive {
        eprint!("\rimporting: {done}/{total} rows ({percent}%)");
    } else {
        eprintln!("importing: {done}/{total} rows ({percent}%)");
    }
}

fn print_summary(summary: &Summary, json: bool) {
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    if json {
        return super::print_json(summary);
    }
    println!(
        "{} rows: {} created, {} updated, {} unchanged, {} failed",
        summary.rows,
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.failed.len()
    );
    if summary.stock_set > 0 {
        println!("stock set for {} items", summary.stock_set);
    }
    for e in &summary.failed {
        let column = e
            .column
            .as_deref()
            .map(|c| format!("{c}: "))
            .unwrap_or_default();
        let sku = if e.sku.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.sku)
        };
        println!("line {}{sku}: {column}{}", e.line, e.detail);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hubs_fields_are_named_as_the_files_columns() {
        for (field, column) in [
            ("variants[0].barcode", "barcode"),
            ("variants[0].barcodes[1]", "barcodes"),
            ("variants[0].tax.rate_bp", "tax_rate"),
            ("tax.hsn", "hsn"),
            ("brand_id", "brand"),
            ("synonyms[2]", "synonyms"),
            ("sku", "sku"),
        ] {
            assert_eq!(super::column_for(field), column, "{field}");
        }
    }
}
