//! `hubctl labels`: shelf labels for a store, rendered by the hub at that
//! store's prices (`POST /v1/stores/{id}/labels`), sent to a label or receipt
//! printer at `host:port` (raw TCP, port 9100 if left out) or written to a
//! file; and `hubctl barcode`: the tenant's in-store barcodes.

use crate::{find_store, print_json, text, CliError};
use clap::{Args, Subcommand};
use hq_client::HqClient as Client;
use serde_json::{json, Value};
use std::io::Write;
use std::time::Duration;

#[derive(Args)]
pub struct LabelArgs {
    /// The store (code or id) whose prices the labels show.
    store: String,
    /// An item: its variant id, SKU or barcode, optionally `:copies`
    /// (`TEA-250:3`); repeat for several.
    #[arg(long = "item", required = true)]
    items: Vec<String>,
    /// zpl, tspl or escpos.
    #[arg(long, default_value = "zpl")]
    format: String,
    /// Label size in mm, WIDTHxHEIGHT (50x30 if left out).
    #[arg(long)]
    size: Option<String>,
    /// A date printed on every label (packed on, best before).
    #[arg(long)]
    date: Option<String>,
    /// Send to this printer, `host` or `host:port` (raw TCP, 9100 by default).
    #[arg(long, conflicts_with = "out")]
    printer: Option<String>,
    /// Write the printer's bytes to this file (`-` for standard output).
    #[arg(long)]
    out: Option<String>,
}

#[derive(Subcommand)]
pub enum BarcodeCommand {
    /// Shows the in-store prefix and the next item number.
    Show,
    /// Sets the in-store prefix (two digits, 20 to 29).
    Prefix { prefix: String },
    /// Gives an item (variant id, SKU or barcode) the next in-store EAN-13,
    /// replacing its barcode.
    Assign {
        item: String,
        /// Confirms replacing the barcode it has.
        #[arg(long)]
        replace: bool,
    },
}

/// A variant id from an id, a SKU or a barcode (exactly, any case for SKUs).
pub(crate) async fn find_variant(hub: &Client, wanted: &str) -> Result<String, CliError> {
    if wanted.parse::<uuid::Uuid>().is_ok() {
        return Ok(wanted.to_owned());
    }
    let page: Value = hub
        .get(&format!(
            "/v1/catalog?limit=50&q={}",
            url_escape(wanted.trim())
        ))
        .await?;
    let digits = wanted.trim().trim_start_matches('0');
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| {
            v["sku"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(wanted.trim()))
                || v["barcode"]
                    .as_str()
                    .is_some_and(|b| !digits.is_empty() && b.trim_start_matches('0') == digits)
        })
        .and_then(|v| v["variant_id"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no item with variant id, SKU or barcode {wanted:?}"
            ))
        })
}

/// Percent-escapes a query value.
pub(crate) fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn labels(hub: &Client, args: LabelArgs, json_out: bool) -> Result<(), CliError> {
    if args.printer.is_none() && args.out.is_none() {
        return Err(CliError::Usage(
            "say where the labels go: --printer host[:port] or --out FILE".into(),
        ));
    }
    let store = find_store(hub, &args.store).await?;
    let mut items = Vec::with_capacity(args.items.len());
    for item in &args.items {
        let (name, copies) = match item.rsplit_once(':') {
            Some((n, c)) => (
                n,
                c.parse::<u32>().map_err(|_| {
                    CliError::Usage(format!("--item {item:?}: copies {c:?} is not a number"))
                })?,
            ),
            None => (item.as_str(), 1),
        };
        items.push(json!({"variant_id": find_variant(hub, name).await?, "copies": copies}));
    }
    let mut request = json!({"format": args.format.trim().to_ascii_lowercase(), "items": items});
    if let Some(size) = &args.size {
        let (w, h) = size
            .split_once(['x', 'X'])
            .and_then(|(w, h)| Some((w.trim().parse::<u16>().ok()?, h.trim().parse::<u16>().ok()?)))
            .ok_or_else(|| CliError::Usage(format!("--size {size:?} is not WIDTHxHEIGHT in mm")))?;
        request["size"] = json!({"width_mm": w, "height_mm": h});
    }
    if let Some(date) = &args.date {
        request["date"] = json!(date);
    }
    let bytes = hub.store_labels(&store.id.to_string(), &request).await?;
    let target = if let Some(printer) = &args.printer {
        let addr = if printer.contains(':') {
            printer.clone()
        } else {
            format!("{printer}:9100")
        };
        send(&addr, &bytes).await?;
        addr
    } else {
        let out = args.out.clone().unwrap_or_default();
        if out == "-" {
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| CliError::File(format!("standard output: {e}")))?;
            return Ok(());
        }
        std::fs::write(&out, &bytes).map_err(|e| CliError::File(format!("{out}: {e}")))?;
        out
    };
    if json_out {
        print_json(&json!({"store": store.code, "bytes": bytes.len(), "to": target}));
    } else {
        println!(
            "{} label(s) for {} ({} bytes) sent to {target}",
            args.items.len(),
            store.code,
            bytes.len()
        );
    }
    Ok(())
}

/// Writes the job to a raw TCP printer and closes the connection.
async fn send(addr: &str, bytes: &[u8]) -> Result<(), CliError> {
    use tokio::io::AsyncWriteExt;
    let connect = tokio::net::TcpStream::connect(addr);
    let mut stream = tokio::time::timeout(Duration::from_secs(5), connect)
        .await
        .map_err(|_| CliError::File(format!("printer {addr}: no answer within 5 s")))?
        .map_err(|e| CliError::File(format!("printer {addr}: {e}")))?;
    stream
        .write_all(bytes)
        .await
        .map_err(|e| CliError::File(format!("printer {addr}: {e}")))?;
    stream
        .shutdown()
        .await
        .map_err(|e| CliError::File(format!("printer {addr}: {e}")))?;
    Ok(())
}

pub async fn barcode(
    hub: &Client,
    command: BarcodeCommand,
    json_out: bool,
) -> Result<(), CliError> {
    let answer = match command {
        BarcodeCommand::Show => hub.in_store_barcodes().await?,
        BarcodeCommand::Prefix { prefix } => hub.set_in_store_prefix(&prefix).await?,
        BarcodeCommand::Assign { item, replace } => {
            let id = find_variant(hub, &item).await?;
            hub.assign_in_store_barcode(&id, replace).await?
        }
    };
    if json_out {
        print_json(&answer);
    } else if answer.get("prefix").is_some() {
        println!("prefix  {}", text(&answer["prefix"]));
        println!("next    {}", text(&answer["next"]));
    } else {
        println!(
            "{}  {}  {}",
            text(&answer["variant_id"]),
            text(&answer["sku"]),
            text(&answer["barcode"]).trim_start_matches('0')
        );
    }
    Ok(())
}
