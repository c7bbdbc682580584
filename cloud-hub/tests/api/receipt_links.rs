//! The customer's e-receipt page, `GET /r/{key}`: a sale uploaded with its
//! receipt key is served as HTML with the sale's own figures, with no
//! credential; an unknown key is a 404 in words; one tenant's key never
//! opens another's sale.

use crate::helpers::{shop, shop_on, Backend, Shop};
use crate::on_both_backends;
use pos_shared::tax::{line_tax, TaxClass};
use reqwest::StatusCode;
use serde_json::Value;

const KEY_A: &str = "0123456789abcdef0123456789abcdef";
const KEY_B: &str = "fedcba9876543210fedcba9876543210";

/// A sale of one tea (5 % GST inside its price) and 1.5 kg of rice, with
/// `key` as its receipt key.
fn keyed_sale(shop: &Shop, receipt_no: &str, key: &str) -> Value {
    let mut envelope = shop.sale_with(receipt_no, &[(0, "1"), (1, "1.5")], |lines| {
        let class = TaxClass {
            rate_bp: 500,
            inclusive: true,
            hsn: None,
        };
        lines[0].tax = Some(line_tax(lines[0].line_total, &class, false).unwrap());
        lines[0].name = "Assam Tea <250 g>".into();
    });
    envelope["data"]["receipt_key"] = key.into();
    envelope
}

async fn page(shop: &Shop, key: &str) -> (StatusCode, String) {
    let r = shop
        .hub
        .http
        .get(format!("{}/r/{key}", shop.hub.base))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(
        r.headers()["content-type"],
        "text/html; charset=utf-8",
        "{key}"
    );
    (status, r.text().await.unwrap())
}

async fn a_receipt_link_opens_the_sale_it_was_minted_with(backend: Backend) {
    let shop = shop(backend).await;
    let (status, _) = page(&shop, KEY_A).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, ack) = shop.upload(&[keyed_sale(&shop, "T1-000001", KEY_A)]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted"]);

    let (status, html) = page(&shop, KEY_A).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for shown in [
        "Indiranagar",
        "T1-000001",
        // The line's name, escaped.
        "Assam Tea &lt;250 g&gt;",
        "₹145.00",
        // 1.5 kg of rice at 62.50.
        "₹93.75",
        // 145.00 with 5 % inside: 138.10 taxable, 3.45 + 3.45.
        "<td>5%</td>",
        "₹138.10",
        "₹3.45",
        // The total and the cash tender: 238.75.
        "<dt>Total</dt><dd><strong>₹238.75</strong></dd>",
        "Paid by Cash",
    ] {
        assert!(html.contains(shown), "{shown} missing from:\n{html}");
    }
    assert!(!html.contains("<250"), "unescaped text:\n{html}");
}
on_both_backends!(a_receipt_link_opens_the_sale_it_was_minted_with);

async fn an_unknown_or_malformed_key_is_a_page_in_words(backend: Backend) {
    let shop = shop(backend).await;
    shop.upload(&[keyed_sale(&shop, "T1-000001", KEY_A)]).await;
    for key in [KEY_B, "short", "not%20a%20key%20at%20all%20really"] {
        let (status, html) = page(&shop, key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{key}");
        assert!(
            html.contains("not at the store's server yet"),
            "{key}:\n{html}"
        );
        assert!(!html.contains("T1-000001"), "{key}:\n{html}");
    }
    // A sale from a till that mints no keys has no page, and is accepted.
    let (_, ack) = shop.upload(&[shop.sale("T1-000002", &[(0, "1")])]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
}
on_both_backends!(an_unknown_or_malformed_key_is_a_page_in_words);

async fn a_key_opens_only_its_own_tenants_sale(backend: Backend) {
    let first = shop(backend).await;
    let second = shop_on(first.hub.clone(), "Other Chain").await;
    first
        .upload(&[keyed_sale(&first, "T1-000001", KEY_A)])
        .await;
    let (_, ack) = second
        .upload(&[keyed_sale(&second, "T1-000777", KEY_B)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);

    let (_, a) = page(&first, KEY_A).await;
    assert!(a.contains("T1-000001") && !a.contains("T1-000777"), "{a}");
    let (_, b) = page(&second, KEY_B).await;
    assert!(b.contains("T1-000777") && !b.contains("T1-000001"), "{b}");

    // A till of the other tenant that sends a sale under a key already
    // used opens neither sale through it.
    let (_, ack) = second
        .upload(&[keyed_sale(&second, "T1-000778", KEY_A)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    let (status, a) = page(&first, KEY_A).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!a.contains("T1-000001") && !a.contains("T1-000778"), "{a}");
}
on_both_backends!(a_key_opens_only_its_own_tenants_sale);

async fn a_malformed_receipt_key_is_refused_naming_it(backend: Backend) {
    let shop = shop(backend).await;
    let (_, ack) = shop
        .upload(&[keyed_sale(&shop, "T1-000001", "key with spaces in it!!")])
        .await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(ack.to_string().contains("receipt_key"), "{ack}");
}
on_both_backends!(a_malformed_receipt_key_is_refused_naming_it);
