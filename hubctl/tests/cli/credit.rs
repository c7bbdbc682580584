//! `hubctl credit` for HQ's accounts desk: a customer's account opened at a
//! store with a limit in rupees, listed with what is owed, its statement
//! shown, the limit changed and the account closed; what cannot be done is
//! said in words with exit code 2 or 1.

use crate::helpers::{shop, Backend};
use crate::hubctl::hubctl;
use crate::on_both_backends;

async fn an_accounts_desk_opens_lists_and_closes_an_account(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = Some(shop.api_key.as_str());
    let run = |args: &'static [&'static str]| hubctl(&base, key, args);

    let opened = run(&[
        "--json",
        "credit",
        "set",
        "blr-1",
        "98765 43210",
        "--limit",
        "5,000",
        "--name",
        "Meena Iyer",
    ])
    .await;
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    assert_eq!(opened.json()["phone"], "+919876543210");
    assert_eq!(opened.json()["limit"]["minor"], 500_000);

    let listed = run(&["credit", "list", "BLR-1"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout.contains("Meena Iyer"), "{}", listed.stdout);
    assert!(listed.stdout.contains("5000.00"), "{}", listed.stdout);

    let shown = run(&["credit", "show", "blr-1", "+919876543210"]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown.stdout.contains("dues      0.00"), "{}", shown.stdout);
    assert!(
        shown.stdout.contains("owed by age: 0-30 days 0.00"),
        "{}",
        shown.stdout
    );

    let closed = run(&[
        "credit",
        "set",
        "blr-1",
        "9876543210",
        "--limit",
        "2500.50",
        "--closed",
    ])
    .await;
    assert_eq!(closed.code, 0, "{}", closed.stderr);
    assert!(
        closed.stdout.contains("limit     2500.50  (closed)"),
        "{}",
        closed.stdout
    );

    for (args, code, words) in [
        (
            &["credit", "set", "blr-1", "98765", "--limit", "10"][..],
            1,
            "phone",
        ),
        (
            &["credit", "set", "blr-1", "9876543210", "--limit", "ten"][..],
            2,
            "give rupees",
        ),
        (&["credit", "list", "NOPE"][..], 2, "no store"),
        (
            &["credit", "show", "blr-1", "9123456789"][..],
            1,
            "not found",
        ),
    ] {
        let out = run(args).await;
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(words), "{args:?}: {}", out.stderr);
    }
}
on_both_backends!(an_accounts_desk_opens_lists_and_closes_an_account);
