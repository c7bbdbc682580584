//! `hubctl user …` (an owner managing HQ users), `hubctl sign-in` (a person
//! getting a session token to use as `HUB_API_KEY`) and `hubctl whoami`.
//! Passwords are read from standard input, never from arguments, so they stay
//! out of the process list and the shell history.

use super::{find_stores, print_json, store_reach, table, text, CliError, Client};
use clap::{Args, Subcommand};
use hq_client::access::Invitation;
use serde_json::Value;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Invites a person and prints the one-time invitation code to hand them.
    Invite {
        email: String,
        #[arg(long)]
        name: String,
        /// owner, catalog_manager, store_manager or read_only.
        #[arg(long)]
        role: String,
        /// Limits the user to a store (its code or id); repeat for several.
        #[arg(long = "store")]
        stores: Vec<String>,
    },
    List,
    /// Ends the user's sessions and stops them signing in.
    Disable {
        user: String,
    },
    Enable {
        user: String,
    },
    /// Prints a new invitation code (a lost code, or a forgotten password).
    Reinvite {
        user: String,
    },
}

#[derive(Args)]
pub(super) struct SignInArgs {
    /// The email to sign in as.
    #[arg(required_unless_present = "invitation")]
    email: Option<String>,
    /// Take up an invitation instead: the password read becomes the user's.
    #[arg(long, conflicts_with = "email")]
    invitation: Option<String>,
}

/// Finds a user by email (any case) or id.
async fn find_user(hub: &Client, wanted: &str) -> Result<Value, CliError> {
    let users = hub.users().await?;
    users
        .into_iter()
        .find(|u| {
            text(&u["user_id"]) == wanted || text(&u["email"]).eq_ignore_ascii_case(wanted.trim())
        })
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no user with email or id {wanted:?} (hubctl user list shows them)"
            ))
        })
}

fn print_invitation(user: &Value, json: bool) {
    if json {
        return print_json(user);
    }
    println!("user id          {}", text(&user["user_id"]));
    println!("invitation code  {}", text(&user["invitation_code"]));
    eprintln!(
        "The code is shown once and works until {}: hand it to {} now.",
        text(&user["invitation_expires_at"]),
        text(&user["email"])
    );
}

pub(super) async fn run(hub: &Client, command: UserCommand, json: bool) -> Result<(), CliError> {
    match command {
        UserCommand::Invite {
            email,
            name,
            role,
            stores,
        } => {
            let store_ids = find_stores(hub, &stores).await?;
            let invited = hub
                .invite_user(&Invitation {
                    email: &email,
                    name: &name,
                    role: &role,
                    store_ids: &store_ids,
                })
                .await?;
            print_invitation(&invited, json);
        }
        UserCommand::List => {
            let users = hub.users().await?;
            if json {
                print_json(&users);
                return Ok(());
            }
            let rows = users
                .iter()
                .map(|u| {
                    vec![
                        text(&u["email"]),
                        text(&u["name"]),
                        text(&u["role"]),
                        store_reach(u),
                        text(&u["status"]),
                        text(&u["last_sign_in_at"]),
                    ]
                })
                .collect();
            table::print(
                &["EMAIL", "NAME", "ROLE", "STORES", "STATUS", "LAST SIGN-IN"],
                rows,
                &[],
            );
        }
        UserCommand::Disable { user } => switch(hub, &user, "disable", json).await?,
        UserCommand::Enable { user } => switch(hub, &user, "enable", json).await?,
        UserCommand::Reinvite { user } => {
            let id = text(&find_user(hub, &user).await?["user_id"]);
            let invited = hub.reinvite_user(&id).await?;
            print_invitation(&invited, json);
        }
    }
    Ok(())
}

async fn switch(hub: &Client, user: &str, action: &str, json: bool) -> Result<(), CliError> {
    let id = text(&find_user(hub, user).await?["user_id"]);
    let changed = hub.user_action(&id, action).await?;
    if json {
        print_json(&changed);
    } else {
        println!(
            "{} is {}",
            text(&changed["email"]),
            text(&changed["status"])
        );
    }
    Ok(())
}

/// One line of standard input, without its line end; a prompt first when a
/// person is typing.
fn read_password(prompt: &str) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("cannot read the password: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(CliError::Usage(
            "no password on standard input (type it, or pipe it in)".into(),
        ));
    }
    Ok(password)
}

/// Signs in (or takes up an invitation) and prints the session token.
pub(super) async fn sign_in(hub: &Client, args: SignInArgs, json: bool) -> Result<(), CliError> {
    let session: Value = match (&args.invitation, &args.email) {
        (Some(code), _) => {
            let password = read_password("Choose a password: ")?;
            hub.accept_invitation(code, &password).await?
        }
        (None, Some(email)) => {
            let password = read_password("Password: ")?;
            hub.sign_in(email, &password).await?
        }
        (None, None) => unreachable!("clap requires an email or --invitation"),
    };
    if json {
        print_json(&session);
        return Ok(());
    }
    println!("{}", text(&session["token"]));
    eprintln!(
        "Signed in as {} ({}) until {}: export HUB_API_KEY=<the token above>.",
        text(&session["user"]["email"]),
        text(&session["user"]["role"]),
        text(&session["expires_at"])
    );
    Ok(())
}

/// Prints what the credential in use is.
pub(super) async fn whoami(hub: &Client, json: bool) -> Result<(), CliError> {
    let me = hub.me().await?;
    if json {
        print_json(&me);
        return Ok(());
    }
    let who = match text(&me["kind"]).as_str() {
        "user" => format!(
            "user {} ({}), signed in until {}",
            text(&me["user"]["email"]),
            text(&me["user"]["name"]),
            text(&me["session_expires_at"])
        ),
        _ => format!("API key {}", text(&me["key_id"])),
    };
    let stores = me["store_ids"].as_array().map_or(0, Vec::len);
    println!(
        "{who}\nrole {}, {}",
        text(&me["role"]),
        if stores == 0 {
            "every store".to_owned()
        } else {
            format!("{stores} store(s)")
        }
    );
    Ok(())
}
