//! The feed's order with writers side by side: tills upload sales that move
//! the same stock positions in both orders, HQ records movements on them and
//! changes prices (which takes the tenant alone), all at once, while readers
//! follow the feed a page at a time. No reader ever skips a change: what
//! each saw, page by page, is exactly the whole feed, in order, once; every
//! upload is answered (no deadlock, no error); the positions equal the
//! ledger; and the outbox has an event for every change.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Follows the feed as `token`'s terminal, a page of 7 at a time, until
/// `done` and nothing is left; answers every sequence seen, in order.
async fn follow(shop: Arc<Shop>, token: String, done: Arc<AtomicBool>) -> Vec<u64> {
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        // Read before looking at the page: a change committed after this
        // read is still ahead of the cursor.
        let finished = done.load(Ordering::SeqCst);
        let (status, page) = shop
            .hub
            .get(&format!("/v1/sync/feed?since={cursor}&limit=7"), &token)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for change in page["changes"].as_array().expect("changes") {
            let seq = change["seq"].as_u64().expect("seq");
            assert!(seq > cursor, "seq {seq} at or before the cursor {cursor}");
            seen.push(seq);
            cursor = seq;
        }
        let next = page["next_cursor"].as_u64().expect("next cursor");
        assert!(next >= cursor, "the cursor went back: {next} < {cursor}");
        cursor = next;
        if finished && page["has_more"] == false {
            return seen;
        }
    }
}

async fn readers_never_skip_a_change_committed_after_they_read(backend: Backend) {
    let shop = Arc::new(shop(backend).await);
    let mut tills = vec![shop.clone()];
    for (name, prefix) in [
        ("Till 2", "t2"),
        ("Till 3", "t3"),
        ("Till 4", "t4"),
        ("Till 5", "t5"),
        ("Till 6", "t6"),
    ] {
        tills.push(Arc::new(shop.till_at(&shop.store_id, name, prefix).await));
    }
    // Each till also sells an item of its own, so most uploads lock
    // positions no other writer touches and commit side by side.
    let own = own_items(&shop, tills.len()).await;
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = tills
        .iter()
        .take(3)
        .map(|till| {
            tokio::spawn(follow(
                shop.clone(),
                till.device_token.clone(),
                done.clone(),
            ))
        })
        .collect();

    const UPLOADS: usize = 30;
    const SALES: usize = 2;
    let mut writers = Vec::new();
    for (t, till) in tills.iter().enumerate() {
        let mut till = Shop::clone_of(till);
        // Index 2: the till's own item.
        till.variants.push(own[t].clone());
        writers.push(tokio::spawn(async move {
            let mut sold = [0i64; 2];
            for u in 0..UPLOADS {
                // Every fifth upload moves the shared positions, in either
                // order; the rest only the till's own.
                let lines: &[(usize, &str)] = match (u % 5, (t + u) % 2) {
                    (0, 0) => &[(0, "1"), (2, "1"), (1, "1")],
                    (0, _) => &[(1, "1"), (2, "1"), (0, "1")],
                    _ => &[(2, "1")],
                };
                let facts: Vec<Value> = (0..SALES)
                    .map(|k| till.sale(&format!("T{}-{u:03}-{k}", t + 1), lines))
                    .collect();
                let (status, ack) = till.upload(&facts).await;
                assert_eq!(status, StatusCode::OK, "{ack}");
                assert!(
                    Shop::statuses(&ack).iter().all(|s| s == "accepted"),
                    "{ack}"
                );
                if u % 5 == 0 {
                    sold[0] += SALES as i64;
                    sold[1] += SALES as i64;
                }
            }
            sold
        }));
    }
    let hq_movements = {
        let shop = shop.clone();
        tokio::spawn(async move {
            let hq = shop.hub.as_(&shop.api_key);
            for i in 0..24 {
                let (variant, _, _) = &shop.variants[i % 2];
                hq.post_movement(
                    &shop.store_id,
                    &json!({"variant_id": variant, "delta": 2, "reason": "receipt"}),
                )
                .await
                .expect("receive");
            }
        })
    };
    let hq_prices = {
        let shop = shop.clone();
        tokio::spawn(async move {
            for i in 0..10i64 {
                let (status, body) = shop
                    .hub
                    .put(
                        &format!("/v1/variants/{}/price", shop.variants[(i % 2) as usize].0),
                        &shop.api_key,
                        json!({"price": {"minor": 15_000 + i, "currency": "INR"}}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        })
    };
    let mut sold = [0i64; 2];
    for w in writers {
        let s = w.await.expect("a till's uploads");
        sold[0] += s[0];
        sold[1] += s[1];
    }
    hq_movements.await.expect("HQ's movements");
    hq_prices.await.expect("HQ's prices");
    done.store(true, Ordering::SeqCst);

    // The whole feed, read after every writer was answered.
    let whole = follow(
        shop.clone(),
        shop.device_token.clone(),
        Arc::new(AtomicBool::new(true)),
    )
    .await;
    assert!(
        whole.windows(2).all(|w| w[1] == w[0] + 1),
        "the feed has no gaps"
    );
    for reader in readers {
        let seen = reader.await.expect("a reader");
        assert_eq!(seen, whole, "a reader saw exactly the whole feed, in order");
    }
    let sales = whole.len();
    assert!(
        sales >= tills.len() * UPLOADS * SALES + 24 + 10,
        "{sales} changes"
    );
    for (_, barcode, _) in &own {
        let left = 100 - (UPLOADS * SALES) as i64;
        assert_eq!(shop.on_hand(barcode).await, left.to_string(), "{barcode}");
    }

    // Positions equal the ledger: the opening stock, what HQ received, less
    // what was sold.
    for (i, (_, barcode, _)) in shop.variants.iter().enumerate() {
        let expected = INITIAL_STOCK + 2 * 12 - sold[i];
        assert_eq!(
            shop.on_hand(barcode).await,
            expected.to_string(),
            "{barcode}"
        );
    }
}
on_both_backends!(readers_never_skip_a_change_committed_after_they_read);
