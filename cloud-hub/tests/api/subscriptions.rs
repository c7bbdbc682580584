//! Events out: HQ's webhook subscriptions against a subscriber served by the
//! test (axum on 127.0.0.1:0, the one mock): it gets the events of its types
//! only, and only its tenant's, in order, each verified by the reference
//! `standardwebhooks` package (`ORACLE_PYTHON`, `tests/verify_webhooks.py`);
//! while it is down (503, then refusing connections) later events wait and
//! all arrive once it is back; a poison event is dead-lettered after the
//! (shortened) schedule while the rest flow, then replayed and accepted;
//! pruned events become a dead letter naming the gap; rotation signs with
//! both secrets; two hubs on one database send each event once; bad bodies
//! and the wrong keys are refused by field.

use crate::helpers::*;
use crate::on_both_backends;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use cloud_hub::config::HubConfig;
use hq_client::Method;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the subscriber got.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    id: String,
    signature: String,
    headers: Value,
    body: String,
    /// Answered 2xx.
    accepted: bool,
}

#[derive(Default)]
struct Inbox {
    got: Vec<Got>,
    /// Answer 503 to everything while set.
    unavailable: bool,
    /// Answer 400 to these webhook-ids, forever.
    poison: HashSet<String>,
}

/// The serving task and what stops it.
type Running = (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
);

#[derive(Clone)]
struct Subscriber {
    addr: SocketAddr,
    inbox: Arc<Mutex<Inbox>>,
    stop: Arc<Mutex<Option<Running>>>,
}

async fn receive(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut inbox = inbox.lock().unwrap();
    let id = text("webhook-id");
    let answer = if inbox.unavailable {
        AxumStatus::SERVICE_UNAVAILABLE
    } else if inbox.poison.contains(&id) {
        AxumStatus::BAD_REQUEST
    } else {
        AxumStatus::NO_CONTENT
    };
    inbox.got.push(Got {
        path: uri.path().to_owned(),
        signature: text("webhook-signature"),
        headers: json!({
            "webhook-id": id,
            "webhook-timestamp": text("webhook-timestamp"),
            "webhook-signature": text("webhook-signature"),
        }),
        id,
        body: String::from_utf8_lossy(&body).into_owned(),
        accepted: answer.is_success(),
    });
    answer
}

impl Subscriber {
    async fn start() -> Subscriber {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let s = Subscriber {
            addr: listener.local_addr().unwrap(),
            inbox: Arc::default(),
            stop: Arc::default(),
        };
        s.serve(listener);
        s
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let app = axum::Router::new()
            .route("/{*path}", post(receive))
            .with_state(self.inbox.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        *self.stop.lock().unwrap() = Some((tx, task));
    }

    /// Stops listening: connections are refused until [`Self::restart`].
    async fn shut(&self) {
        let (tx, task) = self.stop.lock().unwrap().take().expect("running");
        let _ = tx.send(());
        task.await.unwrap();
    }

    async fn restart(&self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn got(&self, path: &str) -> Vec<Got> {
        let inbox = self.inbox.lock().unwrap();
        inbox
            .got
            .iter()
            .filter(|g| g.path == path)
            .cloned()
            .collect()
    }

    /// The webhook-ids accepted at `path`, in the order they came.
    fn accepted(&self, path: &str) -> Vec<String> {
        self.got(path)
            .into_iter()
            .filter(|g| g.accepted)
            .map(|g| g.id)
            .collect()
    }
}

/// Waits up to 20 s for `done`, failing with `what`.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `config` sending to http://127.0.0.1, quickly, with a schedule giving up
/// after `give_up`.
fn quick(mut config: HubConfig, give_up: Duration) -> HubConfig {
    config.webhooks.allow_private_http = true;
    config.webhooks.sweep_every = Duration::from_millis(30);
    config.webhooks.timeout = Duration::from_secs(2);
    config.webhooks.schedule.retry_max = Duration::from_millis(80);
    config.webhooks.schedule.give_up_after = give_up;
    config
}

async fn webhook_hub(backend: Backend, give_up: Duration) -> Arc<TestHub> {
    Arc::new(spawn_hub_with(backend, |config| quick(config, give_up)).await)
}

async fn subscribe(shop: &Shop, url: &str, types: &[&str]) -> Value {
    let (s, b) = shop
        .hub
        .post(
            "/v1/webhook-subscriptions",
            &shop.api_key,
            json!({"url": url, "event_types": types, "description": "ERP"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert!(b["secret"].as_str().unwrap().starts_with("whsec_"), "{b}");
    b
}

/// The tenant's events after `after` whose type a subscription to `types`
/// takes (`""` takes all): (seq, id).
async fn expected(shop: &Shop, after: u64, types: &[&str]) -> Vec<(u64, String)> {
    let (s, page) = shop
        .hub
        .get(
            &format!("/v1/events?limit=1000&after={after}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let t = e["event_type"].as_str().unwrap();
            types.iter().any(|p| {
                if p.is_empty() || p.ends_with('.') {
                    t.starts_with(p)
                } else {
                    t == *p
                }
            })
        })
        .map(|e| {
            (
                e["seq"].as_u64().unwrap(),
                e["event_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn ids(events: &[(u64, String)]) -> Vec<String> {
    events.iter().map(|(_, id)| id.clone()).collect()
}

async fn move_stock(shop: &Shop, delta: i64) {
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": shop.variants[0].0, "delta": delta, "reason": "adjustment"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

/// Verifies `requests` with `secret` through the `standardwebhooks` package;
/// the payloads it verified.
fn verify_with_python(secret: &str, requests: &[Got]) -> Vec<Value> {
    let python = std::env::var("ORACLE_PYTHON")
        .expect("ORACLE_PYTHON is not set: run ./scripts/test.sh, which installs standardwebhooks");
    let job = json!({
        "secret": secret,
        "requests": requests.iter().map(|g| json!({"headers": g.headers, "body": g.body})).collect::<Vec<_>>(),
    });
    let mut child = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/verify_webhooks.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the verifier");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "standardwebhooks refused: {said}");
    serde_json::from_str(&said).expect("verified payloads")
}

async fn deliveries(shop: &Shop, sub: &str, query: &str) -> Vec<Value> {
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/webhook-subscriptions/{sub}/deliveries?limit=1000{query}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["items"].as_array().unwrap().clone()
}

/// The deliveries `query` lists once there are `n` of them (a try is
/// recorded just after the subscriber answered it); fails with what there
/// is after 10 s.
async fn recorded(shop: &Shop, sub: &str, query: &str, n: usize) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = deliveries(shop, sub, query).await;
        if listed.len() >= n || Instant::now() > until {
            assert_eq!(listed.len(), n, "{query}: {listed:?}");
            return listed;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn subscribers_get_their_events_in_order_through_outages(backend: Backend) {
    let hub = webhook_hub(backend, Duration::from_secs(60)).await;
    let a = shop_on(hub.clone(), "A").await;
    let b = shop_on(hub.clone(), "B").await;
    let server = Subscriber::start().await;
    let types = ["inventory.stock.adjusted", "catalog."];
    let sub = subscribe(&a, &server.url("/a"), &types).await;
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    let secret = sub["secret"].as_str().unwrap().to_owned();
    let start = sub["cursor_seq"].as_u64().unwrap();
    assert!(
        start > 0,
        "it starts after the shop's opening events: {sub}"
    );
    let b_sub = subscribe(&b, &server.url("/b"), &["inventory."]).await;

    // Events of its types and others (orderability flips, a price).
    move_stock(&a, -50).await;
    move_stock(&a, 5).await;
    let (s, r) = a
        .hub
        .send(
            Method::PUT,
            &format!("/v1/variants/{}/price", a.variants[1].0),
            Some(&a.api_key),
            Some(json!({"price": {"minor": 7000, "currency": "INR"}})),
        )
        .await;
    assert!(s.is_success(), "{r}");
    move_stock(&b, 3).await;
    let want = expected(&a, start, &types).await;
    let all = expected(&a, start, &[""]).await;
    assert!(want.len() >= 3 && all.len() > want.len(), "{all:?}");
    eventually("A's first events", || {
        server.accepted("/a").len() >= want.len()
    })
    .await;
    assert_eq!(
        server.accepted("/a"),
        ids(&want),
        "in order, its types only"
    );
    let b_want = expected(&b, b_sub["cursor_seq"].as_u64().unwrap(), &["inventory."]).await;
    eventually("B's events", || server.accepted("/b").len() >= b_want.len()).await;
    assert_eq!(server.accepted("/b"), ids(&b_want));
    let a_ids: HashSet<String> = ids(&expected(&a, 0, &[""]).await).into_iter().collect();
    assert!(
        server.accepted("/b").iter().all(|id| !a_ids.contains(id)),
        "no tenant hears another's events"
    );

    // Every request verifies with the reference implementation, and the body
    // is the event.
    let payloads = verify_with_python(&secret, &server.got("/a"));
    assert_eq!(payloads[0]["id"], want[0].1);
    assert_eq!(payloads[0]["type"], "inventory.stock.adjusted");
    assert!(payloads[0]["timestamp"].is_string() && payloads[0]["data"].is_object());

    // Down (503): the next event fails and the ones after it wait.
    server.inbox.lock().unwrap().unavailable = true;
    let before = want.last().unwrap().0;
    move_stock(&a, 1).await;
    eventually("a refused try", || {
        server.got("/a").iter().any(|g| !g.accepted)
    })
    .await;
    move_stock(&a, 2).await;
    // Then not even listening: connections are refused.
    server.shut().await;
    move_stock(&a, 3).await;
    // Tried again and again, refused at the door, while the rest wait.
    let until = Instant::now() + Duration::from_secs(20);
    let retrying = loop {
        let retrying = deliveries(&a, &sub_id, "&status=failed").await;
        let refused = retrying.first().is_some_and(|d| {
            d["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("could not connect"))
        });
        if refused || Instant::now() > until {
            break retrying;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(
        retrying.len(),
        1,
        "only the first waiting event is tried: {retrying:?}"
    );
    assert!(
        retrying[0]["attempts"].as_u64().unwrap() >= 2,
        "{retrying:?}"
    );
    assert!(
        retrying[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{retrying:?}"
    );
    let (_, failing) = a
        .hub
        .get(&format!("/v1/webhook-subscriptions/{sub_id}"), &a.api_key)
        .await;
    assert_eq!(failing["cursor_seq"].as_u64().unwrap(), before, "{failing}");
    server.restart().await;
    server.inbox.lock().unwrap().unavailable = false;
    let want = expected(&a, start, &types).await;
    eventually("everything after the outage", || {
        server.accepted("/a").len() >= want.len()
    })
    .await;
    assert_eq!(
        server.accepted("/a"),
        ids(&want),
        "all of them, once, in order"
    );
    verify_with_python(&secret, &server.got("/a"));

    // HQ sees the tries and the last hour's rates (the last answer is
    // recorded just after the subscriber gave it).
    let delivered = recorded(&a, &sub_id, "&status=delivered", want.len()).await;
    let outage = delivered
        .iter()
        .find(|d| d["seq"].as_u64() == Some(before + 1));
    let outage = outage.or_else(|| delivered.iter().find(|d| d["attempts"].as_u64() > Some(1)));
    let outage = outage.expect("the event sent through the outage");
    assert!(outage["attempts"].as_u64().unwrap() >= 2, "{outage}");
    assert_eq!(outage["last_status_code"], 204, "{outage}");
    assert!(outage["last_latency_ms"].is_u64(), "{outage}");
    let (_, read) = a
        .hub
        .get(&format!("/v1/webhook-subscriptions/{sub_id}"), &a.api_key)
        .await;
    let hour = &read["last_hour"];
    assert_eq!(
        hour["delivered"].as_u64(),
        Some(want.len() as u64),
        "{read}"
    );
    assert!(hour["failed"].as_u64().unwrap() >= 2, "{read}");
    assert_eq!(hour["dead"], 0, "{read}");
    assert!(
        hour["p50_ms"].as_u64().unwrap() <= hour["p99_ms"].as_u64().unwrap(),
        "{read}"
    );
    assert!(
        read.get("secret").is_none(),
        "the secret is shown once: {read}"
    );
    assert!(!read.to_string().contains(&secret));
    let (_, listed) = a.hub.get("/v1/webhook-subscriptions", &a.api_key).await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "only its tenant's: {listed}"
    );
    assert!(!listed.to_string().contains(&secret));

    // Paused, nothing goes; resumed, what waited goes.
    let path = format!("/v1/webhook-subscriptions/{sub_id}");
    let (s, paused) = a
        .hub
        .send(
            Method::PATCH,
            &path,
            Some(&a.api_key),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(
        (s, &paused["enabled"]),
        (StatusCode::OK, &json!(false)),
        "{paused}"
    );
    move_stock(&a, 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.accepted("/a").len(),
        want.len(),
        "nothing while paused"
    );
    a.hub
        .send(
            Method::PATCH,
            &path,
            Some(&a.api_key),
            Some(json!({"enabled": true})),
        )
        .await;
    let want = expected(&a, start, &types).await;
    eventually("the paused event", || {
        server.accepted("/a").len() >= want.len()
    })
    .await;
    assert_eq!(server.accepted("/a"), ids(&want));
}
on_both_backends!(subscribers_get_their_events_in_order_through_outages);

async fn a_poison_event_is_dead_lettered_then_replayed(backend: Backend) {
    let hub = webhook_hub(backend, Duration::from_millis(700)).await;
    let shop = shop_on(hub.clone(), "Kirana").await;
    let server = Subscriber::start().await;
    let types = ["inventory.stock.adjusted"];
    let sub = subscribe(&shop, &server.url("/hook"), &types).await;
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    let start = sub["cursor_seq"].as_u64().unwrap();
    let secret = sub["secret"].as_str().unwrap().to_owned();

    // The first event is refused while HQ learns its id, then forever.
    server.inbox.lock().unwrap().unavailable = true;
    move_stock(&shop, 1).await;
    let poison = expected(&shop, start, &types).await[0].clone();
    {
        let mut inbox = server.inbox.lock().unwrap();
        inbox.poison.insert(poison.1.clone());
        inbox.unavailable = false;
    }
    move_stock(&shop, 2).await;
    move_stock(&shop, 3).await;
    let want = expected(&shop, start, &types).await;
    assert_eq!(want.len(), 3);
    eventually("the events after the poison one", || {
        server.accepted("/hook").len() >= 2
    })
    .await;
    assert_eq!(
        server.accepted("/hook"),
        ids(&want[1..]),
        "later events flow, in order"
    );
    let tries_of_poison = server
        .got("/hook")
        .iter()
        .filter(|g| g.id == poison.1)
        .count();
    assert!(
        tries_of_poison >= 2,
        "retried before it was given up: {tries_of_poison}"
    );

    let (s, dead) = shop
        .hub
        .get(
            &format!("/v1/webhook-subscriptions/{sub_id}/dead-letters"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{dead}");
    let dead = dead["items"].as_array().unwrap().clone();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["event_id"], poison.1.as_str());
    assert_eq!(dead[0]["status"], "dead");
    assert_eq!(dead[0]["last_status_code"], 400);
    assert!(
        dead[0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 400"),
        "{dead:?}"
    );
    assert!(dead[0]["attempts"].as_u64().unwrap() as usize >= tries_of_poison - 1);
    let (_, read) = shop
        .hub
        .get(
            &format!("/v1/webhook-subscriptions/{sub_id}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(read["last_hour"]["dead"], 1, "{read}");

    // Replayed once the receiver is fixed: accepted, same webhook-id.
    server.inbox.lock().unwrap().poison.clear();
    let replay = format!(
        "/v1/webhook-subscriptions/{sub_id}/dead-letters/{}/replay",
        poison.1
    );
    let (s, queued) = shop.hub.post(&replay, &shop.api_key, json!({})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["status"], "queued");
    eventually("the replayed dead letter", || {
        server.accepted("/hook").len() >= 3
    })
    .await;
    assert_eq!(server.accepted("/hook")[2], poison.1);
    let (s, again) = shop.hub.post(&replay, &shop.api_key, json!({})).await;
    assert_problem(s, &again, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(again["field"], "event_id");
    let unknown = format!(
        "/v1/webhook-subscriptions/{sub_id}/dead-letters/{}/replay",
        uuid::Uuid::now_v7()
    );
    let (s, b) = shop.hub.post(&unknown, &shop.api_key, json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    recorded(&shop, &sub_id, "&status=delivered", 3).await;
    assert!(deliveries(&shop, &sub_id, "&status=dead").await.is_empty());

    // A range sent again, in order, with the same ids.
    let range = format!("/v1/webhook-subscriptions/{sub_id}/replay");
    for (query, status, field) in [
        ("", StatusCode::UNPROCESSABLE_ENTITY, "from_seq"),
        ("?from_seq=0", StatusCode::UNPROCESSABLE_ENTITY, "from_seq"),
        ("?from_seq=x", StatusCode::UNPROCESSABLE_ENTITY, "from_seq"),
        ("?from_seq=999999", StatusCode::CONFLICT, "from_seq"),
    ] {
        let (s, b) = shop
            .hub
            .post(&format!("{range}{query}"), &shop.api_key, json!({}))
            .await;
        assert_eq!(
            (s, b["field"].as_str()),
            (status, Some(field)),
            "{query}: {b}"
        );
    }
    let (s, moved) = shop
        .hub
        .post(
            &format!("{range}?from_seq={}", want[0].0),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{moved}");
    assert_eq!(moved["cursor_seq"].as_u64(), Some(want[0].0 - 1));
    eventually("the range again", || server.accepted("/hook").len() >= 6).await;
    assert_eq!(server.accepted("/hook")[3..], ids(&want)[..]);
    verify_with_python(&secret, &server.got("/hook"));

    // Events pruned before they could be sent: told as a dead letter.
    let path = format!("/v1/webhook-subscriptions/{sub_id}");
    shop.hub
        .send(
            Method::PATCH,
            &path,
            Some(&shop.api_key),
            Some(json!({"enabled": false})),
        )
        .await;
    move_stock(&shop, 4).await;
    move_stock(&shop, 5).await;
    let pruned = expected(&shop, 0, &[""]).await;
    let head = pruned.last().unwrap().0;
    hub.storage.prune_feed(1).await.expect("prune");
    move_stock(&shop, 6).await;
    shop.hub
        .send(
            Method::PATCH,
            &path,
            Some(&shop.api_key),
            Some(json!({"enabled": true})),
        )
        .await;
    let last = expected(&shop, head, &types).await;
    eventually("the event after the gap", || {
        server.accepted("/hook").last() == last.last().map(|l| &l.1)
    })
    .await;
    let dead = deliveries(&shop, &sub_id, "&status=dead").await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].get("event_id").is_none(), "{dead:?}");
    assert_eq!(dead[0]["gap_to_seq"].as_u64(), Some(head - 1), "{dead:?}");
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("pruned"),
        "{dead:?}"
    );
    let (s, b) = shop
        .hub
        .post(&format!("{range}?from_seq=1"), &shop.api_key, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
}
on_both_backends!(a_poison_event_is_dead_lettered_then_replayed);

async fn a_rotated_secret_signs_beside_the_new_one(backend: Backend) {
    let hub = webhook_hub(backend, Duration::from_secs(60)).await;
    let shop = shop_on(hub.clone(), "Kirana").await;
    let server = Subscriber::start().await;
    let sub = subscribe(&shop, &server.url("/r"), &["inventory.stock.adjusted"]).await;
    let sub_id = sub["id"].as_str().unwrap();
    let old = sub["secret"].as_str().unwrap().to_owned();
    let (s, rotated) = shop
        .hub
        .post(
            &format!("/v1/webhook-subscriptions/{sub_id}/rotate-secret"),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_until"].is_string(), "{rotated}");
    move_stock(&shop, 1).await;
    eventually("the event", || !server.accepted("/r").is_empty()).await;
    let got = server.got("/r");
    assert_eq!(got[0].signature.split(' ').count(), 2, "{:?}", got[0]);
    verify_with_python(&old, &got);
    verify_with_python(&new, &got);
}
on_both_backends!(a_rotated_secret_signs_beside_the_new_one);

async fn bad_subscriptions_and_the_wrong_keys_are_refused(backend: Backend) {
    // This hub sends to https:// only.
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = shop.api_key.as_str();
    let ok = json!({"url": "https://erp.example.com/hooks", "event_types": ["order."]});
    for (body, field) in [
        (
            json!({"url": "http://127.0.0.1:9/h", "event_types": ["order."]}),
            "url",
        ),
        (
            json!({"url": "ftp://erp.example.com/h", "event_types": ["order."]}),
            "url",
        ),
        (
            json!({"url": "not a url", "event_types": ["order."]}),
            "url",
        ),
        (
            json!({"url": "https://erp.example.com/h", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "https://erp.example.com/h", "event_types": ["order.", "Order.placed"]}),
            "event_types[1]",
        ),
        (
            json!({"url": "https://erp.example.com/h", "event_types": ["order."], "description": " "}),
            "description",
        ),
    ] {
        let (s, b) = hub
            .post("/v1/webhook-subscriptions", key, body.clone())
            .await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = hub
        .post(
            "/v1/webhook-subscriptions",
            key,
            json!({"event_types": ["order."]}),
        )
        .await;
    assert!(s.is_client_error(), "{b}");
    assert!(b["detail"].as_str().unwrap().contains("url"), "{b}");

    let (s, created) = hub.post("/v1/webhook-subscriptions", key, ok.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let path = format!(
        "/v1/webhook-subscriptions/{}",
        created["id"].as_str().unwrap()
    );
    let (s, b) = hub
        .send(
            Method::PATCH,
            &path,
            Some(key),
            Some(json!({"url": "http://8.8.8.8/h"})),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("url")),
        "{b}"
    );
    let (s, b) = hub
        .send(
            Method::PATCH,
            &path,
            Some(key),
            Some(json!({"event_types": ["x.."]})),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("event_types[0]")),
        "{b}"
    );
    let (s, b) = hub
        .send(
            Method::PATCH,
            &path,
            Some(key),
            Some(json!({"event_types": ["pos.sale.recorded", "order."], "description": null})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["event_types"], json!(["order.", "pos.sale.recorded"]));

    // Only an owner manages them, and no key limited to some stores.
    for (role, stores) in [
        ("store_manager", vec![shop.store_id.as_str()]),
        ("read_only", vec![]),
        ("catalog_manager", vec![]),
    ] {
        let (s, issued) = hub
            .post(
                "/v1/api-keys",
                key,
                json!({"label": role, "role": role, "store_ids": stores}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{issued}");
        let other = issued["api_key"].as_str().unwrap();
        let (s, b) = hub
            .post("/v1/webhook-subscriptions", other, ok.clone())
            .await;
        assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
        let (s, b) = hub.get("/v1/webhook-subscriptions", other).await;
        assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
        let (s, b) = hub.get(&path, other).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{role}: {b}");
    }

    // Another tenant's owner does not see it.
    let stranger = hub.tenant("Other").await;
    let (s, b) = hub.get(&path, &stranger).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, b) = hub.send(Method::DELETE, &path, Some(&stranger), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (_, none) = hub.get("/v1/webhook-subscriptions", &stranger).await;
    assert_eq!(none, json!([]));

    let (s, _) = hub.send(Method::DELETE, &path, Some(key), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = hub.get(&path, key).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, b) = hub.get("/v1/webhook-subscriptions/nope", key).await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("subscription_id")),
        "{b}"
    );
}
on_both_backends!(bad_subscriptions_and_the_wrong_keys_are_refused);

async fn two_hubs_on_one_database_send_each_event_once(backend: Backend) {
    let hub = webhook_hub(backend, Duration::from_secs(60)).await;
    let shop = shop_on(hub.clone(), "Kirana").await;
    // A second hub on the same database, its own delivery task running
    // beside the first one's all along.
    let second = cloud_hub::start(quick(
        HubConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..HubConfig::new(hub.database_url.clone())
        },
        Duration::from_secs(60),
    ))
    .await
    .unwrap();
    let server = Subscriber::start().await;
    let types = ["inventory."];
    let sub = subscribe(&shop, &server.url("/both"), &types).await;
    let start = sub["cursor_seq"].as_u64().unwrap();
    for delta in 1..=12 {
        move_stock(&shop, delta).await;
        if delta == 6 {
            // Down for a while: both hubs' tasks see the retries due.
            server.inbox.lock().unwrap().unavailable = true;
            tokio::time::sleep(Duration::from_millis(300)).await;
            server.inbox.lock().unwrap().unavailable = false;
        }
    }
    let want = expected(&shop, start, &types).await;
    eventually("every event", || {
        server.accepted("/both").len() >= want.len()
    })
    .await;
    // Time for a second copy to show up, were one on its way.
    tokio::time::sleep(Duration::from_millis(300)).await;
    second.stop().await.unwrap();
    assert_eq!(server.accepted("/both"), ids(&want), "each once, in order");
}
on_both_backends!(two_hubs_on_one_database_send_each_event_once);
