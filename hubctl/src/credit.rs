//! `hubctl credit …`: customers' credit accounts at a store (the khata):
//! list a store's accounts with what each owes, open or change one (its
//! limit in rupees, the holder's name, closing it), and show one's statement
//! with its ageing.

use super::table::print_list;
use super::{all_items, find_store, labels::url_escape, print_json, table, text, CliError, Client};
use clap::Subcommand;
use serde_json::{json, Value};

#[derive(Subcommand)]
pub(super) enum CreditCommand {
    /// A store's accounts (its code or id): limit, dues, headroom.
    List { store: String },
    /// Opens a customer's account at a store, or changes it: the limit in
    /// rupees (such as 5000 or 2500.50); a name left out is cleared.
    Set {
        store: String,
        /// The customer's mobile number.
        phone: String,
        #[arg(long)]
        limit: String,
        #[arg(long)]
        name: Option<String>,
        /// No further sales on the account (payments are still taken).
        #[arg(long)]
        closed: bool,
    },
    /// An account's statement: every sale, payment and refund with the
    /// balance after it, and what is owed by age.
    Show { store: String, phone: String },
}

/// Rupees as typed (`5000`, `2,500.50`, `₹100`) in paise.
fn paise(rupees: &str) -> Result<i64, CliError> {
    let cleaned = rupees.trim().trim_start_matches('₹').replace(',', "");
    let money =
        pos_shared::Money::parse_decimal(&cleaned, pos_shared::Currency::INR).map_err(|_| {
            CliError::Usage(format!(
                "--limit {rupees:?}: give rupees, such as 5000 or 2500.50"
            ))
        })?;
    Ok(money.minor())
}

/// `{minor, currency}` as rupees for a table: `1,234.50`.
pub(super) fn rupees(money: &Value) -> String {
    let minor = money["minor"].as_i64().unwrap_or(0);
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

fn print_account(a: &Value) {
    println!("account   {}  {}", text(&a["phone"]), text(&a["name"]));
    let state = if a["closed"] == true {
        "  (closed)"
    } else {
        ""
    };
    println!("limit     {}{state}", rupees(&a["limit"]));
    println!("dues      {}", rupees(&a["dues"]));
    println!("headroom  {}", rupees(&a["headroom"]));
}

pub(super) async fn run(
    hub: &Client,
    command: CreditCommand,
    json_out: bool,
) -> Result<(), CliError> {
    match command {
        CreditCommand::List { store } => {
            let store = find_store(hub, &store).await?;
            let accounts =
                all_items(hub, &format!("/v1/stores/{}/credit-accounts?", store.id)).await?;
            print_list(
                &accounts,
                json_out,
                &[
                    ("PHONE", |a| text(&a["phone"])),
                    ("NAME", |a| text(&a["name"])),
                    ("LIMIT", |a| rupees(&a["limit"])),
                    ("DUES", |a| rupees(&a["dues"])),
                    ("HEADROOM", |a| rupees(&a["headroom"])),
                    ("STATE", |a| {
                        if a["closed"] == true {
                            "closed".into()
                        } else {
                            "open".into()
                        }
                    }),
                ],
                &[2, 3, 4],
            );
        }
        CreditCommand::Set {
            store,
            phone,
            limit,
            name,
            closed,
        } => {
            let limit = paise(&limit)?;
            let store = find_store(hub, &store).await?;
            let mut body = json!({"limit": {"minor": limit, "currency": "INR"}, "closed": closed});
            if let Some(name) = name {
                body["name"] = json!(name);
            }
            let account: Value = hub
                .put(
                    &format!(
                        "/v1/stores/{}/credit-accounts/{}",
                        store.id,
                        url_escape(&phone)
                    ),
                    &body,
                )
                .await?;
            match json_out {
                true => print_json(&account),
                false => print_account(&account),
            }
        }
        CreditCommand::Show { store, phone } => {
            let store = find_store(hub, &store).await?;
            let statement: Value = hub
                .get(&format!(
                    "/v1/stores/{}/credit-accounts/{}",
                    store.id,
                    url_escape(&phone)
                ))
                .await?;
            if json_out {
                print_json(&statement);
                return Ok(());
            }
            print_account(&statement["account"]);
            let rows = statement["entries"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    vec![
                        text(&e["occurred_at"]),
                        text(&e["kind"]),
                        text(&e["reference"]),
                        rupees(&e["amount"]),
                        rupees(&e["balance"]),
                    ]
                })
                .collect();
            table::print(
                &["WHEN", "KIND", "REFERENCE", "AMOUNT", "BALANCE"],
                rows,
                &[3, 4],
            );
            let aged = &statement["ageing"];
            println!(
                "owed by age: 0-30 days {}, 31-60 {}, 61-90 {}, over 90 {}",
                rupees(&aged["days_0_30"]),
                rupees(&aged["days_31_60"]),
                rupees(&aged["days_61_90"]),
                rupees(&aged["over_90_days"])
            );
        }
    }
    Ok(())
}
