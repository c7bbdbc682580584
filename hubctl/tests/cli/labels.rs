//! `hubctl labels` and `hubctl barcode` against a real hub: labels rendered
//! at the store's prices reach a printer on a loopback TCP port (or a file)
//! and read back, through an independent reader of ZPL and TSPL, with the
//! item's name, price and the barcode the hub gave it.

#[path = "../../../edge-agent/tests/common/labels.rs"]
mod printed;

use crate::helpers::{shop, Backend, TEA};
use crate::hubctl::hubctl;
use crate::on_both_backends;
use printed::{ean13_check, read_tspl, read_zpl};
use std::io::Read;

/// A printer on loopback that takes one job and hands its bytes back.
fn one_job_printer() -> (String, std::thread::JoinHandle<Vec<u8>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let job = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        got
    });
    (addr, job)
}

async fn labels_reach_the_printer_with_the_hubs_barcode(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = Some(shop.api_key.as_str());

    // Rice gets an in-store barcode under prefix 28.
    let bad = hubctl(&base, key, &["barcode", "prefix", "31"]).await;
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("prefix"), "{}", bad.stderr);
    let set = hubctl(&base, key, &["--json", "barcode", "prefix", "28"]).await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(set.json()["prefix"], "28");
    let kept = hubctl(&base, key, &["barcode", "assign", "RICE-KG"]).await;
    assert_eq!(kept.code, 1, "{}", kept.stderr);
    assert!(kept.stderr.contains("replace"), "{}", kept.stderr);
    let assigned = hubctl(
        &base,
        key,
        &["--json", "barcode", "assign", "RICE-KG", "--replace"],
    )
    .await;
    assert_eq!(assigned.code, 0, "{}", assigned.stderr);
    let rice_code = assigned.json()["barcode"].as_str().unwrap()[1..].to_owned();
    assert!(rice_code.starts_with("28"), "{rice_code}");
    assert_eq!(
        rice_code.chars().last().unwrap(),
        ean13_check(&rice_code[..12])
    );

    // ZPL to a printer: tea by barcode (2 copies), rice by SKU.
    let (addr, job) = one_job_printer();
    let item = format!("{TEA}:2");
    let run = hubctl(
        &base,
        key,
        &[
            "labels",
            "BLR-1",
            "--item",
            &item,
            "--item",
            "RICE-KG",
            "--printer",
            &addr,
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&addr), "{}", run.stdout);
    let labels = read_zpl(&job.join().unwrap());
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert_eq!(labels[0].texts[0], "Assam Tea 250 g");
    assert!(
        labels[0].texts.contains(&"Rs 145.00".to_owned()),
        "{labels:?}"
    );
    assert_eq!(labels[0].copies, 2);
    assert_eq!(labels[0].barcodes, [("EAN13".to_owned(), TEA.to_owned())]);
    assert_eq!(labels[1].texts[0], "Sona Masoori Rice (kg)");
    assert!(
        labels[1].texts.contains(&"Rs 62.50/kg".to_owned()),
        "{labels:?}"
    );
    assert_eq!(
        labels[1].barcodes,
        [("EAN13".to_owned(), rice_code.clone())]
    );

    // TSPL to a file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("labels.tspl");
    let run = hubctl(
        &base,
        key,
        &[
            "labels",
            "BLR-1",
            "--item",
            "RICE-KG",
            "--format",
            "tspl",
            "--size",
            "60x40",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let labels = read_tspl(&std::fs::read(&out).unwrap());
    assert_eq!(labels[0].barcodes, [("EAN13".to_owned(), rice_code)]);

    // Bad requests: nowhere to send, an unknown item, a format the hub does not know.
    let run = hubctl(&base, key, &["labels", "BLR-1", "--item", "RICE-KG"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = hubctl(
        &base,
        key,
        &["labels", "BLR-1", "--item", "NOPE", "--out", "-"],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = hubctl(
        &base,
        key,
        &[
            "labels", "BLR-1", "--item", "RICE-KG", "--format", "pdf", "--out", "-",
        ],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("format"), "{}", run.stderr);
}
on_both_backends!(labels_reach_the_printer_with_the_hubs_barcode);
