//! `hubctl customers …`: the chain's customers as the tills captured them:
//! find them by phone digits or part of a name, and show one with every
//! store that knows them (bills, what they came to, refunds, dues), and
//! correct one's profile.

use super::credit::rupees;
use super::table::print_list;
use super::{labels::url_escape, print_json, table, text, CliError, Client};
use clap::Subcommand;
use serde_json::Value;

#[derive(Subcommand)]
pub(super) enum CustomerCommand {
    /// Customers whose phone holds these digits or whose name holds this
    /// text; the most recently changed without one.
    Find {
        q: Option<String>,
        /// At most this many (1 to 100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A customer (by mobile number) and every store that knows them.
    Show { phone: String },
    /// Corrects a customer's profile at HQ; every store whose tills hold
    /// them hears it. An empty value clears a field.
    Edit {
        phone: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        gstin: Option<String>,
    },
    /// A customer's loyalty points: the balance and every bill, return and
    /// adjustment.
    Points { phone: String },
    /// Adds points to a customer (or, negative, takes them off).
    Adjust {
        phone: String,
        #[arg(long, allow_hyphen_values = true)]
        points: i64,
        #[arg(long)]
        reason: String,
    },
}

pub(super) async fn run(
    hub: &Client,
    command: CustomerCommand,
    json_out: bool,
) -> Result<(), CliError> {
    match command {
        CustomerCommand::Points { phone } => {
            return super::loyalty::points(hub, &phone, json_out).await
        }
        CustomerCommand::Adjust {
            phone,
            points,
            reason,
        } => return super::loyalty::adjust(hub, &phone, points, &reason, json_out).await,
        CustomerCommand::Edit { phone, name, gstin } => {
            let mut body = serde_json::Map::new();
            for (field, value) in [("name", name), ("gstin", gstin)] {
                if let Some(value) = value {
                    body.insert(field.to_owned(), Value::String(value));
                }
            }
            let edited: Value = hub
                .put(
                    &format!("/v1/customers/{}", url_escape(&phone)),
                    &Value::Object(body),
                )
                .await?;
            match json_out {
                true => print_json(&edited),
                false => println!(
                    "customer  {}  {}  gstin {}",
                    text(&edited["phone"]),
                    text(&edited["name"]),
                    text(&edited["gstin"])
                ),
            }
        }
        CustomerCommand::Find { q, limit } => {
            let mut path = format!("/v1/customers?limit={limit}");
            if let Some(q) = q {
                path.push_str(&format!("&q={}", url_escape(&q)));
            }
            let found: Value = hub.get(&path).await?;
            print_list(
                found.as_array().map(Vec::as_slice).unwrap_or_default(),
                json_out,
                &[
                    ("PHONE", |c| text(&c["phone"])),
                    ("NAME", |c| text(&c["name"])),
                    ("GSTIN", |c| text(&c["gstin"])),
                    ("SINCE", |c| text(&c["created_at"])),
                ],
                &[],
            );
        }
        CustomerCommand::Show { phone } => {
            let customer: Value = hub
                .get(&format!("/v1/customers/{}", url_escape(&phone)))
                .await?;
            if json_out {
                print_json(&customer);
                return Ok(());
            }
            println!(
                "customer  {}  {}",
                text(&customer["phone"]),
                text(&customer["name"])
            );
            println!("gstin     {}", text(&customer["gstin"]));
            println!("since     {}", text(&customer["created_at"]));
            if let Some(points) = customer.get("points") {
                println!("points    {points}");
            }
            let rows = customer["stores"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    vec![
                        text(&s["store_name"]),
                        if s["profile_here"] == true {
                            "yes"
                        } else {
                            "no"
                        }
                        .to_owned(),
                        s["bills"].as_i64().unwrap_or(0).to_string(),
                        rupees(&s["billed"]),
                        rupees(&s["refunded"]),
                        text(&s["last_bill_at"]),
                        match s.get("dues") {
                            Some(dues) => rupees(dues),
                            None => "-".to_owned(),
                        },
                    ]
                })
                .collect();
            table::print(
                &[
                    "STORE",
                    "PROFILE",
                    "BILLS",
                    "BILLED",
                    "REFUNDED",
                    "LAST BILL",
                    "DUES",
                ],
                rows,
                &[2, 3, 4, 6],
            );
        }
    }
    Ok(())
}
