//! System tests: a real hub and real agents as processes on loopback. The link is
//! cut by killing the hub; tills keep selling; everything converges afterwards.
//! Each scenario runs against a SQLite hub and a PostgreSQL hub.

mod catalog;
mod credit;
mod customers;
mod dark_store;
mod faults;
mod harness;
mod labels;
mod logs;
mod loyalty;
mod nothing_silent;
mod proxy;
mod purchasing;
mod restores;
mod stock_alerts;
mod stock_takes;
mod store_documents;
mod store_profile;
mod tls;
mod transfers;

use harness::{eventually, Agent, Backend, Hub, ADMIN_TOKEN};
use pos_shared::{Gtin, Money, Qty};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use system_tests::{seed_demo, Hq, DEMO_CATALOG};

pub(crate) use system_tests::{gtin, DAL, MILK, RICE, TEA};

/// A basket: `(barcode, qty)` lines rung up as one sale.
type Basket = Vec<(&'static str, &'static str)>;

fn initial(barcode: &str) -> Qty {
    let item = DEMO_CATALOG
        .iter()
        .find(|i| i.barcode == barcode)
        .expect("demo item");
    Qty::parse(item.stock).expect("stock")
}

/// HQ's on-hand per barcode (14-digit form).
pub(crate) async fn hub_positions(hq: &Hq, store: &str) -> BTreeMap<String, String> {
    let inv = hq.inventory(store).await.expect("inventory");
    inv["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| {
            (
                p["barcode"].as_str().unwrap().to_owned(),
                p["on_hand"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn till_positions(agent: &Agent) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in DEMO_CATALOG {
        if let Some(q) = agent.available(item.barcode).await {
            out.insert(Gtin::parse(item.barcode).unwrap().as_str().to_owned(), q);
        }
    }
    out
}

/// A tenant on `hub` with the demo store and `tills` enrollment codes.
pub(crate) async fn demo_chain(hub: &Hub, tills: usize) -> (Hq, String, Vec<String>) {
    let hq = system_tests::create_tenant(&hub.base, ADMIN_TOKEN, "Kirana Chain")
        .await
        .unwrap();
    let (store, codes) = seed_demo(&hq, tills).await.unwrap();
    (hq, store, codes)
}

/// Starts a till and waits until it holds the store's catalog and stock.
async fn synced_till(hub: &Hub, hq: &Hq, store: &str, code: &str) -> Agent {
    let till = Agent::start(hub, code).await;
    wait_synced(&till, hq, store).await;
    till
}

pub(crate) async fn wait_synced(agent: &Agent, hq: &Hq, store: &str) {
    let want = hub_positions(hq, store).await;
    eventually(
        "the till's stock to equal the hub's",
        60,
        || {
            let want = want.clone();
            async move { till_positions(agent).await == want }
        },
        || agent.log(),
    )
    .await;
    // After a snapshot the search index is rebuilt in steps; tests search.
    eventually(
        "the till's search index to be built",
        60,
        || async move { agent.status().await["search_indexing"] == false },
        || agent.log(),
    )
    .await;
}

pub(crate) async fn wait_drained(agent: &Agent, hub: &Hub) {
    eventually(
        "the till's queue to drain",
        60,
        || async move {
            let s = agent.status().await;
            s["queued"] == 0 && s["online"] == true
        },
        || format!("agent:\n{}\nhub:\n{}", agent.log(), hub.log()),
    )
    .await;
}

fn sale_movement_ids(sale: &Value) -> Vec<String> {
    sale["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["movement_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn offline_sales_on_two_tills_converge(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till1 = Agent::start(&hub, &codes[0]).await;
    let till2 = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till1, &hq, &store).await;
    wait_synced(&till2, &hq, &store).await;

    hub.stop();
    let plan: [(&Agent, Vec<Basket>); 2] = [
        (
            &till1,
            vec![
                vec![(TEA, "2"), (RICE, "1.5")],
                vec![(MILK, "3")],
                vec![(TEA, "1")],
                vec![(DAL, "1"), (RICE, "0.75")],
                vec![(MILK, "1")],
            ],
        ),
        (
            &till2,
            vec![
                vec![(TEA, "4")],
                vec![(RICE, "10")],
                vec![(DAL, "2"), (MILK, "2")],
                vec![(TEA, "1"), (RICE, "0.25")],
            ],
        ),
    ];
    let mut sold_total: BTreeMap<&str, Qty> = BTreeMap::new();
    let mut sales = vec![];
    for (till, baskets) in &plan {
        let mut sold_here: BTreeMap<&str, Qty> = BTreeMap::new();
        for basket in baskets {
            let sale = till.sell(basket).await;
            for (barcode, qty) in basket {
                let q = Qty::parse(qty).unwrap();
                *sold_here.entry(barcode).or_default() = sold_here
                    .get(barcode)
                    .copied()
                    .unwrap_or_default()
                    .checked_add(q)
                    .unwrap();
                *sold_total.entry(barcode).or_default() = sold_total
                    .get(barcode)
                    .copied()
                    .unwrap_or_default()
                    .checked_add(q)
                    .unwrap();
            }
            sales.push(sale);
        }
        // Offline, each till's stock drops by its own sales.
        for (barcode, sold) in &sold_here {
            assert_eq!(
                till.available(barcode).await.unwrap(),
                initial(barcode).checked_sub(*sold).unwrap().to_string(),
                "{barcode}"
            );
        }
        let status = till.status().await;
        assert_eq!(status["online"], false, "{status}");
        assert_eq!(status["queued"], baskets.len(), "{status}");
    }

    hub.restart().await;
    wait_drained(&till1, &hub).await;
    wait_drained(&till2, &hub).await;

    // Every sale at the hub exactly once.
    let at_hub = hq.sales(&store).await.unwrap();
    let hub_ids: Vec<&str> = at_hub
        .iter()
        .map(|s| s["sale_id"].as_str().unwrap())
        .collect();
    let mut made: Vec<&str> = sales
        .iter()
        .map(|s| s["sale_id"].as_str().unwrap())
        .collect();
    let mut got = hub_ids.clone();
    made.sort();
    got.sort();
    assert_eq!(got, made, "each sale exactly once");
    let receipts: HashSet<&str> = at_hub
        .iter()
        .map(|s| s["receipt_no"].as_str().unwrap())
        .collect();
    assert_eq!(receipts.len(), sales.len());

    // Every movement exactly once.
    let movements = hq.movements(&store).await.unwrap();
    let mut hub_movements: Vec<String> = movements
        .iter()
        .filter(|m| m["reason"] == "sale")
        .map(|m| m["movement_id"].as_str().unwrap().to_owned())
        .collect();
    let mut made_movements: Vec<String> = sales.iter().flat_map(sale_movement_ids).collect();
    hub_movements.sort();
    made_movements.sort();
    assert_eq!(hub_movements, made_movements);

    // Positions = initial stock - everything sold, at the hub and on both tills.
    let positions = hub_positions(&hq, &store).await;
    for item in DEMO_CATALOG {
        let sold = sold_total.get(item.barcode).copied().unwrap_or_default();
        let gtin = Gtin::parse(item.barcode).unwrap();
        assert_eq!(
            positions[gtin.as_str()],
            initial(item.barcode).checked_sub(sold).unwrap().to_string(),
            "{}",
            item.name
        );
    }
    wait_synced(&till1, &hq, &store).await;
    wait_synced(&till2, &hq, &store).await;
}
on_both_backends!(offline_sales_on_two_tills_converge);

async fn a_killed_till_loses_no_sale(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let mut till = synced_till(&hub, &hq, &store, &codes[0]).await;

    hub.stop();
    let sale = till.sell(&[(RICE, "2.5"), (MILK, "1")]).await;
    till.kill();

    // On disk: the sale and its queued outbox entry, and an intact database.
    {
        let conn = rusqlite::Connection::open(till.data_dir.join("edge.db")).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let queued: Vec<String> = conn
            .prepare("SELECT event_id FROM outbox WHERE acked_at_ms IS NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(queued, [sale["sale_id"].as_str().unwrap()]);
    }

    till.restart().await;
    assert_eq!(
        till.status().await["queued"],
        1,
        "still queued after the restart"
    );
    let next = till.sell(&[(TEA, "1")]).await;
    assert_eq!(sale["receipt_no"], "T1-000001");
    assert_eq!(
        next["receipt_no"], "T1-000002",
        "receipt numbers continue without a gap"
    );

    hub.restart().await;
    wait_drained(&till, &hub).await;
    let at_hub = hq.sales(&store).await.unwrap();
    let ids: Vec<&str> = at_hub
        .iter()
        .map(|s| s["sale_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&sale["sale_id"].as_str().unwrap()));
    let positions = hub_positions(&hq, &store).await;
    assert_eq!(positions[Gtin::parse(RICE).unwrap().as_str()], "248");
    assert_eq!(positions[Gtin::parse(MILK).unwrap().as_str()], "39");
    assert_eq!(positions[Gtin::parse(TEA).unwrap().as_str()], "99");
    wait_synced(&till, &hq, &store).await;
}
on_both_backends!(a_killed_till_loses_no_sale);

async fn a_refused_sale_is_quarantined_and_the_queue_moves_on(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let mut till = synced_till(&hub, &hq, &store, &codes[0]).await;

    // The till's replica has drifted: it knows an item the hub has never heard of.
    till.kill();
    const GHOST: &str = "96385074";
    {
        let conn = rusqlite::Connection::open(till.data_dir.join("edge.db")).unwrap();
        conn.execute(
            "INSERT INTO variants (id, product_id, name, sku, gtin, price_minor, currency, feed_seq) \
             VALUES (?1, ?2, 'Ghost item', 'GHOST', ?3, 1000, 'INR', 0)",
            [uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string(), Gtin::parse(GHOST).unwrap().as_str().to_owned()],
        )
        .unwrap();
    }
    hub.stop();
    till.restart().await;
    let refused = till.sell(&[(GHOST, "1")]).await;
    let good = till.sell(&[(TEA, "1")]).await;
    hub.restart().await;
    wait_drained(&till, &hub).await;

    let status = till.status().await;
    assert_eq!(status["quarantined"], 1, "{status}");
    let (_, quarantine) = till.get("/v1/sync/quarantine").await;
    let facts = quarantine.as_array().unwrap();
    assert_eq!(facts.len(), 1, "{quarantine}");
    assert_eq!(facts[0]["event_id"], refused["sale_id"]);
    assert!(
        facts[0]["reason"]
            .as_str()
            .unwrap()
            .contains("lines[0].variant_id"),
        "{quarantine}"
    );
    assert_eq!(facts[0]["envelope"]["data"]["receipt_no"], "T1-000001");

    let at_hub = hq.sales(&store).await.unwrap();
    let ids: Vec<&Value> = at_hub.iter().map(|s| &s["sale_id"]).collect();
    assert_eq!(
        ids,
        [&good["sale_id"]],
        "the good sale behind the refused one reached the hub"
    );
}
on_both_backends!(a_refused_sale_is_quarantined_and_the_queue_moves_on);

async fn a_price_change_reaches_every_connected_till(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let tills = [
        Agent::start(&hub, &codes[0]).await,
        Agent::start(&hub, &codes[1]).await,
    ];
    for till in &tills {
        wait_synced(till, &hq, &store).await;
    }
    let inventory = hq.inventory(&store).await.unwrap();
    let tea = inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["barcode"] == Gtin::parse(TEA).unwrap().as_str())
        .unwrap()["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();

    hq.set_price(&tea, Money::inr(15500)).await.unwrap();
    for till in &tills {
        eventually(
            "the new price on the till",
            30,
            || async move {
                till.get(&format!("/v1/products/by-barcode/{TEA}")).await.1["price"]["minor"]
                    == 15500
            },
            || till.log(),
        )
        .await;
        let sale = till.sell(&[(TEA, "1")]).await;
        assert_eq!(
            sale["total"]["minor"], 15500,
            "the till sells at the new price"
        );
    }

    // HQ sees both tills: seen, caught up, nothing queued, their version.
    eventually(
        "HQ to see both tills caught up",
        30,
        || {
            let hq = hq.clone();
            let store = store.clone();
            async move {
                let terminals = hq.terminals(&store).await.unwrap();
                terminals.len() == 2
                    && terminals.iter().all(|t| {
                        t["last_seen_at"].is_string()
                            && t["cursor_lag"] == 0
                            && t["queue_depth"] == 0
                            && t["agent_version"] == env!("CARGO_PKG_VERSION")
                    })
            }
        },
        || hub.log(),
    )
    .await;
}
on_both_backends!(a_price_change_reaches_every_connected_till);

use faults::tills_converge_under_faults;
on_both_backends!(tills_converge_under_faults);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tills_on_two_hub_processes_converge_under_faults() {
    faults::tills_on_two_hub_processes_converge_under_faults().await
}

async fn a_till_whose_cursor_was_pruned_starts_again_from_a_snapshot(backend: Backend) {
    let mut hub = Hub::start_with(
        backend,
        &[("HUB_FEED_RETAIN", "3"), ("HUB_FEED_PRUNE_SECS", "1")],
    )
    .await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let mut till = synced_till(&hub, &hq, &store, &codes[0]).await;

    // Offline, the till sells; then it is switched off for a while.
    hub.stop();
    till.sell(&[(TEA, "2")]).await;
    till.kill();
    hub.restart().await;
    // Meanwhile HQ changes more than the feed keeps.
    let inventory = hq.inventory(&store).await.unwrap();
    let variant = |code: &str| {
        inventory["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["barcode"] == gtin(code))
            .unwrap()["variant_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for paise in 15_000..15_010 {
        hq.set_price(&variant(TEA), Money::inr(paise))
            .await
            .unwrap();
    }
    hq.receive_stock(&store, &variant(MILK), "12")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;

    till.restart().await;
    wait_drained(&till, &hub).await;
    wait_synced(&till, &hq, &store).await;
    let (_, tea) = till.get(&format!("/v1/products/by-barcode/{TEA}")).await;
    assert_eq!(tea["price"]["minor"], 15_009, "{tea}");
    assert_eq!(tea["available"], "98", "its own sale counted once: {tea}");
    assert!(
        hub.log().contains("snapshot taken"),
        "the till took a snapshot again:\n{}",
        hub.log()
    );
    assert!(till.log().contains("cursor expired"), "{}", till.log());
}
on_both_backends!(a_till_whose_cursor_was_pruned_starts_again_from_a_snapshot);

async fn a_cut_snapshot_download_resumes(backend: Backend) {
    use edge_agent::store::{catalog, LocalStore};
    use edge_agent::sync::hub_client::HubClient;
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    // Enough items for a snapshot of many kilobytes.
    let items: Vec<(String, String)> = (0..800u64)
        .map(|n| {
            let code = Gtin::with_check_digit(&format!("2{n:011}")).unwrap();
            (format!("Item {n}"), code.as_str()[1..].to_owned())
        })
        .collect();
    for (name, code) in &items {
        hq.create_simple_product(name, &format!("SKU-{code}"), code, 1000)
            .await
            .unwrap();
    }

    let client = HubClient::new(&hub.base).unwrap();
    let credential = client
        .enroll(&codes[0], uuid::Uuid::now_v7(), None)
        .await
        .unwrap();
    let proxy = proxy::FaultProxy::start(hub.addr(), 7).await;
    proxy.set_mode(proxy::Mode::Trickle);
    let through_proxy = HubClient::new(&proxy.url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let mut cuts = 0;
    let seq = loop {
        match edge_agent::sync::bootstrap::run(&local, &through_proxy, &credential, dir.path())
            .await
        {
            Ok(seq) => break seq,
            Err(e) => {
                cuts += 1;
                assert!(cuts < 500, "no progress: {e}");
            }
        }
    };
    assert!(cuts >= 2, "the download was cut and resumed ({cuts} cuts)");
    assert!(seq > 0);
    let last = Gtin::parse(&items[799].1).unwrap();
    let product = local
        .with_conn(|c| catalog::product_by_barcode(c, &last))
        .unwrap()
        .expect("last item present");
    assert_eq!(product.name, "Item 799");
    let tea = local
        .with_conn(|c| catalog::product_by_barcode(c, &Gtin::parse(TEA).unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(tea.available, initial(TEA), "store {store}");
}
on_both_backends!(a_cut_snapshot_download_resumes);

async fn a_shift_closed_offline_reaches_hq(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = synced_till(&hub, &hq, &store, &codes[0]).await;
    hub.stop();

    let inr = |minor: i64| serde_json::json!({"minor": minor, "currency": "INR"});
    till.post(
        "/v1/shifts",
        serde_json::json!({"cashier": "Asha", "opening_float": inr(100_000)}),
    )
    .await;
    let a = till.sell(&[(TEA, "2")]).await;
    let b = till.sell(&[(RICE, "1.5"), (MILK, "1")]).await;
    let taken = a["total"]["minor"].as_i64().unwrap() + b["total"]["minor"].as_i64().unwrap();
    // One of the two teas comes back, refunded in cash.
    let ret = till
        .post(
            "/v1/returns",
            serde_json::json!({"original_receipt_no": a["receipt_no"], "refund_to": "cash",
                               "reason": "wrong flavour", "lines": [{"sale_line": 0, "qty": "1"}]}),
        )
        .await;
    let refunded = ret["total"]["minor"].as_i64().unwrap();
    let z = till
        .post(
            "/v1/shifts/current/close",
            serde_json::json!({"counted_cash": inr(100_000 + taken - refunded)}),
        )
        .await;
    assert_eq!(z["variance"]["minor"], 0, "{z}");
    assert_eq!(
        till.status().await["queued"],
        7,
        "two sales, the return, the Z report and three audit entries (open, return, close) wait"
    );

    hub.restart().await;
    wait_drained(&till, &hub).await;
    let shifts = hq.shifts(&store).await.unwrap();
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    assert_eq!(shifts[0]["shift_id"], z["shift_id"]);
    assert_eq!(shifts[0]["sales_count"], 2);
    assert_eq!(shifts[0]["sales_total"]["minor"], taken);
    assert_eq!(shifts[0]["opened_by"], "Asha");
    assert_eq!(shifts[0]["returns_count"], 1);
    assert_eq!(shifts[0]["refunds_total"]["minor"], refunded);
    // Tea: two sold, one back.
    let tea_on_hand = hub_positions(&hq, &store).await[&gtin(TEA)].clone();
    assert_eq!(
        tea_on_hand,
        initial(TEA).checked_sub(Qty::units(1)).unwrap().to_string()
    );
}
on_both_backends!(a_shift_closed_offline_reaches_hq);

/// Waits until signing in with `code`/`pin` at `till` answers `want`.
async fn wait_sign_in(till: &Agent, code: &str, pin: &str, want: u16) {
    eventually(
        &format!("sign-in {code} to answer {want}"),
        30,
        || async move {
            let (status, _) = till
                .try_post("/v1/session", serde_json::json!({"code": code, "pin": pin}))
                .await;
            status.as_u16() == want
        },
        || till.log(),
    )
    .await;
}

async fn staff_set_at_hq_sign_in_at_the_till(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    // Before the till exists: it learns of Asha from its first snapshot.
    let asha = hq
        .create_staff(&store, "Asha", "101", "cashier", "4821")
        .await
        .unwrap();
    let till = synced_till(&hub, &hq, &store, &codes[0]).await;
    wait_sign_in(&till, "101", "4821", 200).await;
    let sale = till.sell(&[(TEA, "1")]).await;
    assert_eq!(sale["cashier"]["name"], "Asha");

    // After: the store manager, signed in at HQ as herself, adds Ravi and
    // lets Asha go; both reach the till through the feed.
    let manager = hq
        .add_user(
            "meera@example.com",
            "Meera",
            "store_manager",
            "orchid-lantern-94",
        )
        .await
        .unwrap();
    manager
        .create_staff(&store, "Ravi", "102", "supervisor", "7305")
        .await
        .unwrap();
    wait_sign_in(&till, "102", "7305", 200).await;
    manager.deactivate_staff(&asha).await.unwrap();
    wait_sign_in(&till, "101", "4821", 403).await;

    // HQ sees the till's sign-ins in the store's audit log.
    wait_drained(&till, &hub).await;
    let log = hq.audit(&store).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e["action"] == "signed_in" && e["staff"]["name"] == "Asha"),
        "{log:?}"
    );
    assert!(
        log.iter().any(|e| e["action"] == "sign_in_failed"),
        "{log:?}"
    );
}
on_both_backends!(staff_set_at_hq_sign_in_at_the_till);

async fn a_sale_made_on_one_till_is_returned_at_another(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till1 = synced_till(&hub, &hq, &store, &codes[0]).await;
    let till2 = synced_till(&hub, &hq, &store, &codes[1]).await;
    let sale = till1.sell(&[(TEA, "2")]).await;
    let receipt = sale["receipt_no"].as_str().unwrap().to_owned();
    let path = format!("/v1/sales/by-receipt/{receipt}");

    // Till 2 hears of the sale through the feed and takes one tea back.
    eventually(
        "till 2 to hear of till 1's sale",
        30,
        || async { till2.get(&path).await.0.is_success() },
        || till2.log(),
    )
    .await;
    let ret = till2
        .post(
            "/v1/returns",
            serde_json::json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "wrong blend",
                               "lines": [{"sale_line": 0, "qty": "1"}]}),
        )
        .await;
    assert_eq!(ret["terminal_id"], till2.status().await["terminal_id"]);

    // Till 1 hears of the return: only one tea is left to bring back.
    eventually(
        "till 1 to hear of till 2's return",
        30,
        || async { till1.get(&path).await.1["returned"] == serde_json::json!(["1"]) },
        || till1.log(),
    )
    .await;
    let (status, problem) = till1
        .try_post(
            "/v1/returns",
            serde_json::json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "again",
                               "lines": [{"sale_line": 0, "qty": "2"}]}),
        )
        .await;
    assert_eq!(status.as_u16(), 422, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("only 1"),
        "{problem}"
    );
    wait_drained(&till2, &hub).await;
    // At the hub the tea is back on the shelf once.
    let tea = hub_positions(&hq, &store).await[&gtin(TEA)].clone();
    assert_eq!(
        tea,
        initial(TEA).checked_sub(Qty::units(1)).unwrap().to_string()
    );
}
on_both_backends!(a_sale_made_on_one_till_is_returned_at_another);
