//! `hubctl supplier …` (the tenant's suppliers: list, find, add, correct)
//! and `hubctl po …` (purchase orders: raise one for a store, list a store's,
//! show one item by item against what came in, close or cancel one).

use super::labels::{find_variant, url_escape};
use super::table::print_list;
use super::{all_items, find_store, print_json, table, text, CliError, Client};
use clap::Subcommand;
use serde_json::{json, Value};

#[derive(Subcommand)]
pub(super) enum SupplierCommand {
    /// The suppliers, or those whose name holds TEXT or whose GSTIN it is.
    List {
        #[arg(long)]
        find: Option<String>,
    },
    Add {
        name: String,
        #[arg(long)]
        gstin: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Corrects a supplier (by name or id); what is not given stays, and an
    /// empty --gstin or --phone clears it.
    Edit {
        supplier: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        gstin: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
}

#[derive(Subcommand)]
pub(super) enum OrderCommand {
    /// Raises an order for a store (its code or id) to a supplier.
    Raise {
        store: String,
        /// The supplier's name or id.
        #[arg(long)]
        supplier: String,
        /// An item and how many: SKU=QTY, or SKU=QTY@COST with the agreed
        /// unit cost in paise; repeat for each item.
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        /// The day it is expected, YYYY-MM-DD.
        #[arg(long)]
        expected: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// A store's orders, oldest first (`--state open` for those not yet received).
    List {
        store: String,
        #[arg(long)]
        state: Option<String>,
    },
    /// One order (its number with --store, or its id) item by item.
    Show {
        order: String,
        #[arg(long)]
        store: Option<String>,
    },
    /// Closes an order: nothing more is expected.
    Close {
        order: String,
        #[arg(long)]
        store: Option<String>,
    },
    /// Cancels an order nothing was received against.
    Cancel {
        order: String,
        #[arg(long)]
        store: Option<String>,
    },
}

/// Finds a supplier by name (any case) or id.
async fn find_supplier(hub: &Client, wanted: &str) -> Result<Value, CliError> {
    if wanted.parse::<uuid::Uuid>().is_ok() {
        return Ok(hub.get(&format!("/v1/suppliers/{wanted}")).await?);
    }
    let found = all_items(
        hub,
        &format!("/v1/suppliers?q={}", url_escape(wanted.trim())),
    )
    .await?;
    found
        .into_iter()
        .find(|s| text(&s["name"]).eq_ignore_ascii_case(wanted.trim()))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no supplier named {wanted:?} (hubctl supplier list shows them)"
            ))
        })
}

/// An order's state, and whether it is overdue.
fn order_state(o: &Value) -> String {
    match o["overdue"] == true {
        true => format!("{} (overdue)", text(&o["state"])),
        false => text(&o["state"]),
    }
}

/// An order's id from its id, or its number at `store`.
async fn find_order(hub: &Client, order: &str, store: Option<&str>) -> Result<String, CliError> {
    if order.parse::<uuid::Uuid>().is_ok() {
        return Ok(order.to_owned());
    }
    let store = store.ok_or_else(|| {
        CliError::Usage(format!(
            "{order:?} is not an order id: give the store too (--store) to find it by number"
        ))
    })?;
    let store = find_store(hub, store).await?;
    let orders = all_items(hub, &format!("/v1/stores/{}/purchase-orders?", store.id)).await?;
    orders
        .iter()
        .find(|o| text(&o["number"]).eq_ignore_ascii_case(order.trim()))
        .map(|o| text(&o["po_id"]))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no order {order:?} at store {} (hubctl po list {} shows them)",
                store.code, store.code
            ))
        })
}

/// `SKU=QTY` or `SKU=QTY@COST` as the order's line.
async fn order_line(hub: &Client, line: &str) -> Result<Value, CliError> {
    let usage = || CliError::Usage(format!("--line {line:?}: give SKU=QTY or SKU=QTY@COST"));
    let (item, rest) = line.split_once('=').ok_or_else(usage)?;
    let (qty, cost) = match rest.split_once('@') {
        Some((qty, cost)) => {
            let cost: i64 = cost.trim().parse().map_err(|_| {
                CliError::Usage(format!(
                    "--line {line:?}: the cost is whole paise, such as 11000"
                ))
            })?;
            (qty, Some(cost))
        }
        None => (rest, None),
    };
    if item.trim().is_empty() || qty.trim().is_empty() {
        return Err(usage());
    }
    let variant = find_variant(hub, item).await?;
    let mut body = json!({"variant_id": variant, "qty": qty.trim()});
    if let Some(cost) = cost {
        body["unit_cost_minor"] = json!(cost);
    }
    Ok(body)
}

fn print_supplier(s: &Value, json: bool) {
    if json {
        return print_json(s);
    }
    println!(
        "supplier  {}  {}",
        text(&s["supplier_id"]),
        text(&s["name"])
    );
    println!("gstin     {}", text(&s["gstin"]));
    println!("phone     {}", text(&s["phone"]));
}

fn print_order(o: &Value, json: bool) {
    if json {
        return print_json(o);
    }
    println!("order     {}  {}", text(&o["number"]), text(&o["po_id"]));
    println!("supplier  {}", text(&o["supplier_name"]));
    let overdue = if o["overdue"] == true {
        " (overdue)"
    } else {
        ""
    };
    println!("state     {}{overdue}", text(&o["state"]));
    println!("expected  {}", text(&o["expected_on"]));
    let rows = o["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            [
                "sku", "name", "ordered", "received", "damaged", "short", "excess",
            ]
            .iter()
            .map(|k| text(&i[*k]))
            .collect()
        })
        .collect();
    table::print(
        &[
            "SKU", "NAME", "ORDERED", "RECEIVED", "DAMAGED", "SHORT", "EXCESS",
        ],
        rows,
        &[2, 3, 4, 5, 6],
    );
}

pub(super) async fn suppliers(
    hub: &Client,
    command: SupplierCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        SupplierCommand::List { find } => {
            let find = find.map(|f| url_escape(&f)).unwrap_or_default();
            let suppliers = all_items(hub, &format!("/v1/suppliers?q={find}")).await?;
            print_list(
                &suppliers,
                json,
                &[
                    ("NAME", |s| text(&s["name"])),
                    ("GSTIN", |s| text(&s["gstin"])),
                    ("PHONE", |s| text(&s["phone"])),
                    ("ID", |s| text(&s["supplier_id"])),
                ],
                &[],
            );
        }
        SupplierCommand::Add { name, gstin, phone } => {
            let added: Value = hub
                .post(
                    "/v1/suppliers",
                    &json!({"name": name, "gstin": gstin, "phone": phone}),
                )
                .await?;
            print_supplier(&added, json);
        }
        SupplierCommand::Edit {
            supplier,
            name,
            gstin,
            phone,
        } => {
            let was = find_supplier(hub, &supplier).await?;
            let body = json!({
                "name": name.unwrap_or_else(|| text(&was["name"])),
                "gstin": gstin.or_else(|| was["gstin"].as_str().map(str::to_owned)),
                "phone": phone.or_else(|| was["phone"].as_str().map(str::to_owned)),
            });
            let now: Value = hub
                .put(
                    &format!("/v1/suppliers/{}", text(&was["supplier_id"])),
                    &body,
                )
                .await?;
            print_supplier(&now, json);
        }
    }
    Ok(())
}

pub(super) async fn orders(
    hub: &Client,
    command: OrderCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        OrderCommand::Raise {
            store,
            supplier,
            lines,
            expected,
            note,
        } => {
            let store = find_store(hub, &store).await?;
            let supplier = find_supplier(hub, &supplier).await?;
            let mut items = Vec::with_capacity(lines.len());
            for line in &lines {
                items.push(order_line(hub, line).await?);
            }
            let raised: Value = hub
                .post(
                    &format!("/v1/stores/{}/purchase-orders", store.id),
                    &json!({"supplier_id": supplier["supplier_id"], "expected_on": expected,
                            "note": note, "lines": items}),
                )
                .await?;
            print_order(&raised, json);
        }
        OrderCommand::List { store, state } => {
            let store = find_store(hub, &store).await?;
            let mut path = format!("/v1/stores/{}/purchase-orders?", store.id);
            if let Some(state) = state {
                path.push_str(&format!("state={}", url_escape(&state)));
            }
            let orders = all_items(hub, &path).await?;
            print_list(
                &orders,
                json,
                &[
                    ("ORDER", |o| text(&o["number"])),
                    ("SUPPLIER", |o| text(&o["supplier_name"])),
                    ("STATE", order_state),
                    ("EXPECTED", |o| text(&o["expected_on"])),
                    ("LINES", |o| text(&o["lines"])),
                    ("DELIVERIES", |o| text(&o["receipts"])),
                ],
                &[4, 5],
            );
        }
        OrderCommand::Show { order, store } => {
            let id = find_order(hub, &order, store.as_deref()).await?;
            let report: Value = hub.get(&format!("/v1/purchase-orders/{id}")).await?;
            print_order(&report, json);
        }
        OrderCommand::Close { order, store } => {
            end_order(hub, "close", &order, store.as_deref(), json).await?
        }
        OrderCommand::Cancel { order, store } => {
            end_order(hub, "cancel", &order, store.as_deref(), json).await?
        }
    }
    Ok(())
}

/// Closes or cancels (`end`) an order and shows where it ended.
async fn end_order(
    hub: &Client,
    end: &str,
    order: &str,
    store: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let id = find_order(hub, order, store).await?;
    let report: Value = hub
        .post_empty(&format!("/v1/purchase-orders/{id}/{end}"))
        .await?;
    print_order(&report, json);
    Ok(())
}
