//! `hubctl transfers …`: stock between a chain's stores. Send it now from a
//! store (it leaves at once), ask a store to pick and send it (its tills
//! scan it out), list a store's transfers and requests, cancel a request
//! the store has not sent, and take a transfer in at its destination.

use super::labels::find_variant;
use super::table::print_list;
use super::{all_items, find_store, print_json, text, CliError, Client};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// What moves, from where to where.
#[derive(Args)]
pub(super) struct Movement {
    /// The store the stock leaves (its code or id).
    from: String,
    /// The store it goes to (its code or id).
    to: String,
    /// The item: its barcode, SKU or id.
    item: String,
    /// How many (or the weight, for an item sold loose).
    qty: String,
    /// Why, or the consignment's reference.
    #[arg(long)]
    note: Option<String>,
}

#[derive(Subcommand)]
pub(super) enum TransferCommand {
    /// Sends stock from a store now to another: it leaves the source at
    /// once, against what it has available.
    Send(Movement),
    /// Asks a store to pick and send stock to another: its tills hear of it
    /// and scan the goods out; nothing moves until then.
    Request(Movement),
    /// A store's transfers, sent and received, and the requests to or from it.
    List { store: String },
    /// Calls off a request its store has not sent.
    Cancel { request_id: String },
    /// Takes a transfer in at its destination: all that was sent, or
    /// `--qty` for what arrived (the rest is short).
    Receive {
        transfer_id: String,
        #[arg(long)]
        qty: Option<String>,
    },
}

fn print_transfer(t: &Value) {
    println!(
        "transfer  {}  {} -> {}",
        text(&t["transfer_id"]),
        text(&t["from_store_name"]),
        text(&t["to_store_name"])
    );
    println!("state     {}", text(&t["state"]));
    println!("sent      {}", text(&t["qty"]));
    if t.get("received_qty").is_some() {
        println!(
            "received  {} (short {})",
            text(&t["received_qty"]),
            text(&t["shortfall"])
        );
    }
}

fn print_request(r: &Value) {
    println!(
        "request   {}  {} -> {}",
        text(&r["request_id"]),
        text(&r["from_store_name"]),
        text(&r["to_store_name"])
    );
    println!("state     {}", text(&r["state"]));
    println!("asked     {}", text(&r["qty"]));
    if r.get("transfer_id").is_some() {
        println!("sent as   {}", text(&r["transfer_id"]));
    }
}

/// The source store's id and the new transfer's or request's body, or why
/// the command is wrong.
async fn body(hub: &Client, m: Movement) -> Result<(String, Value), CliError> {
    let from = find_store(hub, &m.from).await?;
    let to = find_store(hub, &m.to).await?;
    let variant = find_variant(hub, &m.item).await?;
    let mut body = json!({"to_store_id": to.id, "variant_id": variant, "qty": m.qty.trim()});
    if let Some(note) = m.note {
        body["note"] = json!(note);
    }
    Ok((from.id.to_string(), body))
}

pub(super) async fn run(
    hub: &Client,
    command: TransferCommand,
    json_out: bool,
) -> Result<(), CliError> {
    match command {
        TransferCommand::Send(movement) => {
            let (from, body) = body(hub, movement).await?;
            let sent: Value = hub
                .post(&format!("/v1/stores/{from}/transfers"), &body)
                .await?;
            match json_out {
                true => print_json(&sent),
                false => print_transfer(&sent),
            }
        }
        TransferCommand::Request(movement) => {
            let (from, body) = body(hub, movement).await?;
            let asked: Value = hub
                .post(&format!("/v1/stores/{from}/transfer-requests"), &body)
                .await?;
            match json_out {
                true => print_json(&asked),
                false => print_request(&asked),
            }
        }
        TransferCommand::List { store } => {
            let store = find_store(hub, &store).await?;
            let transfers = all_items(hub, &format!("/v1/stores/{}/transfers?", store.id)).await?;
            let requests =
                all_items(hub, &format!("/v1/stores/{}/transfer-requests?", store.id)).await?;
            if json_out {
                print_json(&json!({"transfers": transfers, "requests": requests}));
                return Ok(());
            }
            print_list(
                &transfers,
                false,
                &[
                    ("TRANSFER", |t| text(&t["transfer_id"])),
                    ("FROM", |t| text(&t["from_store_name"])),
                    ("TO", |t| text(&t["to_store_name"])),
                    ("STATE", |t| text(&t["state"])),
                    ("SENT", |t| text(&t["qty"])),
                    ("RECEIVED", |t| text(&t["received_qty"])),
                ],
                &[4, 5],
            );
            println!();
            print_list(
                &requests,
                false,
                &[
                    ("REQUEST", |r| text(&r["request_id"])),
                    ("FROM", |r| text(&r["from_store_name"])),
                    ("TO", |r| text(&r["to_store_name"])),
                    ("STATE", |r| text(&r["state"])),
                    ("ASKED", |r| text(&r["qty"])),
                ],
                &[4],
            );
        }
        TransferCommand::Cancel { request_id } => {
            let cancelled: Value = hub
                .post(
                    &format!("/v1/transfer-requests/{}/cancel", request_id.trim()),
                    &json!({}),
                )
                .await?;
            match json_out {
                true => print_json(&cancelled),
                false => print_request(&cancelled),
            }
        }
        TransferCommand::Receive { transfer_id, qty } => {
            let body = match qty {
                Some(q) => json!({"received_qty": q.trim()}),
                None => json!({}),
            };
            let received: Value = hub
                .post(
                    &format!("/v1/transfers/{}/receive", transfer_id.trim()),
                    &body,
                )
                .await?;
            match json_out {
                true => print_json(&received),
                false => print_transfer(&received),
            }
        }
    }
    Ok(())
}
