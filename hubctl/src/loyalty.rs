//! `hubctl loyalty …` and `hubctl customers points|adjust`: how the chain's
//! customers earn and redeem points, a customer's points statement, and
//! HQ's adjustment of them (a welcome bonus, a correction).

use super::{labels::url_escape, print_json, table, text, CliError, Client};
use clap::Subcommand;
use serde_json::{json, Value};

#[derive(Subcommand)]
pub(super) enum LoyaltyCommand {
    /// The rules now.
    Show,
    /// Sets the rules; every store's tills hear them.
    Set {
        /// Points earned per ₹100 of a bill paid other than in points.
        #[arg(long)]
        per_100: i64,
        /// What one point takes off a bill, in rupees (such as 1 or 0.25).
        #[arg(long)]
        point_value: String,
        /// At most this share of a bill paid in points, in percent.
        #[arg(long, default_value_t = 50)]
        max_percent: i64,
        /// The fewest points redeemed at once.
        #[arg(long, default_value_t = 1)]
        min_redeem: i64,
        /// Turns loyalty off (balances are kept).
        #[arg(long)]
        off: bool,
    },
}

pub(super) async fn run(
    hub: &Client,
    command: LoyaltyCommand,
    json_out: bool,
) -> Result<(), CliError> {
    let rules: Value = match command {
        LoyaltyCommand::Show => hub.get("/v1/loyalty/rules").await?,
        LoyaltyCommand::Set {
            per_100,
            point_value,
            max_percent,
            min_redeem,
            off,
        } => {
            let value = pos_shared::Money::parse_decimal(
                point_value.trim().trim_start_matches('₹'),
                pos_shared::Currency::INR,
            )
            .map_err(|_| {
                CliError::Usage(format!(
                    "--point-value {point_value:?}: give rupees, such as 1 or 0.25"
                ))
            })?;
            let body = json!({"enabled": !off, "points_per_100": per_100, "point_value": value,
                              "max_bill_percent": max_percent, "min_redeem": min_redeem});
            hub.put("/v1/loyalty/rules", &body).await?
        }
    };
    if json_out {
        print_json(&rules);
        return Ok(());
    }
    println!("enabled     {}", rules["enabled"] == true);
    println!("earn        {} points per ₹100", rules["points_per_100"]);
    println!(
        "a point     ₹{}",
        super::credit::rupees(&rules["point_value"])
    );
    println!("at most     {}% of a bill", rules["max_bill_percent"]);
    println!("at least    {} points at once", rules["min_redeem"]);
    Ok(())
}

/// A customer's points: the balance, then every bill, return and adjustment.
pub(super) async fn points(hub: &Client, phone: &str, json_out: bool) -> Result<(), CliError> {
    let statement: Value = hub
        .get(&format!("/v1/customers/{}/points", url_escape(phone)))
        .await?;
    if json_out {
        print_json(&statement);
        return Ok(());
    }
    let a = &statement["account"];
    println!("points    {}  balance {}", text(&a["phone"]), a["balance"]);
    println!(
        "earned {}, redeemed {}, adjusted {}, taken back {}",
        a["earned"], a["redeemed"], a["adjusted"], a["taken_back"]
    );
    let rows = statement["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            vec![
                text(&e["occurred_at"]),
                text(&e["kind"]),
                text(&e["reference"]),
                e["earned"].to_string(),
                e["redeemed"].to_string(),
                e["taken_back"].to_string(),
                e["adjusted"].to_string(),
                e["balance"].to_string(),
            ]
        })
        .collect();
    table::print(
        &[
            "WHEN",
            "KIND",
            "REFERENCE",
            "EARNED",
            "REDEEMED",
            "TAKEN BACK",
            "ADJUSTED",
            "BALANCE",
        ],
        rows,
        &[3, 4, 5, 6, 7],
    );
    Ok(())
}

/// Adds points (or, negative, takes them off) with a reason.
pub(super) async fn adjust(
    hub: &Client,
    phone: &str,
    points: i64,
    reason: &str,
    json_out: bool,
) -> Result<(), CliError> {
    let report: Value = hub
        .post(
            &format!("/v1/customers/{}/points/adjustments", url_escape(phone)),
            &json!({"points": points, "reason": reason}),
        )
        .await?;
    match json_out {
        true => print_json(&report),
        false => println!(
            "points    {}  balance {}",
            text(&report["phone"]),
            report["balance"]
        ),
    }
    Ok(())
}
