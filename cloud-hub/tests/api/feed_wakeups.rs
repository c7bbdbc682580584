//! Long-polling terminals woken per store: a change wakes the terminals of
//! the stores it is for and no other; a tenant-wide change wakes them all;
//! on PostgreSQL a commit in one hub process wakes terminals waiting on
//! another. Terminals' reports, kept in memory and written in batches, are
//! in HQ's view at once and survive the hub stopping.

use crate::helpers::*;
use crate::on_both_backends;
use cloud_hub::config::HubConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// A terminal enrolled at `store`, and its token.
async fn terminal_at(shop: &Shop, store: &str, name: &str, prefix: &str) -> String {
    let hq = shop.hub.as_(&shop.api_key);
    let terminal = hq
        .create_terminal(store, name, prefix)
        .await
        .expect("create terminal");
    shop.hub
        .hq
        .enroll(&terminal.enrollment_code, "test")
        .await
        .expect("enroll")
        .token
}

/// The head of the feed as `token`'s terminal sees it.
async fn caught_up(base: &str, http: &reqwest::Client, token: &str) -> u64 {
    let mut since = 0;
    loop {
        let page: Value = http
            .get(format!("{base}/v1/sync/feed?since={since}&limit=1000"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        since = page["next_cursor"].as_u64().expect("cursor");
        if page["has_more"] != true {
            return since;
        }
    }
}

/// A long-poll of `wait` seconds after `since`, answering how long it was
/// held and the page.
fn long_poll(
    base: &str,
    http: &reqwest::Client,
    token: &str,
    since: u64,
    wait: u64,
) -> JoinHandle<(Duration, Value)> {
    let answer = long_poll_answer(base, http, token, since, wait);
    tokio::spawn(async move {
        let (held, status, page) = answer.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{page}");
        (held, page)
    })
}

/// A long-poll as [`long_poll`], answering its status too.
fn long_poll_answer(
    base: &str,
    http: &reqwest::Client,
    token: &str,
    since: u64,
    wait: u64,
) -> JoinHandle<(Duration, StatusCode, Value)> {
    let request = http
        .get(format!("{base}/v1/sync/feed?since={since}&wait={wait}"))
        .bearer_auth(token);
    tokio::spawn(async move {
        let started = Instant::now();
        let response = request.send().await.expect("feed request");
        let status = response.status();
        (
            started.elapsed(),
            status,
            response.json().await.expect("body"),
        )
    })
}

/// HQ sets variant `index`'s price (a change for every store).
async fn set_price(shop: &Shop, index: usize, minor: i64) {
    let (status, body) = shop
        .hub
        .put(
            &format!("/v1/variants/{}/price", shop.variants[index].0),
            &shop.api_key,
            json!({"price": {"minor": minor, "currency": "INR"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Terminal `id` in HQ's view of a store's terminals.
fn terminal_in(terminals: &Value, id: &str) -> Value {
    terminals
        .as_array()
        .expect("terminals")
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .expect("the terminal")
}

fn types(page: &Value) -> Vec<String> {
    page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_change_wakes_only_the_stores_it_is_for(backend: Backend) {
    let shop = shop(backend).await;
    let hq = shop.hub.as_(&shop.api_key);
    let other = hq
        .create_store("BLR-2", "Koramangala", "INR")
        .await
        .expect("second store")
        .id
        .to_string();
    let beside = terminal_at(&shop, &shop.store_id, "Till 2", "t2").await;
    let away = terminal_at(&shop, &other, "Till 1", "k1").await;
    let (base, http) = (&shop.hub.base, &shop.hub.http);

    let here = caught_up(base, http, &shop.device_token).await;
    let there = caught_up(base, http, &away).await;
    let first = long_poll(base, http, &shop.device_token, here, 30);
    let second = long_poll(base, http, &beside, here, 30);
    let elsewhere = long_poll(base, http, &away, there, 30);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Stock moved at the first store: its two terminals hear of it.
    hq.post_movement(
        &shop.store_id,
        &json!({"variant_id": shop.variants[0].0, "delta": 5, "reason": "receipt"}),
    )
    .await
    .expect("movement");
    for waiting in [first, second] {
        let (held, page) = waiting.await.unwrap();
        assert!(held < Duration::from_secs(30), "woken by the movement");
        assert!(types(&page).contains(&"stock_moved".to_owned()), "{page}");
    }
    // The other store's terminal is still waiting: nothing was for it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !elsewhere.is_finished(),
        "a movement at another store wakes nobody here"
    );

    // A price change is for every store: it wakes the other one too.
    set_price(&shop, 1, 6400).await;
    let (held, page) = elsewhere.await.unwrap();
    assert!(held < Duration::from_secs(30), "woken by the price change");
    assert_eq!(types(&page), ["variant_upserted"], "{page}");
    assert_eq!(page["changes"][0]["price"]["minor"], 6400);
}
on_both_backends!(a_change_wakes_only_the_stores_it_is_for);

/// Many terminals of one store woken by one change get the same page.
async fn terminals_woken_together_get_the_same_page(backend: Backend) {
    let shop = shop(backend).await;
    let mut tokens = vec![shop.device_token.clone()];
    for n in 2..=8 {
        tokens.push(
            terminal_at(
                &shop,
                &shop.store_id,
                &format!("Till {n}"),
                &format!("t{n}"),
            )
            .await,
        );
    }
    let (base, http) = (&shop.hub.base, &shop.hub.http);
    let head = caught_up(base, http, &shop.device_token).await;
    let waiting: Vec<_> = tokens
        .iter()
        .map(|t| long_poll(base, http, t, head, 30))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    set_price(&shop, 0, 15000).await;
    let mut pages = Vec::new();
    for w in waiting {
        let (held, page) = w.await.unwrap();
        assert!(held < Duration::from_secs(30));
        pages.push(page);
    }
    assert_eq!(types(&pages[0]), ["variant_upserted"], "{}", pages[0]);
    for page in &pages[1..] {
        assert_eq!(page, &pages[0], "every terminal sees the same page");
    }
}
on_both_backends!(terminals_woken_together_get_the_same_page);

/// What a terminal reports with its feed request is in HQ's view of the
/// store at once, and still there after the hub stopped and started again.
async fn reports_reach_hq_and_outlive_the_hub(backend: Backend) {
    let shop = shop(backend).await;
    let path = "/v1/sync/feed?since=0&queue=4&quarantined=1&oldest=90&agent=1.9.0";
    let (status, page) = shop.hub.get(path, &shop.device_token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let cursor = page["next_cursor"].as_u64().unwrap();
    let seen = |terminals: &Value| {
        let t = terminal_in(terminals, &shop.terminal_id);
        (
            t["queue_depth"].clone(),
            t["quarantined"].clone(),
            t["agent_version"].clone(),
            t["last_seen_at"].is_string(),
        )
    };
    let view = format!("/v1/stores/{}/terminals", shop.store_id);
    let (status, terminals) = shop.hub.get(&view, &shop.api_key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        seen(&terminals),
        (json!(4), json!(1), json!("1.9.0"), true),
        "{terminals}"
    );

    // A newer report, then the hub stops before its next batch would run.
    let later = format!("/v1/sync/feed?since={cursor}&queue=2&agent=1.9.1");
    let (status, _) = shop.hub.get(&later, &shop.device_token).await;
    assert_eq!(status, StatusCode::OK);
    let url = shop.hub.database_url.clone();
    let api_key = shop.api_key.clone();
    let hub = match std::sync::Arc::try_unwrap(shop.hub) {
        Ok(hub) => hub,
        Err(_) => panic!("the hub is shared"),
    };
    let dir = hub.stop().await;
    let again = cloud_hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        report_flush_every: Duration::from_secs(3600),
        ..HubConfig::new(url)
    })
    .await
    .expect("start again");
    let body: Value = reqwest::Client::new()
        .get(format!("{}{view}", again.base_url()))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = terminal_in(&body, &shop.terminal_id);
    assert_eq!(
        t["queue_depth"], 2,
        "the last report was written on the way out: {t}"
    );
    assert_eq!(t["agent_version"], "1.9.1");
    again.stop().await.unwrap();
    drop(dir);
}
on_both_backends!(reports_reach_hq_and_outlive_the_hub);

/// Two hub processes on one PostgreSQL database: a terminal waiting on one
/// is woken by a price change made through the other.
#[tokio::test]
async fn a_commit_on_one_hub_wakes_terminals_waiting_on_another() {
    let shop = shop(Backend::Postgres).await;
    let second = cloud_hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..HubConfig::new(shop.hub.database_url.clone())
    })
    .await
    .expect("a second hub on the same database");
    let base = second.base_url();
    let http = reqwest::Client::new();
    let head = caught_up(&base, &http, &shop.device_token).await;
    let waiting = long_poll(&base, &http, &shop.device_token, head, 30);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "nothing new yet");

    set_price(&shop, 0, 15500).await;
    let (held, page) = waiting.await.unwrap();
    assert!(
        held < Duration::from_secs(30),
        "woken through the database, not by the wait running out"
    );
    assert_eq!(types(&page), ["variant_upserted"], "{page}");
    assert_eq!(page["changes"][0]["price"]["minor"], 15500);
    second.stop().await.unwrap();
}

/// The page a till of `shop`, caught up and long-polling, is woken with
/// when `write` is done; woken at once, not at the end of its wait.
async fn woken_by<F: std::future::Future<Output = (StatusCode, Value)>>(
    shop: &Shop,
    write: F,
) -> Value {
    let (base, http) = (&shop.hub.base, &shop.hub.http);
    let here = caught_up(base, http, &shop.device_token).await;
    let waiting = long_poll(base, http, &shop.device_token, here, 30);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, b) = write.await;
    assert!(s.is_success(), "{b}");
    let (held, page) = waiting.await.unwrap();
    assert!(held < Duration::from_secs(30), "woken by the write: {page}");
    page
}

/// HQ's writes that reach the tills outside the catalog and the ledger wake
/// them too: a credit account opened, and one changed.
async fn a_credit_account_wakes_its_stores_tills(backend: Backend) {
    let shop = shop(backend).await;
    let path = format!("/v1/stores/{}/credit-accounts/9876543210", shop.store_id);
    for limit in [100_000, 50_000] {
        let limit = json!({"limit": {"minor": limit, "currency": "INR"}});
        let page = woken_by(&shop, shop.hub.put(&path, &shop.api_key, limit)).await;
        assert_eq!(types(&page), ["credit_account_changed"], "{page}");
    }
}
on_both_backends!(a_credit_account_wakes_its_stores_tills);

/// HQ correcting a customer, and revoking a till that held some of her
/// limit, wake the store's waiting tills at once.
async fn hq_corrections_and_revocations_wake_the_stores_tills(backend: Backend) {
    let shop = shop(backend).await;
    let mut doc = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(
        &mut doc,
        automerge::ROOT,
        "+919876543210/phone",
        "+919876543210",
    )
    .unwrap();
    shop.push_document("customer_profiles", &mut doc).await;
    let account = format!("/v1/stores/{}/credit-accounts/9876543210", shop.store_id);
    let (s, b) = shop
        .hub
        .put(
            &account,
            &shop.api_key,
            json!({"limit": {"minor": 100_000, "currency": "INR"}}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let other = shop.till_at(&shop.store_id, "Till 2", "t2").await;

    let correction = json!({"name": "Meena Iyer"});
    let page = woken_by(
        &shop,
        shop.hub
            .put("/v1/customers/9876543210", &shop.api_key, correction),
    )
    .await;
    assert!(
        types(&page).contains(&"customer_changed".to_owned()),
        "{page}"
    );

    let revoke = format!(
        "/v1/stores/{}/terminals/{}/revoke",
        shop.store_id, other.terminal_id
    );
    let page = woken_by(&shop, shop.hub.post(&revoke, &shop.api_key, json!({}))).await;
    assert_eq!(types(&page), ["credit_account_changed"], "{page}");
}
on_both_backends!(hq_corrections_and_revocations_wake_the_stores_tills);

/// A till waiting on the feed when HQ revokes it is answered 401 then, not
/// when its wait runs out: at once on the hub that revoked it, and within a
/// look for revocations on another hub of the same database; a change made
/// just after is never served to it, though the store's other till gets it.
async fn a_till_waiting_when_revoked_is_told_then(backend: Backend) {
    let shop = shop(backend).await;
    let other = shop.till_at(&shop.store_id, "Till 2", "t2").await;
    let second = match backend {
        Backend::Postgres => Some(
            cloud_hub::start(HubConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                ..HubConfig::new(shop.hub.database_url.clone())
            })
            .await
            .expect("a second hub on the same database"),
        ),
        Backend::Sqlite => None,
    };
    let http = &shop.hub.http;
    let mut bases = vec![shop.hub.base.clone()];
    bases.extend(second.as_ref().map(|h| h.base_url()));
    let mut tills = vec![(shop.device_token.clone(), shop.terminal_id.clone())];
    tills.push((other.device_token.clone(), other.terminal_id.clone()));
    let third = shop.till_at(&shop.store_id, "Till 3", "t3").await;
    tills.push((third.device_token.clone(), third.terminal_id.clone()));
    // Each hub in turn: a till waiting on it is revoked through the first.
    for (i, (base, (token, terminal))) in bases.iter().zip(tills.iter().skip(1)).enumerate() {
        let here = caught_up(base, http, token).await;
        let bystander = long_poll(base, http, &shop.device_token, here, 6);
        let waiting = long_poll_answer(base, http, token, here, 30);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let path = format!("/v1/stores/{}/terminals/{terminal}/revoke", shop.store_id);
        let (s, b) = shop.hub.post(&path, &shop.api_key, json!({})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        // A change right after the revocation wakes the store; the revoked
        // till is still refused, never served it.
        set_price(&shop, 0, 16_000 + i as i64).await;
        let (held, status, b) = waiting.await.unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{b}");
        assert!(b["detail"].as_str().unwrap().contains("HQ revoked"), "{b}");
        assert!(
            held < Duration::from_secs(20),
            "told, not timed out: {held:?}"
        );
        let (_, page) = bystander.await.unwrap();
        assert_eq!(
            types(&page),
            ["variant_upserted"],
            "another till of the store is served the change: {page}"
        );
    }
    if let Some(second) = second {
        second.stop().await.unwrap();
    }
}
on_both_backends!(a_till_waiting_when_revoked_is_told_then);
