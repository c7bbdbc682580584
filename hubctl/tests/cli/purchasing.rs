//! `hubctl` for HQ's buyer: the suppliers list kept and searched, an order
//! raised for a store by SKU, listed and shown item by item, then closed;
//! what cannot be done is said in words with exit code 2 or 1.

use crate::helpers::{shop, Backend};
use crate::hubctl::hubctl;
use crate::on_both_backends;

async fn a_buyer_keeps_suppliers_and_raises_an_order(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = Some(shop.api_key.as_str());
    let run = |args: &'static [&'static str]| hubctl(&base, key, args);

    let added = run(&[
        "--json",
        "supplier",
        "add",
        "Sharma Traders",
        "--gstin",
        "29ABCDE1234F1ZW",
    ])
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(added.json()["gstin"], "29ABCDE1234F1ZW");
    let other = run(&[
        "supplier",
        "add",
        "Gupta Wholesale",
        "--phone",
        "+91 80 4000 1234",
    ])
    .await;
    assert_eq!(other.code, 0, "{}", other.stderr);

    let found = run(&["supplier", "list", "--find", "sharma"]).await;
    assert_eq!(found.code, 0, "{}", found.stderr);
    assert!(found.stdout.contains("Sharma Traders"), "{}", found.stdout);
    assert!(!found.stdout.contains("Gupta"), "{}", found.stdout);

    // A correction keeps what it does not name; an empty GSTIN clears it.
    let edited = run(&[
        "--json",
        "supplier",
        "edit",
        "sharma traders",
        "--name",
        "Sharma Traders Pvt Ltd",
        "--gstin",
        "",
    ])
    .await;
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    assert_eq!(edited.json()["name"], "Sharma Traders Pvt Ltd");
    assert!(edited.json()["gstin"].is_null(), "{}", edited.stdout);

    let raised = run(&[
        "--json",
        "po",
        "raise",
        "blr-1",
        "--supplier",
        "Sharma Traders Pvt Ltd",
        "--line",
        "TEA-250=24@11000",
        "--line",
        "RICE-KG=12.5",
        "--expected",
        "2026-12-20",
    ])
    .await;
    assert_eq!(raised.code, 0, "{}", raised.stderr);
    let order = raised.json();
    assert_eq!(order["number"], "PO-000001", "{order}");
    assert_eq!(order["items"].as_array().unwrap().len(), 2, "{order}");
    assert_eq!(order["ordered_minor"], 24 * 11000, "{order}");

    let listed = run(&["po", "list", "BLR-1", "--state", "open"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.contains("PO-000001") && listed.stdout.contains("Sharma Traders Pvt Ltd"),
        "{}",
        listed.stdout
    );
    let shown = run(&["po", "show", "po-000001", "--store", "blr-1"]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    for text in ["TEA-250", "RICE-KG", "12.5", "ORDERED", "open"] {
        assert!(shown.stdout.contains(text), "{text}: {}", shown.stdout);
    }
    let closed = run(&["--json", "po", "close", "PO-000001", "--store", "blr-1"]).await;
    assert_eq!(closed.code, 0, "{}", closed.stderr);
    assert_eq!(closed.json()["state"], "closed");

    // Said in words: usage (2), the hub's refusal (1).
    for (args, code, says) in [
        (&["po", "show", "PO-000001"][..], 2, "--store"),
        (
            &["po", "show", "PO-000009", "--store", "blr-1"][..],
            2,
            "no order",
        ),
        (
            &[
                "po",
                "raise",
                "blr-1",
                "--supplier",
                "Nobody",
                "--line",
                "TEA-250=1",
            ][..],
            2,
            "no supplier",
        ),
        (
            &[
                "po",
                "raise",
                "blr-1",
                "--supplier",
                "Gupta Wholesale",
                "--line",
                "TEA-250",
            ][..],
            2,
            "SKU=QTY",
        ),
        (
            &[
                "po",
                "raise",
                "blr-1",
                "--supplier",
                "Gupta Wholesale",
                "--line",
                "NOPE=1",
            ][..],
            2,
            "no item",
        ),
        (
            &[
                "po",
                "raise",
                "blr-1",
                "--supplier",
                "Gupta Wholesale",
                "--line",
                "TEA-250=1.5",
            ][..],
            1,
            "qty",
        ),
        (
            &["po", "cancel", "PO-000001", "--store", "blr-1"][..],
            1,
            "closed",
        ),
        (
            &["supplier", "add", "GUPTA WHOLESALE"][..],
            1,
            "already on the list",
        ),
    ] {
        let out = hubctl(&base, key, args).await;
        assert_eq!(out.code, code, "{args:?}: {} {}", out.stdout, out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}
on_both_backends!(a_buyer_keeps_suppliers_and_raises_an_order);
