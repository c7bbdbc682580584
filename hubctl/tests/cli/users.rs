//! `hubctl` for people at HQ: an owner invites a user, who takes the
//! invitation up and signs in with a password typed on standard input, and
//! whose session token then works like a key; disabling ends it.

use crate::helpers::{shop, Backend};
use crate::hubctl::{command, hubctl, Run};
use crate::on_both_backends;
use serde_json::json;
use std::process::Stdio;

/// Runs hubctl with `input` on its standard input (a password, say).
async fn hubctl_typing(base: &str, key: Option<&str>, args: &[&str], input: &str) -> Run {
    let mut cmd = command(base, key, args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let input = input.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = cmd.spawn().expect("run hubctl");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("type");
        child.wait_with_output().expect("hubctl output")
    })
    .await
    .expect("join");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn an_owner_invites_a_user_who_signs_in(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let owner = Some(shop.api_key.as_str());
    let invited = hubctl(
        &base,
        owner,
        &[
            "--json",
            "user",
            "invite",
            "priya@example.com",
            "--name",
            "Priya",
            "--role",
            "store_manager",
            "--store",
            "blr-1",
        ],
    )
    .await;
    assert_eq!(invited.code, 0, "{}", invited.stderr);
    let code = invited.json()["invitation_code"]
        .as_str()
        .expect("code")
        .to_owned();
    assert_eq!(invited.json()["store_ids"], json!([shop.store_id]));

    let weak = hubctl_typing(&base, None, &["sign-in", "--invitation", &code], "short\n").await;
    assert_eq!(weak.code, 1);
    assert!(
        weak.stderr
            .contains("password: a password needs at least 10"),
        "{}",
        weak.stderr
    );
    let taken = hubctl_typing(
        &base,
        None,
        &["sign-in", "--invitation", &code],
        "juniper-falcon-77\n",
    )
    .await;
    assert_eq!(taken.code, 0, "{}", taken.stderr);
    let token = taken.stdout.trim().to_owned();
    assert!(token.starts_with("hqs_"), "{}", taken.stdout);

    let me = hubctl(&base, Some(&token), &["whoami"]).await;
    assert_eq!(me.code, 0, "{}", me.stderr);
    assert!(
        me.stdout.contains("user priya@example.com (Priya)"),
        "{}",
        me.stdout
    );
    assert!(
        me.stdout.contains("role store_manager, 1 store(s)"),
        "{}",
        me.stdout
    );
    let stock = hubctl(&base, Some(&token), &["stock", "BLR-1"]).await;
    assert_eq!(
        stock.code, 0,
        "the user's token works like a key: {}",
        stock.stderr
    );
    let refused = hubctl(&base, Some(&token), &["user", "list"]).await;
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("403"), "{}", refused.stderr);

    let wrong = hubctl_typing(
        &base,
        None,
        &["sign-in", "PRIYA@example.com"],
        "nope-nope-nope\n",
    )
    .await;
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("the email or password is wrong"),
        "{}",
        wrong.stderr
    );
    let again = hubctl_typing(
        &base,
        None,
        &["sign-in", "priya@example.com"],
        "juniper-falcon-77\n",
    )
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);

    let listed = hubctl(&base, owner, &["user", "list"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let line = listed
        .stdout
        .lines()
        .find(|l| l.contains("priya@example.com"))
        .expect("listed");
    assert!(
        line.contains("store_manager") && line.contains("active"),
        "{line}"
    );
    let disabled = hubctl(&base, owner, &["user", "disable", "Priya@Example.com"]).await;
    assert_eq!(disabled.code, 0, "{}", disabled.stderr);
    assert!(
        disabled.stdout.contains("priya@example.com is disabled"),
        "{}",
        disabled.stdout
    );
    let gone = hubctl(&base, Some(&token), &["whoami"]).await;
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("disabled"), "{}", gone.stderr);
    let unknown = hubctl(&base, owner, &["user", "enable", "nobody@example.com"]).await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
}
on_both_backends!(an_owner_invites_a_user_who_signs_in);
