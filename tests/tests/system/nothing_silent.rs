//! Nothing silent: a backlog bigger than one upload drains, a reused sale id
//! is a conflict HQ sees and resolves (never a silent duplicate), and the
//! till says in words when the hub refuses it.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, on_both_backends, wait_drained, wait_synced, RICE, TEA};
use serde_json::{json, Value};

/// `n` sales of `lines` lines each, rung up at `till` (the hub may be down).
async fn sell_many(till: &Agent, n: usize, lines: usize) -> Vec<Value> {
    let mut sales = Vec::with_capacity(n);
    for _ in 0..n {
        let basket: Vec<(&str, &str)> = (0..lines)
            .map(|i| {
                if i % 2 == 0 {
                    (TEA, "1")
                } else {
                    (RICE, "0.25")
                }
            })
            .collect();
        sales.push(till.sell(&basket).await);
    }
    sales
}

async fn a_backlog_bigger_than_one_upload_drains_whole(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    hq.receive_stock(&store, &variant_of(&hq, &store, TEA).await, "100000")
        .await
        .unwrap();
    hq.receive_stock(&store, &variant_of(&hq, &store, RICE).await, "100000")
        .await
        .unwrap();

    hub.stop();
    // About 10 KB a sale: 480 of them are more than one upload may carry.
    let sales = sell_many(&till, 480, 25).await;
    let bytes: usize = sales.iter().map(|s| s.to_string().len()).sum();
    assert!(
        bytes > pos_shared::limits::MAX_UPLOAD_BYTES,
        "the backlog ({bytes} bytes) must exceed one upload"
    );
    let status = till.status().await;
    assert_eq!(status["state"], "offline", "{status}");
    assert_eq!(status["queued"], 480, "{status}");

    hub.restart().await;
    // 12,000 movements: on a loaded 2-core machine the PostgreSQL hub takes
    // minutes, and the till narrows its batches while they time out.
    eventually(
        "the backlog to drain",
        300,
        || async {
            let s = till.status().await;
            s["queued"] == 0 && s["online"] == true
        },
        || format!("agent:\n{}\nhub:\n{}", till.log(), hub.log()),
    )
    .await;
    let at_hub = hq.sales(&store).await.unwrap();
    assert_eq!(at_hub.len(), 480, "every sale reached the hub once");
    let status = till.status().await;
    assert_eq!(status["quarantined"], 0, "{status}");
    assert_eq!(status["state"], "online", "{status}");
}
on_both_backends!(a_backlog_bigger_than_one_upload_drains_whole);

async fn variant_of(hq: &system_tests::Hq, store: &str, barcode: &str) -> String {
    let gtin = pos_shared::Gtin::parse(barcode).unwrap();
    let inv = hq.inventory(store).await.unwrap();
    inv["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["barcode"] == gtin.as_str())
        .and_then(|p| p["variant_id"].as_str())
        .expect("variant in inventory")
        .to_owned()
}

async fn a_reused_sale_id_is_quarantined_seen_at_hq_and_written_off(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till1 = Agent::start(&hub, &codes[0]).await;
    let till2 = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till1, &hq, &store).await;
    wait_synced(&till2, &hq, &store).await;

    let id = uuid::Uuid::now_v7();
    let sale = |qty: &str, paise: i64| {
        json!({"sale_id": id, "lines": [{"barcode": RICE, "qty": qty}],
               "tenders": [{"method": "cash", "amount": {"minor": paise, "currency": "INR"}}]})
    };
    let rice: i64 = till1
        .get(&format!("/v1/products/by-barcode/{RICE}"))
        .await
        .1["price"]["minor"]
        .as_i64()
        .unwrap();
    let first = till1.post("/v1/sales", sale("1", rice)).await;
    wait_drained(&till1, &hub).await;
    // Another till uses the same id for another sale: it records it locally
    // (the cashier is never blocked) and the hub refuses it as a conflict.
    let second = till2.post("/v1/sales", sale("2", rice * 2)).await;
    assert_eq!(second["sale_id"], first["sale_id"]);
    eventually(
        "the second till to quarantine the conflicting sale",
        60,
        || async {
            let s = till2.status().await;
            s["quarantined"] == 1 && s["queued"] == 0
        },
        || till2.log(),
    )
    .await;
    let (_, held) = till2.get("/v1/sync/quarantine").await;
    assert!(
        held[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("id_conflict:"),
        "{held}"
    );
    // The hub kept the first sale only, and HQ sees the quarantined one.
    let at_hub = hq.sales(&store).await.unwrap();
    assert_eq!(at_hub.len(), 1);
    assert_eq!(at_hub[0]["terminal_id"], first["terminal_id"]);
    let mut seen = Vec::new();
    eventually(
        "HQ to see the quarantined sale",
        60,
        || {
            let hq = &hq;
            let store = &store;
            async move {
                hq.quarantine(store)
                    .await
                    .map(|q| q.len() == 1)
                    .unwrap_or(false)
            }
        },
        || till2.log(),
    )
    .await;
    seen.extend(hq.quarantine(&store).await.unwrap());
    let entry = &seen[0];
    assert_eq!(entry["status"], "open");
    assert_eq!(entry["terminal_id"], second["terminal_id"]);
    assert!(entry["reason"]
        .as_str()
        .unwrap()
        .starts_with("id_conflict:"));
    assert_eq!(entry["envelope"]["data"]["lines"][0]["qty"], "2");
    // The till reports its quarantine count with its next feed request.
    eventually(
        "HQ's terminal list to count the quarantined sale",
        60,
        || {
            let (hq, store, id) = (&hq, &store, second["terminal_id"].clone());
            async move {
                hq.terminals(store)
                    .await
                    .is_ok_and(|ts| ts.iter().any(|t| t["id"] == id && t["quarantined"] == 1))
            }
        },
        || till2.log(),
    )
    .await;

    // HQ asks for it again: the till resends, the hub refuses again, and the
    // fact is open at HQ once more.
    let terminal = second["terminal_id"].as_str().unwrap();
    let event = second["sale_id"].as_str().unwrap();
    let resend = hq
        .decide_quarantined(&store, terminal, event, "resend", "checked the id")
        .await
        .unwrap();
    assert_eq!(resend["status"], "resend");
    eventually(
        "the resent sale to be refused again and reopened at HQ",
        60,
        || {
            let hq = &hq;
            let store = &store;
            async move {
                hq.quarantine(store)
                    .await
                    .map(|q| q[0]["status"] == "open" && q[0]["till_resent"] == 1)
                    .unwrap_or(false)
            }
        },
        || till2.log(),
    )
    .await;

    // Written off with a note: the till sets it aside and its replica drops
    // the sale's movement, so it equals the ledger again.
    let off = hq
        .decide_quarantined(
            &store,
            terminal,
            event,
            "write-off",
            "duplicate id from a test rig",
        )
        .await
        .unwrap();
    assert_eq!(off["status"], "written_off");
    assert!(off["decided_by"].as_str().unwrap().starts_with("hq:key:"));
    eventually(
        "the till to write the sale off",
        60,
        || async {
            let s = till2.status().await;
            s["quarantined"] == 0 && s["written_off"] == 1
        },
        || till2.log(),
    )
    .await;
    wait_synced(&till2, &hq, &store).await;
    wait_synced(&till1, &hq, &store).await;
}
on_both_backends!(a_reused_sale_id_is_quarantined_seen_at_hq_and_written_off);

/// A revoked till says so and keeps selling for money, but puts nothing
/// on account and takes no payment against dues: what it held of the
/// customer's limit went back to the other tills.
async fn a_revoked_till_says_so_and_keeps_selling(backend: Backend) {
    let hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    let (s, account) = hq
        .put_json(
            &format!("/v1/stores/{store}/credit-accounts/9876543210"),
            &json!({"limit": {"minor": 100_000, "currency": "INR"}}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{account}");
    eventually(
        "the till to hear its share of the account",
        30,
        || async {
            let (_, a) = till.get("/v1/credit-accounts/9876543210").await;
            a["available_here"]["minor"] == 50_000
        },
        || till.log(),
    )
    .await;
    let inr = |minor: i64| json!({"minor": minor, "currency": "INR"});
    let (s, on_account) = till
        .try_post(
            "/v1/sales",
            json!({
                "lines": [{"barcode": TEA, "qty": "1"}],
                "tenders": [{"method": "credit", "amount": inr(1_000)}, {"method": "cash", "amount": inr(100_000)}],
                "customer_phone": "9876543210",
            }),
        )
        .await;
    assert_eq!(s.as_u16(), 201, "{on_account}");
    let terminal = till.status().await["terminal_id"]
        .as_str()
        .unwrap()
        .to_owned();
    hq.revoke_terminal(&store, &terminal).await.unwrap();
    till.sell(&[(TEA, "1")]).await;
    eventually(
        "the till to say it was revoked",
        60,
        || async {
            let s = till.status().await;
            // The sale, and perhaps what the till gave back of the account.
            s["state"] == "revoked" && s["online"] == false && s["queued"].as_u64() >= Some(1)
        },
        || till.log(),
    )
    .await;
    let (s, refused) = till
        .try_post(
            "/v1/sales",
            json!({
                "lines": [{"barcode": TEA, "qty": "1"}],
                "tenders": [{"method": "credit", "amount": inr(1_000)}],
                "customer_phone": "9876543210",
            }),
        )
        .await;
    assert_eq!(s.as_u16(), 422, "{refused}");
    assert_eq!(refused["field"], "tenders[0].method", "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("revoked"),
        "{refused}"
    );
    let (s, refused) = till
        .try_post(
            "/v1/credit-accounts/9876543210/payments",
            json!({"amount": inr(500), "method": "cash"}),
        )
        .await;
    assert_eq!(s.as_u16(), 422, "{refused}");
    assert_eq!(refused["field"], "method", "{refused}");
    let (_, account) = till.get("/v1/credit-accounts/9876543210").await;
    assert_eq!(account["available_here"]["minor"], 0, "{account}");
    let (_, found) = till.get("/v1/credit-accounts?q=98765").await;
    assert_eq!(found[0]["available_here"]["minor"], 0, "{found}");
    // The bill put on account goes back at another till, where the hub hears it.
    let (s, refused) = till
        .try_post(
            "/v1/returns",
            json!({
                "original_receipt_no": on_account["receipt_no"],
                "lines": [{"sale_line": 0, "qty": "1"}],
                "refund_to": "cash",
                "reason": "damaged",
            }),
        )
        .await;
    assert_eq!(s.as_u16(), 422, "{refused}");
    assert_eq!(refused["field"], "original_receipt_no", "{refused}");
}
on_both_backends!(a_revoked_till_says_so_and_keeps_selling);

/// A till that cannot apply what the hub sends (here its database refuses
/// new items, as a full disk or a bug in applying would) says `degraded`
/// with the reason, and its uploads going through do not hide it: the
/// catalog, prices and stock on it are growing old. Once it can apply
/// again it catches up and says `online`.
#[tokio::test]
async fn a_till_that_cannot_follow_the_hub_says_so() {
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    // Retries back off as in a store (up to 30 s), so the feed's next try
    // is seconds away when the sale below goes through.
    let till = Agent::start_with(
        &hub.base,
        &codes[0],
        &[("EDGE_SYNC_MAX_BACKOFF_MS", "30000")],
    )
    .await;
    wait_synced(&till, &hq, &store).await;
    let db = till.data_dir.join("edge.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER test_refuses_items BEFORE INSERT ON variants \
             BEGIN SELECT RAISE(ABORT, 'the till cannot take this item'); END;",
        )
        .unwrap();
    }
    let barcode = crate::gtin("8901234000991");
    hq.create_simple_product("Jaggery 1kg", "JAG-1", &barcode, 9_900)
        .await
        .unwrap();
    let degraded = || async {
        let s = till.status().await;
        s["state"] == "degraded"
            && s["online"] == false
            && s["feed_failing"]
                .as_str()
                .is_some_and(|e| e.contains("the till cannot take this item"))
    };
    eventually("the till to say it cannot follow", 30, degraded, || {
        till.log()
    })
    .await;
    eventually(
        "the feed to have failed four times (its next try seconds away)",
        30,
        || async { till.status().await["consecutive_failures"].as_u64() >= Some(4) },
        || till.log(),
    )
    .await;
    // A sale goes through to the hub; the till still says it is behind.
    till.sell(&[(TEA, "1")]).await;
    eventually(
        "the sale taken by the hub",
        30,
        || async { till.status().await["queued"] == 0 },
        || till.log(),
    )
    .await;
    let s = till.status().await;
    assert!(degraded().await, "an upload does not hide the feed: {s}");
    assert!(
        s["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("the till cannot take this item")),
        "{s}"
    );

    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DROP TRIGGER test_refuses_items")
        .unwrap();
    eventually(
        "the till caught up and online",
        60,
        || async {
            let s = till.status().await;
            s["state"] == "online"
                && s["feed_failing"].is_null()
                && till
                    .get(&format!("/v1/products/by-barcode/{barcode}"))
                    .await
                    .0
                    .is_success()
        },
        || till.log(),
    )
    .await;
}

/// A till whose store documents will not sync while the hub answers (here
/// its database refuses the merged document, as a full disk would) says
/// `degraded` with `documents_failing`: the other tills' item states, held
/// bills and customer profiles are not reaching it. Once it can save them
/// it catches up and says `online`.
#[tokio::test]
async fn a_till_whose_store_documents_do_not_sync_says_so() {
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let till = Agent::start(&hub, &codes[0]).await;
    let other = Agent::start(&hub, &codes[1]).await;
    wait_synced(&till, &hq, &store).await;
    wait_synced(&other, &hq, &store).await;
    let db = till.data_dir.join("edge.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER test_refuses_documents BEFORE UPDATE OF doc ON documents \
             BEGIN SELECT RAISE(ABORT, 'the till cannot save this document'); END; \
             CREATE TRIGGER test_refuses_new_documents BEFORE INSERT ON documents \
             BEGIN SELECT RAISE(ABORT, 'the till cannot save this document'); END;",
        )
        .unwrap();
    }
    other.edit_item(TEA, json!({"shelf": "C3"})).await;
    eventually(
        "the till to say the documents do not sync",
        30,
        || async {
            let s = till.status().await;
            s["state"] == "degraded"
                && s["documents_failing"]
                    .as_str()
                    .is_some_and(|e| e.contains("the till cannot save this document"))
        },
        || till.log(),
    )
    .await;
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER test_refuses_documents; DROP TRIGGER test_refuses_new_documents;",
        )
        .unwrap();
    let tea = crate::gtin(TEA);
    eventually(
        "the other till's edit here, and online",
        60,
        || {
            let (till, tea) = (&till, &tea);
            async move {
                let s = till.status().await;
                s["state"] == "online"
                    && s["documents_failing"].is_null()
                    && till.get("/v1/item-state").await.1[tea]["shelf"] == "C3"
            }
        },
        || till.log(),
    )
    .await;
}
