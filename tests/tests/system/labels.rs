//! An item HQ creates without a barcode, end to end: the hub numbers it (an
//! in-store EAN-13), the till hears of it in the feed, scans and sells it,
//! and prints its shelf label on a ZPL printer on loopback; the label HQ
//! renders at the hub carries the same code. Both printed streams are read
//! with the independent ZPL reader.

#[path = "../../../edge-agent/tests/common/labels.rs"]
mod printed;

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, wait_synced};
use printed::{ean13_check, read_zpl};
use serde_json::json;
use std::io::Read;

async fn an_in_store_barcode_reaches_the_till_and_its_label(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let printer = listener.local_addr().unwrap();
    let job = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        got
    });
    let printers = format!("shelf=tcp://{printer}?language=zpl");
    let till = Agent::start_with(&hub.base, &codes[0], &[("EDGE_PRINTERS", &printers)]).await;
    wait_synced(&till, &hq, &store).await;

    let product = hq
        .create_product(&json!({"name": "Toor Dal (loose)", "variants": [
            {"sku": "DAL-LOOSE", "unit": "kg", "price": {"minor": 12000, "currency": "INR"}}
        ]}))
        .await
        .unwrap();
    let code = product["variants"][0]["barcode"].as_str().unwrap()[1..].to_owned();
    assert!(code.starts_with("29"), "{code}");
    assert_eq!(code.chars().last().unwrap(), ean13_check(&code[..12]));

    eventually(
        "the till to know the new item",
        30,
        || {
            let till = &till;
            let code = code.clone();
            async move { till.get(&format!("/v1/products/by-barcode/{code}")).await.0 == 200 }
        },
        || till.log(),
    )
    .await;
    let sale = till.sell(&[(code.as_str(), "0.5")]).await;
    assert_eq!(sale["total"]["minor"], 6000, "{sale}");

    let (status, queued) = till
        .try_post(
            "/v1/labels",
            json!({"items": [{"barcode": code, "copies": 2}]}),
        )
        .await;
    assert_eq!(status, 202, "{queued}");
    let at_till = read_zpl(
        &tokio::task::spawn_blocking(move || job.join().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(at_till.len(), 1, "{at_till:?}");
    assert_eq!(at_till[0].texts[0], "Toor Dal (loose)");
    assert!(
        at_till[0].texts.contains(&"Rs 120.00".to_owned()),
        "{at_till:?}"
    );
    assert_eq!(at_till[0].copies, 2);
    assert_eq!(at_till[0].barcodes, [("EAN13".to_owned(), code.clone())]);

    let bytes = hq
        .store_labels(
            &store,
            &json!({"format": "zpl", "items": [{"variant_id": product["variants"][0]["variant_id"]}]}),
        )
        .await
        .unwrap();
    let at_hq = read_zpl(&bytes);
    assert_eq!(at_hq[0].texts, at_till[0].texts);
    assert_eq!(at_hq[0].barcodes, at_till[0].barcodes);
}
crate::on_both_backends!(an_in_store_barcode_reaches_the_till_and_its_label);
