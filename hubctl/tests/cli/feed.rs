//! `hubctl feed` and `hubctl review` against a real hub: a seller's CSV and
//! JSON Lines feeds uploaded, followed to the end and summed up (exit code
//! 1 and the way to the review queue when rows failed), and the rows in
//! review listed.

use crate::helpers::{spawn_hub, Backend};
use crate::hubctl::hubctl;
use crate::on_both_backends;

fn ean(n: u64) -> String {
    let body = format!("89{:010}", n);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

async fn a_feed_is_uploaded_and_followed(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let key = hub.tenant("Feeds").await;
    let hq = hub.as_(&key);
    let store = hq.create_store("S1", "Store", "INR").await.unwrap();
    let store = store.id.to_string();
    hq.create_seller("acme", "Acme", &[("W1", &store)])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!(
            "sku,name,barcode,price,stock\nA-1,Apple,{},10,4\nB-1,Bread,{},25,2\n",
            ean(1),
            ean(2)
        ),
    )
    .unwrap();
    let run = hubctl(
        &hub.base,
        Some(&key),
        &["--json", "feed", "acme", good.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("uploading:"), "{}", run.stderr);
    assert!(run.stderr.contains("applying:"), "{}", run.stderr);
    let summary = run.json();
    assert_eq!(summary["state"], "completed");
    assert_eq!(summary["counts"]["applied"], 2);

    let mixed = dir.path().join("mixed.jsonl");
    std::fs::write(
        &mixed,
        format!(
            "{{\"sku\":\"C-1\",\"name\":\"Curd\",\"barcode\":\"{}\",\"price\":30}}\n\
             {{\"sku\":\"D-1\",\"name\":\"Dal\",\"barcode\":\"{}\",\"price\":\"lots\"}}\n",
            ean(3),
            ean(4)
        ),
    )
    .unwrap();
    let run = hubctl(
        &hub.base,
        Some(&key),
        &["feed", "acme", mixed.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("2 rows, 1 applied, 0 unchanged, 1 failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("line 2 (SKU D-1): price:"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("hubctl review acme"), "{}", run.stderr);
    assert!(run.stderr.contains("/review"), "{}", run.stderr);

    let listed = hubctl(&hub.base, Some(&key), &["review", "acme"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.contains("D-1") && listed.stdout.contains("price"),
        "{}",
        listed.stdout
    );

    let missing = hubctl(
        &hub.base,
        Some(&key),
        &["feed", "acme", "/no/such/file.csv"],
    )
    .await;
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("/no/such/file.csv"),
        "{}",
        missing.stderr
    );
}
on_both_backends!(a_feed_is_uploaded_and_followed);
