//! `hubctl gst`: the GST returns an accountant files, from the hub's
//! `/v1/reports` (`gstr1` as the portal's JSON or one section as the offline
//! tool's CSV, `gstr3b`, and `summary` with what to settle before filing),
//! and the GSTIN a store trades under.

use crate::labels::url_escape;
use crate::{find_store, print_json, table, text, CliError};
use clap::{Args, Subcommand};
use hq_client::HqClient as Client;
use serde_json::{json, Value};

#[derive(Subcommand)]
pub enum GstCommand {
    /// Sets the GSTIN a store (code or id) trades under; `--clear` takes it off.
    Register {
        store: String,
        gstin: Option<String>,
        #[arg(long, conflicts_with = "gstin")]
        clear: bool,
    },
    /// GSTR-1: the portal's JSON, or one section as CSV with `--section`.
    Gstr1 {
        #[command(flatten)]
        period: Period,
        /// b2b, b2cl, b2cs, cdnr, cdnur, exemp, hsn_b2b, hsn_b2c or docs.
        #[arg(long)]
        section: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<String>,
    },
    /// GSTR-3B's outward supplies (3.1 and 3.2), as the portal's JSON.
    Gstr3b {
        #[command(flatten)]
        period: Period,
        #[arg(long)]
        out: Option<String>,
    },
    /// The month's GST by rate and what to settle before filing.
    Summary {
        #[command(flatten)]
        period: Period,
    },
}

#[derive(Args)]
pub struct Period {
    /// The registration filed for.
    #[arg(long)]
    gstin: String,
    /// The month, YYYY-MM (Indian time).
    #[arg(long)]
    period: String,
}

impl Period {
    fn query(&self) -> String {
        format!(
            "gstin={}&period={}",
            url_escape(self.gstin.trim()),
            url_escape(self.period.trim())
        )
    }
}

/// Writes `bytes` to `out` (a file) or standard output; says where on stderr.
fn deliver(bytes: &[u8], out: Option<&str>) -> Result<(), CliError> {
    match out {
        Some(path) if path != "-" => {
            std::fs::write(path, bytes)
                .map_err(|e| CliError::File(format!("cannot write {path}: {e}")))?;
            eprintln!("wrote {} bytes to {path}", bytes.len());
        }
        _ => {
            use std::io::Write;
            std::io::stdout()
                .write_all(bytes)
                .map_err(|e| CliError::File(format!("cannot write standard output: {e}")))?;
        }
    }
    Ok(())
}

fn paise(v: &Value) -> String {
    let minor = v.as_i64().unwrap_or(0);
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

pub async fn run(hub: &Client, command: GstCommand, json_out: bool) -> Result<(), CliError> {
    match command {
        GstCommand::Register {
            store,
            gstin,
            clear,
        } => {
            let found = find_store(hub, &store).await?;
            let path = format!("/v1/stores/{}/gstin", found.id);
            let answer: Value = match (gstin, clear) {
                (Some(gstin), false) => hub.put(&path, &json!({ "gstin": gstin })).await?,
                (None, true) => {
                    hub.delete(&path).await?;
                    hub.get(&format!("/v1/stores/{}", found.id)).await?
                }
                _ => {
                    return Err(CliError::Usage(
                        "give the store's GSTIN, or --clear to take it off".into(),
                    ))
                }
            };
            if json_out {
                print_json(&answer);
            } else {
                match answer.get("gstin") {
                    Some(g) => println!("store {} trades under GSTIN {}", found.code, text(g)),
                    None => println!("store {} has no GSTIN", found.code),
                }
            }
        }
        GstCommand::Gstr1 {
            period,
            section,
            out,
        } => {
            let bytes = match section {
                Some(section) => {
                    hub.get_bytes(&format!(
                        "/v1/reports/gstr1/{}?{}",
                        url_escape(section.trim()),
                        period.query()
                    ))
                    .await?
                }
                None => {
                    let report: Value = hub
                        .get(&format!("/v1/reports/gstr1?{}", period.query()))
                        .await?;
                    serde_json::to_vec_pretty(&report).map_err(|e| CliError::File(e.to_string()))?
                }
            };
            deliver(&bytes, out.as_deref())?;
        }
        GstCommand::Gstr3b { period, out } => {
            let report: Value = hub
                .get(&format!("/v1/reports/gstr3b?{}", period.query()))
                .await?;
            let bytes =
                serde_json::to_vec_pretty(&report).map_err(|e| CliError::File(e.to_string()))?;
            deliver(&bytes, out.as_deref())?;
        }
        GstCommand::Summary { period } => {
            let s: Value = hub
                .get(&format!("/v1/reports/gst-summary?{}", period.query()))
                .await?;
            if json_out {
                print_json(&s);
                return Ok(());
            }
            println!(
                "GSTIN {}  {}  invoices {}  credit notes {}",
                text(&s["gstin"]),
                text(&s["period"]),
                text(&s["invoices"]),
                text(&s["credit_notes"])
            );
            let rows = s["by_rate"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    vec![
                        format!("{}%", r["rate_bp"].as_f64().unwrap_or(0.0) / 100.0),
                        paise(&r["taxable_minor"]),
                        paise(&r["cgst_minor"]),
                        paise(&r["sgst_minor"]),
                        paise(&r["igst_minor"]),
                    ]
                })
                .collect();
            table::print(
                &["RATE", "TAXABLE", "CGST", "SGST", "IGST"],
                rows,
                &[1, 2, 3, 4],
            );
            let mut settle = Vec::new();
            let count = |k: &str| s[k].as_i64().unwrap_or(0);
            if count("untaxed_lines") > 0 {
                settle.push(format!(
                    "{} lines of items with no tax class ({}) are in no return",
                    count("untaxed_lines"),
                    paise(&s["untaxed_value_minor"])
                ));
            }
            if count("lines_without_hsn") > 0 {
                settle.push(format!(
                    "{} HSN summary lines have no HSN code",
                    count("lines_without_hsn")
                ));
            }
            for gap in s["numbering_gaps"].as_array().into_iter().flatten() {
                settle.push(format!(
                    "{} receipt numbers between {} and {} never reached the hub",
                    text(&gap["missing"]),
                    text(&gap["from"]),
                    text(&gap["to"])
                ));
            }
            for till in s["unsent_at_tills"].as_array().into_iter().flatten() {
                settle.push(format!(
                    "till {} holds {} unsent and {} quarantined facts",
                    text(&till["terminal_name"]),
                    text(&till["queue_depth"]),
                    text(&till["quarantined"])
                ));
            }
            if count("inter_state_b2c_lines") > 0 {
                settle.push(format!(
                    "{} IGST lines to walk-in buyers are placed in the store's own state: give their place of supply",
                    count("inter_state_b2c_lines")
                ));
            }
            if count("rows_below_zero") > 0 {
                settle.push(format!(
                    "{} rows net below zero: file those returns as an amendment of the bills' month",
                    count("rows_below_zero")
                ));
            }
            if s["complete"].as_bool() == Some(true) && settle.is_empty() {
                println!("complete: ready to file");
            } else {
                if s["complete"].as_bool() != Some(true) {
                    println!("not complete: the month has not ended or tills still owe bills");
                }
                for line in settle {
                    println!("- {line}");
                }
            }
        }
    }
    Ok(())
}
