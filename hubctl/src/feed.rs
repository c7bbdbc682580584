//! `hubctl feed <source> <file>`: uploads a seller's feed (CSV, or JSON
//! Lines by a `.jsonl`/`.ndjson` name) to the hub, streamed from the file
//! with the bytes sent shown on stderr, then follows its run as the hub
//! applies it (rows read, applied, failed) and prints the summary. Exit
//! code 1 when rows failed, saying where they wait: `hubctl review`, or
//! `GET /v1/sources/{source_id}/review`.
//!
//! `hubctl review <source>`: the rows in review (pending by default).

use super::{print_json, table, CliError, Client};
use clap::Args;
use hq_client::ingestion::{counted_body, feed_content_type, Run};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Args)]
#[command(after_help = pos_shared::catalog_row::COLUMNS_HELP)]
pub struct FeedArgs {
    /// The seller source: its id or code (hubctl sources are in GET /v1/sources).
    source: String,
    /// The feed: CSV, or JSON Lines when named .jsonl or .ndjson. The stock
    /// column is the count at the source's stores.
    file: PathBuf,
    /// Print the run's id and leave it applying.
    #[arg(long)]
    no_wait: bool,
}

#[derive(Args)]
pub struct ReviewArgs {
    /// The seller source: its id or code.
    source: String,
    /// pending, superseded, rejected, applied or all.
    #[arg(long, default_value = "pending")]
    status: String,
    /// At most this many rows.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    limit: u32,
}

/// The id of a source named by id or code.
async fn source_id(hub: &Client, wanted: &str) -> Result<String, CliError> {
    if wanted.parse::<uuid::Uuid>().is_ok() {
        return Ok(wanted.to_owned());
    }
    hub.sources()
        .await?
        .into_iter()
        .find(|s| s.code.eq_ignore_ascii_case(wanted))
        .map(|s| s.id)
        .ok_or_else(|| CliError::Usage(format!("no source with id or code {wanted:?}")))
}

pub async fn feed(hub: &Client, args: FeedArgs, json: bool) -> Result<ExitCode, CliError> {
    let source = source_id(hub, &args.source).await?;
    let cannot =
        |e: std::io::Error| CliError::File(format!("cannot read {}: {e}", args.file.display()));
    let file = std::fs::File::open(&args.file).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sent = Arc::new(AtomicU64::new(0));
    let interactive = std::io::stderr().is_terminal();
    let shown = tokio::spawn(show_upload(sent.clone(), len, interactive));
    let uploaded = hub
        .upload_feed(
            &source,
            feed_content_type(&name),
            counted_body(file, len, sent.clone()),
        )
        .await;
    shown.abort();
    let _ = shown.await;
    upload_line(sent.load(Ordering::Relaxed), len, interactive);
    if interactive {
        eprintln!();
    }
    let receipt = uploaded?;
    if args.no_wait {
        if json {
            print_json(&receipt);
        } else {
            println!(
                "queued as run {} (GET /v1/ingestion-runs/{0})",
                receipt.run_id
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let run = follow(hub, &receipt.run_id, interactive).await?;
    if json {
        print_json(&run);
    } else {
        print_run(&run);
    }
    if run.state == "failed" {
        return Ok(ExitCode::FAILURE);
    }
    if run.counts.failed > 0 {
        eprintln!(
            "{} rows were not applied; they wait in review: hubctl review {} (GET {})",
            run.counts.failed, args.source, receipt.review_path
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn show_upload(sent: Arc<AtomicU64>, total: u64, interactive: bool) {
    let every = if interactive { 200 } else { 2000 };
    loop {
        tokio::time::sleep(Duration::from_millis(every)).await;
        upload_line(sent.load(Ordering::Relaxed), total, interactive);
    }
}

fn upload_line(sent: u64, total: u64, interactive: bool) {
    let percent = (sent * 100).checked_div(total).unwrap_or(100);
    let line = format!("uploading: {sent}/{total} bytes ({percent}%)");
    if interactive {
        eprint!("\r{line}");
    } else {
        eprintln!("{line}");
    }
}

/// Polls the run until it finishes, showing its rows as they go.
async fn follow(hub: &Client, run: &str, interactive: bool) -> Result<Run, CliError> {
    let mut last = None;
    loop {
        let now = hub.ingestion_run(run).await?;
        let c = now.counts;
        let line = format!(
            "applying: {} rows read, {} applied, {} unchanged, {} failed",
            c.received, c.applied, c.unchanged, c.failed
        );
        if interactive {
            eprint!("\r{line}");
        } else if last.as_ref() != Some(&line) {
            eprintln!("{line}");
        }
        last = Some(line);
        if now.finished() {
            if interactive {
                eprintln!();
            }
            return Ok(now);
        }
        tokio::time::sleep(Duration::from_millis(if interactive { 300 } else { 1000 })).await;
    }
}

fn print_run(run: &Run) {
    let c = run.counts;
    println!(
        "run {} {}: {} rows, {} applied, {} unchanged, {} failed",
        run.id, run.state, c.received, c.applied, c.unchanged, c.failed
    );
    for e in &run.errors {
        let field = e
            .field
            .as_deref()
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        println!("{}: {field}{}", e.entity, e.detail);
    }
    if c.failed as usize > run.errors.len() {
        println!("… and {} more", c.failed as usize - run.errors.len());
    }
}

pub async fn review(hub: &Client, args: ReviewArgs, json: bool) -> Result<(), CliError> {
    let source = source_id(hub, &args.source).await?;
    let status = match args.status.as_str() {
        "all" => None,
        s @ ("pending" | "superseded" | "rejected" | "applied") => Some(s),
        other => {
            return Err(CliError::Usage(format!(
                "--status {other:?} is not pending, superseded, rejected, applied or all"
            )))
        }
    };
    let page = hub.review_rows(&source, status, None, args.limit).await?;
    if json {
        print_json(&page);
        return Ok(());
    }
    let rows = page
        .items
        .iter()
        .map(|r| {
            vec![
                r.line.to_string(),
                r.sku.clone().unwrap_or_default(),
                r.field.clone().unwrap_or_default(),
                r.error.clone(),
                r.status.clone(),
                r.id.clone(),
            ]
        })
        .collect();
    table::print(
        &["LINE", "SKU", "FIELD", "ERROR", "STATUS", "ROW ID"],
        rows,
        &[0],
    );
    if page.next_cursor.is_some() {
        eprintln!("more rows follow: raise --limit, or page GET /v1/sources/{source}/review");
    }
    Ok(())
}
