//! How HQ arranges and prices the catalog reaches the till: the category tree
//! and quick keys from the snapshot and then the feed, search by brand and
//! synonym, selling by a second barcode, and price windows that start on time
//! with the hub out of reach.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, gtin, on_both_backends, wait_synced, DAL, MILK, TEA};
use pos_shared::Timestamp;
use serde_json::Value;

fn page_paths(pages: &Value) -> Vec<(String, Vec<String>)> {
    pages
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path: Vec<&str> = p["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            let keys = p["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["name"].as_str().unwrap().to_owned())
                .collect();
            (path.join(" / "), keys)
        })
        .collect()
}

async fn search(till: &Agent, q: &str) -> Vec<String> {
    let (status, found) = till
        .get(&format!("/v1/products/search?q={}", q.replace(' ', "%20")))
        .await;
    assert_eq!(status, 200, "{q}: {found}");
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["barcode"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_catalogs_arrangement_reaches_the_till(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;

    let (_, tree) = till.get("/v1/categories").await;
    let names: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Staples", "Rice & Dal", "Beverages", "Dairy"]);
    let (_, pages) = till.get("/v1/quick-keys").await;
    assert_eq!(
        page_paths(&pages),
        [
            (
                "Staples / Rice & Dal".to_owned(),
                vec![
                    "Sona Masoori Rice (per kg)".to_owned(),
                    "Toor Dal 1 kg".to_owned()
                ]
            ),
            ("Beverages".to_owned(), vec!["Assam Tea 250 g".to_owned()]),
        ],
        "{pages}"
    );
    assert_eq!(pages[1]["keys"][0]["brand"], "Tata Tea");

    // Search by brand, by synonym, by the second barcode.
    assert_eq!(search(&till, "chai").await, [gtin(TEA)]);
    assert_eq!(search(&till, "pigeon pe").await, [gtin(DAL)]);
    let mut tata = search(&till, "tata").await;
    tata.sort();
    let mut want = vec![gtin(TEA), gtin(DAL)];
    want.sort();
    assert_eq!(tata, want);
    assert_eq!(search(&till, "9638507").await, [gtin(TEA)]);

    // The case's barcode sells the tea.
    let sale = till.sell(&[("96385074", "1")]).await;
    assert_eq!(sale["lines"][0]["barcode"], gtin(TEA), "{sale}");
    let (status, product) = till.get("/v1/products/by-barcode/96385074").await;
    assert_eq!(
        (status, product["name"].as_str()),
        (reqwest::StatusCode::OK, Some("Assam Tea 250 g"))
    );

    // HQ renames a category and moves it to the front of another: the grid
    // follows through the feed.
    let id_of = |name: &str| {
        tree.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["category_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    hq.update_category(
        &id_of("Beverages"),
        "Tea & Coffee",
        Some(&id_of("Staples")),
        0,
    )
    .await
    .unwrap();
    eventually(
        "the moved category first on the till's grid",
        30,
        || {
            let till = &till;
            async move {
                let (_, pages) = till.get("/v1/quick-keys").await;
                page_paths(&pages).first().map(|p| p.0.clone())
                    == Some("Staples / Tea & Coffee".into())
            }
        },
        || till.log(),
    )
    .await;
}
on_both_backends!(the_catalogs_arrangement_reaches_the_till);

async fn variant_id(till: &Agent, barcode: &str) -> String {
    till.get(&format!("/v1/products/by-barcode/{barcode}"))
        .await
        .1["variant_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn price_on_till(till: &Agent, barcode: &str) -> i64 {
    till.get(&format!("/v1/products/by-barcode/{barcode}"))
        .await
        .1["price"]["minor"]
        .as_i64()
        .unwrap()
}

async fn a_promotion_starts_on_time_while_the_hub_is_down(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let (tea, milk) = (variant_id(&till, TEA).await, variant_id(&till, MILK).await);
    let base = price_on_till(&till, TEA).await;

    // The store's tea promotion starts in a few seconds; the chain's milk
    // price at once (scheduled after, so once the till has it, it has both).
    let starts = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 6_000);
    hq.schedule_price(
        &tea,
        &serde_json::json!({"price": {"minor": 12000, "currency": "INR"}, "store_id": store,
                           "effective_from": starts.to_string()}),
    )
    .await
    .unwrap();
    hq.schedule_price(
        &milk,
        &serde_json::json!({"price": {"minor": 2500, "currency": "INR"}}),
    )
    .await
    .unwrap();
    eventually(
        "the chain's milk price on the till",
        30,
        || {
            let till = &till;
            async move { price_on_till(till, MILK).await == 2500 }
        },
        || till.log(),
    )
    .await;
    assert_eq!(price_on_till(&till, TEA).await, base, "not yet");

    hub.stop();
    eventually(
        "the till to see the hub gone",
        30,
        || {
            let till = &till;
            async move { till.status().await["online"] == false }
        },
        || till.log(),
    )
    .await;
    let wait = starts.unix_millis() - Timestamp::now().unix_millis() + 200;
    tokio::time::sleep(std::time::Duration::from_millis(wait.max(0) as u64)).await;
    assert_eq!(
        price_on_till(&till, TEA).await,
        12000,
        "the promotion holds offline"
    );
    let sale = till.sell(&[(TEA, "2"), (MILK, "1")]).await;
    assert_eq!(sale["total"]["minor"], 2 * 12000 + 2500, "{sale}");
}
on_both_backends!(a_promotion_starts_on_time_while_the_hub_is_down);

async fn an_item_hq_edits_deletes_and_restores_follows_on_the_till(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let (tea, dal) = (variant_id(&till, TEA).await, variant_id(&till, DAL).await);

    hq.edit_variant(
        &tea,
        &serde_json::json!({"name": "Assam Tea Gold 250 g", "synonyms": ["kadak"]}),
    )
    .await
    .unwrap();
    hq.delete_variant(&dal).await.unwrap();
    eventually(
        "the edit and the deletion on the till",
        30,
        || {
            let till = &till;
            async move {
                let (_, tea) = till.get(&format!("/v1/products/by-barcode/{TEA}")).await;
                let (gone, _) = till.get(&format!("/v1/products/by-barcode/{DAL}")).await;
                tea["name"] == "Assam Tea Gold 250 g" && gone == reqwest::StatusCode::NOT_FOUND
            }
        },
        || till.log(),
    )
    .await;
    assert_eq!(search(&till, "kadak").await, [gtin(TEA)]);
    assert!(search(&till, "toor").await.is_empty(), "deleted, not found");
    let (status, refused) = till
        .try_post(
            "/v1/sales",
            serde_json::json!({"lines": [{"barcode": DAL, "qty": "1"}]}),
        )
        .await;
    assert!(status.is_client_error(), "{status} {refused}");

    hq.restore_variant(&dal).await.unwrap();
    eventually(
        "the restored item on the till",
        30,
        || {
            let till = &till;
            async move {
                till.get(&format!("/v1/products/by-barcode/{DAL}"))
                    .await
                    .0
                    .is_success()
            }
        },
        || till.log(),
    )
    .await;
    let sale = till.sell(&[(DAL, "1")]).await;
    assert_eq!(sale["lines"][0]["barcode"], gtin(DAL), "{sale}");
}
on_both_backends!(an_item_hq_edits_deletes_and_restores_follows_on_the_till);

/// Why the till may not sell the item with `code`, if it may not.
async fn stopped(till: &Agent, code: &str) -> Option<String> {
    let (_, p) = till.get(&format!("/v1/products/by-barcode/{code}")).await;
    p["not_for_sale"].as_str().map(str::to_owned)
}

/// HQ takes an item out of a store's assortment and puts another's stock on
/// hold: once the feed reaches the till it refuses to sell either, saying
/// why; a till enrolled afterwards learns the same from its snapshot; and
/// both sell again once HQ lets them.
async fn what_hq_stops_a_store_selling_the_till_refuses(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let (tea, dal) = (variant_id(&till, TEA).await, variant_id(&till, DAL).await);

    hq.set_listed(&store, &dal, false).await.unwrap();
    hq.set_hold(&store, &tea, Some("recall")).await.unwrap();
    eventually(
        "the delisting and the hold on the till",
        30,
        || async { stopped(&till, DAL).await.is_some() && stopped(&till, TEA).await.is_some() },
        || till.log(),
    )
    .await;
    assert!(stopped(&till, TEA).await.unwrap().contains("recall"));
    for code in [DAL, TEA] {
        let (status, refused) = till
            .try_post(
                "/v1/sales",
                serde_json::json!({"lines": [{"barcode": code, "qty": "1"}],
                                   "tenders": [{"method": "cash", "amount": {"minor": 100000, "currency": "INR"}}]}),
            )
            .await;
        assert_eq!(status, 422, "{code}: {refused}");
        assert_eq!(refused["field"], "lines[0].barcode", "{refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains("not for sale"),
            "{refused}"
        );
    }
    // Milk is untouched, and sells.
    let sale = till.sell(&[(MILK, "1")]).await;
    assert_eq!(sale["lines"][0]["barcode"], gtin(MILK), "{sale}");

    // A till enrolled now bootstraps from a snapshot that says the same.
    let second = Agent::start(&hub, &codes[1]).await;
    wait_synced(&second, &hq, &store).await;
    assert!(stopped(&second, DAL).await.is_some() && stopped(&second, TEA).await.is_some());

    hq.set_listed(&store, &dal, true).await.unwrap();
    hq.set_hold(&store, &tea, None).await.unwrap();
    for t in [&till, &second] {
        eventually(
            "both items for sale again",
            30,
            || async { stopped(t, DAL).await.is_none() && stopped(t, TEA).await.is_none() },
            || t.log(),
        )
        .await;
    }
    let sale = till.sell(&[(DAL, "1"), (TEA, "1")]).await;
    assert_eq!(sale["lines"].as_array().unwrap().len(), 2, "{sale}");
}
on_both_backends!(what_hq_stops_a_store_selling_the_till_refuses);

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
