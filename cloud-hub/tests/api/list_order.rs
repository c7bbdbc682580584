//! The lists HQ follows, in commit order with writers side by side: tills
//! upload sales of items of their own (each upload commits beside the
//! others, with its sales and their movements), HQ records single movements
//! and bulk ones from several writers at once, while readers follow
//! `/movements` and `/sales` a small page at a time from their last cursor.
//! Each reader sees exactly the whole list as read afterwards, in its order,
//! every row once: a row committed after a reader read its page always
//! comes after that page. (Ordered by the hub's clock at writing time, a
//! follower passed over rows committed behind its cursor.)

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Follows the store's `list` a page of `limit` at a time until `done` and
/// nothing is left, as the README tells a follower to: from each page's
/// `next_cursor`, and at the end of the list from the id of the last item it
/// has; answers every `key` (the item's id) seen, in order.
async fn follow(
    shop: Arc<Shop>,
    list: &'static str,
    key: &'static str,
    limit: u32,
    done: Arc<AtomicBool>,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        // Read before asking: a row committed after this read is still
        // ahead of the cursor.
        let finished = done.load(Ordering::SeqCst);
        let path = match &cursor {
            Some(c) => format!(
                "/v1/stores/{}/{list}?limit={limit}&cursor={c}",
                shop.store_id
            ),
            None => format!("/v1/stores/{}/{list}?limit={limit}", shop.store_id),
        };
        let (status, page) = shop.hub.get(&path, &shop.api_key).await;
        assert_eq!(status, StatusCode::OK, "{list}: {page}");
        let items = page["items"].as_array().expect("items");
        for item in items {
            seen.push(item[key].as_str().expect("key").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(
                    Some(next),
                    seen.last().map(String::as_str),
                    "{list}: the cursor is the last item's id"
                );
                cursor = Some(next.to_owned());
            }
            None if finished => return seen,
            // At the live edge: ask again after the last item read.
            None => {
                cursor = seen.last().cloned().or(cursor);
                if items.is_empty() {
                    tokio::task::yield_now().await;
                }
            }
        }
    }
}

/// Everything of `list` from the start, a page of 1,000 at a time.
async fn whole(shop: &Arc<Shop>, list: &'static str, key: &'static str) -> Vec<String> {
    follow(
        shop.clone(),
        list,
        key,
        1000,
        Arc::new(AtomicBool::new(true)),
    )
    .await
}

async fn followers_see_every_row_once_in_commit_order(backend: Backend) {
    let shop = Arc::new(shop(backend).await);
    let mut tills = vec![shop.clone()];
    for (name, prefix) in [("Till 2", "l2"), ("Till 3", "l3"), ("Till 4", "l4")] {
        tills.push(Arc::new(shop.till_at(&shop.store_id, name, prefix).await));
    }
    const HQ_WRITERS: usize = 3;
    let own = own_items(&shop, tills.len() + HQ_WRITERS).await;
    let done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for limit in [3, 7] {
        for (list, key) in [("movements", "movement_id"), ("sales", "sale_id")] {
            let reader = tokio::spawn(follow(shop.clone(), list, key, limit, done.clone()));
            readers.push((list, limit, reader));
        }
    }

    const UPLOADS: usize = 15;
    let mut writers = Vec::new();
    for (t, till) in tills.iter().enumerate() {
        let mut till = Shop::clone_of(till);
        till.variants.push(own[t].clone());
        let index = till.variants.len() - 1;
        writers.push(tokio::spawn(async move {
            for u in 0..UPLOADS {
                let facts: Vec<Value> = (0..2)
                    .map(|k| till.sale(&format!("L{}-{u:03}-{k}", t + 1), &[(index, "1")]))
                    .collect();
                let (status, ack) = till.upload(&facts).await;
                assert_eq!(status, StatusCode::OK, "{ack}");
                assert!(
                    Shop::statuses(&ack).iter().all(|s| s == "accepted"),
                    "{ack}"
                );
            }
        }));
    }
    for w in 0..HQ_WRITERS {
        let shop = shop.clone();
        let variant = own[tills.len() + w].0.clone();
        writers.push(tokio::spawn(async move {
            let hq = shop.hub.as_(&shop.api_key);
            for i in 0..20 {
                if i % 5 == 4 {
                    // Now and then several in one transaction.
                    let movements: Vec<Value> = (0..3)
                        .map(|_| json!({"variant_id": variant, "delta": -1, "reason": "damage"}))
                        .collect();
                    let (status, body) = shop
                        .hub
                        .post(
                            &format!("/v1/stores/{}/movements/bulk", shop.store_id),
                            &shop.api_key,
                            json!({ "movements": movements }),
                        )
                        .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                } else {
                    hq.post_movement(
                        &shop.store_id,
                        &json!({"variant_id": variant, "delta": -1, "reason": "damage"}),
                    )
                    .await
                    .expect("write-off");
                }
            }
        }));
    }
    for w in writers {
        w.await.expect("a writer");
    }
    done.store(true, Ordering::SeqCst);

    let movements = whole(&shop, "movements", "movement_id").await;
    let sales = whole(&shop, "sales", "sale_id").await;
    let distinct: std::collections::HashSet<&String> = movements.iter().collect();
    assert_eq!(
        distinct.len(),
        movements.len(),
        "no movement is listed twice"
    );
    // The opening receipts, a movement for every sale, HQ's write-offs.
    let sold = tills.len() * UPLOADS * 2;
    assert!(
        movements.len() >= own.len() + sold + HQ_WRITERS * (16 + 4 * 3),
        "{} movements",
        movements.len()
    );
    assert!(sales.len() >= sold, "{} sales", sales.len());
    for (list, limit, reader) in readers {
        let full = if list == "movements" {
            &movements
        } else {
            &sales
        };
        let seen = reader.await.expect("a reader");
        assert_eq!(
            seen.len(),
            full.len(),
            "a follower of {list} a page of {limit} at a time saw every row once"
        );
        assert_eq!(
            &seen, full,
            "a follower of {list} a page of {limit} at a time saw the list in its order"
        );
    }
}
on_both_backends!(followers_see_every_row_once_in_commit_order);
