//! A hub restored from a copy of its database older than what its tills
//! applied and sent: the tills notice (by their cursor, its mark, or the
//! fact the hub acknowledged last), send again what it lost and take a new
//! snapshot; HQ's event readers are told where to read on; a till enrolled
//! after the copy is made again under its id.

use crate::catalog::{price_on_till, variant_id};
use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, gtin, wait_synced, DAL, MILK, TEA};

/// The files of a stopped SQLite hub's database.
const HUB_FILES: [&str; 3] = ["hub.db", "hub.db-wal", "hub.db-shm"];

/// A copy of a stopped SQLite hub's database, as a backup is taken.
fn copy_of(hub: &Hub) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for f in HUB_FILES {
        let from = hub.dir().join(f);
        if from.exists() {
            std::fs::copy(&from, copy.path().join(f)).unwrap();
        }
    }
    copy
}

/// Puts `copy` back as the stopped hub's database, as a restore does.
fn restore(hub: &Hub, copy: &tempfile::TempDir) {
    for f in HUB_FILES {
        let (from, to) = (copy.path().join(f), hub.dir().join(f));
        match from.exists() {
            true => std::fs::copy(&from, &to).map(|_| ()).unwrap(),
            false => std::fs::remove_file(&to)
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e),
                })
                .unwrap(),
        }
    }
}

/// The hub's database restored from a copy older than what its till has
/// applied and sent. Case one, the till asks first: its cursor is past the
/// hub's head (`cursor_ahead`). Case two, HQ writes before the till asks, so
/// the numbers it holds are given to other changes: the hub tells by the
/// mark the till sends with its cursor (`feed_diverged`). Either way the
/// till takes a new snapshot, so the change made after the restore reaches
/// it rather than being skipped for good, and sends again the sales the
/// hub had acknowledged and lost, which HQ then has, each once.
async fn a_hub_restored_from_an_older_copy_is_not_followed_blindly(ask_first: bool) {
    let mut hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let mut till = Agent::start(&hub, &codes[0]).await;
    let mut sibling = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till, &hq, &store).await;
    wait_synced(&sibling, &hq, &store).await;
    let (tea, milk) = (variant_id(&till, TEA).await, variant_id(&till, MILK).await);
    let dal = variant_id(&till, DAL).await;
    let money = pos_shared::Money::inr;
    let milk_in_copy = price_on_till(&till, MILK).await;
    let head_in_copy = hq.events("type=nothing.here").await.unwrap().next_after;

    hub.stop();
    let copy = copy_of(&hub);
    hub.restart().await;
    // What the till follows and sends after the copy was taken: prices, an
    // item the copy does not have, sales.
    for minor in 2_001..=2_020 {
        hq.set_price(&milk, money(minor)).await.unwrap();
    }
    let after_copy = gtin("8901234000090");
    hq.create_simple_product("Made After The Copy", "AFTER-1", &after_copy, 4_242)
        .await
        .unwrap();
    let sold = [
        till.sell(&[(TEA, "2")]).await,
        till.sell(&[(DAL, "1")]).await,
        sibling.sell(&[(TEA, "3")]).await,
    ];
    eventually(
        "the sales acknowledged and the last milk price on the till",
        30,
        || {
            let till = &till;
            let after_copy = after_copy.clone();
            let sibling = &sibling;
            async move {
                till.status().await["queued"] == 0
                    && sibling.status().await["queued"] == 0
                    && price_on_till(till, MILK).await == 2_020
                    && till
                        .get(&format!("/v1/products/by-barcode/{after_copy}"))
                        .await
                        .0
                        .is_success()
            }
        },
        || till.log(),
    )
    .await;
    assert_eq!(hq.sales(&store).await.unwrap().len(), 3);
    // The till has counted its sibling's sale, from the feed.
    eventually(
        "the sibling's sale counted on the till",
        30,
        || {
            let (till, hq, store) = (&till, &hq, &store);
            async move {
                let at_hub = crate::hub_positions(hq, store)
                    .await
                    .get(&gtin(TEA))
                    .cloned();
                till.available(TEA).await == at_hub
            }
        },
        || till.log(),
    )
    .await;

    let told_before = told_of_once(&hq).await;
    // An HQ reader following the events, at the head as it stands.
    let reader = hq.events("type=nothing.here").await.unwrap();
    let (reader_at, reader_mark) = (reader.next_after, reader.next_mark.unwrap());
    assert!(reader_at > head_in_copy);
    for sale in &sold {
        assert!(
            told_before.contains_key(sale["sale_id"].as_str().unwrap()),
            "{told_before:?}"
        );
    }
    if !ask_first {
        till.kill();
        sibling.kill();
    }
    hub.stop();
    restore(&hub, &copy);
    hub.restart().await;
    if !ask_first {
        assert!(
            hq.sales(&store).await.unwrap().is_empty(),
            "the copy had none"
        );
        // HQ writes on before the till comes back: the numbers it holds
        // now belong to other changes.
        for minor in 3_001..=3_040 {
            hq.set_price(&dal, money(minor)).await.unwrap();
        }
        till.restart().await;
    }
    hq.set_price(&tea, money(4_444)).await.unwrap();
    // HQ makes again an item the restore lost, under its barcode: the till
    // holds the lost one under it, which makes way.
    hq.create_simple_product("Made Again", "AGAIN-1", &after_copy, 5_151)
        .await
        .unwrap();
    eventually(
        "the price set after the restore on the till",
        60,
        || {
            let till = &till;
            async move { price_on_till(till, TEA).await == 4_444 }
        },
        || format!("{}\n{}", till.log(), hub.log()),
    )
    .await;
    if !ask_first {
        // The sibling comes back only now, after the till's new snapshot.
        sibling.restart().await;
    }
    // The new snapshot is the restored hub's: milk as the copy had it, and
    // under the lost item's barcode the item HQ made again.
    assert_eq!(price_on_till(&till, MILK).await, milk_in_copy);
    eventually(
        "the item made again on the till",
        30,
        || {
            let (till, after_copy) = (&till, &after_copy);
            async move {
                let (_, b) = till
                    .get(&format!("/v1/products/by-barcode/{after_copy}"))
                    .await;
                b["name"] == "Made Again" && b["price"]["minor"] == 5_151
            }
        },
        || till.log(),
    )
    .await;
    // The sales the hub lost came back from the till, once each, and the
    // stock they moved with them.
    eventually(
        "the lost sales at HQ",
        60,
        || {
            let (hq, store) = (&hq, &store);
            async move { hq.sales(store).await.unwrap().len() == 3 }
        },
        || format!("{}\n{}\n{}", till.log(), sibling.log(), hub.log()),
    )
    .await;
    let ids: std::collections::BTreeSet<String> = hq
        .sales(&store)
        .await
        .unwrap()
        .iter()
        .map(|s| s["sale_id"].as_str().unwrap().to_owned())
        .collect();
    let sent: std::collections::BTreeSet<String> = sold
        .iter()
        .map(|s| s["sale_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, sent);
    // HQ hears of them again as the same events: a reader that took the
    // first ones, taking events once by id, counts each sale once.
    eventually(
        "the lost sales' events again, under their first ids",
        30,
        || {
            let (hq, told_before) = (&hq, &told_before);
            async move { told_of_once(hq).await == *told_before }
        },
        || hub.log(),
    )
    .await;
    // The reader's place is not in the restored history: it is told so, and
    // where to read on, the copy's last event, whatever was written since.
    let refused = hq
        .events(&format!("after={reader_at}&mark={reader_mark}"))
        .await
        .expect_err("a reader of the lost history is told");
    let problem = refused.problem().expect("a problem");
    assert_eq!(problem.kind, "events_diverged", "{problem:?}");
    assert_eq!(problem.resume_after, Some(head_in_copy), "{problem:?}");
    // The sibling's sale came back after the till's new snapshot: counted
    // again there, under the movement ids it had before. Both tills agree
    // with the hub on the stock the sales moved.
    for agent in [&till, &sibling] {
        eventually(
            "the till's stock of what was sold to equal the hub's",
            60,
            || {
                let (hq, store) = (&hq, &store);
                async move {
                    let at_hub = crate::hub_positions(hq, store).await;
                    let mut same = true;
                    for item in [TEA, DAL] {
                        same &= agent.available(item).await == at_hub.get(&gtin(item)).cloned();
                    }
                    same
                }
            },
            || agent.log(),
        )
        .await;
    }
}

/// The hub's database restored from a copy older than a fact it
/// acknowledged, while the till's place in its feed still holds: a shift
/// closed after the copy changes nothing tills follow, so neither the
/// cursor nor its mark can tell. The till asks, with its next feed
/// request, whether the hub holds the fact it acknowledged last, is told
/// `facts_lost`, and sends its facts again: HQ has the Z report.
#[tokio::test]
async fn a_restored_hub_that_lost_only_facts_gets_them_again() {
    let mut hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let inr = |minor: i64| serde_json::json!({"minor": minor, "currency": "INR"});
    till.post(
        "/v1/shifts",
        serde_json::json!({"cashier": "Asha", "opening_float": inr(50_000)}),
    )
    .await;
    crate::wait_drained(&till, &hub).await;

    hub.stop();
    let copy = copy_of(&hub);
    hub.restart().await;
    crate::wait_drained(&till, &hub).await;
    let cursor = till.status().await["cursor"].clone();
    let z = till
        .post(
            "/v1/shifts/current/close",
            serde_json::json!({"counted_cash": inr(50_000)}),
        )
        .await;
    crate::wait_drained(&till, &hub).await;
    assert_eq!(hq.shifts(&store).await.unwrap().len(), 1);

    hub.stop();
    restore(&hub, &copy);
    hub.restart().await;
    assert!(
        hq.shifts(&store).await.unwrap().is_empty(),
        "the copy had none"
    );
    eventually(
        "the Z report at HQ again",
        60,
        || {
            let (hq, store, z) = (&hq, &store, &z);
            async move {
                let shifts = hq.shifts(store).await.unwrap();
                shifts.len() == 1 && shifts[0]["shift_id"] == z["shift_id"]
            }
        },
        || format!("{}\n{}", till.log(), hub.log()),
    )
    .await;
    assert!(
        till.log()
            .contains("no longer holds a fact it acknowledged"),
        "told by the acknowledged fact, not the feed"
    );
    assert_eq!(
        till.status().await["cursor"],
        cursor,
        "nothing the till follows changed: only the facts could tell"
    );
}

/// A till enrolled after the copy the hub is restored from: the restored
/// hub does not know it and refuses its credential. HQ makes its terminal
/// again under its id, the till is started with the new code and takes its
/// credential back as the same terminal: its sales before the restore and
/// the one made while it was refused reach HQ, under its own receipts.
#[tokio::test]
async fn a_till_enrolled_after_the_copy_is_made_again_under_its_id() {
    let mut hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, _) = demo_chain(&hub, 1).await;
    hub.stop();
    let copy = copy_of(&hub);
    hub.restart().await;
    let made = hq.create_terminal(&store, "Till 9", "T9").await.unwrap();
    let mut till = Agent::start(&hub, &made.enrollment_code).await;
    wait_synced(&till, &hq, &store).await;
    let terminal = till.status().await["terminal_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut sold = vec![
        till.sell(&[(TEA, "1")]).await,
        till.sell(&[(DAL, "1")]).await,
    ];
    crate::wait_drained(&till, &hub).await;

    hub.stop();
    restore(&hub, &copy);
    hub.restart().await;
    eventually(
        "the till to hear the hub does not take its credential",
        30,
        || async { till.status().await["state"] == "revoked" },
        || till.log(),
    )
    .await;
    // It sells on for money meanwhile.
    sold.push(till.sell(&[(TEA, "2")]).await);
    // A terminal the hub knows is not made again.
    let known = hq.terminals(&store).await.unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = hq
        .recreate_terminal(&store, &known, "Till 1", "T1")
        .await
        .expect_err("a known terminal");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(409), "{refused}");
    // Made again at the wrong store first: the till does not take that
    // code (its sales are its store's), and the hub keeps it unused.
    let elsewhere = hq.create_store("BLR-09", "Elsewhere", "INR").await.unwrap();
    let wrong = hq
        .recreate_terminal(&elsewhere.id.to_string(), &terminal, "Till 9", "T9")
        .await
        .unwrap();
    till.set_enroll_code(&wrong.enrollment_code);
    till.restart().await;
    eventually(
        "the till to turn down the code for its terminal at another store",
        30,
        || async { till.log().contains("this code makes terminal") },
        || till.log(),
    )
    .await;
    assert_eq!(till.status().await["state"], "revoked");
    assert_eq!(till.status().await["store_id"], store.as_str());
    // Made again at its store: no till had taken the wrong one, so it may be.
    let again = hq
        .recreate_terminal(&store, &terminal, "Till 9", "T9")
        .await
        .unwrap();
    // A new machine given that code is not the till that was the terminal.
    let stranger = Agent::start(&hub, &again.enrollment_code).await;
    eventually(
        "the new machine turned away, the code kept",
        30,
        || async {
            stranger.status().await["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("for the till that was that terminal"))
        },
        || stranger.log(),
    )
    .await;
    assert_eq!(stranger.status().await["enrolled"], false);
    till.set_enroll_code(&again.enrollment_code);
    till.restart().await;
    eventually(
        "every sale of the till at HQ, once, and the till online as itself",
        60,
        || {
            let (till, hq, store, sold, terminal) = (&till, &hq, &store, &sold, &terminal);
            async move {
                let s = till.status().await;
                let at_hq: std::collections::BTreeSet<String> = hq
                    .sales(store)
                    .await
                    .unwrap()
                    .iter()
                    .map(|s| s["receipt_no"].as_str().unwrap().to_owned())
                    .collect();
                let made: std::collections::BTreeSet<String> = sold
                    .iter()
                    .map(|s| s["receipt_no"].as_str().unwrap().to_owned())
                    .collect();
                s["state"] == "online" && s["terminal_id"] == terminal.as_str() && at_hq == made
            }
        },
        || format!("{}\n{}", till.log(), hub.log()),
    )
    .await;
    assert_eq!(hq.sales(&store).await.unwrap().len(), 3);
}

/// The event ids HQ's events give the sales and stock movements they tell
/// of, by the sale's or the movement's id.
async fn told_of_once(hq: &system_tests::Hq) -> std::collections::BTreeMap<String, String> {
    let mut told = std::collections::BTreeMap::new();
    for (kind, id) in [
        ("pos.sale.recorded", "sale_id"),
        ("inventory.stock.adjusted", "movement_id"),
    ] {
        let page = hq.events(&format!("type={kind}&limit=1000")).await.unwrap();
        for e in page.events {
            let of = e["data"][id].as_str().unwrap().to_owned();
            told.insert(of, e["event_id"].as_str().unwrap().to_owned());
        }
    }
    told
}

#[tokio::test]
async fn a_restored_hub_is_noticed_when_the_till_asks_first() {
    a_hub_restored_from_an_older_copy_is_not_followed_blindly(true).await;
}

#[tokio::test]
async fn a_restored_hub_written_on_is_noticed_by_its_mark() {
    a_hub_restored_from_an_older_copy_is_not_followed_blindly(false).await;
}
