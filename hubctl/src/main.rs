//! `hubctl`: the HQ command line. It speaks only the hub's public HTTP API,
//! with an HQ API key or a signed-in user's session token, so it can do
//! nothing that credential could not do by hand: create a tenant (with the
//! admin token), issue keys, invite users, sign in, set up stores, import a
//! catalog file, show a store's stock and tail the event log.
//!
//! This file owns the command line (its arguments and the commands on keys,
//! stores and stock); each bigger command has its module: `users` (users,
//! sign-in, whoami), `import` with `catalog_file` (reading and sending a
//! catalog file), `feed` (a seller's feed uploaded and followed, and its
//! review queue), `events` (the event log, live), `labels` (shelf labels to a
//! printer or file, in-store barcodes), `table` (plain-text tables). Every call to the hub goes through `hq_client`.

mod catalog_file;
mod credit;
mod customers;
mod events;
mod feed;
mod gst;
mod import;
mod labels;
mod loyalty;
mod purchasing;
mod table;
mod transfers;
mod users;

use clap::{Args, Parser, Subcommand};
use hq_client::stores::Store as StoreInfo;
use hq_client::{HqClient as Client, HqError};
use pos_shared::problem::Problem;
use pos_shared::StoreId;
use serde_json::Value;
use std::process::ExitCode;

/// Why a command failed; the exit code follows from it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// The hub could not be reached, refused, or answered oddly.
    #[error("{0}")]
    Hub(#[from] HqError),
    /// A file could not be read or made sense of.
    #[error("{0}")]
    File(String),
}

impl CliError {
    /// The problem the hub answered with, if it answered with one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            CliError::Hub(e) => e.problem(),
            _ => None,
        }
    }
}

/// A client for the hub at `base` calling with `credential`.
fn client(base: &str, credential: Option<String>) -> Result<Client, CliError> {
    let hub = Client::with_user_agent(base, concat!("hubctl/", env!("CARGO_PKG_VERSION")))?;
    Ok(match credential {
        Some(c) => hub.with_credential(c),
        None => hub,
    })
}

#[derive(Parser)]
#[command(
    name = "hubctl",
    version,
    about = "HQ's command line for the store hub"
)]
struct Cli {
    /// The hub's address.
    #[arg(
        long,
        env = "HUB_URL",
        default_value = "http://127.0.0.1:8700",
        global = true
    )]
    hub: String,
    /// An HQ API key of the tenant to work on, or a session token from `hubctl sign-in`.
    #[arg(long, env = "HUB_API_KEY", hide_env_values = true, global = true)]
    key: Option<String>,
    /// Print the hub's answers as JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Tenants (a retail chain each): needs the hub's admin token.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// HQ API keys of the tenant (owner keys only).
    #[command(subcommand)]
    Key(KeyCommand),
    /// People who sign in to HQ (owners only).
    #[command(subcommand)]
    User(users::UserCommand),
    /// Signs in with an email (or takes up an invitation) and prints a
    /// session token; the password is read from standard input.
    SignIn(users::SignInArgs),
    /// Shows what the credential in use is: key or user, role, stores.
    Whoami,
    /// The tenant's stores and dark stores.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Imports a catalog file (CSV), creating new items and updating known ones.
    Import(import::ImportArgs),
    /// Uploads a seller's feed (CSV or JSON Lines) and follows the hub applying it.
    Feed(feed::FeedArgs),
    /// Rows of a seller's feeds waiting in review.
    Review(feed::ReviewArgs),
    /// Shows a store's stock: on hand, reserved, available and orderability.
    Stock(StockArgs),
    /// Prints the tenant's events as they happen (after the last few).
    Events(events::EventsArgs),
    /// Shelf labels at a store's prices, to a printer (host:port) or a file.
    Labels(labels::LabelArgs),
    /// GST returns (GSTR-1, GSTR-3B, the month's summary) and stores' GSTINs.
    #[command(subcommand)]
    Gst(gst::GstCommand),
    /// In-store barcodes: the prefix, and giving an item one.
    #[command(subcommand)]
    Barcode(labels::BarcodeCommand),
    /// The tenant's suppliers: list, find, add, correct.
    #[command(subcommand)]
    Supplier(purchasing::SupplierCommand),
    /// Purchase orders: raise, list, show against deliveries, close, cancel.
    #[command(subcommand)]
    Po(purchasing::OrderCommand),
    /// Customers' credit accounts at a store: list, open or change, statement.
    #[command(subcommand)]
    Credit(credit::CreditCommand),
    /// Stock between stores: send now, ask a store to send, list, cancel a
    /// request, receive.
    #[command(subcommand)]
    Transfers(transfers::TransferCommand),
    /// The chain's customers: find by phone or name, show one's stores,
    /// their points, adjust them.
    #[command(subcommand)]
    Customers(customers::CustomerCommand),
    /// How customers earn and redeem loyalty points: show, set.
    #[command(subcommand)]
    Loyalty(loyalty::LoyaltyCommand),
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Creates a tenant and prints its first (owner) API key, shown once.
    Create {
        name: String,
        #[arg(long, env = "HUB_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: String,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Issues a key and prints its secret, shown once.
    Create {
        /// Whose key it is: a person, or a system such as the ERP.
        #[arg(long)]
        label: String,
        /// owner, catalog_manager, store_manager or read_only.
        #[arg(long)]
        role: String,
        /// Limits the key to a store (its code or id); repeat for several.
        #[arg(long = "store")]
        stores: Vec<String>,
    },
    List,
    /// Revokes a key by its id.
    Revoke {
        key_id: String,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    Create {
        /// A short code unique in the tenant, such as BLR-01.
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "INR")]
        currency: String,
    },
    List,
}

#[derive(Args)]
struct StockArgs {
    /// The store's code or id.
    store: String,
    /// Only lines whose SKU or name contains this (any case).
    #[arg(long)]
    find: Option<String>,
}

/// Runs `hubctl` with the process's arguments; the exit code is 0 on success,
/// 1 when the work failed (or an import had failed rows), 2 on bad usage.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hubctl: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hubctl: {e}");
            match e {
                CliError::Usage(_) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    if let Command::Tenant(TenantCommand::Create { name, admin_token }) = &cli.command {
        let admin = client(&cli.hub, Some(admin_token.clone()))?;
        let created = admin.create_tenant_raw(name).await?;
        print_created_tenant(&created, cli.json);
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::SignIn(args) = cli.command {
        users::sign_in(&client(&cli.hub, None)?, args, cli.json).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let key = cli.key.clone().ok_or_else(|| {
        CliError::Usage("give an HQ API key or session token with --key or HUB_API_KEY".into())
    })?;
    let hub = client(&cli.hub, Some(key))?;
    match cli.command {
        Command::Tenant(_) | Command::SignIn(_) => {
            unreachable!("handled above: needs no API key")
        }
        Command::User(command) => users::run(&hub, command, cli.json).await?,
        Command::Whoami => users::whoami(&hub, cli.json).await?,
        Command::Key(command) => keys(&hub, command, cli.json).await?,
        Command::Store(command) => stores(&hub, command, cli.json).await?,
        Command::Import(args) => return import::run(&hub, args, cli.json).await,
        Command::Feed(args) => return feed::feed(&hub, args, cli.json).await,
        Command::Review(args) => feed::review(&hub, args, cli.json).await?,
        Command::Stock(args) => stock(&hub, args, cli.json).await?,
        Command::Events(args) => events::run(&hub, args, cli.json).await?,
        Command::Labels(args) => labels::labels(&hub, args, cli.json).await?,
        Command::Gst(command) => gst::run(&hub, command, cli.json).await?,
        Command::Barcode(command) => labels::barcode(&hub, command, cli.json).await?,
        Command::Supplier(command) => purchasing::suppliers(&hub, command, cli.json).await?,
        Command::Po(command) => purchasing::orders(&hub, command, cli.json).await?,
        Command::Credit(command) => credit::run(&hub, command, cli.json).await?,
        Command::Transfers(command) => transfers::run(&hub, command, cli.json).await?,
        Command::Customers(command) => customers::run(&hub, command, cli.json).await?,
        Command::Loyalty(command) => loyalty::run(&hub, command, cli.json).await?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("hubctl: cannot print the answer: {e}"),
    }
}

fn print_created_tenant(created: &Value, json: bool) {
    if json {
        return print_json(created);
    }
    println!(
        "tenant   {}  {}",
        text(&created["tenant_id"]),
        text(&created["name"])
    );
    println!("api key  {}", text(&created["api_key"]));
    eprintln!("The key is shown once: keep it (export HUB_API_KEY=...).");
}

/// A JSON scalar as plain text (strings without their quotes).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// How many stores a key or user is limited to, for a table: `all` or a count.
fn store_reach(credential: &Value) -> String {
    match credential["store_ids"].as_array().map_or(0, Vec::len) {
        0 => "all".into(),
        n => n.to_string(),
    }
}

/// The ids of stores named by code or id, as `--store` gives them.
async fn find_stores(hub: &Client, wanted: &[String]) -> Result<Vec<StoreId>, CliError> {
    let mut ids = Vec::with_capacity(wanted.len());
    for s in wanted {
        ids.push(find_store(hub, s).await?.id);
    }
    Ok(ids)
}

/// Every item of a paged list (`path` has a query already), page by page.
pub(crate) async fn all_items(hub: &Client, path: &str) -> Result<Vec<Value>, CliError> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page_path = format!("{path}&limit=1000");
        if let Some(c) = &cursor {
            page_path.push_str(&format!("&cursor={}", labels::url_escape(c)));
        }
        let page: Value = hub.get(&page_path).await?;
        items.extend(page["items"].as_array().into_iter().flatten().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(items),
        }
    }
}

/// Finds a store by its code (any case) or id among those the key reaches.
pub(crate) async fn find_store(hub: &Client, wanted: &str) -> Result<StoreInfo, CliError> {
    let stores = hub.stores().await?;
    stores
        .into_iter()
        .find(|s| s.code.eq_ignore_ascii_case(wanted) || s.id.to_string() == wanted)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no store with code or id {wanted:?} among the stores this key reaches \
                 (hubctl store list shows them; a key limited to some stores reaches only those)"
            ))
        })
}

async fn keys(hub: &Client, command: KeyCommand, json: bool) -> Result<(), CliError> {
    match command {
        KeyCommand::Create {
            label,
            role,
            stores,
        } => {
            let store_ids = find_stores(hub, &stores).await?;
            let issued = hub.create_api_key(&label, &role, &store_ids).await?;
            if json {
                print_json(&issued);
            } else {
                println!("key id   {}", text(&issued["key_id"]));
                println!("api key  {}", text(&issued["api_key"]));
                eprintln!("The key is shown once: hand it over now.");
            }
        }
        KeyCommand::List => {
            let keys = hub.api_keys().await?;
            if json {
                print_json(&keys);
                return Ok(());
            }
            let rows = keys
                .iter()
                .map(|k| {
                    vec![
                        text(&k["key_id"]),
                        text(&k["label"]),
                        text(&k["role"]),
                        store_reach(k),
                        if k["revoked_at"].is_null() {
                            "active".into()
                        } else {
                            "revoked".into()
                        },
                    ]
                })
                .collect();
            table::print(&["KEY ID", "LABEL", "ROLE", "STORES", "STATE"], rows, &[]);
        }
        KeyCommand::Revoke { key_id } => {
            let id = key_id
                .parse::<uuid::Uuid>()
                .map_err(|_| CliError::Usage(format!("key id {key_id:?} is not a UUID")))?;
            let revoked = hub.revoke_api_key(&id.to_string()).await?;
            if json {
                print_json(&revoked);
            } else {
                println!("revoked {} ({})", id, text(&revoked["label"]));
            }
        }
    }
    Ok(())
}

async fn stores(hub: &Client, command: StoreCommand, json: bool) -> Result<(), CliError> {
    match command {
        StoreCommand::Create {
            code,
            name,
            currency,
        } => {
            let store = hub.create_store(&code, &name, &currency).await?;
            if json {
                print_json(&store);
            } else {
                println!("store {} {} ({})", store.id, store.code, store.name);
            }
        }
        StoreCommand::List => {
            let stores = hub.stores().await?;
            if json {
                print_json(&stores);
                return Ok(());
            }
            let rows = stores
                .iter()
                .map(|s| {
                    vec![
                        s.code.clone(),
                        s.name.clone(),
                        s.status.clone(),
                        s.currency.clone(),
                        s.gstin.clone().unwrap_or_default(),
                        s.id.to_string(),
                    ]
                })
                .collect();
            table::print(
                &["CODE", "NAME", "STATUS", "CURRENCY", "GSTIN", "ID"],
                rows,
                &[],
            );
        }
    }
    Ok(())
}

async fn stock(hub: &Client, args: StockArgs, json: bool) -> Result<(), CliError> {
    let store = find_store(hub, &args.store).await?;
    let inventory = hub.inventory(&store.id.to_string()).await?;
    let no_positions = Vec::new();
    let all = inventory["positions"].as_array().unwrap_or(&no_positions);
    let needle = args.find.as_deref().map(str::to_lowercase);
    let positions: Vec<&Value> = all
        .iter()
        .filter(|p| match &needle {
            None => true,
            Some(n) => [&p["sku"], &p["name"]]
                .iter()
                .any(|v| text(v).to_lowercase().contains(n)),
        })
        .collect();
    if json {
        print_json(&positions);
        return Ok(());
    }
    println!("{} {} ({})", store.code, store.name, store.status);
    let rows = positions
        .iter()
        .map(|p| {
            let orderable = if p["orderable"] == Value::Bool(true) {
                "yes".to_owned()
            } else {
                let reasons: Vec<String> = p["reasons"]
                    .as_array()
                    .map(|r| r.iter().map(text).collect())
                    .unwrap_or_default();
                format!("no: {}", reasons.join(", "))
            };
            vec![
                text(&p["sku"]),
                text(&p["name"]),
                text(&p["on_hand"]),
                text(&p["reserved"]),
                text(&p["available"]),
                orderable,
            ]
        })
        .collect();
    table::print(
        &[
            "SKU",
            "NAME",
            "ON HAND",
            "RESERVED",
            "AVAILABLE",
            "ORDERABLE",
        ],
        rows,
        &[2, 3, 4],
    );
    Ok(())
}
